"""Approval policies as data: ordered rules with conditions and an outcome. The first rule whose
conditions all hold decides, and the order keeps which rule fired and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import authorize
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.orders.choices import Classification, RuleOutcome
from sovcloud.orders.models import ApprovalRule
from sovcloud.tenancy.quotas import Limits

CONDITIONS = {"min_monthly_cost", "classifications", "sites", "organisation_ids", "offering_kinds",
              "max_quota_headroom_pct"}


@dataclass(frozen=True)
class OrderFacts:
    """What a rule may look at."""

    monthly_cost: Decimal
    classification: str
    site: str | None
    organisation_path: str
    offering_kinds: frozenset[str]
    headroom_pct: float  #: smallest % of any project quota left after this order


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


def _matches(conditions: dict[str, Any], facts: OrderFacts) -> list[str] | None:
    """The reasons each condition holds, or None when one does not."""
    why: list[str] = []
    if "min_monthly_cost" in conditions:
        threshold = Decimal(str(conditions["min_monthly_cost"]))
        if facts.monthly_cost <= threshold:
            return None
        why.append(f"coût mensuel estimé {facts.monthly_cost} € > seuil {threshold} €")
    if "classifications" in conditions:
        if facts.classification not in conditions["classifications"]:
            return None
        why.append(f"classification « {facts.classification} »")
    if "sites" in conditions:
        if facts.site not in conditions["sites"]:
            return None
        why.append(f"site {facts.site}")
    if "organisation_ids" in conditions:
        if not any(f"/{org}/" in facts.organisation_path for org in conditions["organisation_ids"]):
            return None
        why.append("organisation concernée")
    if "offering_kinds" in conditions:
        kinds = facts.offering_kinds & set(conditions["offering_kinds"])
        if not kinds:
            return None
        why.append("offre " + ", ".join(sorted(kinds)))
    if "max_quota_headroom_pct" in conditions:
        limit = float(conditions["max_quota_headroom_pct"])
        if facts.headroom_pct >= limit:
            return None
        why.append(f"il resterait {facts.headroom_pct:.0f} % du quota (< {limit:.0f} %)")
    return why


def evaluate(session: Session, facts: OrderFacts) -> Verdict:
    """The first enabled rule whose conditions all hold, or the default verdict."""
    for rule in session.scalars(select(ApprovalRule).where(ApprovalRule.enabled).order_by(ApprovalRule.position)):
        why = _matches(rule.conditions, facts)
        if why is None:
            continue
        reason = "; ".join(why) if why else "règle générale"
        return Verdict(RuleOutcome(rule.outcome), rule.name, reason,
                       Role(rule.approver_role) if rule.approver_role else None, rule.approvals_required)
    return DEFAULT_VERDICT


def _validate(conditions: dict[str, Any], outcome: RuleOutcome, approver_role: str | None,
              approvals_required: int) -> None:
    unknown = set(conditions) - CONDITIONS
    if unknown:
        raise ValidationFailed(f"Conditions inconnues : {', '.join(sorted(unknown))}.", field="conditions")
    if "min_monthly_cost" in conditions:
        try:
            Decimal(str(conditions["min_monthly_cost"]))
        except InvalidOperation as exc:
            raise ValidationFailed("min_monthly_cost doit être un montant.", field="conditions") from exc
    for key in ("classifications", "sites", "organisation_ids", "offering_kinds"):
        if key in conditions and not isinstance(conditions[key], list):
            raise ValidationFailed(f"{key} doit être une liste.", field="conditions")
    if "classifications" in conditions:
        bad = set(conditions["classifications"]) - {c.value for c in Classification}
        if bad:
            raise ValidationFailed(f"Classification inconnue : {', '.join(sorted(bad))}.", field="conditions")
    if "organisation_ids" in conditions:
        for org in conditions["organisation_ids"]:
            try:
                uuid.UUID(str(org))
            except ValueError as exc:
                raise ValidationFailed(f"Identifiant d'organisation invalide : {org}.", field="conditions") from exc
    if outcome == RuleOutcome.REQUIRE_APPROVAL:
        if approver_role is None or approver_role not in {r.value for r in Role}:
            raise ValidationFailed("Précisez le rôle approbateur.", field="approver_role")
        if approvals_required not in (1, 2):
            raise ValidationFailed("Une ou deux approbations.", field="approvals_required")


def create_rule(session: Session, *, actor: Actor, name: str, position: int, outcome: RuleOutcome,
                conditions: dict[str, Any] | None = None, approver_role: str | None = None,
                approvals_required: int = 1, enabled: bool = True) -> ApprovalRule:
    """Add a rule to the policy.

    Raises:
        PermissionDenied: the actor may not manage policies.
        ValidationFailed: unknown condition, bad value, missing approver role.
        Conflict: the name is taken.
    """
    authorize(actor, Permission.POLICY_MANAGE)
    conditions = conditions or {}
    outcome = RuleOutcome(outcome)
    _validate(conditions, outcome, approver_role, approvals_required)
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
    before = {k: getattr(rule, k) for k in changes}
    for key, value in changes.items():
        if value is not None and key in {"name", "position", "outcome", "conditions", "approver_role",
                                         "approvals_required", "enabled"}:
            setattr(rule, key, value)
    _validate(rule.conditions, RuleOutcome(rule.outcome), rule.approver_role, rule.approvals_required)
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
    for rule in DEFAULT_RULES:
        create_rule(session, actor=actor, **rule)
    return len(DEFAULT_RULES)
