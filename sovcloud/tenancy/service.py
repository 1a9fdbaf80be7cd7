"""Organisations (a tree) and projects: create, read, rename."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import PLATFORM, Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped, tenant_filter
from sovcloud.errors import Conflict, ValidationFailed
from sovcloud.tenancy.models import Organisation, Project

KINDS = ("ministry", "directorate", "service")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")


def create_organisation(session: Session, *, actor: Actor, name: str, code: str, kind: str = "ministry",
                        parent_id: uuid.UUID | None = None) -> Organisation:
    """Create a ministry (no parent: platform operators only) or a sub-organisation.

    Raises:
        ValidationFailed: bad code or kind.
        NotFound: the parent is not visible.
        PermissionDenied: the actor may not create organisations there.
        Conflict: the code is taken.
    """
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ValidationFailed("Code : 2 à 40 caractères parmi A-Z, 0-9, « _ » et « - ».", field="code")
    if kind not in KINDS:
        raise ValidationFailed(f"Type d'organisation inconnu : {kind} (attendu : {', '.join(KINDS)}).",
                               field="kind")
    name = name.strip()
    if not name:
        raise ValidationFailed("Nom obligatoire.", field="name")
    parent = scoped(session, Organisation, actor).get(parent_id) if parent_id else None
    authorize(actor, Permission.ORG_CREATE, parent.scope if parent else PLATFORM)
    if session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise Conflict(f"Le code d'organisation {code} est déjà utilisé.")
    org_id = uuid.uuid4()
    org = Organisation(id=org_id, name=name, code=code, kind=kind, parent_id=parent_id,
                       path=f"{parent.path if parent else '/'}{org_id}/")
    session.add(org)
    session.flush()
    audit.record(session, actor=actor, action="organisation.created", target=org,
                 details={"name": name, "code": code, "parent_id": parent_id})
    return org


def get_organisation(session: Session, *, actor: Actor, organisation_id: uuid.UUID) -> Organisation:
    """One organisation.

    Raises:
        NotFound: no such organisation visible to the actor.
    """
    return scoped(session, Organisation, actor).get(organisation_id)


def update_organisation(session: Session, *, actor: Actor, organisation_id: uuid.UUID,
                        name: str | None = None) -> Organisation:
    """Rename an organisation.

    Raises:
        NotFound: no such organisation visible to the actor.
        PermissionDenied: the actor may not change it.
    """
    org = scoped(session, Organisation, actor).get(organisation_id, for_update=True)
    authorize(actor, Permission.ORG_UPDATE, org)
    if name is not None and name.strip() and name.strip() != org.name:
        audit.record(session, actor=actor, action="organisation.updated", target=org,
                     details={"name": {"from": org.name, "to": name.strip()}})
        org.name = name.strip()
    return org


def organisations_query(actor: Actor, *, parent_id: uuid.UUID | None = None, search: str | None = None,
                        after: str | None = None) -> Select[Organisation]:
    """Visible organisations by code (keyset on the code)."""
    query = select(Organisation).where(tenant_filter(actor, Organisation)).order_by(Organisation.code)
    if parent_id is not None:
        query = query.where(Organisation.parent_id == parent_id)
    if search:
        query = query.where(Organisation.name.icontains(search, autoescape=True)
                            | Organisation.code.icontains(search, autoescape=True))
    if after:
        query = query.where(Organisation.code > after)
    return query


def list_organisations(session: Session, *, actor: Actor, limit: int = 100, **filters: object) -> list[Organisation]:
    """Visible organisations (``ORG_READ`` is held by every role where it sees anything)."""
    return list(session.scalars(organisations_query(actor, **filters).limit(limit)))  # type: ignore[arg-type]


def create_project(session: Session, *, actor: Actor, organisation_id: uuid.UUID, name: str,
                   description: str = "") -> Project:
    """Create a project in an organisation.

    Raises:
        NotFound: the organisation is not visible.
        PermissionDenied: the actor may not create projects there.
        ValidationFailed: empty name.
        Conflict: the name is taken in this organisation.
    """
    org = scoped(session, Organisation, actor).get(organisation_id)
    authorize(actor, Permission.PROJECT_CREATE, org)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Nom de projet obligatoire (200 caractères au plus).", field="name")
    taken = session.scalar(select(Project.id).where(Project.organisation_id == org.id, Project.name == name))
    if taken is not None:
        raise Conflict(f"Un projet « {name} » existe déjà dans cette organisation.")
    project = Project(organisation_id=org.id, name=name, description=description.strip(), organisation=org)
    session.add(project)
    session.flush()
    audit.record(session, actor=actor, action="project.created", target=project, organisation_id=org.id,
                 details={"name": name})
    return project


def get_project(session: Session, *, actor: Actor, project_id: uuid.UUID) -> Project:
    """One project.

    Raises:
        NotFound: no such project visible to the actor.
    """
    return scoped(session, Project, actor).get(project_id)


def update_project(session: Session, *, actor: Actor, project_id: uuid.UUID, name: str | None = None,
                   description: str | None = None) -> Project:
    """Rename or describe a project.

    Raises:
        NotFound: no such project visible to the actor.
        PermissionDenied: the actor may not change it.
        Conflict: the new name is taken in the organisation.
    """
    project = scoped(session, Project, actor).get(project_id, for_update=True)
    authorize(actor, Permission.PROJECT_UPDATE, project)
    changes: dict[str, object] = {}
    if name is not None and name.strip() and name.strip() != project.name:
        clash = session.scalar(select(Project.id).where(Project.organisation_id == project.organisation_id,
                                                        Project.name == name.strip()))
        if clash is not None:
            raise Conflict(f"Un projet « {name.strip()} » existe déjà dans cette organisation.")
        changes["name"] = {"from": project.name, "to": name.strip()}
        project.name = name.strip()
    if description is not None and description.strip() != project.description:
        changes["description"] = True
        project.description = description.strip()
    if changes:
        audit.record(session, actor=actor, action="project.updated", target=project, details=changes)
    return project


@dataclass(frozen=True)
class ProjectChoice:
    """A project as a filter or a form offers it: its id, name and organisation code."""

    id: uuid.UUID
    name: str
    organisation_code: str


def project_choices(session: Session, actor: Actor, *, limit: int) -> list[ProjectChoice]:
    """The visible projects by organisation code and name, three columns each (no ORM objects: an
    operator sees every project of the platform, on every page that offers them)."""
    query = (projects_query(actor).with_only_columns(Project.id, Project.name, Organisation.code)
             .join(Organisation, Organisation.id == Project.organisation_id)
             .order_by(None).order_by(Organisation.code, Project.name, Project.id).limit(limit))
    return [ProjectChoice(*row) for row in session.execute(query)]


def projects_query(actor: Actor, *, organisation_id: uuid.UUID | None = None, search: str | None = None,
                   after: tuple[str, uuid.UUID] | None = None) -> Select[Project]:
    """Visible projects by (name, id) — keyset pagination on that pair."""
    query = select(Project).where(tenant_filter(actor, Project)).order_by(Project.name, Project.id)
    if organisation_id is not None:
        query = query.where(Project.organisation_id == organisation_id)
    if search:
        query = query.where(Project.name.icontains(search, autoescape=True))
    if after is not None:
        query = query.where((Project.name > after[0]) | ((Project.name == after[0]) & (Project.id > after[1])))
    return query
