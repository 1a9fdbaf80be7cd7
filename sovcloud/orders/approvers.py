"""Who has to approve an order: the people holding the rule's approver role over its project, how many
approvals are given and still due, and whether the rule can be met at all (a rule asking for two distinct
organisation administrators where the organisation has one can never be satisfied: the order says so
rather than waiting in silence). Approvers are told when an order starts waiting for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sovcloud.access.roles import Role
from sovcloud.identity.models import User, UserStatus
from sovcloud.orders.choices import Decision, OrderStatus
from sovcloud.orders.models import Order
from sovcloud.supervision.notifications import notify
from sovcloud.tenancy.models import Membership, Organisation

#: approvers listed on an order page at most
LISTED = 20


@dataclass(frozen=True)
class Progress:
    """Where an order pending approval stands: ``given`` of ``required`` approvals, by ``role``; ``eligible``
    are those who may still give one (the requester and those who already decided left out)."""

    given: int
    required: int
    role: Role
    eligible: list[str]  #: usernames, at most :data:`LISTED`
    eligible_count: int

    @property
    def due(self) -> int:
        return max(self.required - self.given, 0)

    @property
    def satisfiable(self) -> bool:
        """Whether enough distinct people can still approve (platform operators aside, who may step in)."""
        return self.eligible_count >= self.due


def eligible_users(session: Session, order: Order) -> list[User]:
    """Active users holding the order's approver role on its project or on an organisation above it, who
    have not decided on it yet and did not request it."""
    role = Role(order.approver_role or Role.PROJECT_ADMIN)
    parts = order.project.organisation.path.strip("/").split("/")
    above = select(Organisation.id).where(
        Organisation.path.in_(["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]))
    decided = {a.approver_id for a in order.approvals}
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.role == role, User.status == UserStatus.ACTIVE,
                    or_(Membership.project_id == order.project_id, Membership.organisation_id.in_(above)))
             .order_by(User.username).distinct())
    return [u for u in session.scalars(query) if u.id != order.requester_id and u.id not in decided]


def progress(session: Session, order: Order) -> Progress | None:
    """The approval progress of an order pending approval (None in any other state)."""
    if order.status != OrderStatus.PENDING_APPROVAL:
        return None
    users = eligible_users(session, order)
    given = sum(a.decision == Decision.APPROVE for a in order.approvals)
    return Progress(given=given, required=order.approvals_required or 1,
                    role=Role(order.approver_role or Role.PROJECT_ADMIN),
                    eligible=[u.username for u in users[:LISTED]], eligible_count=len(users))


def notify_approvers(session: Session, order: Order) -> Progress | None:
    """Tell each eligible approver an order waits for them; tell the requester when the rule cannot be met."""
    found = progress(session, order)
    if found is None:
        return None
    for user in eligible_users(session, order):
        notify(session, user_id=user.id, subject_type="order", subject_id=order.id,
               message=f"Commande « {order.title} » à approuver ({order.project.name}).")
    if not found.satisfiable:
        notify(session, user_id=order.requester_id, subject_type="order", subject_id=order.id,
               message=f"Commande « {order.title} » : la règle « {order.rule_name} » demande {found.due} "
                       f"approbation(s) distincte(s), mais {found.eligible_count} personne(s) seulement peuvent "
                       "la donner. Un opérateur de la plateforme doit intervenir, ou annulez-la.")
    return found

