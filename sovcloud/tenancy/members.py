"""Memberships: who holds which role where. Separation of duties is enforced here, at assignment."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import PLATFORM, Actor, Scope
from sovcloud.access.roles import ROLE_LEVELS, Level, Permission, Role, incompatible_with
from sovcloud.access.service import authorize, scoped
from sovcloud.errors import Conflict, NotFound, SeparationOfDuties, ValidationFailed
from sovcloud.identity.models import User, UserStatus
from sovcloud.identity.users import is_last_operator
from sovcloud.tenancy.models import Membership, Organisation, Project


def _place(session: Session, actor: Actor, organisation_id: uuid.UUID | None,
           project_id: uuid.UUID | None) -> tuple[Level, Scope, Organisation | None, Project | None]:
    if organisation_id and project_id:
        raise ValidationFailed("Un rôle se tient sur une organisation ou sur un projet, pas les deux.")
    if project_id:
        project = scoped(session, Project, actor).get(project_id)
        return Level.PROJECT, project.scope, None, project
    if organisation_id:
        org = scoped(session, Organisation, actor).get(organisation_id)
        return Level.ORGANISATION, org.scope, org, None
    return Level.PLATFORM, PLATFORM, None, None


def _at(organisation_id: uuid.UUID | None, project_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    """Memberships held exactly at this place (NULL-safe)."""
    return [Membership.organisation_id.is_(None) if organisation_id is None
            else Membership.organisation_id == organisation_id,
            Membership.project_id.is_(None) if project_id is None else Membership.project_id == project_id]


def assign_role(session: Session, *, actor: Actor, role: Role, user_id: uuid.UUID | None = None,
                username: str | None = None, organisation_id: uuid.UUID | None = None,
                project_id: uuid.UUID | None = None) -> Membership:
    """Give ``role`` to a user (by id, or by username as typed in a form) on the platform, an organisation
    or a project. The user is looked up only once the actor is known to manage members there, so that
    someone who may not cannot learn which usernames exist.

    Raises:
        ValidationFailed: the role cannot be held at that level.
        NotFound: the user, organisation or project is not visible.
        PermissionDenied: the actor may not manage members there.
        Conflict: self-assignment, a suspended user, a role already held, or separation of duties
            (the user holds an incompatible role anywhere).
    """
    role = Role(role)
    level, scope, org, project = _place(session, actor, organisation_id, project_id)
    if level not in ROLE_LEVELS[role]:
        allowed = ", ".join(sorted(lv.value for lv in ROLE_LEVELS[role]))
        raise ValidationFailed(f"Le rôle {role.value} se tient au niveau : {allowed}.", field="role")
    authorize(actor, Permission.MEMBER_MANAGE, scope)
    if username is not None:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
    else:
        user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound(f"Utilisateur {username or user_id} introuvable.")
    if user.id == actor.user_id:
        raise Conflict("On ne s'attribue pas soi-même un rôle : demandez à un autre administrateur.")
    if user.status != UserStatus.ACTIVE:
        raise Conflict("Ce compte est suspendu.")
    held = {Role(r) for r in session.scalars(select(Membership.role).where(Membership.user_id == user.id))}
    clash = incompatible_with(role, held)
    if clash is not None:
        audit.record(session, actor=actor, action="membership.refused", target=user, outcome="denied",
                     organisation_id=scope.org_id, details={"role": role.value, "conflicts_with": clash.value})
        raise SeparationOfDuties(f"Séparation des tâches : le rôle {role.value} est incompatible avec le rôle "
                       f"{clash.value} que cette personne détient déjà.", conflicts_with=clash.value)
    existing = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.role == role,
                                                       *_at(organisation_id, project_id)))
    if existing is not None:
        raise Conflict("Cette personne détient déjà ce rôle à cet endroit.")
    membership = Membership(user_id=user.id, role=role, organisation_id=organisation_id, project_id=project_id,
                            organisation=org, project=project, user=user)
    session.add(membership)
    session.flush()
    audit.record(session, actor=actor, action="membership.granted", target=membership,
                 organisation_id=scope.org_id,
                 details={"user": user.username, "role": role.value, "organisation_id": organisation_id,
                          "project_id": project_id})
    return membership


def revoke_role(session: Session, *, actor: Actor, membership_id: uuid.UUID) -> None:
    """Take a role back.

    Raises:
        NotFound: no such membership visible to the actor.
        PermissionDenied: the actor may not manage members there.
        Conflict: the role is the platform operator role of the last active operator.
    """
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"Rôle {membership_id} introuvable.")
    scope = (membership.project.scope if membership.project else
             membership.organisation.scope if membership.organisation else PLATFORM)
    if scope is not PLATFORM:
        # visibility first: another tenant's membership is simply not found
        model, key = (Project, membership.project_id) if membership.project else (Organisation,
                                                                                  membership.organisation_id)
        scoped(session, model, actor).get(key)  # type: ignore[arg-type]
    authorize(actor, Permission.MEMBER_MANAGE, scope)
    if membership.role == Role.PLATFORM_OPERATOR and is_last_operator(session, membership.user_id):
        raise Conflict("C'est le dernier exploitant de la plateforme : nommez-en un autre avant de retirer ce rôle.")
    audit.record(session, actor=actor, action="membership.revoked", target=membership,
                 organisation_id=scope.org_id, details={"user_id": membership.user_id, "role": membership.role})
    session.delete(membership)


def members_of(session: Session, *, actor: Actor, organisation_id: uuid.UUID | None = None,
               project_id: uuid.UUID | None = None) -> list[Membership]:
    """Memberships held directly on one organisation or project (or the platform).

    Raises:
        NotFound: the organisation or project is not visible.
        PermissionDenied: the actor may not read members there.
    """
    _level, scope, _org, _project = _place(session, actor, organisation_id, project_id)
    authorize(actor, Permission.MEMBER_READ, scope)
    query = select(Membership).join(Membership.user).order_by(User.username).where(*_at(organisation_id, project_id))
    return list(session.scalars(query).unique())
