"""Turning orders and day-2 requests into durable steps, and closing orders when their steps end."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, lazyload

from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.errors import Conflict
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.orders.transitions import transition
from sovcloud.provisioning.dispatch import enqueue_after_commit
from sovcloud.provisioning.models import Step, StepKind, StepStatus


def new_step(session: Session, *, kind: StepKind, project_id: uuid.UUID, actor: Actor,
             order_id: uuid.UUID | None = None,
             item_id: uuid.UUID | None = None, resource_id: uuid.UUID | None = None, action: str | None = None,
             params: dict[str, Any] | None = None, delay: float = 0.0) -> Step:
    """Record a step and queue it once the transaction commits."""
    step = Step(id=uuid.uuid4(), kind=kind, project_id=project_id, order_id=order_id, item_id=item_id,
                resource_id=resource_id, action=action, params=params or {}, actor_name=actor.username,
                request_id=actor.request_id, next_attempt_at=now())
    session.add(step)
    session.flush()
    enqueue_after_commit(session, str(step.id), delay)
    return step


def start_provisioning(session: Session, *, order: Order, actor: Actor) -> list[Step]:
    """An approved order: one CREATE step per item — or, for an item naming an existing server (a resize
    order), the resize ACTION step on it — and the order moves to provisioning.

    Raises:
        Conflict: a server to resize is no longer active (busy with another action, deleted): nothing is
            queued, the approval is not recorded.
    """
    transition(session, order, OrderStatus.PROVISIONING, actor=actor)
    steps = []
    for item in order.items:
        if item.resource_id is None:
            steps.append(new_step(session, kind=StepKind.CREATE, project_id=order.project_id, actor=actor,
                                  order_id=order.id, item_id=item.id))
            continue
        server = session.get(Resource, item.resource_id, with_for_update=True)
        if server is None or server.state != ResourceState.ACTIVE:
            state = server.state if server is not None else "supprimé"
            raise Conflict(f"Le serveur {item.name} n'est pas disponible (état {state}) : réessayez quand il sera "
                           "actif, ou refusez la demande.")
        server.state = ResourceState.BUSY
        steps.append(new_step(session, kind=StepKind.ACTION, project_id=order.project_id, actor=actor,
                              order_id=order.id, item_id=item.id, resource_id=server.id, action="resize",
                              params=dict(item.parameters)))
    return steps


def close_order_if_done(session: Session, order_id: uuid.UUID) -> None:
    """Complete the order once every CREATE (or resize ACTION) step succeeded. Locks the order row so two
    workers finishing the last two steps at once cannot both miss (or both do) the completion."""
    # its items and approvals are not needed here: not loaded (two queries less per step)
    order = session.get(Order, order_id, with_for_update=True,
                        options=(lazyload(Order.items), lazyload(Order.approvals)))
    if order is None or order.status != OrderStatus.PROVISIONING:
        return
    open_steps = session.scalar(select(func.count()).select_from(Step).where(
        Step.order_id == order_id, Step.kind.in_([StepKind.CREATE, StepKind.ACTION]),
        Step.status != StepStatus.SUCCEEDED))
    if open_steps == 0:
        order.completed_at = now()
        session.execute(update(Resource).where(Resource.order_id == order_id)
                        .values(end_date=order.end_date))
        transition(session, order, OrderStatus.COMPLETED, actor=Actor.system("provisioning"))


def fail_order(session: Session, *, order_id: uuid.UUID, reason: str) -> None:
    """A step failed for good: the order fails, its other waiting steps are cancelled, and a compensation
    step will delete whatever was created (the quota is released as resources go)."""
    order = session.get(Order, order_id, with_for_update=True)
    if order is None or order.status != OrderStatus.PROVISIONING:
        return
    order.failure_reason = reason[:1000]
    system = Actor.system("provisioning")
    transition(session, order, OrderStatus.FAILED, actor=system, reason=reason[:300])
    session.execute(update(Step).where(Step.order_id == order_id, Step.kind == StepKind.CREATE,
                                       Step.status == StepStatus.PENDING).values(status=StepStatus.CANCELLED,
                                                                                  finished_at=now()))
    creates = session.scalar(select(Step.id).where(Step.order_id == order_id, Step.kind == StepKind.CREATE).limit(1))
    if creates is not None:  # a resize order created nothing: nothing to compensate
        new_step(session, kind=StepKind.COMPENSATE, project_id=order.project_id, actor=system, order_id=order_id)


def resources_to_compensate(session: Session, order_id: uuid.UUID) -> list[Resource]:
    return list(session.scalars(select(Resource).where(
        Resource.order_id == order_id, Resource.state.not_in([ResourceState.DELETED, ResourceState.GONE]))
        .order_by(Resource.kind.desc())))  # volumes before servers: detach happens with the server's delete
