"""Alert rules as data: a kind of condition, its bounded parameters (one pydantic model per kind, parsed when
the rule is written and again when it is evaluated), a severity and the organisations concerned."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.supervision.models import AlertRule
from sovcloud.tenancy.models import Organisation


class Severity(StrEnum):
    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


#: most severe first
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, Severity.INFO: 3}


class AlertKind(StrEnum):
    SITE_CAPACITY = "site_capacity"  #: allocation on a site above N %
    SITE_DOWN = "site_down"
    HYPERVISOR_DOWN = "hypervisor_down"
    STEP_STUCK = "step_stuck"  #: a step pending or running for more than N minutes
    ORDER_FAILURE_RATE = "order_failure_rate"  #: failed / finished orders of the last hour above N %
    WORKER_HEARTBEAT = "worker_heartbeat"  #: a worker stopped beating (or none beats)
    AUDIT_CHAIN = "audit_chain"  #: the journal's chain does not verify
    DRIFT = "drift"  #: the cloud and the inventory differ
    ORG_QUOTA = "org_quota"  #: an organisation's use above N % of its quota


SiteName = Annotated[str, Field(min_length=1, max_length=64)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteCapacity(_Params):
    percent: float = Field(ge=1, le=100, allow_inf_nan=False, description="Fires above this % of allocation")
    resource: Literal["vcpus", "ram"] = Field(default="vcpus", description="vCPU (cores × overcommit) or RAM")
    sites: list[SiteName] | None = Field(default=None, min_length=1, max_length=50)


class SiteDown(_Params):
    sites: list[SiteName] | None = Field(default=None, min_length=1, max_length=50)


class HypervisorDown(_Params):
    sites: list[SiteName] | None = Field(default=None, min_length=1, max_length=50)


class StepStuck(_Params):
    minutes: int = Field(ge=1, le=10_080, description="Pending or running for longer than this")


class OrderFailureRate(_Params):
    percent: float = Field(ge=0, le=100, allow_inf_nan=False)
    min_orders: int = Field(default=5, ge=1, le=100_000, description="Orders finished in the hour before the "
                                                                      "rate counts")


class WorkerHeartbeat(_Params):
    require_one: bool = Field(default=True, description="Also fire when no worker beats at all")


class AuditChain(_Params):
    pass


class Drift(_Params):
    pass


class OrgQuota(_Params):
    percent: float = Field(ge=1, le=100, allow_inf_nan=False)


PARAMS: dict[AlertKind, type[_Params]] = {
    AlertKind.SITE_CAPACITY: SiteCapacity, AlertKind.SITE_DOWN: SiteDown, AlertKind.HYPERVISOR_DOWN: HypervisorDown,
    AlertKind.STEP_STUCK: StepStuck, AlertKind.ORDER_FAILURE_RATE: OrderFailureRate,
    AlertKind.WORKER_HEARTBEAT: WorkerHeartbeat, AlertKind.AUDIT_CHAIN: AuditChain, AlertKind.DRIFT: Drift,
    AlertKind.ORG_QUOTA: OrgQuota,
}

#: French labels of the kinds (portal, messages)
KIND_LABELS = {
    AlertKind.SITE_CAPACITY: "Capacité d'un site au-dessus de N %", AlertKind.SITE_DOWN: "Site indisponible",
    AlertKind.HYPERVISOR_DOWN: "Hyperviseur indisponible", AlertKind.STEP_STUCK: "Étape bloquée depuis N minutes",
    AlertKind.ORDER_FAILURE_RATE: "Taux d'échec des commandes sur une heure au-dessus de N %",
    AlertKind.WORKER_HEARTBEAT: "Battement d'un worker absent", AlertKind.AUDIT_CHAIN: "Chaîne d'audit rompue",
    AlertKind.DRIFT: "Dérive entre le cloud et l'inventaire",
    AlertKind.ORG_QUOTA: "Quota d'une organisation au-dessus de N %",
}


def parse_params(kind: str, raw: Any) -> _Params:
    """``raw`` as the parameters of ``kind``.

    Raises:
        ValidationFailed: unknown kind, unknown parameter or bad value, each fault named ``params.<name>``.
    """
    try:
        model = PARAMS[AlertKind(kind)]
    except ValueError:
        raise ValidationFailed(f"Type de règle inconnu : « {kind} ».", field="kind") from None
    try:
        return model.model_validate(raw or {})
    except ValidationError as exc:
        faults = [{"field": "params." + ".".join(str(p) for p in e["loc"]) if e["loc"] else "params",
                   "message": f"Paramètre « {'.'.join(str(p) for p in e['loc'])} » : valeur invalide "
                              f"pour une règle « {kind} »."} for e in exc.errors()]
        raise ValidationFailed(faults[0]["message"], errors=faults) from None


def _organisations(session: Session, ids: list[uuid.UUID]) -> list[str]:
    if len(ids) > 500:
        raise ValidationFailed("500 organisations au plus.", field="organisation_ids")
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(ids)))) if ids else set()
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise ValidationFailed(f"Organisation inconnue : {unknown[0]}.", field="organisation_ids")
    return sorted({str(i) for i in ids})


def create_rule(session: Session, *, actor: Actor, name: str, kind: str, params: dict[str, Any] | None,
                severity: str, organisation_ids: list[uuid.UUID] | None = None, enabled: bool = True) -> AlertRule:
    """Add an alert rule.

    Raises:
        PermissionDenied: the actor may not manage alerts.
        ValidationFailed: unknown kind, bad parameter, unknown severity or organisation.
        Conflict: the name is taken.
    """
    authorize(actor, Permission.ALERT_MANAGE)
    name = name.strip()
    if not name:
        raise ValidationFailed("Nommez la règle.", field="name")
    stored = parse_params(kind, params).model_dump(mode="json", exclude_none=True)
    try:
        level = Severity(severity)
    except ValueError:
        raise ValidationFailed("Gravité : info, minor, major ou critical.", field="severity") from None
    orgs = _organisations(session, list(organisation_ids or []))
    if session.scalar(select(AlertRule.id).where(AlertRule.name == name)) is not None:
        raise Conflict(f"Une règle d'alerte « {name} » existe déjà.")
    rule = AlertRule(name=name, kind=AlertKind(kind).value, params=stored, severity=level.value,
                     organisation_ids=orgs, enabled=enabled)
    session.add(rule)
    session.flush()
    audit.record(session, actor=actor, action="alert_rule.created", target=rule,
                 details={"name": name, "kind": rule.kind, "params": stored, "severity": rule.severity,
                          "organisation_ids": orgs, "enabled": enabled})
    return rule


def update_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID, enabled: bool | None = None,
                severity: str | None = None, params: dict[str, Any] | None = None,
                organisation_ids: list[uuid.UUID] | None = None) -> AlertRule:
    """Change a rule (enabled, severity, parameters, organisations).

    Raises:
        PermissionDenied: the actor may not manage alerts.
        NotFound: no such rule.
        ValidationFailed: as :func:`create_rule`.
    """
    authorize(actor, Permission.ALERT_MANAGE)
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"Règle d'alerte {rule_id} introuvable.")
    before = {"enabled": rule.enabled, "severity": rule.severity, "params": rule.params,
              "organisation_ids": rule.organisation_ids}
    if params is not None:
        rule.params = parse_params(rule.kind, params).model_dump(mode="json", exclude_none=True)
    if severity is not None:
        try:
            rule.severity = Severity(severity).value
        except ValueError:
            raise ValidationFailed("Gravité : info, minor, major ou critical.", field="severity") from None
    if organisation_ids is not None:
        rule.organisation_ids = _organisations(session, organisation_ids)
    if enabled is not None:
        rule.enabled = enabled
    rule.updated_at = now()
    audit.record(session, actor=actor, action="alert_rule.updated", target=rule,
                 details={"from": before, "to": {"enabled": rule.enabled, "severity": rule.severity,
                                                 "params": rule.params, "organisation_ids": rule.organisation_ids}})
    return rule


def delete_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID) -> None:
    """Remove a rule (its alerts stay in the history, under the rule's name).

    Raises:
        PermissionDenied: the actor may not manage alerts.
        NotFound: no such rule.
    """
    authorize(actor, Permission.ALERT_MANAGE)
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"Règle d'alerte {rule_id} introuvable.")
    audit.record(session, actor=actor, action="alert_rule.deleted", target=rule, details={"name": rule.name})
    session.delete(rule)


def list_rules(session: Session, *, actor: Actor) -> list[AlertRule]:
    """Every alert rule, by name.

    Raises:
        PermissionDenied: the actor may not read alerts.
    """
    authorize(actor, Permission.ALERT_READ)
    return list(session.scalars(select(AlertRule).order_by(AlertRule.name)))


#: a starting set an operator may install (``sovcloud alerts seed``), then tune: data, not code paths
DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "Site indisponible", "kind": AlertKind.SITE_DOWN, "params": {}, "severity": Severity.CRITICAL},
    {"name": "Hyperviseur indisponible", "kind": AlertKind.HYPERVISOR_DOWN, "params": {},
     "severity": Severity.MAJOR},
    {"name": "Capacité vCPU d'un site", "kind": AlertKind.SITE_CAPACITY, "params": {"percent": 85},
     "severity": Severity.MAJOR},
    {"name": "Étape bloquée", "kind": AlertKind.STEP_STUCK, "params": {"minutes": 30}, "severity": Severity.MAJOR},
    {"name": "Échecs de commandes", "kind": AlertKind.ORDER_FAILURE_RATE, "params": {"percent": 20},
     "severity": Severity.MAJOR},
    {"name": "Worker muet", "kind": AlertKind.WORKER_HEARTBEAT, "params": {}, "severity": Severity.CRITICAL},
    {"name": "Chaîne d'audit rompue", "kind": AlertKind.AUDIT_CHAIN, "params": {}, "severity": Severity.CRITICAL},
    {"name": "Dérive de l'inventaire", "kind": AlertKind.DRIFT, "params": {}, "severity": Severity.MINOR},
    {"name": "Quota d'organisation", "kind": AlertKind.ORG_QUOTA, "params": {"percent": 90},
     "severity": Severity.MINOR},
]


def seed_rules(session: Session, *, actor: Actor) -> list[AlertRule]:
    """Install the default rules not yet present (by name); the ones added.

    Raises:
        PermissionDenied: the actor may not manage alerts.
    """
    authorize(actor, Permission.ALERT_MANAGE)
    present = set(session.scalars(select(AlertRule.name)))
    return [create_rule(session, actor=actor, **rule) for rule in DEFAULT_RULES if rule["name"] not in present]
