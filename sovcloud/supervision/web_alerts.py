"""Operator console: alerts (filters, acknowledgement with a comment) and alert rules (list, add, enable /
disable, delete)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.supervision import alerts, alerts_rules
from sovcloud.supervision.alerts_rules import KIND_LABELS, AlertKind, Severity
from sovcloud.tenancy.models import Organisation
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render

router = APIRouter(route_class=PortalRoute)

SEVERITY_LABELS = {"info": "Information", "minor": "Mineure", "major": "Majeure", "critical": "Critique"}
SEVERITY_BADGES = {"info": "info", "minor": "new", "major": "warning", "critical": "error"}
STATUS_LABELS = {"open": "Ouverte", "resolved": "Résolue", "all": "Toutes"}
DONE = {"acknowledged": "Alerte acquittée.", "rule_created": "Règle d'alerte ajoutée.",
        "rule_updated": "Règle d'alerte modifiée.", "rule_deleted": "Règle d'alerte supprimée."}
RULE_FIELDS = ("name", "kind", "severity", "percent", "minutes", "resource", "organisation_ids")


def _choice(value: str | None, allowed: set[str]) -> str | None:
    return value if value in allowed else None


def _alerts_page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    q = request.query_params
    state = _choice(q.get("status"), {"open", "resolved", "all"}) or "open"
    severity = _choice(q.get("severity"), {s.value for s in Severity})
    ack = {"yes": True, "no": False}.get(str(q.get("ack")))
    with acting(request) as (session, actor):
        rows = alerts.list_alerts(session, actor=actor, status=state, severity=severity, acknowledged=ack, limit=200)
        context = {"alerts": [(a, alerts.is_stale(a)) for a in rows], "state": state, "severity": severity,
                   "ack": q.get("ack") if ack is not None else "", "severities": list(Severity),
                   "severity_labels": SEVERITY_LABELS, "severity_badges": SEVERITY_BADGES,
                   "status_labels": STATUS_LABELS, "done": DONE.get(str(q.get("done"))),
                   "can_manage": _allowed(actor, Permission.ALERT_MANAGE), **extra}
        return render(request, "supervision/alerts.html", context, status=status, actor=actor)


def _allowed(actor: Any, permission: Permission) -> bool:
    from sovcloud.access.service import allows

    return allows(actor, permission)


@router.get("/operator/alerts")
def alerts_page(request: Request,
                status: Annotated[str | None, Query(max_length=10, description="open, resolved, all")] = None,
                severity: Annotated[str | None, Query(max_length=10, description="Severity")] = None,
                ack: Annotated[str | None, Query(max_length=3, description="yes / no")] = None) -> Response:
    """Alerts, unacknowledged for more than 24 h first, with filters."""
    return _alerts_page(request)


@router.post("/operator/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: str, comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Acknowledge an alert with a comment."""
    key = parse_id(alert_id)
    try:
        with acting(request, write=True) as (session, actor):
            alerts.acknowledge(session, actor=actor, alert_id=key, comment=comment)
    except DomainError as exc:
        errors = forms.form_errors(exc, fields=("comment",))
        return _alerts_page(request, status=exc.status, error=exc, errors=errors, failed=key)
    return redirect(request, "/operator/alerts?done=acknowledged")


def _rules_page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    from sqlalchemy import select

    with acting(request) as (session, actor):
        authorize(actor, Permission.ALERT_MANAGE)
        rules = alerts_rules.list_rules(session, actor=actor)
        orgs = list(session.scalars(select(Organisation).order_by(Organisation.code).limit(500)))
        names = {str(o.id): o.code for o in orgs}
        context = {"rules": rules, "kinds": [(k.value, KIND_LABELS[k]) for k in AlertKind],
                   "severities": list(Severity), "severity_labels": SEVERITY_LABELS,
                   "severity_badges": SEVERITY_BADGES, "organisations": orgs, "org_names": names,
                   "done": DONE.get(str(request.query_params.get("done"))), **extra}
        return render(request, "supervision/alert_rules.html", context, status=status, actor=actor)


@router.get("/operator/alert-rules")
def rules_page(request: Request) -> Response:
    """The alert rules."""
    return _rules_page(request)


def _number(value: str, name: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ValidationFailed("Un nombre est attendu.", field=name) from None


@router.post("/operator/alert-rules")
def add_rule(request: Request, name: Annotated[str, Form(max_length=120)] = "",
             kind: Annotated[str, Form(max_length=40)] = "", severity: Annotated[str, Form(max_length=10)] = "",
             percent: Annotated[str, Form(max_length=20)] = "", minutes: Annotated[str, Form(max_length=20)] = "",
             resource: Annotated[str, Form(max_length=10)] = "",
             organisation_ids: Annotated[list[str] | None, Form(max_length=500)] = None) -> Response:
    """Add an alert rule; only the parameters its kind takes are sent to it."""
    typed = {"name": name, "kind": kind, "severity": severity, "percent": percent, "minutes": minutes,
             "resource": resource}
    try:
        with acting(request, write=True) as (session, actor):
            takes = alerts_rules.PARAMS.get(AlertKind(kind)) if kind in {k.value for k in AlertKind} else None
            fields = set(takes.model_fields) if takes is not None else set()
            params: dict[str, Any] = {}
            number = _number(percent, "percent")
            if "percent" in fields and number is not None:
                params["percent"] = number
            minutes_value = _number(minutes, "minutes")
            if "minutes" in fields and minutes_value is not None:
                params["minutes"] = int(minutes_value)
            if "resource" in fields and resource:
                params["resource"] = resource
            ids = [uuid.UUID(i) for i in organisation_ids or [] if _is_uuid(i)]
            alerts_rules.create_rule(session, actor=actor, name=name, kind=kind, params=params, severity=severity,
                                     organisation_ids=ids)
    except DomainError as exc:
        errors = forms.form_errors(exc, fields=RULE_FIELDS,
                                   aliases={"params.percent": "percent", "params.minutes": "minutes",
                                            "params.resource": "resource"})
        return _rules_page(request, status=exc.status, error=exc, errors=errors, values=typed)
    return redirect(request, "/operator/alert-rules?done=rule_created")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _rule_change(request: Request, rule_id: uuid.UUID, *, enabled: bool | None = None,
                 delete: bool = False) -> Response:
    try:
        with acting(request, write=True) as (session, actor):
            if delete:
                alerts_rules.delete_rule(session, actor=actor, rule_id=rule_id)
            else:
                alerts_rules.update_rule(session, actor=actor, rule_id=rule_id, enabled=enabled)
    except DomainError as exc:
        return _rules_page(request, status=exc.status, error=exc)
    return redirect(request, f"/operator/alert-rules?done={'rule_deleted' if delete else 'rule_updated'}")


@router.post("/operator/alert-rules/{rule_id}/enabled")
def toggle_rule(request: Request, rule_id: str, enabled: Annotated[bool, Form()]) -> Response:
    """Enable or disable a rule."""
    return _rule_change(request, parse_id(rule_id), enabled=enabled)


@router.post("/operator/alert-rules/{rule_id}/delete")
def delete_rule(request: Request, rule_id: str) -> Response:
    """Remove a rule (the page asked for confirmation)."""
    return _rule_change(request, parse_id(rule_id), delete=True)
