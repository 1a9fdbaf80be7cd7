"""Resizing a server is an order: priced as the difference between the two plans, its quota checked for
what it adds, judged by the approval policy as an order of the new size would be, and only its approval
queues the resize (``provisioning.engine.start_provisioning`` makes the step of an item that names a
resource). The portal, the API and the CLI all call :func:`resize_quotes` and :func:`request_resize`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize
from sovcloud.catalog.models import Plan
from sovcloud.catalog.pricing import estimate
from sovcloud.clock import now
from sovcloud.errors import Conflict, ValidationFailed
from sovcloud.inventory import service as inventory
from sovcloud.inventory.models import Resource
from sovcloud.orders import policies, usage
from sovcloud.orders.choices import RESERVING, Classification, OrderStatus, RuleOutcome
from sovcloud.orders.models import Order, OrderItem
from sovcloud.orders.quotes import QuotaLine
from sovcloud.orders.service import MAX_TITLE, apply_policy
from sovcloud.orders.transitions import transition
from sovcloud.tenancy.quotas import Limits


@dataclass(frozen=True)
class ResizeQuote:
    """What resizing one server to ``plan`` would cost and take, and what the policy would decide now."""

    plan: Plan
    current_monthly: Decimal  #: EUR per month, the current plan
    new_monthly: Decimal  #: EUR per month, the new plan
    hourly_difference: Decimal  #: EUR per hour, new minus current
    lines: list[QuotaLine]  #: only what the resize adds
    verdict: policies.Verdict
    storage_gb: int  #: the server's storage after the resize

    @property
    def difference(self) -> Decimal:
        """EUR per month, new minus current (negative for a smaller plan)."""
        return self.new_monthly - self.current_monthly

    @property
    def fits(self) -> bool:
        return all(line.ok for line in self.lines)

    @property
    def needs_approval(self) -> bool:
        return self.verdict.outcome == RuleOutcome.REQUIRE_APPROVAL

    @property
    def refused(self) -> bool:
        return self.verdict.outcome == RuleOutcome.REJECT


def _pricing_parameters(resource: Resource) -> dict[str, str]:
    # a vm is priced by its plan (its data volume is a resource of its own): the image only makes the
    # parameters valid, it changes no price
    return {"image": str(resource.attributes.get("image") or resource.name)}


def _classification(session: Session, resource: Resource) -> Classification:
    found = session.scalar(select(Order.classification).where(Order.id == resource.order_id)) \
        if resource.order_id else None
    return Classification(found or Classification.STANDARD)


def _quote(session: Session, resource: Resource, current: Plan, plan: Plan) -> ResizeQuote:
    org = resource.project.organisation_id
    parameters, at = _pricing_parameters(resource), now()
    old = estimate(session, organisation_id=org, plan_id=current.id, parameters=parameters, at=at)
    new = estimate(session, organisation_id=org, plan_id=plan.id, parameters=parameters, at=at)
    storage = resource.storage_gb - current.disk_gb + plan.disk_gb
    delta = Limits(vcpus=max(plan.vcpus - resource.vcpus, 0), ram_mb=max(plan.ram_mb - resource.ram_mb, 0),
                   storage_gb=max(storage - resource.storage_gb, 0))
    quota, used = usage.limits(session, resource.project_id), usage.usage(session, resource.project_id)
    lines = [QuotaLine(f.name, getattr(delta, f.name), max(getattr(quota, f.name) - getattr(used, f.name), 0),
                       getattr(quota, f.name)) for f in fields(Limits) if getattr(delta, f.name)]
    facts = policies.OrderFacts(monthly_cost=new.monthly, classification=_classification(session, resource),
                                site=resource.site, organisation_path=resource.project.organisation.path,
                                offering_kinds=frozenset({new.offering_kind}),
                                headroom_pct=policies.headroom_pct(quota, used + delta))
    return ResizeQuote(plan=plan, current_monthly=old.monthly, new_monthly=new.monthly,
                       hourly_difference=new.hourly - old.hourly, lines=lines,
                       verdict=policies.evaluate(session, facts), storage_gb=storage)


def _current_plan(session: Session, resource: Resource) -> Plan | None:
    return session.get(Plan, resource.plan_id) if resource.plan_id else None


def resize_quotes(session: Session, *, actor: Actor, resource: Resource) -> list[ResizeQuote]:
    """Each plan ``resource`` may be resized to, with its price difference, quota fit and the policy's
    verdict (none for a viewer or what is not a server): what the resize form offers."""
    current = _current_plan(session, resource)
    if current is None or not allows_order(actor, resource):
        return []
    return [_quote(session, resource, current, plan)
            for plan in inventory.resize_plans(session, actor=actor, resource=resource)]


def resize_options(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> list[ResizeQuote]:
    """:func:`resize_quotes` of a resource the actor sees (nothing is recorded).

    Raises:
        NotFound: no such resource visible to the actor.
    """
    return resize_quotes(session, actor=actor, resource=inventory.get_resource(session, actor=actor,
                                                                                resource_id=resource_id))


def allows_order(actor: Actor, resource: Resource) -> bool:
    """Whether ``actor`` may both order in the resource's project and operate it (what a resize needs)."""
    return allows(actor, Permission.ORDER_CREATE, resource.scope) and inventory.may_operate(actor, resource)


def pending_resize(session: Session, resource_id: uuid.UUID) -> Order | None:
    """The live resize order of a server, if any (one at a time)."""
    return session.scalar(select(Order).join(OrderItem, OrderItem.order_id == Order.id)
                          .where(OrderItem.resource_id == resource_id, Order.status.in_(RESERVING)).limit(1))


def request_resize(session: Session, *, actor: Actor, resource_id: uuid.UUID, plan_id: uuid.UUID,
                   title: str = "") -> Order:
    """Order the resize of a server to another plan of its offering. The order reserves the quota the
    resize adds, its estimate is the monthly difference, and the approval policy decides as for an order of
    the new plan: approved at once (the resize step is queued), pending approval, or refused.

    Raises:
        NotFound: the resource is not visible.
        PermissionDenied: the actor may not operate it or order in its project.
        Conflict: the server is busy, already has that plan, or a resize of it is already ordered.
        ValidationFailed: not a server, or a plan that is not another of its offering.
        QuotaExceeded: what the resize adds does not fit in the project's quota (nothing is recorded).
    """
    resource = inventory.operable(session, actor, resource_id)
    authorize(actor, Permission.ORDER_CREATE, resource)
    if resource.kind != "server":
        raise ValidationFailed(f"Seul un serveur change de gabarit (ressource {resource.kind}).", field="plan_id")
    current = _current_plan(session, resource)
    if current is not None and plan_id == current.id:
        raise Conflict("Le serveur a déjà ce gabarit.")
    plan = next((p for p in inventory.resize_plans(session, actor=actor, resource=resource) if p.id == plan_id), None)
    if plan is None or current is None:
        raise ValidationFailed("Choisissez un autre gabarit de la même offre.", field="plan_id")
    waiting = pending_resize(session, resource.id)
    if waiting is not None:
        raise Conflict(f"Un changement de gabarit de {resource.name} est déjà demandé (commande « {waiting.title} », "
                       "en cours) : attendez son issue ou annulez-la.")
    found = _quote(session, resource, current, plan)
    delta = Limits(**{line.key: line.needed for line in found.lines})
    quota, used = usage.check(session, resource.project_id, delta)  # locks the quota row until commit
    if len(title.strip()) > MAX_TITLE:
        raise ValidationFailed(f"Titre : {MAX_TITLE} caractères au plus.", field="title")
    at = now()
    title = title.strip() or f"Changement de gabarit de {resource.name} : {current.code} → {plan.code}"
    order = Order(project_id=resource.project_id, project=resource.project, requester_id=actor.user_id,
                  requester_name=actor.username, status=OrderStatus.DRAFT,
                  title=title[:200],
                  classification=_classification(session, resource), submitted_at=at,
                  estimate_monthly=found.difference, estimate_hourly=found.hourly_difference)
    for name in ("vcpus", "ram_mb", "storage_gb"):
        setattr(order, name, getattr(delta, name))
    order.items.append(OrderItem(position=0, plan_id=plan.id, kind=plan.offering.kind, name=resource.name, count=1,
                                 resource_id=resource.id, estimate_monthly=found.difference,
                                 parameters={"plan_id": str(plan.id), "flavor": plan.code, "vcpus": plan.vcpus,
                                             "ram_mb": plan.ram_mb, "storage_gb": found.storage_gb,
                                             "from_plan": current.code}))
    session.add(order)
    session.flush()
    audit.record(session, actor=actor, action="order.created", target=order,
                 details={"resize": str(resource.id), "from": current.code, "to": plan.code,
                          "difference_monthly": str(found.difference)})
    transition(session, order, OrderStatus.SUBMITTED, actor=actor, estimate_monthly=str(found.difference))
    facts = policies.OrderFacts(monthly_cost=found.new_monthly, classification=order.classification,
                                site=resource.site, organisation_path=resource.project.organisation.path,
                                offering_kinds=frozenset({str(plan.offering.kind)}),
                                headroom_pct=policies.headroom_pct(quota, used + delta))
    apply_policy(session, actor, order, facts)
    return order
