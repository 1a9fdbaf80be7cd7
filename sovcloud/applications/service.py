"""The application registry: applications, the projects they use, their environments and the resources
serving each, and the life cycle (candidate → security validation → conformity tests → production →
retired)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped, tenant_filter
from sovcloud.applications.choices import (
    STAGE_LABELS,
    TRANSITIONS,
    Criticality,
    DataClassification,
    EnvironmentKind,
    Stage,
    Verdict,
)
from sovcloud.applications.errors import InvalidStage
from sovcloud.applications.models import (
    Application,
    ApplicationProject,
    ConformityCheck,
    Environment,
    EnvironmentResource,
    Homologation,
)
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.identity.models import User
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.tenancy.models import Membership, Organisation, Project

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
MAX_CONTACTS = 10
MAX_PROJECTS = 20
#: bounds of the recovery objectives, in minutes (0 to 30 days)
MAX_OBJECTIVE_MINUTES = 43_200


@dataclass(frozen=True)
class Contact:
    """A technical contact of an application."""

    name: str
    email: str


@dataclass(frozen=True)
class ApplicationIn:
    """What describes an application (everything but its place, which never changes)."""

    name: str
    code: str
    description: str = ""
    owner_id: uuid.UUID | None = None  #: None: the actor
    contacts: list[Contact] = field(default_factory=list)
    classification: DataClassification = DataClassification.STANDARD
    criticality: Criticality = Criticality.MEDIUM
    rto_minutes: int = 240
    rpo_minutes: int = 60
    project_ids: list[uuid.UUID] = field(default_factory=list)  #: other projects it uses


def _text(value: str, name: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed("Champ obligatoire.", field=name)
    if len(value) > limit:
        raise ValidationFailed(f"{limit} caractères au plus.", field=name)
    return value


def _validated(data: ApplicationIn) -> dict[str, Any]:
    code = data.code.strip().upper()
    if not _CODE.match(code):
        raise ValidationFailed("Code : 2 à 40 caractères parmi A-Z, 0-9, « _ » et « - ».", field="code")
    if len(data.contacts) > MAX_CONTACTS:
        raise ValidationFailed(f"{MAX_CONTACTS} contacts techniques au plus.", field="contacts")
    contacts = []
    for i, c in enumerate(data.contacts):
        name = _text(c.name, f"contacts.{i}.name", 200)
        email = c.email.strip()
        if not _EMAIL.match(email) or len(email) > 254:
            raise ValidationFailed("Adresse électronique invalide.", field=f"contacts.{i}.email")
        contacts.append({"name": name, "email": email})
    for key in ("rto_minutes", "rpo_minutes"):
        value = getattr(data, key)
        if not 0 <= value <= MAX_OBJECTIVE_MINUTES:
            raise ValidationFailed(f"Entre 0 et {MAX_OBJECTIVE_MINUTES} minutes.", field=key)
    try:
        classification, criticality = DataClassification(data.classification), Criticality(data.criticality)
    except ValueError as exc:
        raise ValidationFailed("Valeur inconnue.", field="classification" if "classif" in str(exc) else
                               "criticality") from None
    return {"code": code, "name": _text(data.name, "name", 200), "description": _text(data.description,
            "description", 2000, required=False), "contacts": contacts, "classification": classification,
            "criticality": criticality, "rto_minutes": data.rto_minutes, "rpo_minutes": data.rpo_minutes}


def _owner(session: Session, actor: Actor, owner_id: uuid.UUID | None, project: Project) -> User:
    """The business owner: a user holding a role on the project or on its organisation (or above)."""
    user_id = owner_id or actor.user_id
    if user_id is None:
        raise ValidationFailed("Précisez le responsable métier.", field="owner_id")
    ancestors = [uuid.UUID(p) for p in project.organisation.path.strip("/").split("/")]
    holds_role = exists().where(Membership.user_id == User.id, or_(
        Membership.project_id == project.id, Membership.organisation_id.in_(ancestors)))
    user = session.scalar(select(User).where(User.id == user_id, holds_role))
    if user is None and user_id != actor.user_id:
        raise ValidationFailed("Responsable métier inconnu : une personne ayant un rôle sur le projet ou son "
                               "organisation.", field="owner_id")
    return user or session.get_one(User, user_id)


def _projects(session: Session, actor: Actor, main: Project, extra: list[uuid.UUID]) -> list[Project]:
    if len(extra) > MAX_PROJECTS:
        raise ValidationFailed(f"{MAX_PROJECTS} projets au plus.", field="project_ids")
    found = [main]
    for i, pid in enumerate(dict.fromkeys(extra)):
        if pid == main.id:
            continue
        project = scoped(session, Project, actor).find(pid)
        if project is None or project.organisation_id != main.organisation_id:
            raise ValidationFailed("Projet inconnu dans l'organisation de l'application.", field=f"project_ids.{i}")
        found.append(project)
    return found


def _set_projects(session: Session, app: Application, projects: list[Project]) -> None:
    session.execute(delete(ApplicationProject).where(ApplicationProject.application_id == app.id))
    session.add_all([ApplicationProject(application_id=app.id, project_id=p.id) for p in projects])
    session.flush()
    session.expire(app, ["projects"])


def create_application(session: Session, *, actor: Actor, project_id: uuid.UUID, data: ApplicationIn) -> Application:
    """Register an application in a project (its main project); it starts as a candidate.

    Raises:
        NotFound: the project is not visible.
        PermissionDenied: the actor may not manage applications there.
        ValidationFailed: a bad field, named.
        Conflict: the code is taken in the organisation.
    """
    project = scoped(session, Project, actor).get(project_id)
    authorize(actor, Permission.APPLICATION_MANAGE, project)
    values = _validated(data)
    owner = _owner(session, actor, data.owner_id, project)
    projects = _projects(session, actor, project, data.project_ids)
    taken = session.scalar(select(Application.id).where(Application.organisation_id == project.organisation_id,
                                                        Application.code == values["code"]))
    if taken is not None:
        raise Conflict(f"Le code d'application {values['code']} est déjà utilisé dans cette organisation.")
    app = Application(organisation_id=project.organisation_id, project_id=project.id, project=project,
                      owner_id=owner.id, owner_name=owner.full_name, stage=Stage.CANDIDATE, stage_changed_at=now(),
                      **values)
    session.add(app)
    session.flush()
    _set_projects(session, app, projects)
    audit.record(session, actor=actor, action="application.created", target=app,
                 details={"code": app.code, "name": app.name, "project_ids": [p.id for p in projects]})
    return app


def update_application(session: Session, *, actor: Actor, application_id: uuid.UUID,
                       data: ApplicationIn) -> Application:
    """Change what describes an application (not its place nor its stage).

    Raises:
        NotFound: no such application visible to the actor.
        PermissionDenied: the actor may not manage it.
        ValidationFailed: a bad field.
        Conflict: the new code is taken.
    """
    app = scoped(session, Application, actor).get(application_id, for_update=True)
    authorize(actor, Permission.APPLICATION_MANAGE, app)
    values = _validated(data)
    owner = _owner(session, actor, data.owner_id or app.owner_id, app.project)
    projects = _projects(session, actor, app.project, data.project_ids)
    if values["code"] != app.code and session.scalar(select(Application.id).where(
            Application.organisation_id == app.organisation_id, Application.code == values["code"])) is not None:
        raise Conflict(f"Le code d'application {values['code']} est déjà utilisé dans cette organisation.")
    changes = {k: {"from": _plain(getattr(app, k)), "to": _plain(v)} for k, v in values.items() if getattr(app, k) != v}
    for key, value in values.items():
        setattr(app, key, value)
    if owner.id != app.owner_id:
        changes["owner_id"] = {"from": app.owner_id, "to": owner.id}
        app.owner_id, app.owner_name = owner.id, owner.full_name
    before = {p.id for p in app.projects}
    if before != {p.id for p in projects}:
        in_use = session.scalar(select(Environment.kind).where(
            Environment.application_id == app.id, Environment.project_id.not_in([p.id for p in projects])).limit(1))
        if in_use is not None:
            raise ValidationFailed(f"L'environnement « {in_use} » vit dans un projet retiré : déplacez-le d'abord.",
                                   field="project_ids")
        _set_projects(session, app, projects)
        changes["project_ids"] = {"to": [p.id for p in projects]}
    if changes:
        audit.record(session, actor=actor, action="application.updated", target=app, details=changes)
    return app


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def get_application(session: Session, *, actor: Actor, application_id: uuid.UUID) -> Application:
    """One application.

    Raises:
        NotFound: no such application visible to the actor.
    """
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    return app


def applications_query(actor: Actor, *, organisation_id: uuid.UUID | None = None, stage: Stage | None = None,
                       search: str | None = None, after: tuple[str, uuid.UUID] | None = None) -> Select[Application]:
    """Visible applications by (name, id) — keyset pagination on that pair."""
    query = select(Application).where(tenant_filter(actor, Application)).order_by(Application.name, Application.id)
    if organisation_id is not None:
        subtree = select(Organisation.path).where(Organisation.id == organisation_id).scalar_subquery()
        query = query.where(Application.organisation_id.in_(
            select(Organisation.id).where(Organisation.path.startswith(subtree))))
    if stage is not None:
        query = query.where(Application.stage == stage)
    if search:
        query = query.where(Application.name.icontains(search, autoescape=True)
                            | Application.code.icontains(search.upper(), autoescape=True))
    if after is not None:
        query = query.where((Application.name > after[0])
                            | ((Application.name == after[0]) & (Application.id > after[1])))
    return query


# ---- life cycle ----------------------------------------------------------------------------------------------


def change_stage(session: Session, *, actor: Actor, application_id: uuid.UUID, to: Stage,
                 comment: str = "") -> Application:
    """Move an application along its life cycle. Leaving security validation needs a valid homologation;
    reaching production needs a conformity checklist all of whose checks passed. Retiring deletes nothing.

    Raises:
        NotFound: no such application visible to the actor.
        PermissionDenied: the actor may not manage it.
        InvalidStage: not allowed from the current stage, or a guard is not met (the message says which).
        ValidationFailed: the comment is too long.
    """
    from sovcloud.applications.homologation import has_valid_homologation, open_dossier

    app = scoped(session, Application, actor).get(application_id, for_update=True)
    authorize(actor, Permission.APPLICATION_MANAGE, app)
    comment = _text(comment, "comment", 2000, required=False)
    current, to = Stage(app.stage), Stage(to)
    if to not in TRANSITIONS[current]:
        raise InvalidStage(f"Application « {STAGE_LABELS[current].lower()} » : impossible de passer à "
                           f"« {STAGE_LABELS[to].lower()} ».", stage=current.value)
    if to == Stage.CONFORMITY_TESTS and not has_valid_homologation(session, app.id):
        raise InvalidStage("Les tests de conformité suivent une homologation accordée et en cours de validité.",
                           stage=current.value)
    if to == Stage.PRODUCTION:
        verdicts = list(session.scalars(select(ConformityCheck.verdict)
                                        .where(ConformityCheck.application_id == app.id)))
        if not verdicts or any(v != Verdict.PASSED for v in verdicts):
            raise InvalidStage("La mise en production demande une liste de contrôles de conformité tous conformes.",
                               stage=current.value)
        if not has_valid_homologation(session, app.id):
            raise InvalidStage("La mise en production demande une homologation en cours de validité.",
                               stage=current.value)
    app.stage, app.stage_changed_at = to, now()
    audit.record(session, actor=actor, action="application.stage_changed", target=app,
                 details={"from": current.value, "to": to.value, "comment": comment})
    if to == Stage.SECURITY_VALIDATION:
        open_dossier(session, actor=actor, app=app)
    return app


# ---- environments and their resources ------------------------------------------------------------------------


def set_environment(session: Session, *, actor: Actor, application_id: uuid.UUID, kind: EnvironmentKind,
                    project_id: uuid.UUID | None = None, description: str = "") -> Environment:
    """Declare (or change) the application's environment of ``kind``, in one of its projects (default: the
    main one). Moving it to another project is refused while resources are linked to it.

    Raises:
        NotFound: no such application visible to the actor.
        PermissionDenied: the actor may not manage it.
        ValidationFailed: unknown kind, a project the application does not use, too long a description.
        Conflict: resources are linked and the project would change.
    """
    app = scoped(session, Application, actor).get(application_id, for_update=True)
    authorize(actor, Permission.APPLICATION_MANAGE, app)
    try:
        kind = EnvironmentKind(kind)
    except ValueError:
        raise ValidationFailed("Environnement inconnu.", field="kind") from None
    project_id = project_id or app.project_id
    if project_id not in {p.id for p in app.projects}:
        raise ValidationFailed("Choisissez un projet de l'application.", field="project_id")
    description = _text(description, "description", 500, required=False)
    env = next((e for e in app.environments if e.kind == kind), None)
    if env is None:
        env = Environment(kind=kind, project_id=project_id, description=description)
        app.environments.append(env)
        session.flush()
        action = "application.environment_created"
    else:
        if env.project_id != project_id and session.scalar(select(EnvironmentResource.resource_id).where(
                EnvironmentResource.environment_id == env.id).limit(1)) is not None:
            raise Conflict("Des ressources servent cet environnement : détachez-les avant de changer de projet.")
        env.project_id, env.description = project_id, description
        action = "application.environment_updated"
    session.flush()
    session.refresh(env, ["project"])
    audit.record(session, actor=actor, action=action, target=app,
                 details={"kind": kind.value, "project_id": project_id, "environment_id": env.id})
    return env


def _environment(session: Session, actor: Actor, application_id: uuid.UUID, environment_id: uuid.UUID,
                 *, manage: bool) -> tuple[Application, Environment]:
    app = scoped(session, Application, actor).get(application_id, for_update=manage)
    authorize(actor, Permission.APPLICATION_MANAGE if manage else Permission.APPLICATION_READ, app)
    env = next((e for e in app.environments if e.id == environment_id), None)
    if env is None:
        raise NotFound(f"Environnement {environment_id} introuvable.")
    return app, env


def link_resources(session: Session, *, actor: Actor, application_id: uuid.UUID, environment_id: uuid.UUID,
                   resource_ids: list[uuid.UUID]) -> int:
    """Say that these resources of the environment's project serve it; returns how many were newly linked.
    A resource serves one environment: linking it here moves it from another one.

    Raises:
        NotFound: the application or environment is not visible.
        PermissionDenied: the actor may not manage the application.
        ValidationFailed: a resource not in the environment's project, or deleted, or too many at once.
    """
    app, env = _environment(session, actor, application_id, environment_id, manage=True)
    if not 1 <= len(resource_ids) <= 100:
        raise ValidationFailed("De 1 à 100 ressources à la fois.", field="resource_ids")
    wanted = list(dict.fromkeys(resource_ids))
    found = {r.id: r for r in session.scalars(select(Resource).where(
        Resource.id.in_(wanted), Resource.project_id == env.project_id, Resource.state != ResourceState.DELETED))}
    for i, rid in enumerate(wanted):
        if rid not in found:
            raise ValidationFailed("Ressource introuvable dans le projet de l'environnement.",
                                   field=f"resource_ids.{i}")
    current = dict(session.execute(select(EnvironmentResource.resource_id, EnvironmentResource.environment_id)
                                   .where(EnvironmentResource.resource_id.in_(wanted))).all())
    added = 0
    at = now()
    for rid in wanted:
        if current.get(rid) == env.id:
            continue
        if rid in current:
            link = session.get_one(EnvironmentResource, rid)
            link.environment_id, link.linked_at = env.id, at
        else:
            session.add(EnvironmentResource(resource_id=rid, environment_id=env.id, linked_at=at))
        added += 1
    audit.record(session, actor=actor, action="application.resources_linked", target=app,
                 details={"environment": env.kind, "resource_ids": wanted})
    return added


def unlink_resource(session: Session, *, actor: Actor, application_id: uuid.UUID, environment_id: uuid.UUID,
                    resource_id: uuid.UUID) -> None:
    """The resource no longer serves the environment (it is left as it is in the inventory).

    Raises:
        NotFound: the application, environment or link is not visible.
        PermissionDenied: the actor may not manage the application.
    """
    app, env = _environment(session, actor, application_id, environment_id, manage=True)
    link = session.scalar(select(EnvironmentResource).where(EnvironmentResource.resource_id == resource_id,
                                                            EnvironmentResource.environment_id == env.id))
    if link is None:
        raise NotFound(f"Ressource {resource_id} introuvable dans cet environnement.")
    session.delete(link)
    audit.record(session, actor=actor, action="application.resource_unlinked", target=app,
                 details={"environment": env.kind, "resource_id": resource_id})


def environment_resources(session: Session, *, actor: Actor, application_id: uuid.UUID,
                          environment_id: uuid.UUID) -> list[Resource]:
    """The live resources serving an environment, by name.

    Raises:
        NotFound: the application or environment is not visible.
    """
    _, env = _environment(session, actor, application_id, environment_id, manage=False)
    linked = EnvironmentResource.resource_id == Resource.id
    return list(session.scalars(select(Resource).join(EnvironmentResource, linked)
                                .where(EnvironmentResource.environment_id == env.id,
                                       Resource.state != ResourceState.DELETED)
                                .order_by(Resource.name).limit(1000)))


def resource_counts(session: Session, application_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many live resources serve each application (all environments)."""
    rows = session.execute(
        select(Environment.application_id, func.count()).join(EnvironmentResource,
                                                               EnvironmentResource.environment_id == Environment.id)
        .join(Resource, Resource.id == EnvironmentResource.resource_id)
        .where(Environment.application_id.in_(application_ids), Resource.state != ResourceState.DELETED)
        .group_by(Environment.application_id)).all()
    return dict(rows)


def latest_dossier(session: Session, application_id: uuid.UUID) -> Homologation | None:
    """The application's most recent homologation dossier."""
    return session.scalars(select(Homologation).where(Homologation.application_id == application_id)
                           .order_by(Homologation.created_at.desc()).limit(1)).first()
