"""What provisioning did with each item of an order: how many of its resources are live, still being
created, removed after a failure, never created at all, or left behind by a compensation that failed.
Data for the order's API answer and page (the templates render it; nothing here is presentation)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import items
from sovcloud.provisioning.models import Step, StepKind, StepStatus


@dataclass(frozen=True, kw_only=True)
class ItemOutcome:
    """The fate of one order item's resources (its ``count`` main resources; data volumes follow them)."""

    requested: int  #: resources the item asked for
    active: int = 0  #: created and live
    creating: int = 0  #: still being created
    removed: int = 0  #: created, then deleted because the order failed
    not_created: int = 0  #: never created in the cloud (the order failed first)
    cleanup_failed: int = 0  #: the order failed and deleting them failed too: they may still exist
    deleted: int = 0  #: created, later deleted by their owner

    @property
    def summary(self) -> str:
        """One word for the item: ``created``, ``in_progress``, ``removed``, ``not_created``,
        ``cleanup_failed`` or ``partial`` (some of several fates)."""
        fates = {name: n for name, n in (("created", self.active + self.deleted), ("in_progress", self.creating),
                                         ("removed", self.removed), ("not_created", self.not_created),
                                         ("cleanup_failed", self.cleanup_failed)) if n}
        if "cleanup_failed" in fates:
            return "cleanup_failed"
        return next(iter(fates)) if len(fates) == 1 else ("partial" if fates else "in_progress")


def _fate(state: ResourceState, outcome: str | None) -> str:
    if outcome == items.CLEANUP_FAILED:
        return "cleanup_failed"
    if state == ResourceState.DELETED:
        return {items.NOT_CREATED: "not_created", items.REMOVED: "removed"}.get(outcome or "", "deleted")
    return "creating" if state == ResourceState.CREATING else "active"


def item_outcomes(session: Session, order: Order) -> dict[uuid.UUID, ItemOutcome]:
    """Each item's outcome, by item id: two queries (the order's CREATE steps, its resource rows)."""
    steps = {str(s.id): s for s in session.scalars(select(Step).where(Step.order_id == order.id,
                                                                      Step.kind == StepKind.CREATE))}
    counts: dict[uuid.UUID, dict[str, int]] = {item.id: {} for item in order.items}
    for key, state, attributes in session.execute(select(Resource.idempotency_key, Resource.state,
                                                         Resource.attributes).where(Resource.order_id == order.id)):
        step_id, _, rest = key.partition(":")
        step = steps.get(step_id)
        if step is None or step.item_id not in counts or ":" in rest:  # a data volume follows its server
            continue
        fate = _fate(ResourceState(state), (attributes or {}).get(items.OUTCOME))
        counts[step.item_id][fate] = counts[step.item_id].get(fate, 0) + 1
    result: dict[uuid.UUID, ItemOutcome] = {}
    for item in order.items:
        if item.resource_id is not None:  # a resize creates nothing: the order's state says how it went
            continue
        seen = counts[item.id]
        missing = item.count - sum(seen.values())  # rows never written: the step was cancelled or not run yet
        step = next((s for s in steps.values() if s.item_id == item.id), None)
        if missing > 0:
            ended = step is None or step.status in (StepStatus.CANCELLED, StepStatus.FAILED)
            key = "not_created" if ended and order.status in (OrderStatus.FAILED, OrderStatus.CANCELLED) else "creating"
            seen = {**seen, key: seen.get(key, 0) + missing}
        result[item.id] = ItemOutcome(requested=item.count, **seen)
    return result


def order_outcomes(session: Session, *, actor: Actor,
                   order_id: uuid.UUID) -> tuple[Order, dict[uuid.UUID, ItemOutcome]]:
    """One order (as ``orders.service.get_order``) with the outcome of each of its items.

    Raises:
        NotFound: no such order visible to the actor.
    """
    from sovcloud.orders.service import get_order

    order = get_order(session, actor=actor, order_id=order_id)
    return order, item_outcomes(session, order)
