"""Portal pages of the registry: the list, the create and edit forms, an application's page (environments
and the resources serving them, the life cycle) and the portfolio. The dossier, documents and conformity
forms are in ``web_dossier``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows
from sovcloud.applications import conformity, documents, homologation, portfolio, service
from sovcloud.applications.choices import (
    CRITICALITY_LABELS,
    ENVIRONMENT_LABELS,
    HOMOLOGATION_BADGES,
    HOMOLOGATION_LABELS,
    STAGE_BADGES,
    STAGE_LABELS,
    STEP_LABELS,
    TRANSITIONS,
    VERDICT_LABELS,
    Criticality,
    DataClassification,
    EnvironmentKind,
    Stage,
)
from sovcloud.applications.models import EnvironmentResource
from sovcloud.catalog.service import orderable_offerings
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.tenancy import service as tenancy
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, holds, parse_id, redirect, render

router = APIRouter(route_class=PortalRoute)
PAGE = 100
PROJECT_LIMIT = 300
#: resources offered for linking to an environment, per page
LINKABLE = 200
FORM_FIELDS = ("code", "name", "description", "project_id", "classification", "criticality", "rto_minutes",
               "rpo_minutes", "contact_name", "contact_email")
#: success messages, keyed by ``done``
DONE = {"created": "Application enregistrée.", "updated": "Application modifiée.", "stage": "Étape changée.",
        "environment": "Environnement enregistré.", "linked": "Ressources rattachées.",
        "unlinked": "Ressource détachée.", "step": "Étape du dossier faite.", "decision": "Décision enregistrée.",
        "renewal": "Dossier de renouvellement ouvert.", "document": "Document joint.",
        "check": "Contrôle ajouté.", "verdict": "Verdict enregistré."}
LABELS: dict[str, Any] = {
    "stage_labels": {s.value: label for s, label in STAGE_LABELS.items()},
    "stage_badges": {s.value: b for s, b in STAGE_BADGES.items()},
    "env_labels": {k.value: label for k, label in ENVIRONMENT_LABELS.items()},
    "criticality_labels": {k.value: label for k, label in CRITICALITY_LABELS.items()},
    "homologation_labels": {k.value: label for k, label in HOMOLOGATION_LABELS.items()},
    "homologation_badges": {k.value: b for k, b in HOMOLOGATION_BADGES.items()},
    "step_labels": {k.value: label for k, label in STEP_LABELS.items()},
    "verdict_labels": {k.value: label for k, label in VERDICT_LABELS.items()},
    "classifications": [c.value for c in DataClassification], "criticalities": [c.value for c in Criticality],
    "environment_kinds": [k.value for k in EnvironmentKind],
}


@router.get("/applications")
def applications(request: Request) -> Response:
    """The applications I see, by name; search and filter by stage."""
    q = request.query_params
    search = q.get("q", "").strip()[:100] or None
    stage = q.get("stage") if q.get("stage") in {s.value for s in Stage} else None
    with acting(request) as (session, actor):
        rows = list(session.scalars(service.applications_query(actor, stage=Stage(stage) if stage else None,
                                                               search=search).limit(PAGE)))
        found = homologation.speaking_for(session, [a.id for a in rows])
        status = {app_id: homologation.status_of(h).value for app_id, h in found.items() if h is not None}
        return render(request, "applications/index.html", {
            "rows": rows, "status": status, "counts": service.resource_counts(session, [a.id for a in rows]),
            "q": search or "", "stage": stage or "", "stages": [s.value for s in Stage],
            "may_create": holds(actor, Permission.APPLICATION_MANAGE), **LABELS})


def _form(request: Request, session: Session, actor: Actor, *, app_id: uuid.UUID | None = None, status: int = 200,
          values: Any = None, error: DomainError | None = None) -> Response:
    app = service.get_application(session, actor=actor, application_id=app_id) if app_id else None
    if values is None and app is not None:
        contact = app.contacts[0] if app.contacts else {}
        values = {"code": app.code, "name": app.name, "description": app.description,
                  "classification": app.classification, "criticality": app.criticality,
                  "rto_minutes": str(app.rto_minutes), "rpo_minutes": str(app.rpo_minutes),
                  "contact_name": contact.get("name", ""), "contact_email": contact.get("email", "")}
    errors = forms.form_errors(error, fields=FORM_FIELDS, aliases={"contacts.0.name": "contact_name",
                                                                   "contacts.0.email": "contact_email"}) \
        if error else forms.FormErrors()
    return render(request, "applications/form.html", {
        "app": app, "values": values or {}, "error": error, "errors": errors,
        "projects": tenancy.project_choices(session, actor, limit=PROJECT_LIMIT), **LABELS}, status=status)


@router.get("/applications/new")
def new_application(request: Request) -> Response:
    """The registration form."""
    with acting(request) as (session, actor):
        return _form(request, session, actor, values={"project_id": request.query_params.get("project_id", ""),
                                                      "criticality": "medium", "rto_minutes": "240",
                                                      "rpo_minutes": "60"})


def _redraw(request: Request, failure: ValidationFailed, values: Any) -> Response:
    raw = request.path_params.get("application_id")
    with acting(request) as (session, actor):
        return _form(request, session, actor, app_id=parse_id(raw) if raw else None, status=422, values=values,
                     error=failure)


Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=254)]
Minutes = Annotated[int, Form(ge=0, le=service.MAX_OBJECTIVE_MINUTES)]


def _data(code: str, name: str, description: str, classification: str, criticality: str, rto: int, rpo: int,
          contact_name: str, contact_email: str) -> service.ApplicationIn:
    contacts = [service.Contact(contact_name, contact_email)] if contact_name.strip() or contact_email.strip() else []
    try:
        return service.ApplicationIn(name=name, code=code, description=description, contacts=contacts,
                                     classification=DataClassification(classification),
                                     criticality=Criticality(criticality), rto_minutes=rto, rpo_minutes=rpo)
    except ValueError:
        raise ValidationFailed("Valeur inconnue.", field="classification") from None


@router.post("/applications/new")
@forms.on_invalid(_redraw)
def create(request: Request, project_id: Annotated[str, Form(max_length=40)], code: Annotated[str, Form(max_length=40)],
           name: Annotated[str, Form(max_length=200)], classification: Annotated[str, Form(max_length=20)],
           criticality: Annotated[str, Form(max_length=20)], rto_minutes: Minutes, rpo_minutes: Minutes,
           description: Text = "", contact_name: Short = "", contact_email: Short = "") -> Response:
    """Register an application."""
    try:
        with acting(request, write=True) as (session, actor):
            created = service.create_application(
                session, actor=actor, project_id=parse_id(project_id),
                data=_data(code, name, description, classification, criticality, rto_minutes, rpo_minutes,
                           contact_name, contact_email))
            key = created.id
    except DomainError as exc:
        with acting(request) as (session, actor):
            return _form(request, session, actor, status=exc.status, values=dict(
                project_id=project_id, code=code, name=name, description=description, classification=classification,
                criticality=criticality, rto_minutes=rto_minutes, rpo_minutes=rpo_minutes,
                contact_name=contact_name, contact_email=contact_email), error=exc)
    return redirect(request, f"/applications/{key}?done=created")


@router.get("/applications/portfolio")
def portfolio_page(request: Request) -> Response:
    """The portfolio: applications per stage (per ministry), homologations expiring, resources and cost."""
    raw = request.query_params.get("organisation_id", "")
    with acting(request) as (session, actor):
        org_id = parse_id(raw) if raw else None
        return render(request, "applications/portfolio.html", {
            "p": portfolio.portfolio(session, actor=actor, organisation_id=org_id),
            "organisations": tenancy.list_organisations(session, actor=actor, limit=200),
            "organisation_id": raw, **LABELS})


def detail_context(session: Session, actor: Actor, app_id: uuid.UUID) -> dict[str, Any]:
    """Everything an application's page shows."""
    app = service.get_application(session, actor=actor, application_id=app_id)
    envs = []
    for env in app.environments:
        linked = service.environment_resources(session, actor=actor, application_id=app.id, environment_id=env.id)
        taken = select(EnvironmentResource.resource_id)
        linkable = list(session.scalars(select(Resource).where(
            Resource.project_id == env.project_id, Resource.state != ResourceState.DELETED,
            Resource.id.not_in(taken)).order_by(Resource.name).limit(LINKABLE)))
        envs.append({"env": env, "resources": linked, "linkable": linkable})
    dossiers = homologation.dossiers(session, actor=actor, application_id=app.id)
    current = homologation.speaking(dossiers)
    offerings = sorted(orderable_offerings(session, organisation_id=app.organisation_id), key=lambda o: o.name)[:100]
    scope = app.scope
    return {"app": app, "envs": envs, "dossiers": dossiers, "current": current,
            "status_of": lambda h: homologation.status_of(h).value,
            "documents": documents.documents_of(session, actor=actor, application_id=app.id),
            "checks": conformity.checklist(session, actor=actor, application_id=app.id), "offerings": offerings,
            "offering_names": {o.id: o.name for o in offerings},
            "next_stages": sorted(s.value for s in TRANSITIONS[Stage(app.stage)]),
            "may_manage": allows(actor, Permission.APPLICATION_MANAGE, scope),
            "may_decide": allows(actor, Permission.HOMOLOGATION_DECIDE, scope),
            "may_review": allows(actor, Permission.CONFORMITY_REVIEW, scope),
            "max_kib": documents.MAX_BYTES // 1024, **LABELS}


def detail(request: Request, app_id: uuid.UUID, *, status: int = 200, error: DomainError | None = None,
           section: str = "") -> Response:
    """The application's page (with a refused form's error in its section)."""
    with acting(request) as (session, actor):
        context = detail_context(session, actor, app_id)
        context.update(done=DONE.get(str(request.query_params.get("done"))), error=error, section=section,
                       errors=forms.form_errors(error, fields=("to", "kind", "resource_ids", "step", "decision",
                                                               "authority_name", "authority_function", "decided_on",
                                                               "validity_months", "file", "criterion",
                                                               "evidence_url", "verdict", "comment"))
                       if error else forms.FormErrors())
        return render(request, "applications/detail.html", context, status=status, actor=actor)


@router.get("/applications/{application_id}")
def application(request: Request, application_id: str) -> Response:
    """One application: description, environments and resources, homologation, conformity."""
    return detail(request, parse_id(application_id))


@router.get("/applications/{application_id}/edit")
def edit_application(request: Request, application_id: str) -> Response:
    """The edit form."""
    with acting(request) as (session, actor):
        return _form(request, session, actor, app_id=parse_id(application_id))


@router.post("/applications/{application_id}/edit")
@forms.on_invalid(_redraw)
def update(request: Request, application_id: str, code: Annotated[str, Form(max_length=40)],
           name: Annotated[str, Form(max_length=200)], classification: Annotated[str, Form(max_length=20)],
           criticality: Annotated[str, Form(max_length=20)], rto_minutes: Minutes, rpo_minutes: Minutes,
           description: Text = "", contact_name: Short = "", contact_email: Short = "") -> Response:
    """Change an application's description (its projects stay as they are)."""
    key = parse_id(application_id)
    try:
        with acting(request, write=True) as (session, actor):
            current = service.get_application(session, actor=actor, application_id=key)
            extra = [p.id for p in current.projects if p.id != current.project_id]
            data = _data(code, name, description, classification, criticality, rto_minutes, rpo_minutes,
                         contact_name, contact_email)
            service.update_application(session, actor=actor, application_id=key, data=service.ApplicationIn(
                **{**data.__dict__, "project_ids": extra, "owner_id": current.owner_id}))
    except DomainError as exc:
        with acting(request) as (session, actor):
            return _form(request, session, actor, app_id=key, status=exc.status, error=exc, values=dict(
                code=code, name=name, description=description, classification=classification,
                criticality=criticality, rto_minutes=rto_minutes, rpo_minutes=rpo_minutes,
                contact_name=contact_name, contact_email=contact_email))
    return redirect(request, f"/applications/{key}?done=updated")


@router.post("/applications/{application_id}/stage")
def change_stage(request: Request, application_id: str, to: Annotated[str, Form(max_length=30)],
                 comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Move the application along its life cycle."""
    key = parse_id(application_id)
    try:
        if to not in {s.value for s in Stage}:
            raise ValidationFailed("Étape inconnue.", field="to")
        with acting(request, write=True) as (session, actor):
            service.change_stage(session, actor=actor, application_id=key, to=Stage(to), comment=comment)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="stage")
    return redirect(request, f"/applications/{key}?done=stage")


@router.post("/applications/{application_id}/environments")
def set_environment(request: Request, application_id: str, kind: Annotated[str, Form(max_length=20)],
                    description: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Declare an environment (in the main project)."""
    key = parse_id(application_id)
    try:
        if kind not in {k.value for k in EnvironmentKind}:
            raise ValidationFailed("Environnement inconnu.", field="kind")
        with acting(request, write=True) as (session, actor):
            service.set_environment(session, actor=actor, application_id=key, kind=EnvironmentKind(kind),
                                    description=description)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="environments")
    return redirect(request, f"/applications/{key}?done=environment#environments")


@router.post("/applications/{application_id}/environments/{environment_id}/resources")
def link(request: Request, application_id: str, environment_id: str,
         resource_id: Annotated[list[str], Form(max_length=100)]) -> Response:
    """Link resources of the environment's project to it."""
    key = parse_id(application_id)
    try:
        ids = [parse_id(r) for r in resource_id[:100]]
        with acting(request, write=True) as (session, actor):
            service.link_resources(session, actor=actor, application_id=key,
                                   environment_id=parse_id(environment_id), resource_ids=ids)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="environments")
    return redirect(request, f"/applications/{key}?done=linked#environments")


@router.post("/applications/{application_id}/environments/{environment_id}/resources/{resource_id}/unlink")
def unlink(request: Request, application_id: str, environment_id: str, resource_id: str) -> Response:
    """The resource no longer serves the environment (nothing is deleted)."""
    key = parse_id(application_id)
    try:
        with acting(request, write=True) as (session, actor):
            service.unlink_resource(session, actor=actor, application_id=key,
                                    environment_id=parse_id(environment_id), resource_id=parse_id(resource_id))
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="environments")
    return redirect(request, f"/applications/{key}?done=unlinked#environments")
