"""Who has to approve an order: the people holding the rule's approver role over its project, how many
approvals are given and still due, and whether the rule can be met at all (a rule asking for two distinct
organisation administrators where the organisation has one can never be satisfied: the order says so
rather than waiting in silence). Approvers are told when an order starts waiting for them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sovcloud.access.roles import ROLE_PERMISSIONS, Permission, Role
from sovcloud.identity.models import User, UserStatus
from sovcloud.orders.choices import Decision, OrderStatus
from sovcloud.orders.models import Order
from sovcloud.supervision.notifications import notify
from sovcloud.tenancy.models import Membership, Organisation, Project

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
    """Active users holding the order's approver role on its project, on an organisation above it or on the
    platform, who have not decided on it yet and did not request it."""
    role = Role(order.approver_role or Role.PROJECT_ADMIN)
    parts = order.project.organisation.path.strip("/").split("/")
    above = select(Organisation.id).where(
        Organisation.path.in_(["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]))
    decided = {a.approver_id for a in order.approvals}
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.role == role, User.status == UserStatus.ACTIVE,
                    or_(Membership.project_id == order.project_id, Membership.organisation_id.in_(above),
                        and_(Membership.project_id.is_(None), Membership.organisation_id.is_(None))))
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



#: roles that may approve an order (a rule naming another could never be met)
APPROVING_ROLES = frozenset(r for r, perms in ROLE_PERMISSIONS.items() if Permission.ORDER_APPROVE in perms)


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def shortfall(session: Session, *, role: Role, required: int,
              organisation_ids: Sequence[uuid.UUID] | None = None) -> str | None:
    """Why no order a rule applies to could get ``required`` distinct approvals by ``role`` (None when some
    order could), counted as :func:`eligible_users` counts them for one order: active holders of the role on
    its project, on an organisation above it or on the platform, for the best project of the rule's
    organisations (all when it names none). Platform operators stepping in are left aside, as on the order;
    a requester who holds the role (one less there) can only be seen per order, where it stays flagged."""
    role = Role(role)
    if role not in APPROVING_ROLES:
        allowed = ", ".join(sorted(r.value for r in APPROVING_ROLES))
        return f"Le rôle « {role.value} » ne peut pas approuver de commande (rôles possibles : {allowed})."
    holders: dict[tuple[str, uuid.UUID | None], set[uuid.UUID]] = defaultdict(set)
    for user_id, project_id, organisation_id in session.execute(
            select(Membership.user_id, Membership.project_id, Membership.organisation_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.role == role, User.status == UserStatus.ACTIVE)):
        key = ("project", project_id) if project_id else ("org", organisation_id) if organisation_id \
            else ("platform", None)
        holders[key].add(user_id)
    paths: dict[str, uuid.UUID] = {path: oid for path, oid in
                                   session.execute(select(Organisation.path, Organisation.id))}
    org_path = {oid: path for path, oid in paths.items()}
    scopes = [org_path[o] for o in organisation_ids or () if o in org_path]
    if organisation_ids and not scopes:
        return None  # a rule naming no existing organisation applies to no order: nothing to wait for

    def in_scope(path: str) -> bool:
        return not organisation_ids or any(path.startswith(scope) for scope in scopes)

    def above(path: str) -> set[uuid.UUID]:
        found = set(holders.get(("platform", None), set()))
        for ancestor in _ancestors(path):
            found |= holders.get(("org", paths.get(ancestor)), set())
        return found

    best, projects = 0, 0
    for project_id, organisation_id in session.execute(select(Project.id, Project.organisation_id)):
        path = org_path.get(organisation_id)
        if path is None or not in_scope(path):
            continue
        projects += 1
        best = max(best, len(above(path) | holders.get(("project", project_id), set())))
        if best >= required:
            return None
    if not projects:  # no project yet: those above the organisations will be there for the first one
        best = max((len(above(path)) for path in (scopes or paths)), default=0)
        if best >= required:
            return None
    where = " dans les organisations visées" if organisation_ids else ""
    return (f"La règle demande {required} approbation(s) distincte(s) par le rôle « {role.value} », mais {best} "
            f"personne(s) au plus le détiennent pour un même projet{where} : personne ne pourrait l'approuver. "
            "Donnez ce rôle à d'autres personnes ou demandez moins d'approbations.")
