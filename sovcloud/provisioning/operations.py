"""What platform operators do with the provisioning engine itself: see the steps by state, re-queue stale
ones at once, and take up a failed order whose cleanup failed for good (``cleanup_failed`` rows, still
counted in the quota): retry it, or have the cloud confirm the resources are gone and forget them. Each is
authorized (operators only) and journaled; the cloud is asked by a step, never in the request."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.inventory.models import Resource
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import items
from sovcloud.provisioning.engine import new_step
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from sovcloud.provisioning.runtime import Runtime

#: how a cleanup is taken up: delete again then confirm, or confirm only (nothing deleted)
MODES = ("retry", "forget")


def step_counts(session: Session, *, actor: Actor) -> list[tuple[str, str, int]]:
    """How many steps are in each (kind, state).

    Raises:
        PermissionDenied: not a platform operator.
    """
    authorize(actor, Permission.PROVISIONING_OPERATE)
    return [(str(k), str(s), int(n)) for k, s, n in session.execute(
        select(Step.kind, Step.status, func.count()).group_by(Step.kind, Step.status).order_by(Step.kind, Step.status))]


def reap_now(session: Session, *, actor: Actor, runtime: Runtime) -> list[str]:
    """Re-queue stale steps now (what every worker does periodically); journaled with their count.

    Raises:
        PermissionDenied: not a platform operator.
    """
    from sovcloud.provisioning.reaper import reap

    authorize(actor, Permission.PROVISIONING_OPERATE)
    found = reap(runtime, grace_s=0)
    audit.record(session, actor=actor, action="steps.reaped", target_type="platform", details={"count": len(found)})
    return found


def cleanup_failed(session: Session, *, actor: Actor, limit: int = 100) -> list[tuple[Order, int]]:
    """Failed orders that left resources their cleanup could not delete, with how many, oldest first.

    Raises:
        PermissionDenied: not a platform operator.
    """
    authorize(actor, Permission.PROVISIONING_OPERATE)
    left = (select(Resource.order_id, func.count().label("n")).where(
        Resource.attributes[items.OUTCOME].as_string() == items.CLEANUP_FAILED).group_by(Resource.order_id)
        .subquery())
    rows = session.execute(select(Order, left.c.n).join(left, left.c.order_id == Order.id)
                           .order_by(Order.created_at).limit(limit))
    return [(order, int(n)) for order, n in rows]


def take_up_cleanup(session: Session, *, actor: Actor, order_id: uuid.UUID, mode: str,
                    reason: str = "") -> Step:
    """Queue a new cleanup of a failed order's ``cleanup_failed`` resources. ``retry`` deletes them again;
    ``forget`` deletes nothing. Either way a row ends (and leaves the quota) only once the cloud confirms it is
    gone; what is still there stays ``cleanup_failed``, and the step says so.

    Raises:
        PermissionDenied: not a platform operator.
        NotFound: no such order.
        ValidationFailed: an unknown mode, or ``forget`` without a reason.
        Conflict: the order left nothing to clean up, or a cleanup of it is already running.
    """
    authorize(actor, Permission.PROVISIONING_OPERATE)
    if mode not in MODES:
        raise ValidationFailed(f"Mode inconnu : {mode} (attendu : {', '.join(MODES)}).", field="mode")
    reason = reason.strip()
    if mode == "forget" and not reason:
        raise ValidationFailed("Dites pourquoi ces ressources peuvent être oubliées (vérification faite).",
                               field="reason")
    if len(reason) > 500:
        raise ValidationFailed("Motif : 500 caractères au plus.", field="reason")
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(f"Commande {order_id} introuvable.")
    left = list(session.scalars(select(Resource.id).where(
        Resource.order_id == order.id, Resource.attributes[items.OUTCOME].as_string() == items.CLEANUP_FAILED)))
    if order.status != OrderStatus.FAILED or not left:
        raise Conflict("Cette commande n'a laissé aucune ressource à nettoyer.")
    running = session.scalar(select(Step.id).where(Step.order_id == order.id, Step.kind == StepKind.COMPENSATE,
                                                   Step.status.in_([StepStatus.PENDING, StepStatus.RUNNING])))
    if running is not None:
        raise Conflict("Un nettoyage de cette commande est déjà en cours.")
    params: dict[str, Any] = {"confirm": True, "delete": mode == "retry"}
    audit.record(session, actor=actor, action=f"order.cleanup_{mode}", target=order,
                 details={"resources": [str(r) for r in left], **({"reason": reason} if reason else {})})
    return new_step(session, kind=StepKind.COMPENSATE, project_id=order.project_id, actor=actor, order_id=order.id,
                    params=params)
