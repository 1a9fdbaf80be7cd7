"""The catalogue and the order form: choose a project, an offering and a plan, the count, site, classification,
end date and the offering's parameters; the estimate and the quota check follow the fields (HTMX posts the form
to ``/orders/estimate`` on every change); submitting places the order through ``orders.service.create_order``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows
from sovcloud.catalog import pricing
from sovcloud.catalog.models import Offering, Plan
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.inventory import service as inventory
from sovcloud.orders import quotes, service
from sovcloud.orders.choices import Classification
from sovcloud.resilience import service as sites
from sovcloud.tenancy import service as tenancy
from sovcloud.tenancy.models import Project
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, redirect, render

router = APIRouter(route_class=PortalRoute)
PROJECT_LIMIT = 300
IMAGES = ("debian-12", "ubuntu-24.04", "rocky-9", "windows-2022")


@dataclass
class OrderForm:
    """The order form's fields as typed (strings), so a refused form comes back as it was."""

    project_id: str = ""
    offering_id: str = ""
    plan_id: str = ""
    name: str = ""
    count: str = "1"
    title: str = ""
    site: str = ""
    classification: str = Classification.STANDARD.value
    end_date: str = ""
    image: str = IMAGES[0]
    data_volume_gb: str = "0"
    network_id: str = ""
    security_groups: str = ""
    ssh_key: str = ""
    user_data: str = ""
    size_gb: str = "50"
    cidr: str = "10.0.0.0/24"
    rules: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> OrderForm:
        found = cls(**{f.name: str(data.get(f.name, f.default)).strip()[:70_000] for f in fields(cls)})
        getlist = getattr(data, "getlist", None)
        if getlist is not None:  # several security groups ticked (or one comma-separated text)
            found.security_groups = ",".join(str(v).strip() for v in getlist("security_groups") if str(v).strip())
        return found

    def groups(self) -> list[str]:
        return [g.strip() for g in self.security_groups.split(",") if g.strip()]

    def number(self, name: str, label: str) -> int:
        try:
            return int(getattr(self, name) or 0)
        except ValueError:
            raise ValidationFailed(f"{label} : un nombre entier est attendu.", field=name) from None

    def parameters(self, kind: str) -> dict[str, Any]:
        """The offering kind's parameters, leaving out what was left empty.

        Raises:
            ValidationFailed: a number or a rule line that does not read.
        """
        if kind == "vm":
            params: dict[str, Any] = {"image": self.image}
            if self.number("data_volume_gb", "Volume de données"):
                params["data_volume_gb"] = self.number("data_volume_gb", "Volume de données")
            if self.network_id:
                params["network_id"] = self.network_id
            groups = self.groups()
            if groups:
                params["security_groups"] = groups
            for key in ("ssh_key", "user_data"):
                if getattr(self, key):
                    params[key] = getattr(self, key)
            return params
        if kind == "volume":
            return {"size_gb": self.number("size_gb", "Taille")}
        if kind == "network":
            return {"cidr": self.cidr}
        if kind == "security_group":
            return {"rules": [_rule(line) for line in self.rules.splitlines() if line.strip()]}
        return {}

    def end(self) -> datetime | None:
        if not self.end_date:
            return None
        try:
            return datetime.combine(date.fromisoformat(self.end_date), time(23, 59), tzinfo=UTC)
        except ValueError:
            raise ValidationFailed("Date de fin invalide (format attendu : AAAA-MM-JJ).", field="end_date") from None


def _rule(line: str) -> dict[str, Any]:
    """``tcp 22 0.0.0.0/0`` or ``udp 1000-2000`` or ``icmp`` → a security group rule."""
    parts = line.split()
    rule: dict[str, Any] = {"protocol": parts[0].lower()}
    try:
        if len(parts) > 1:
            low, _, high = parts[1].partition("-")
            rule.update(port_min=int(low), port_max=int(high or low))
    except ValueError:
        raise ValidationFailed(f"Règle illisible : « {line} » (ex. : tcp 22 10.0.0.0/8).", field="rules") from None
    if len(parts) > 2:
        rule["remote_cidr"] = parts[2]
    return rule


def _orderable_projects(session: Session, actor: Actor) -> list[Project]:
    projects = session.scalars(tenancy.projects_query(actor).limit(PROJECT_LIMIT))
    return [p for p in projects if allows(actor, Permission.ORDER_CREATE, p.scope)]


def _context(session: Session, actor: Actor, form: OrderForm) -> dict[str, Any]:
    """Projects, offerings and plans to choose from, with the form's choices resolved (first ones by default)."""
    projects = _orderable_projects(session, actor)
    project = next((p for p in projects if str(p.id) == form.project_id), projects[0] if projects else None)
    priced: list[pricing.PricedOffering] = []
    if project is not None:
        priced = pricing.priced_offerings_for(session, actor=actor, organisation_id=project.organisation_id)
    offerings: list[Offering] = [p.offering for p in priced]
    offering = next((o for o in offerings if str(o.id) == form.offering_id), None) or next(
        (o for o in offerings if o.kind == "vm"), offerings[0] if offerings else None)
    prices = next((p.prices for p in priced if offering is not None and p.offering.id == offering.id), {})
    plans: list[Plan] = offering.active_plans if offering else []
    plan = next((p for p in plans if str(p.id) == form.plan_id), plans[0] if plans else None)
    form.project_id = str(project.id) if project else ""
    form.offering_id = str(offering.id) if offering else ""
    form.plan_id = str(plan.id) if plan else ""
    networks, groups = [], []
    if project is not None and offering is not None and offering.kind == "vm":
        networks = inventory.project_resources(session, actor=actor, project_id=project.id, kind="network")
        groups = inventory.project_resources(session, actor=actor, project_id=project.id, kind="security_group")
    return {"form": form, "projects": projects, "project": project, "offerings": offerings, "offering": offering,
            "networks": networks, "security_groups": groups,
            "plans": plans, "plan": plan, "prices": prices, "images": IMAGES, "sites": sites.orderable_names(session),
            "classifications": [c.value for c in Classification], "priced": priced}


def _quote_or_error(session: Session, actor: Actor,
                    ctx: dict[str, Any]) -> tuple[quotes.Quote | None, DomainError | None]:
    if ctx["project"] is None or ctx["plan"] is None:
        return None, ValidationFailed("Choisissez un projet et un gabarit.", field="plan_id")
    form: OrderForm = ctx["form"]
    try:
        return quotes.quote(session, actor=actor, project_id=ctx["project"].id, plan_id=ctx["plan"].id,
                            parameters=form.parameters(ctx["offering"].kind),
                            count=form.number("count", "Quantité")), None
    except DomainError as exc:
        return None, exc


#: the API's names of the order's fields, as the form calls them
FIELD_ALIASES = {"site_preference": "site", "items": "plan_id", "kind": "offering_id"}
FORM_FIELDS = frozenset(f.name for f in fields(OrderForm))


def _page(request: Request, form: OrderForm, *, error: DomainError | None = None) -> Response:
    with acting(request) as (session, actor):
        ctx = _context(session, actor, form)
        ctx["quote"], ctx["quote_error"] = _quote_or_error(session, actor, ctx)
        errors = forms.form_errors(error, fields=FORM_FIELDS, aliases=FIELD_ALIASES) if error else forms.FormErrors()
        return render(request, "orders/new.html", {**ctx, "error": error, "errors": errors},
                      status=error.status if error else 200, actor=actor)


@router.get("/orders/new")
def order_form(request: Request) -> Response:
    """The catalogue of the chosen project's organisation and the order form, with its first estimate."""
    return _page(request, OrderForm.of(request.query_params))


def _estimate(request: Request, form: OrderForm) -> Response:
    with acting(request) as (session, actor):
        ctx = _context(session, actor, form)
        found, error = _quote_or_error(session, actor, ctx)
        return render(request, "orders/_estimate.html", {**ctx, "quote": found, "quote_error": error}, actor=actor)


@router.post("/orders/estimate")
async def order_estimate(request: Request) -> Response:
    """The estimate and quota check for the form as it is now (an HTMX fragment)."""
    form = OrderForm.of(await request.form())
    return await run_in_threadpool(_estimate, request, form)


def _uuid(value: str, name: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise ValidationFailed("Choisissez une valeur proposée.", field=name) from None


def _classification(value: str) -> Classification:
    try:
        return Classification(value or Classification.STANDARD.value)
    except ValueError:
        raise ValidationFailed("Choisissez une classification proposée.", field="classification") from None


def _place(request: Request, form: OrderForm) -> Response:
    try:
        with acting(request, write=True) as (session, actor):
            plan_id, project_id = _uuid(form.plan_id, "plan_id"), _uuid(form.project_id, "project_id")
            if plan_id is None or project_id is None:
                raise ValidationFailed("Choisissez un projet et un gabarit.", field="plan_id")
            project = tenancy.get_project(session, actor=actor, project_id=project_id)
            plan = pricing.orderable_plan(session, organisation_id=project.organisation_id, plan_id=plan_id)
            item = service.ItemIn(plan_id=plan.id, name=form.name, count=form.number("count", "Quantité"),
                                  parameters=form.parameters(plan.offering.kind))
            order = service.create_order(session, actor=actor, project_id=project_id, items=[item], title=form.title,
                                         classification=_classification(form.classification),
                                         site_preference=form.site or None, end_date=form.end(), submit=True)
            target = f"/orders/{order.id}?done=created"
    except DomainError as exc:
        return _page(request, form, error=exc)
    return redirect(request, target)


@router.post("/orders")
async def place_order(request: Request) -> Response:
    """Place the order; any refusal (quota, parameters, rights…) comes back as an alert above the kept fields."""
    form = OrderForm.of(await request.form())
    return await run_in_threadpool(_place, request, form)
