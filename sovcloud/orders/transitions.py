"""One move of the order state machine, journaled and told to the requester. The lowest part of the orders
context (its models, states, the journal and notifications only), so that provisioning, which moves an order
to completed or failed, imports it without importing the order service that starts provisioning."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.orders.choices import LABELS_FR, TRANSITIONS, OrderStatus
from sovcloud.orders.errors import InvalidTransition
from sovcloud.orders.models import Order
from sovcloud.resilience import reservations
from sovcloud.supervision.notifications import notify

#: states in which an order no longer holds capacity on a site
RELEASING = frozenset({OrderStatus.COMPLETED, OrderStatus.FAILED, OrderStatus.CANCELLED})


def transition(session: Session, order: Order, to: OrderStatus, *, actor: Actor, **details: Any) -> None:
    """Move ``order`` to ``to`` if the state machine allows it; journal it and tell the requester.

    Raises:
        InvalidTransition: not allowed from the current state.
    """
    current = OrderStatus(order.status)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(f"Commande {LABELS_FR[current].lower()} : impossible de passer à "
                                f"« {LABELS_FR[to].lower()} ».", status=current.value)
    if to == OrderStatus.APPROVED:  # hold its capacity on a site (refused, with what is left where, if none)
        reservations.reserve(session, order_id=order.id, site=order.site_preference, vcpus=order.vcpus,
                             ram_mb=order.ram_mb, disk_gb=order.storage_gb)
    elif to in RELEASING:
        reservations.release(session, order_id=order.id)
    order.status = to
    audit.record(session, actor=actor, action=f"order.{to.value}", target=order,
                 details={"from": current.value, **details})
    notify(session, user_id=order.requester_id, subject_type="order", subject_id=order.id,
           message=f"Commande « {order.title} » : {LABELS_FR[to].lower()}."
           + (f" {details['reason']}" if details.get("reason") else ""))
