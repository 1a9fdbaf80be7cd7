"""Application stages and their allowed transitions, environments, criticality, homologation states, with
the French labels the portal and the messages use."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where an application is in its life on the platform."""

    CANDIDATE = "candidate"
    SECURITY_VALIDATION = "security_validation"
    CONFORMITY_TESTS = "conformity_tests"
    PRODUCTION = "production"
    RETIRED = "retired"


S = Stage

#: the life cycle: from → allowed next stages (the service adds the guards: a valid homologation to leave
#: security validation, every conformity check passed to reach production)
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    S.CANDIDATE: frozenset({S.SECURITY_VALIDATION, S.RETIRED}),
    S.SECURITY_VALIDATION: frozenset({S.CONFORMITY_TESTS, S.RETIRED}),
    S.CONFORMITY_TESTS: frozenset({S.PRODUCTION, S.SECURITY_VALIDATION, S.RETIRED}),
    S.PRODUCTION: frozenset({S.RETIRED}),
    S.RETIRED: frozenset(),
}

STAGE_LABELS: dict[Stage, str] = {
    S.CANDIDATE: "Candidate", S.SECURITY_VALIDATION: "Validation de sécurité",
    S.CONFORMITY_TESTS: "Tests de conformité", S.PRODUCTION: "En production", S.RETIRED: "Retirée",
}
STAGE_BADGES: dict[Stage, str] = {
    S.CANDIDATE: "new", S.SECURITY_VALIDATION: "info", S.CONFORMITY_TESTS: "info", S.PRODUCTION: "success",
    S.RETIRED: "new",
}


class EnvironmentKind(StrEnum):
    DEVELOPMENT = "development"
    RECETTE = "recette"
    PREPRODUCTION = "preproduction"
    PRODUCTION = "production"


ENVIRONMENT_LABELS: dict[EnvironmentKind, str] = {
    EnvironmentKind.DEVELOPMENT: "Développement", EnvironmentKind.RECETTE: "Recette",
    EnvironmentKind.PREPRODUCTION: "Préproduction", EnvironmentKind.PRODUCTION: "Production",
}


class DataClassification(StrEnum):
    """Sensitivity of the application's data: the same values as an order's classification
    (``orders.choices.Classification``, a higher context this one may not import; a test keeps them equal)."""

    STANDARD = "standard"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"


class Criticality(StrEnum):
    """How much the ministry depends on the application (feeds the HA priority)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VITAL = "vital"


CRITICALITY_LABELS: dict[Criticality, str] = {
    Criticality.LOW: "Faible", Criticality.MEDIUM: "Moyenne", Criticality.HIGH: "Élevée",
    Criticality.VITAL: "Vitale",
}


class StepKind(StrEnum):
    """The steps of a homologation dossier, in order; the decision closes it."""

    RISK_ANALYSIS = "risk_analysis"
    SECURITY_TESTS = "security_tests"
    ACTION_PLAN = "action_plan"
    DECISION = "decision"


#: the steps to complete before a decision may be recorded
PREREQUISITES = (StepKind.RISK_ANALYSIS, StepKind.SECURITY_TESTS, StepKind.ACTION_PLAN)

STEP_LABELS: dict[StepKind, str] = {
    StepKind.RISK_ANALYSIS: "Analyse de risques", StepKind.SECURITY_TESTS: "Tests de sécurité",
    StepKind.ACTION_PLAN: "Plan d'action", StepKind.DECISION: "Décision",
}


class Decision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class HomologationStatus(StrEnum):
    """A dossier as its reader sees it now (computed from the decision, its expiry and reminder dates)."""

    IN_PROGRESS = "in_progress"
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REFUSED = "refused"


HOMOLOGATION_LABELS: dict[HomologationStatus, str] = {
    HomologationStatus.IN_PROGRESS: "Dossier en cours", HomologationStatus.VALID: "Homologuée",
    HomologationStatus.EXPIRING: "Expire bientôt", HomologationStatus.EXPIRED: "Homologation expirée",
    HomologationStatus.REFUSED: "Homologation refusée",
}
HOMOLOGATION_BADGES: dict[HomologationStatus, str] = {
    HomologationStatus.IN_PROGRESS: "info", HomologationStatus.VALID: "success",
    HomologationStatus.EXPIRING: "warning", HomologationStatus.EXPIRED: "error", HomologationStatus.REFUSED: "error",
}


class Verdict(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


VERDICT_LABELS: dict[Verdict, str] = {Verdict.PENDING: "À examiner", Verdict.PASSED: "Conforme",
                                      Verdict.FAILED: "Non conforme"}

#: homologation validity, in months (6 months to 3 years)
MIN_VALIDITY_MONTHS, MAX_VALIDITY_MONTHS = 6, 36
