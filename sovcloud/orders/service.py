"""Orders: draft, submit (estimate, quota reservation, approval policy), approve, reject, cancel."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import allows, authorize, grant_covers, scoped, tenant_filter
from sovcloud.applications import gate
from sovcloud.catalog.parameters import parse_parameters
from sovcloud.catalog.pricing import orderable_plan
from sovcloud.clock import now
from sovcloud.errors import PermissionDenied, ValidationFailed
from sovcloud.inventory.lookup import find_in_project
from sovcloud.inventory.models import COUNTED, Resource
from sovcloud.orders import approvers, policies, usage
from sovcloud.orders.choices import (
    LABELS_FR,
    Classification,
    Decision,
    OrderStatus,
    RuleOutcome,
)
from sovcloud.orders.errors import InvalidTransition
from sovcloud.orders.models import Approval, Order, OrderItem
from sovcloud.orders.quotes import MAX_COUNT, price_items
from sovcloud.orders.transitions import transition
from sovcloud.provisioning.engine import start_provisioning
from sovcloud.resilience import service as sites
from sovcloud.tenancy.models import Project

MAX_TITLE = 200
#: who the journal names for what the approval policy decides by itself
POLICY_ACTOR = "politique d'approbation"
#: states an order can still be cancelled in (before its provisioning starts)
CANCELLABLE = frozenset({OrderStatus.DRAFT, OrderStatus.SUBMITTED, OrderStatus.PENDING_APPROVAL,
                         OrderStatus.APPROVED})


@dataclass(frozen=True)
class ItemIn:
    """One line to order."""

    plan_id: uuid.UUID
    name: str
    count: int = 1
    parameters: dict[str, Any] = field(default_factory=dict)


def create_order(session: Session, *, actor: Actor, project_id: uuid.UUID, items: list[ItemIn], title: str = "",
                 classification: Classification = Classification.STANDARD, site_preference: str | None = None,
                 end_date: datetime | None = None, submit: bool = True,
                 application_environment_id: uuid.UUID | None = None) -> Order:
    """Record an order (and by default submit it at once), for an application environment of its project
    when ``application_environment_id`` is given (the homologation gate of the policy looks at it).

    Raises:
        NotFound: the project (or a plan) is not visible.
        PermissionDenied: the actor may not order in this project.
        ValidationFailed: no item, bad count, site, end date or parameters.
        QuotaExceeded / InvalidTransition: from :func:`submit_order`.
    """
    project = scoped(session, Project, actor).get(project_id)
    authorize(actor, Permission.ORDER_CREATE, project)
    if not items:
        raise ValidationFailed("Une commande contient au moins un élément.", field="items")
    if site_preference is not None:  # a site of the sites table, open to orders
        site_preference = sites.require_orderable(session, site_preference).name
    if end_date is not None and end_date <= now():
        raise ValidationFailed("La date de fin doit être dans le futur.", field="end_date")
    if len(title.strip()) > MAX_TITLE:
        raise ValidationFailed(f"Titre : {MAX_TITLE} caractères au plus.", field="title")
    order = Order(project_id=project.id, project=project, requester_id=actor.user_id, requester_name=actor.username,
                  title=title.strip() or items[0].name, classification=Classification(classification),
                  site_preference=site_preference, end_date=end_date, status=OrderStatus.DRAFT)
    if application_environment_id is not None:
        order.application_environment_id = gate.environment_in_project(
            session, environment_id=application_environment_id, project_id=project.id).id
    for position, item in enumerate(items):
        if not 1 <= item.count <= MAX_COUNT:
            raise ValidationFailed(f"Quantité entre 1 et {MAX_COUNT}.", field=f"items.{position}.count")
        name = item.name.strip().lower()
        if not name or len(name) > 56 or not all(c.isalnum() or c == "-" for c in name):
            raise ValidationFailed("Nom : lettres, chiffres et tirets, 56 caractères au plus.",
                                   field=f"items.{position}.name")
        # what a draft keeps is checked as a submission would check it: the plan exists and is open to the
        # organisation, and the parameters are those of its kind (bounded), so a saved draft can be submitted
        plan = orderable_plan(session, organisation_id=project.organisation_id, plan_id=item.plan_id)
        try:
            parse_parameters(plan.offering.kind, item.parameters)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail, errors=[{**e, "field": f"items.{position}.{e['field']}"}
                                                       for e in exc.errors]) from None
        order.items.append(OrderItem(position=position, plan_id=item.plan_id, kind=plan.offering.kind, name=name,
                                     count=item.count, parameters=item.parameters))
    _check_references(session, project.id, items)
    session.add(order)
    session.flush()
    audit.record(session, actor=actor, action="order.created", target=order,
                 details={"items": [{"plan_id": i.plan_id, "count": i.count, "name": i.name} for i in items]})
    if submit:
        _submit(session, actor, order)  # created in this transaction: no one else can see it yet
    return order


#: what a server's parameters may name in its project: parameter → (resource kind, French name)
REFERENCES = {"network_id": ("network", "Réseau"), "security_groups": ("security_group", "Groupe de sécurité")}


def _check_references(session: Session, project_id: uuid.UUID, items: list[ItemIn]) -> None:
    """Refuse, at submission rather than at provisioning, an item naming a network or security group the
    project does not have (another item of the same order may be the one named)."""
    ordered = {item.name.strip().lower() for item in items}
    faults = []
    for position, item in enumerate(items):
        for key, (kind, label) in REFERENCES.items():
            value = item.parameters.get(key)
            refs = value if isinstance(value, list) else [value] if value else []
            for ref in refs:
                if str(ref).lower() not in ordered and find_in_project(session, project_id, kind, str(ref)) is None:
                    faults.append({"field": f"items.{position}.parameters.{key}",
                                   "message": f"{label} « {ref} » introuvable dans le projet : choisissez-en un "
                                              "du projet (actif)."})
    if faults:
        raise ValidationFailed(faults[0]["message"], errors=faults)


def submit_order(session: Session, *, actor: Actor, order_id: uuid.UUID) -> Order:
    """Estimate the cost, reserve the quota and apply the approval policy.

    Raises:
        NotFound: no such order visible to the actor, or a plan not open to its organisation.
        PermissionDenied: the actor may not order in this project.
        InvalidTransition: the order is not a draft.
        ValidationFailed: bad parameters for an offering.
        QuotaExceeded: the project has not enough quota left (nothing is reserved).
    """
    order = scoped(session, Order, actor).get(order_id, for_update=True)
    authorize(actor, Permission.ORDER_CREATE, order)
    return _submit(session, actor, order)


def _submit(session: Session, actor: Actor, order: Order) -> Order:
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition("Seul un brouillon peut être soumis.")
    at = now()
    priced = price_items(session, organisation_id=order.organisation_id, at=at,
                         items=[(i.plan_id, i.parameters, i.count) for i in order.items])
    for item, line in zip(order.items, priced.items, strict=True):
        item.kind = line.estimate.offering_kind
        item.estimate_monthly = line.monthly
    total_hourly, total_monthly, footprint, kinds = priced.hourly, priced.monthly, priced.footprint, priced.kinds
    quota, used = usage.check(session, order.project_id, footprint)
    after = used + footprint
    order.estimate_hourly, order.estimate_monthly = total_hourly, total_monthly
    for name, value in footprint.__dict__.items():
        setattr(order, name, value)
    order.submitted_at = at
    transition(session, order, OrderStatus.SUBMITTED, actor=actor, estimate_monthly=str(total_monthly))
    facts = policies.OrderFacts(monthly_cost=total_monthly, classification=order.classification,
                                site=order.site_preference, organisation_path=order.project.organisation.path,
                                offering_kinds=frozenset(kinds), headroom_pct=policies.headroom_pct(quota, after))
    apply_policy(session, actor, order, facts)
    return order


def apply_policy(session: Session, actor: Actor, order: Order, facts: policies.OrderFacts) -> None:
    """Let the approval policy decide on a submitted order: approve it (provisioning starts), refuse it, or
    make it wait for its approvers (who are told)."""
    held = gate.facts_for(session, order.application_environment_id)  # the homologation gate's facts
    facts = dataclasses.replace(facts, environment_kind=held.environment_kind,
                                homologation_valid=held.homologation_valid,
                                homologation_explanation=held.explanation)
    verdict = policies.evaluate(session, facts)
    order.rule_name, order.rule_reason = verdict.rule_name, verdict.reason
    policy = Actor.system(POLICY_ACTOR, request_id=actor.request_id)  # the policy decides, not the requester
    if verdict.outcome == RuleOutcome.AUTO_APPROVE:
        _approved(session, order, actor, reason=f"Approbation automatique (règle « {verdict.rule_name} »).",
                  decided_by=policy)
    elif verdict.outcome == RuleOutcome.REJECT:
        order.decided_at = now()
        transition(session, order, OrderStatus.PENDING_APPROVAL, actor=actor)
        transition(session, order, OrderStatus.REJECTED, actor=policy, rule=verdict.rule_name,
                   reason=f"Refus automatique (règle « {verdict.rule_name} ») : {verdict.reason}.")
    else:
        order.approver_role = verdict.approver_role.value if verdict.approver_role else Role.PROJECT_ADMIN.value
        order.approvals_required = verdict.approvals_required
        transition(session, order, OrderStatus.PENDING_APPROVAL, actor=actor, rule=verdict.rule_name,
                   reason=f"Approbation requise (règle « {verdict.rule_name} » : {verdict.reason}).")
        approvers.notify_approvers(session, order)


def _approved(session: Session, order: Order, actor: Actor, reason: str, *, decided_by: Actor | None = None) -> None:
    """Approve (journaled as ``decided_by``, the approval policy for an automatic approval) and start the
    provisioning on behalf of ``actor``."""
    order.decided_at = now()
    transition(session, order, OrderStatus.APPROVED, actor=decided_by or actor, reason=reason)
    start_provisioning(session, order=order, actor=actor)


def may_approve(actor: Actor, order: Order) -> bool:
    """Whether ``actor`` may decide on ``order`` now (right role there, not the requester, not yet decided)."""
    if order.status != OrderStatus.PENDING_APPROVAL or actor.user_id is None or actor.user_id == order.requester_id:
        return False
    if not allows(actor, Permission.ORDER_APPROVE, order.scope):
        return False
    if any(a.approver_id == actor.user_id for a in order.approvals):
        return False
    role = Role(order.approver_role or Role.PROJECT_ADMIN)
    return any(g.role in (role, Role.PLATFORM_OPERATOR) and grant_covers(g, order.scope) for g in actor.grants)


def decide(session: Session, *, actor: Actor, order_id: uuid.UUID, decision: Decision, comment: str = "") -> Order:
    """Approve or reject a pending order. Approval completes once the rule's number of distinct approvers
    is reached; one rejection ends it.

    Raises:
        NotFound: no such order visible to the actor.
        InvalidTransition: the order is not pending approval.
        PermissionDenied: the actor is the requester, lacks the approver role, or already decided.
        ValidationFailed: a rejection without a comment.
    """
    order = scoped(session, Order, actor).get(order_id, for_update=True)
    authorize(actor, Permission.ORDER_APPROVE, order)
    if order.status != OrderStatus.PENDING_APPROVAL:
        raise InvalidTransition("Cette commande n'attend pas d'approbation.")
    if actor.user_id == order.requester_id:
        raise PermissionDenied("On n'approuve pas sa propre commande.")
    if not may_approve(actor, order):
        raise PermissionDenied(f"Cette commande doit être approuvée par le rôle {order.approver_role}, "
                               "par une personne qui ne l'a pas déjà fait.")
    decision = Decision(decision)
    if decision == Decision.REJECT and not comment.strip():
        raise ValidationFailed("Un refus doit être motivé.", field="comment")
    order.approvals.append(Approval(order_id=order.id, approver_id=actor.user_id, approver_name=actor.username,
                                    decision=decision, comment=comment.strip()))
    audit.record(session, actor=actor, action=f"order.{decision.value}_vote", target=order,
                 details={"comment": comment})
    if decision == Decision.REJECT:
        order.decided_at = now()
        transition(session, order, OrderStatus.REJECTED, actor=actor, reason=f"Motif : {comment.strip()}")
    elif sum(a.decision == Decision.APPROVE for a in order.approvals) >= order.approvals_required:
        names = ", ".join(a.approver_name for a in order.approvals)
        _approved(session, order, actor, reason=f"Approuvée par {names}.")
    session.flush()
    return order


def may_cancel(actor: Actor, order: Order) -> bool:
    """Whether ``actor`` may cancel ``order`` now: before its provisioning starts, as its requester or as an
    approver of its project (the rule :func:`cancel_order` applies; pages ask it to offer the button)."""
    if OrderStatus(order.status) not in CANCELLABLE:
        return False
    return actor.user_id == order.requester_id or allows(actor, Permission.ORDER_APPROVE, order.scope)


def cancel_order(session: Session, *, actor: Actor, order_id: uuid.UUID) -> Order:
    """Cancel an order before its provisioning starts; its quota is released.

    Raises:
        NotFound: no such order visible to the actor.
        PermissionDenied: neither the requester nor an approver of the project.
        InvalidTransition: provisioning already started, or the order is over.
    """
    order = scoped(session, Order, actor).get(order_id, for_update=True)
    if actor.user_id != order.requester_id:
        authorize(actor, Permission.ORDER_APPROVE, order)
    if OrderStatus(order.status) == OrderStatus.PROVISIONING:
        raise InvalidTransition("La livraison a commencé : la commande ne peut plus être annulée.")
    if OrderStatus(order.status) not in CANCELLABLE:
        raise InvalidTransition(f"Commande {LABELS_FR[OrderStatus(order.status)].lower()} : elle ne peut plus "
                                "être annulée.", status=order.status)
    transition(session, order, OrderStatus.CANCELLED, actor=actor)
    return order


def get_order(session: Session, *, actor: Actor, order_id: uuid.UUID) -> Order:
    """One order with its items and approvals.

    Raises:
        NotFound: no such order visible to the actor.
    """
    order = scoped(session, Order, actor).get(order_id)
    authorize(actor, Permission.ORDER_READ, order)
    return order


def orders_query(actor: Actor, *, project_id: uuid.UUID | None = None, status: OrderStatus | None = None,
                 mine: bool = False, before: tuple[datetime, uuid.UUID] | None = None) -> Select[Order]:
    """Visible orders, newest first (keyset on created_at, id)."""
    query = select(Order).where(tenant_filter(actor, Order)).order_by(Order.created_at.desc(), Order.id.desc())
    if project_id is not None:
        query = query.where(Order.project_id == project_id)
    if status is not None:
        query = query.where(Order.status == status)
    if mine:
        query = query.where(Order.requester_id == actor.user_id)
    if before is not None:
        query = query.where((Order.created_at < before[0]) | ((Order.created_at == before[0]) & (Order.id < before[1])))
    return query


def monthly_estimate(session: Session, *, actor: Actor) -> Decimal:
    """This month's cost, estimated: the monthly estimates of the delivered orders the actor sees whose
    resources are still there (a resize order counts its difference while its server is there)."""
    holding = exists().where(Resource.order_id == Order.id, Resource.state.in_(COUNTED))
    # a resize order's estimate is the difference it made to a server still there
    resized = exists().where(OrderItem.order_id == Order.id, OrderItem.resource_id == Resource.id,
                             Resource.state.in_(COUNTED))
    query = (orders_query(actor, status=OrderStatus.COMPLETED).where(holding | resized).order_by(None)
             .with_only_columns(func.coalesce(func.sum(Order.estimate_monthly), 0)))
    return Decimal(session.scalar(query) or 0)


def inbox(session: Session, *, actor: Actor, limit: int = 200) -> list[Order]:
    """Orders waiting for the actor's decision, oldest first."""
    query = (select(Order).where(tenant_filter(actor, Order), Order.status == OrderStatus.PENDING_APPROVAL)
             .order_by(Order.submitted_at))
    return [o for o in session.scalars(query.limit(limit * 4)) if may_approve(actor, o)][:limit]


def waiting_count(session: Session, *, actor: Actor, cap: int = 100) -> int:
    """How many orders wait for the actor's decision (up to ``cap``): the count the menu shows."""
    return len(inbox(session, actor=actor, limit=cap))
