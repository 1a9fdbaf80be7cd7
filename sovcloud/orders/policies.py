"""Approval policies as data: ordered rules with conditions and an outcome. The first rule whose
conditions all hold decides, and the order keeps which rule fired and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import authorize
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.logs import get_logger
from sovcloud.orders import approvers
from sovcloud.orders.choices import Classification, RuleOutcome
from sovcloud.orders.models import ApprovalRule
from sovcloud.resilience.service import require_known as require_sites
from sovcloud.tenancy.quotas import Limits

log = get_logger("sovcloud.orders")


@dataclass(frozen=True)
class OrderFacts:
    """What a rule may look at."""

    monthly_cost: Decimal
    classification: str
    site: str | None
    organisation_path: str
    offering_kinds: frozenset[str]
    headroom_pct: float  #: smallest % of any project quota left after this order
    environment_kind: str | None = None  #: the application environment the order is for, if it names one
    homologation_valid: bool = True  #: its application holds a homologation in force (True without environment)
    homologation_explanation: str = ""  #: why not, in French


@dataclass(frozen=True)
class Verdict:
    outcome: RuleOutcome
    rule_name: str
    reason: str
    approver_role: Role | None
    approvals_required: int


DEFAULT_VERDICT = Verdict(RuleOutcome.REQUIRE_APPROVAL, "par défaut",
                          "Aucune règle ne s'applique : approbation par l'administrateur du projet.",
                          Role.PROJECT_ADMIN, 1)


def headroom_pct(quota: Limits, used_after: Limits) -> float:
    pcts = [100.0 * (getattr(quota, k) - getattr(used_after, k)) / getattr(quota, k)
            for k in ("vcpus", "ram_mb", "storage_gb", "instances", "public_ips") if getattr(quota, k) > 0]
    return min(pcts) if pcts else 100.0


class RuleConditions(BaseModel):
    """The conditions a rule may state, each typed and bounded: a rule is parsed by this one model when it
    is written and again when it is evaluated, so whatever was saved can always be evaluated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_monthly_cost: Decimal | None = Field(default=None, ge=0, le=Decimal("1e9"), allow_inf_nan=False,
                                             decimal_places=2, description="Fires above this monthly cost (EUR)")
    classifications: list[Classification] | None = Field(default=None, min_length=1, max_length=10)
    sites: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(default=None, min_length=1,
                                                                                   max_length=50)
    organisation_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=500)
    offering_kinds: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=20)
    max_quota_headroom_pct: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False,
                                                 description="Fires when less than this % of a quota is left")
    production_without_homologation: bool | None = Field(
        default=None, description="true: fires for an order for an application's production environment when the "
                                  "application has no homologation in force (expired, refused, in progress, none)")

    def stored(self) -> dict[str, Any]:
        """The JSON form kept on the rule (only the conditions that were given)."""
        return self.model_dump(mode="json", exclude_none=True)


#: French names of the conditions, for messages
CONDITION_LABELS = {"min_monthly_cost": "coût mensuel minimal", "classifications": "classifications",
                    "sites": "sites", "organisation_ids": "organisations", "offering_kinds": "types d'offre",
                    "max_quota_headroom_pct": "marge de quota maximale (%)",
                    "production_without_homologation": "production sans homologation valide"}


CONDITIONS = frozenset(RuleConditions.model_fields)


def parse_conditions(raw: Any) -> RuleConditions:
    """``raw`` as rule conditions.

    Raises:
        ValidationFailed: an unknown condition or a bad value, each fault named ``conditions.<name>``.
    """
    if raw is None:
        return RuleConditions()
    try:
        return RuleConditions.model_validate(raw)
    except ValidationError as exc:
        faults = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            name = str(error["loc"][0]) if error["loc"] else ""
            label = CONDITION_LABELS.get(name)
            message = (f"Condition « {label} » : valeur invalide." if label
                       else f"Condition inconnue : « {name} ». Conditions possibles : "
                            + ", ".join(sorted(CONDITIONS)) + ".")
            faults.append({"field": f"conditions.{where}" if where else "conditions", "message": message})
        raise ValidationFailed(faults[0]["message"], errors=faults) from None


def _matches(conditions: RuleConditions, facts: OrderFacts) -> list[str] | None:
    """The reasons each condition holds, or None when one does not."""
    why: list[str] = []
    if conditions.min_monthly_cost is not None:
        threshold = conditions.min_monthly_cost
        if facts.monthly_cost <= threshold:
            return None
        why.append(f"coût mensuel estimé {facts.monthly_cost} € > seuil {threshold} €")
    if conditions.classifications is not None:
        if facts.classification not in {c.value for c in conditions.classifications}:
            return None
        why.append(f"classification « {facts.classification} »")
    if conditions.sites is not None:
        if facts.site not in conditions.sites:
            return None
        why.append(f"site {facts.site}")
    if conditions.organisation_ids is not None:
        if not any(f"/{org}/" in facts.organisation_path for org in conditions.organisation_ids):
            return None
        why.append("organisation concernée")
    if conditions.offering_kinds is not None:
        kinds = facts.offering_kinds & set(conditions.offering_kinds)
        if not kinds:
            return None
        why.append("offre " + ", ".join(sorted(kinds)))
    if conditions.max_quota_headroom_pct is not None:
        limit = conditions.max_quota_headroom_pct
        if facts.headroom_pct >= limit:
            return None
        why.append(f"il resterait {facts.headroom_pct:.0f} % du quota (< {limit:.0f} %)")
    if conditions.production_without_homologation:
        if facts.environment_kind != "production" or facts.homologation_valid:
            return None
        why.append(facts.homologation_explanation or "production sans homologation valide")
    return why


def evaluate(session: Session, facts: OrderFacts) -> Verdict:
    """The first enabled rule whose conditions all hold, or the default verdict.

    A rule stored before its conditions were validated on write may not parse: it then fails closed (the
    order waits for the default approver, and the reason names the rule to fix), never failing the order."""
    for rule in session.scalars(select(ApprovalRule).where(ApprovalRule.enabled).order_by(ApprovalRule.position)):
        try:
            conditions = RuleConditions.model_validate(rule.conditions)
        except ValidationError:
            log.error("policy.rule_invalid", rule=rule.name)
            return Verdict(DEFAULT_VERDICT.outcome, rule.name,
                           f"La règle « {rule.name} » est invalide : approbation par défaut en attendant sa "
                           "correction.", DEFAULT_VERDICT.approver_role, DEFAULT_VERDICT.approvals_required)
        why = _matches(conditions, facts)
        if why is None:
            continue
        reason = "; ".join(why) if why else "règle générale"
        return Verdict(RuleOutcome(rule.outcome), rule.name, reason,
                       Role(rule.approver_role) if rule.approver_role else None, rule.approvals_required)
    return DEFAULT_VERDICT


def _validate(session: Session, outcome: RuleOutcome, approver_role: str | None, approvals_required: int, *,
              conditions: dict[str, Any], enabled: bool, satisfiable: bool = True) -> None:
    """A rule that asks for approval names a role and one or two approvals — and, when enabled, one that some
    order it applies to could get (``approvers.shortfall``; the seeded default policy, installed before anyone
    holds a role, is not asked). A rule that becomes unsatisfiable later is flagged on its orders."""
    if outcome == RuleOutcome.REQUIRE_APPROVAL:
        if approver_role is None or approver_role not in {r.value for r in Role}:
            raise ValidationFailed("Précisez le rôle approbateur.", field="approver_role")
        if approvals_required not in (1, 2):
            raise ValidationFailed("Une ou deux approbations.", field="approvals_required")
        if not enabled or not satisfiable:
            return
        orgs = RuleConditions.model_validate(conditions).organisation_ids
        why = approvers.shortfall(session, role=Role(approver_role), required=approvals_required,
                                  organisation_ids=orgs)
        if why is not None:
            field = "approver_role" if Role(approver_role) not in approvers.APPROVING_ROLES else "approvals_required"
            raise ValidationFailed(why, field=field)


def create_rule(session: Session, *, actor: Actor, name: str, position: int, outcome: RuleOutcome,
                conditions: dict[str, Any] | None = None, approver_role: str | None = None,
                approvals_required: int = 1, enabled: bool = True, check_approvers: bool = True) -> ApprovalRule:
    """Add a rule to the policy.

    Raises:
        PermissionDenied: the actor may not manage policies.
        ValidationFailed: unknown condition, bad value, missing approver role, or approvals no order it applies
            to could get (a role that cannot approve, fewer holders than approvals asked).
        Conflict: the name is taken.
    """
    authorize(actor, Permission.POLICY_MANAGE)
    conditions = parse_conditions(conditions).stored()
    require_sites(session, conditions.get("sites") or [], field="conditions.sites")  # sites are data
    outcome = RuleOutcome(outcome)
    _validate(session, outcome, approver_role, approvals_required, conditions=conditions, enabled=enabled,
              satisfiable=check_approvers)
    if session.scalar(select(ApprovalRule.id).where(ApprovalRule.name == name)) is not None:
        raise Conflict(f"Une règle « {name} » existe déjà.")
    rule = ApprovalRule(name=name, position=position, outcome=outcome, conditions=conditions, enabled=enabled,
                        approver_role=approver_role if outcome == RuleOutcome.REQUIRE_APPROVAL else None,
                        approvals_required=approvals_required if outcome == RuleOutcome.REQUIRE_APPROVAL else 0)
    session.add(rule)
    session.flush()
    audit.record(session, actor=actor, action="policy.rule_created", target=rule,
                 details={"name": name, "position": position, "outcome": outcome.value, "conditions": conditions,
                          "approver_role": approver_role, "approvals_required": approvals_required})
    return rule


def update_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID, **changes: Any) -> ApprovalRule:
    """Change a rule (position, conditions, outcome, approver, enabled).

    Raises:
        PermissionDenied: the actor may not manage policies.
        NotFound: no such rule.
        ValidationFailed: as :func:`create_rule`.
    """
    authorize(actor, Permission.POLICY_MANAGE)
    rule = session.get(ApprovalRule, rule_id)
    if rule is None:
        raise NotFound(f"Règle {rule_id} introuvable.")
    if changes.get("conditions") is not None:
        changes["conditions"] = parse_conditions(changes["conditions"]).stored()
        require_sites(session, changes["conditions"].get("sites") or [], field="conditions.sites")
    before = {k: getattr(rule, k) for k in changes}
    for key, value in changes.items():
        if value is not None and key in {"name", "position", "outcome", "conditions", "approver_role",
                                         "approvals_required", "enabled"}:
            setattr(rule, key, value)
    _validate(session, RuleOutcome(rule.outcome), rule.approver_role, rule.approvals_required,
              conditions=rule.conditions, enabled=rule.enabled)
    audit.record(session, actor=actor, action="policy.rule_updated", target=rule,
                 details={"from": before, "to": {k: getattr(rule, k) for k in changes}})
    return rule


def delete_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID) -> None:
    """Remove a rule.

    Raises:
        PermissionDenied: the actor may not manage policies.
        NotFound: no such rule.
    """
    authorize(actor, Permission.POLICY_MANAGE)
    rule = session.get(ApprovalRule, rule_id)
    if rule is None:
        raise NotFound(f"Règle {rule_id} introuvable.")
    audit.record(session, actor=actor, action="policy.rule_deleted", target=rule, details={"name": rule.name})
    session.delete(rule)


def list_rules(session: Session, *, actor: Actor) -> list[ApprovalRule]:
    """The policy, in evaluation order (everyone who may read the catalogue may read it)."""
    authorize(actor, Permission.CATALOG_READ)
    return list(session.scalars(select(ApprovalRule).order_by(ApprovalRule.position, ApprovalRule.name)))


DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "Production sans homologation", "position": 5, "outcome": RuleOutcome.REJECT,
     "conditions": {"production_without_homologation": True}},
    {"name": "Données restreintes", "position": 10, "outcome": RuleOutcome.REQUIRE_APPROVAL,
     "conditions": {"classifications": ["restricted"]}, "approver_role": "organisation_admin",
     "approvals_required": 2},
    {"name": "Coût élevé", "position": 20, "outcome": RuleOutcome.REQUIRE_APPROVAL,
     "conditions": {"min_monthly_cost": "1000"}, "approver_role": "organisation_admin", "approvals_required": 1},
    {"name": "Quota presque épuisé", "position": 30, "outcome": RuleOutcome.REQUIRE_APPROVAL,
     "conditions": {"max_quota_headroom_pct": 10}, "approver_role": "project_admin", "approvals_required": 1},
    {"name": "Coût modéré", "position": 40, "outcome": RuleOutcome.REQUIRE_APPROVAL,
     "conditions": {"min_monthly_cost": "200"}, "approver_role": "project_admin", "approvals_required": 1},
    {"name": "Petites commandes", "position": 100, "outcome": RuleOutcome.AUTO_APPROVE, "conditions": {}},
]


def seed_rules(session: Session, *, actor: Actor) -> int:
    """Install the default policy once; returns how many rules were created."""
    if session.scalar(select(ApprovalRule.id).limit(1)) is not None:
        return 0
    for rule in DEFAULT_RULES:  # installed before anyone holds a role: its orders say when it cannot be met
        create_rule(session, actor=actor, check_approvers=False, **rule)
    return len(DEFAULT_RULES)
