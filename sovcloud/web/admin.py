"""Organisation and project administration: the tree, members and their roles, quotas, new projects.

Every page reads and writes through the tenancy services, which scope what the actor sees: another
ministry's organisation is simply not found (404)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Annotated, Any

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import ROLE_LEVELS, Level, Role
from sovcloud.errors import DomainError, PermissionDenied, ValidationFailed
from sovcloud.tenancy import members, quotas, service
from sovcloud.tenancy.models import Organisation, Project
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render
from sovcloud.web.pages import gauges, project_gauges

router = APIRouter(route_class=PortalRoute)
TREE_LIMIT = 2000
Qty = Annotated[int, Form(ge=0, le=10**9)]
#: messages shown after a successful form, keyed by the ``done`` query parameter
DONE = {"member_added": "Rôle attribué.", "member_removed": "Rôle retiré.", "quota_set": "Quota enregistré.",
        "project_created": "Projet créé."}


@dataclass
class Node:
    """One organisation of the tree, with its children and projects."""

    org: Organisation
    children: list[Node] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)


def _tree(session: Session, actor: Actor) -> list[Node]:
    orgs = list(session.scalars(service.organisations_query(actor).limit(TREE_LIMIT)))
    nodes = {o.id: Node(o) for o in orgs}
    for project in session.scalars(service.projects_query(actor).limit(TREE_LIMIT)):
        if project.organisation_id in nodes:
            nodes[project.organisation_id].projects.append(project)
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_id) if node.org.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


@router.get("/organisations")
def organisations(request: Request) -> Response:
    """The organisations I see, as a tree, with their projects."""
    with acting(request) as (session, actor):
        return render(request, "admin/organisations.html", {"tree": _tree(session, actor)})


def _section(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A page section the actor may not read is left out rather than failing the whole page."""
    try:
        return fn(*args, **kwargs)
    except PermissionDenied:
        return None


def _roles(level: Level) -> list[Role]:
    return [r for r in Role if level in ROLE_LEVELS[r]]


def _org_page(request: Request, session: Session, actor: Actor, org_id: uuid.UUID, *, status: int = 200,
              **extra: Any) -> Response:
    org = service.get_organisation(session, actor=actor, organisation_id=org_id)
    parent = session.get(Organisation, org.parent_id) if org.parent_id else None
    status_ = _section(quotas.quota_status, session, actor=actor, organisation_id=org.id)
    context = {
        "org": org, "parent": parent,
        "children": service.list_organisations(session, actor=actor, parent_id=org.id, limit=TREE_LIMIT),
        "projects": list(session.scalars(service.projects_query(actor, organisation_id=org.id).limit(TREE_LIMIT))),
        "members": _section(members.members_of, session, actor=actor, organisation_id=org.id),
        "gauges": gauges(status_) if status_ else None, "limits": status_.limits if status_ else None,
        "roles": _roles(Level.ORGANISATION), "quota_scope": parent or None,
        "done": DONE.get(str(request.query_params.get("done"))), **extra,
    }
    return render(request, "admin/organisation.html", context, status=status, actor=actor)


def _project_page(request: Request, session: Session, actor: Actor, project_id: uuid.UUID, *, status: int = 200,
                  **extra: Any) -> Response:
    project = service.get_project(session, actor=actor, project_id=project_id)
    status_ = _section(quotas.quota_status, session, actor=actor, project_id=project.id)
    context = {
        "project": project, "org": project.organisation,
        "members": _section(members.members_of, session, actor=actor, project_id=project.id),
        "gauges": project_gauges(session, actor, project) if status_ else None,
        "limits": status_.limits if status_ else None, "roles": _roles(Level.PROJECT),
        "done": DONE.get(str(request.query_params.get("done"))), **extra,
    }
    return render(request, "admin/project.html", context, status=status, actor=actor)


@router.get("/organisations/{org_id}")
def organisation(request: Request, org_id: str) -> Response:
    """One organisation: sub-organisations, projects, members, quota."""
    with acting(request) as (session, actor):
        return _org_page(request, session, actor, parse_id(org_id))


@router.get("/projects/{project_id}")
def project(request: Request, project_id: str) -> Response:
    """One project: members and quota."""
    with acting(request) as (session, actor):
        return _project_page(request, session, actor, parse_id(project_id))


#: the fields of each section's form (a refusal naming one of them is shown next to it)
SECTION_FIELDS = {"members": ("username", "role"), "quota": tuple(f.name for f in fields(quotas.Limits)),
                  "projects": ("name", "description")}


def _refused(request: Request, exc: DomainError, section: str, *, org_id: uuid.UUID | None = None,
             project_id: uuid.UUID | None = None, values: Mapping[str, Any] | None = None) -> Response:
    """Show the page again with the refusal in the section concerned: each fault next to its field, the
    values as typed."""
    extra = {"error": exc, "section": section, "values": values or {},
             "errors": forms.form_errors(exc, fields=SECTION_FIELDS.get(section, ()))}
    with acting(request) as (session, actor):
        if project_id is not None:
            return _project_page(request, session, actor, project_id, status=exc.status, **extra)
        assert org_id is not None
        return _org_page(request, session, actor, org_id, status=exc.status, **extra)


def _redraw(section: str) -> forms.Redraw:
    """How a section's form comes back when its request does not validate (a negative quota, no name)."""
    def redraw(request: Request, failure: ValidationFailed, values: Mapping[str, Any]) -> Response:
        org_id, project_id = request.path_params.get("org_id"), request.path_params.get("project_id")
        return _refused(request, failure, section, values=values, org_id=parse_id(org_id) if org_id else None,
                        project_id=parse_id(project_id) if project_id else None)
    return redraw


@router.post("/organisations/{org_id}/members")
@forms.on_invalid(_redraw("members"))
def add_org_member(request: Request, org_id: str, username: Annotated[str, Form(max_length=80)],
                   role: Annotated[Role, Form()]) -> Response:
    """Give a role on the organisation."""
    key = parse_id(org_id)
    try:
        with acting(request, write=True) as (session, actor):
            members.assign_role(session, actor=actor, username=username, role=role, organisation_id=key)
    except DomainError as exc:
        return _refused(request, exc, "members", org_id=key)
    return redirect(request, f"/organisations/{key}?done=member_added#members")


@router.post("/projects/{project_id}/members")
@forms.on_invalid(_redraw("members"))
def add_project_member(request: Request, project_id: str, username: Annotated[str, Form(max_length=80)],
                       role: Annotated[Role, Form()]) -> Response:
    """Give a role on the project."""
    key = parse_id(project_id)
    try:
        with acting(request, write=True) as (session, actor):
            members.assign_role(session, actor=actor, username=username, role=role, project_id=key)
    except DomainError as exc:
        return _refused(request, exc, "members", project_id=key)
    return redirect(request, f"/projects/{key}?done=member_added#members")


@router.post("/memberships/{membership_id}/revoke")
def revoke_member(request: Request, membership_id: str, back: Annotated[str, Form(max_length=200)]) -> Response:
    """Take a role back, then return to the organisation or project page."""
    kind, _, raw = back.partition(":")
    key = parse_id(raw)
    try:
        with acting(request, write=True) as (session, actor):
            members.revoke_role(session, actor=actor, membership_id=parse_id(membership_id))
    except DomainError as exc:
        if kind == "project":
            return _refused(request, exc, "members", project_id=key)
        return _refused(request, exc, "members", org_id=key)
    path = f"/projects/{key}" if kind == "project" else f"/organisations/{key}"
    return redirect(request, f"{path}?done=member_removed#members")


def _limits(vcpus: int, ram_mb: int, storage_gb: int, instances: int, public_ips: int) -> quotas.Limits:
    return quotas.Limits(vcpus=vcpus, ram_mb=ram_mb, storage_gb=storage_gb, instances=instances,
                         public_ips=public_ips)


@router.post("/organisations/{org_id}/quota")
@forms.on_invalid(_redraw("quota"))
def set_org_quota(request: Request, org_id: str, vcpus: Qty, ram_mb: Qty, storage_gb: Qty, instances: Qty,
                  public_ips: Qty) -> Response:
    """Set the organisation's limits (decided by the level above)."""
    key = parse_id(org_id)
    try:
        with acting(request, write=True) as (session, actor):
            quotas.set_quota(session, actor=actor, organisation_id=key,
                             limits=_limits(vcpus, ram_mb, storage_gb, instances, public_ips))
    except DomainError as exc:
        return _refused(request, exc, "quota", org_id=key)
    return redirect(request, f"/organisations/{key}?done=quota_set#quota")


@router.post("/projects/{project_id}/quota")
@forms.on_invalid(_redraw("quota"))
def set_project_quota(request: Request, project_id: str, vcpus: Qty, ram_mb: Qty, storage_gb: Qty,
                      instances: Qty, public_ips: Qty) -> Response:
    """Set the project's limits, within what its organisation has left."""
    key = parse_id(project_id)
    try:
        with acting(request, write=True) as (session, actor):
            quotas.set_quota(session, actor=actor, project_id=key,
                             limits=_limits(vcpus, ram_mb, storage_gb, instances, public_ips))
    except DomainError as exc:
        return _refused(request, exc, "quota", project_id=key)
    return redirect(request, f"/projects/{key}?done=quota_set#quota")


@router.post("/organisations/{org_id}/projects")
@forms.on_invalid(_redraw("projects"))
def create_project(request: Request, org_id: str, name: Annotated[str, Form(max_length=200)],
                   description: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Create a project in the organisation."""
    key = parse_id(org_id)
    try:
        with acting(request, write=True) as (session, actor):
            created = service.create_project(session, actor=actor, organisation_id=key, name=name,
                                             description=description)
    except DomainError as exc:
        return _refused(request, exc, "projects", org_id=key)
    return redirect(request, f"/projects/{created.id}?done=project_created")
