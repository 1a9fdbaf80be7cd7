"""``authorize()`` — the one check every service calls — and the tenant scoping of every query."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from sovcloud.access.actor import PLATFORM, Actor, Grant, Scope
from sovcloud.access.roles import Permission
from sovcloud.errors import NotFound, PermissionDenied
from sovcloud.tenancy.models import Organisation, Project

T = TypeVar("T")


def grant_covers(grant: Grant, scope: Scope) -> bool:
    """True when ``grant`` is held at ``scope`` or above it."""
    if grant.is_platform:
        return True
    if grant.project_id is not None:
        return scope.project_id == grant.project_id
    return bool(scope.org_path and grant.org_path and scope.org_path.startswith(grant.org_path))


def allows(actor: Actor, permission: Permission, scope: Scope = PLATFORM) -> bool:
    """Whether ``actor`` holds ``permission`` at ``scope``."""
    if actor.needs_mfa and not actor.mfa_verified:
        return False
    return any(permission in g.permissions and grant_covers(g, scope) for g in actor.grants)


def authorize(actor: Actor, permission: Permission, scope: Scope | Any = PLATFORM) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission`` at ``scope``.

    ``scope`` is a :class:`Scope` or any object with a ``scope`` property (organisation, project, order…).
    """
    resolved = scope if isinstance(scope, Scope) else scope.scope
    if not allows(actor, permission, resolved):
        raise PermissionDenied(f"Vous n'avez pas le droit « {permission.value} » ici.",
                               permission=permission.value)


def narrow_grants(grants: tuple[Grant, ...], scope: Scope) -> tuple[Grant, ...]:
    """The grants an API token scoped to ``scope`` may use: each grant cut down to that place."""
    narrowed: list[Grant] = []
    for g in grants:
        if scope.project_id is not None:
            if grant_covers(g, scope):  # held on the project or above: acts as that role on the project
                narrowed.append(Grant(g.role, project_id=scope.project_id, org_path=scope.org_path))
        elif grant_covers(g, scope):
            narrowed.append(Grant(g.role, org_id=scope.org_id, org_path=scope.org_path))
        elif (g.org_path or "").startswith(scope.org_path or "\0"):
            narrowed.append(g)  # held below the token's organisation: a sub-organisation or a project
    return tuple(narrowed)


def _path_match(paths: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(Organisation.path.startswith(p, autoescape=True) for p in paths)) if paths else false()


def visible_org_ids(actor: Actor) -> Select[uuid.UUID]:
    """Organisations the actor sees: its organisation subtrees and the organisations of its projects."""
    own_projects = select(Project.organisation_id).where(Project.id.in_(actor.project_ids))
    return select(Organisation.id).where(or_(_path_match(actor.org_paths), Organisation.id.in_(own_projects)))


def visible_project_ids(actor: Actor) -> Select[uuid.UUID]:
    """Projects the actor sees: those of its organisation subtrees and those it is a member of."""
    in_orgs = select(Organisation.id).where(_path_match(actor.org_paths))
    return select(Project.id).where(or_(Project.organisation_id.in_(in_orgs), Project.id.in_(actor.project_ids)))


def tenant_filter(actor: Actor, model: type[Any]) -> ColumnElement[bool]:
    """The WHERE clause limiting ``model`` rows to the actor's tenants.

    A model names its tenant link with ``__tenant__ = "project_id"`` or ``"organisation_id"``; platform
    objects (no ``__tenant__``) are visible to everyone allowed to read them.
    """
    if actor.is_platform_wide:
        return true()
    if model is Organisation:
        return Organisation.id.in_(visible_org_ids(actor))
    if model is Project:
        return Project.id.in_(visible_project_ids(actor))
    link = getattr(model, "__tenant__", None)
    if link == "project_id":
        return getattr(model, link).in_(visible_project_ids(actor))
    if link == "organisation_id":
        return getattr(model, link).in_(visible_org_ids(actor))
    return true()


class Scoped(Generic[T]):
    """Queries on ``model`` that can only return what ``actor`` may see."""

    def __init__(self, session: Session, model: type[T], actor: Actor) -> None:
        self.session, self.model, self.actor = session, model, actor

    def select(self) -> Select[T]:
        return select(self.model).where(tenant_filter(self.actor, self.model))

    def find(self, object_id: uuid.UUID | str, *, for_update: bool = False) -> T | None:
        try:
            key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
        except ValueError:
            return None
        query = self.select().where(self.model.id == key)  # type: ignore[attr-defined]
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).unique().one_or_none()

    def get(self, object_id: uuid.UUID | str, *, for_update: bool = False) -> T:
        """The object, or :class:`NotFound` whether it does not exist or belongs to another tenant."""
        found = self.find(object_id, for_update=for_update)
        if found is None:
            label = getattr(self.model, "__label__", self.model.__name__)
            raise NotFound(f"{label} {object_id} introuvable.")
        return found


def scoped(session: Session, model: type[T], actor: Actor) -> Scoped[T]:
    return Scoped(session, model, actor)


def org_scope(session: Session, actor: Actor, organisation_id: uuid.UUID) -> tuple[Scope, list[uuid.UUID]]:
    """The scope of a visible organisation and the ids of its whole subtree.

    Raises:
        NotFound: the organisation does not exist or is not visible to the actor.
    """
    org = scoped(session, Organisation, actor).get(organisation_id)
    ids = list(session.scalars(select(Organisation.id).where(Organisation.path.startswith(org.path))))
    return org.scope, ids
