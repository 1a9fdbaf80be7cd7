"""Reports on rights: who can access an object, and everything a user may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from sovcloud.access.actor import PLATFORM, Actor, Scope
from sovcloud.access.roles import ROLE_PERMISSIONS, Permission, Role
from sovcloud.access.service import allows, authorize, scoped
from sovcloud.identity.models import User
from sovcloud.identity.users import get_user
from sovcloud.tenancy.models import Membership, Organisation, Project


@dataclass(frozen=True)
class AccessEntry:
    """One person's access to an object, and through which role held where."""

    user_id: uuid.UUID
    username: str
    role: Role
    via: str  #: "platform", "organisation:<code>" or "project:<name>"
    permissions: tuple[str, ...]


def _via(m: Membership) -> str:
    if m.project is not None:
        return f"project:{m.project.name}"
    if m.organisation is not None:
        return f"organisation:{m.organisation.code}"
    return "platform"


def _entry(m: Membership) -> AccessEntry:
    return AccessEntry(user_id=m.user_id, username=m.user.username, role=Role(m.role), via=_via(m),
                       permissions=tuple(sorted(p.value for p in ROLE_PERMISSIONS[Role(m.role)])))


def who_can_access(session: Session, *, actor: Actor, organisation_id: uuid.UUID | None = None,
                   project_id: uuid.UUID | None = None) -> list[AccessEntry]:
    """Everyone holding a role that reaches the organisation or project: platform roles, roles on it or on
    any organisation above it, and (for a project) its own members.

    Raises:
        NotFound: the object is not visible.
        PermissionDenied: the actor may not read members there.
    """
    target: Organisation | Project
    if project_id is not None:
        target = scoped(session, Project, actor).get(project_id)
        path = target.organisation.path
    else:
        target = scoped(session, Organisation, actor).get(organisation_id)  # type: ignore[arg-type]
        path = target.path
    authorize(actor, Permission.MEMBER_READ, target)
    ancestors = [uuid.UUID(part) for part in path.strip("/").split("/")]
    conditions: list[ColumnElement[bool]] = [Membership.organisation_id.in_(ancestors),
                  Membership.organisation_id.is_(None) & Membership.project_id.is_(None)]
    if project_id is not None:
        conditions.append(Membership.project_id == project_id)
    query = select(Membership).join(Membership.user).where(or_(*conditions)).order_by(User.username, Membership.role)
    return [_entry(m) for m in session.scalars(query).unique()]


def rights_of(session: Session, *, actor: Actor, user_id: uuid.UUID) -> tuple[User, list[AccessEntry]]:
    """Every role a user holds, with its permissions. Platform readers and the user see all; others see
    the roles held in places where they may read members.

    Raises:
        NotFound: no such user, or nothing of it is visible to the actor.
    """
    user = get_user(session, user_id)
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).unique().all()
    if user.id == actor.user_id or allows(actor, Permission.USER_READ, PLATFORM):
        return user, [_entry(m) for m in memberships]
    visible = [m for m in memberships if allows(actor, Permission.MEMBER_READ, _scope(m))]
    if not visible:
        get_user(session, uuid.uuid4())  # same answer as an unknown user: never reveal who exists
    return user, [_entry(m) for m in visible]


def _scope(m: Membership) -> Scope:
    if m.project is not None:
        return m.project.scope
    if m.organisation is not None:
        return m.organisation.scope
    return PLATFORM
