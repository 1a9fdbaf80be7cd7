"""The operator console: capacity per site and hypervisor, recent orders of every tenant, the workers, the
approval policy (list, add, enable / disable, delete) and the catalogue with its public prices (read-only)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import authorize
from sovcloud.catalog import pricing
from sovcloud.catalog import service as catalog
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.orders import policies, service
from sovcloud.orders.choices import Classification, RuleOutcome
from sovcloud.resilience import service as sites
from sovcloud.resilience.models import STATE_LABELS, SiteState
from sovcloud.supervision import capacity, health
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render, settings_of
from sovcloud.web.labels import DONE, OFFERING_KINDS

router = APIRouter(route_class=PortalRoute)
RECENT_ORDERS = 15


@dataclass(frozen=True)
class Use:
    """One capacity gauge: ``used`` out of ``total``."""

    used: int
    total: int

    @property
    def percent(self) -> int:
        return 0 if self.total <= 0 else min(100, round(100 * self.used / self.total))


def _gauges(vcpus_used: int, vcpus_capacity: int, ram_used: int, ram_capacity: int) -> dict[str, Use]:
    return {"vcpus": Use(vcpus_used, vcpus_capacity), "ram": Use(ram_used, ram_capacity)}


@router.get("/operator")
def console(request: Request) -> Response:
    """The sites, capacity per site and hypervisor (allocated against (total − reserved) × allocation ratio,
    as the provider reports it), and the latest orders."""
    with acting(request) as (session, actor):
        authorize(actor, Permission.CAPACITY_READ)
        error = None
        try:
            report: capacity.CapacityReport | None = capacity.report(actor=actor, provider=request.app.state.provider)
        except capacity.CapacityUnavailable as exc:
            report, error = None, exc
        orders = list(session.scalars(service.orders_query(actor).limit(RECENT_ORDERS)))
        sites = [(s, _gauges(s.vcpus_used, s.vcpus_capacity, s.ram_mb_used, s.ram_mb_capacity))
                 for s in (report.sites if report else [])]
        hosts = [(h, _gauges(h.vcpus_used, h.vcpus_capacity, h.ram_mb_used, h.ram_mb_capacity))
                 for h in (report.hypervisors if report else [])]
        return render(request, "operator/index.html", {"sites": sites, "hosts": hosts, "capacity_error": error,
                                                       "orders": orders, "places": site_rows(session, actor)})


def site_rows(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The sites as the console shows them: where each is, its zone and storage, its state in words."""
    return [{**sites.describe(s), "state_label": STATE_LABELS[SiteState(s.state)]}
            for s in sites.list_sites(session, actor=actor)]


@router.get("/operator/workers")
def workers(request: Request) -> Response:
    """Each worker, its last heartbeat, the steps it holds and the periodic rounds it took last."""
    beat_s = settings_of(request).worker_heartbeat_s
    with acting(request) as (session, actor):
        views = health.worker_views(session, actor=actor, beat_s=beat_s)
        return render(request, "operator/workers.html", {"workers": views, "beat_s": f"{beat_s:g}"})


def _rules_page(request: Request, session: Session, actor: Actor, *, status: int = 200, **extra: Any) -> Response:
    authorize(actor, Permission.POLICY_MANAGE)
    context = {"rules": policies.list_rules(session, actor=actor), "outcomes": list(RuleOutcome),
               "approver_roles": [Role.PROJECT_ADMIN, Role.ORGANISATION_ADMIN, Role.FINANCE, Role.PLATFORM_OPERATOR],
               "classifications": [c.value for c in Classification], "sites": sites.all_names(session),
               "kinds": OFFERING_KINDS, "done": DONE.get(str(request.query_params.get("done"))), **extra}
    return render(request, "operator/rules.html", context, status=status, actor=actor)


@router.get("/operator/rules")
def rules(request: Request) -> Response:
    """The approval policy, in evaluation order."""
    with acting(request) as (session, actor):
        return _rules_page(request, session, actor)


def _conditions(min_cost: str, headroom: str, classifications: list[str], sites: list[str],
                kinds: list[str]) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if min_cost.strip():
        conditions["min_monthly_cost"] = min_cost.strip().replace(",", ".")
    if headroom.strip():
        try:
            conditions["max_quota_headroom_pct"] = float(headroom.replace(",", "."))
        except ValueError:
            raise ValidationFailed("Marge de quota : un pourcentage est attendu.", field="headroom") from None
    for key, values in (("classifications", classifications), ("sites", sites), ("offering_kinds", kinds)):
        if values:
            conditions[key] = values
    return conditions


#: the API's names of a rule's fields, as the form calls them
RULE_ALIASES = {"headroom": "max_quota_headroom_pct", "conditions.min_monthly_cost": "min_monthly_cost"}
RULE_FIELDS = ("name", "position", "outcome", "approver_role", "approvals_required", "min_monthly_cost",
               "max_quota_headroom_pct", "classifications", "sites", "offering_kinds")


def _rule_refused(request: Request, exc: DomainError, values: Mapping[str, Any]) -> Response:
    """The policy page again, the new rule's form filled as it was typed, each fault next to its field."""
    errors = forms.form_errors(exc, fields=RULE_FIELDS, aliases=RULE_ALIASES)
    with acting(request) as (session, actor):
        return _rules_page(request, session, actor, status=exc.status, error=exc, errors=errors, values=values)


@router.post("/operator/rules")
@forms.on_invalid(_rule_refused)
def add_rule(request: Request, name: Annotated[str, Form(min_length=1, max_length=120)],
             position: Annotated[int, Form(ge=0, le=100_000)], outcome: Annotated[RuleOutcome, Form()],
             approver_role: Annotated[str, Form(max_length=40)] = "",
             approvals_required: Annotated[int, Form(ge=0, le=2)] = 1,
             min_monthly_cost: Annotated[str, Form(max_length=20)] = "",
             max_quota_headroom_pct: Annotated[str, Form(max_length=10)] = "",
             classifications: Annotated[list[str] | None, Form()] = None,
             sites: Annotated[list[str] | None, Form()] = None,
             offering_kinds: Annotated[list[str] | None, Form()] = None) -> Response:
    """Add a rule to the policy."""
    try:
        with acting(request, write=True) as (session, actor):
            conditions = _conditions(min_monthly_cost, max_quota_headroom_pct, classifications or [], sites or [],
                                     offering_kinds or [])
            policies.create_rule(session, actor=actor, name=name.strip(), position=position, outcome=outcome,
                                 conditions=conditions, approver_role=approver_role or None,
                                 approvals_required=approvals_required)
    except DomainError as exc:
        typed = [("name", name), ("position", str(position)), ("outcome", outcome.value),
                 ("approver_role", approver_role), ("approvals_required", str(approvals_required)),
                 ("min_monthly_cost", min_monthly_cost), ("max_quota_headroom_pct", max_quota_headroom_pct)]
        for key, chosen in (("classifications", classifications), ("sites", sites), ("offering_kinds", offering_kinds)):
            typed += [(key, v) for v in chosen or []]
        return _rule_refused(request, exc, ImmutableMultiDict(typed))
    return redirect(request, "/operator/rules?done=rule_created")


def _rule_change(request: Request, rule_id: uuid.UUID, *, enabled: bool | None = None,
                 delete: bool = False) -> Response:
    try:
        with acting(request, write=True) as (session, actor):
            if delete:
                policies.delete_rule(session, actor=actor, rule_id=rule_id)
            else:
                policies.update_rule(session, actor=actor, rule_id=rule_id, enabled=enabled)
    except DomainError as exc:
        with acting(request) as (session, actor):
            return _rules_page(request, session, actor, status=exc.status, error=exc)
    return redirect(request, f"/operator/rules?done={'rule_deleted' if delete else 'rule_updated'}")


@router.post("/operator/rules/{rule_id}/enabled")
def toggle_rule(request: Request, rule_id: str, enabled: Annotated[bool, Form()]) -> Response:
    """Enable or disable a rule."""
    return _rule_change(request, parse_id(rule_id), enabled=enabled)


@router.post("/operator/rules/{rule_id}/delete")
def delete_rule(request: Request, rule_id: str) -> Response:
    """Remove a rule (the page asked for confirmation)."""
    return _rule_change(request, parse_id(rule_id), delete=True)


@router.get("/operator/catalogue")
def catalogue(request: Request) -> Response:
    """Offerings, plans and the prices of the default list in force (read-only)."""
    with acting(request) as (session, actor):
        offerings = catalog.list_offerings(session, actor=actor, include_retired=True)
        current = pricing.price_list_in_force(session, actor=actor)
        prices: dict[uuid.UUID, tuple[Decimal, Decimal]] = {
            p.plan_id: (p.per_hour, p.per_gb_month) for p in (current.prices if current else [])}
        return render(request, "operator/catalogue.html", {"offerings": offerings, "price_list": current,
                                                           "prices": prices})
