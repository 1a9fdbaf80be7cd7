"""Resources: a list that stays fast at tens of thousands of servers (server-side filters, sort, keyset
pagination both ways, search as you type) and a detail page with day-2 actions and the history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from sqlalchemy import Select
from sqlalchemy.orm import Session, joinedload, lazyload, load_only
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.inventory import service
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import resize
from sovcloud.orders.choices import OrderStatus
from sovcloud.pagination import decode_cursor, encode_cursor
from sovcloud.resilience import service as sites
from sovcloud.tenancy import service as tenancy
from sovcloud.tenancy.models import Project
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render
from sovcloud.web.labels import DONE, RESOURCE_KINDS, RESOURCE_LIVE

router = APIRouter(route_class=PortalRoute)
PAGE = 50
PROJECT_LIMIT = 300
HISTORY = 50
FILTERS = ("q", "kind", "state", "project_id", "sort")
#: what the table shows (``resources/_table.html``): each row loads these columns and its project's name only,
#: not every column of the resource, its project and that project's organisation (~1 ms of CPU a page)
TABLE_COLUMNS = (load_only(Resource.id, Resource.name, Resource.kind, Resource.project_id, Resource.address,
                           Resource.flavor, Resource.site, Resource.state, Resource.status, Resource.created_at),
                 joinedload(Resource.project, innerjoin=True).options(load_only(Project.id, Project.name),
                                                                      lazyload(Project.organisation)))


@dataclass(frozen=True)
class Listing:
    """One page of resources and the cursors around it."""

    rows: list[Resource]
    next_cursor: str | None
    prev_cursor: str | None
    live: bool  #: some row is changing: the table refreshes itself


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    found = {k: q[k].strip()[:100] for k in FILTERS if q.get(k, "").strip()}
    if found.get("sort") not in ("name", "created_at"):
        found.pop("sort", None)
    if found.get("state") not in {s.value for s in ResourceState}:
        found.pop("state", None)
    if found.get("kind") not in RESOURCE_KINDS:
        found.pop("kind", None)
    return found


def _key(resource: Resource, sort: str) -> list[Any]:
    return [resource.name if sort == "name" else resource.created_at.isoformat(), resource.id]


def _before(query: Select[Any], sort: str, cursor: tuple[Any, ...]) -> Select[Any]:
    """The rows just before ``cursor``, nearest first (the previous page, read backwards)."""
    column = Resource.name if sort == "name" else Resource.created_at
    key, ident = cursor
    return (query.order_by(None).order_by(column.desc(), Resource.id.desc())
            .where((column < key) | ((column == key) & (Resource.id < ident))))


def listing(session: Session, actor: Actor, filters: dict[str, str], *, after: str | None = None,
            before: str | None = None) -> Listing:
    """A page of the resources the actor sees, after or before a cursor (keyset: never OFFSET)."""
    sort = filters.get("sort", "name")
    kinds = (str if sort == "name" else datetime, uuid.UUID)
    after_key, before_key = decode_cursor(after, *kinds), decode_cursor(before, *kinds)
    query = service.resources_query(
        actor, project_id=parse_id(filters["project_id"]) if filters.get("project_id") else None,
        kind=filters.get("kind"), state=ResourceState(filters["state"]) if filters.get("state") else None,
        search=filters.get("q"), sort=sort, after=after_key,
    ).options(*TABLE_COLUMNS)
    if before_key:
        rows = list(session.scalars(_before(query, sort, before_key).limit(PAGE + 1)))
        more_before = len(rows) > PAGE
        rows = rows[:PAGE][::-1]
        nxt = encode_cursor(_key(rows[-1], sort)) if rows else None
        prev = encode_cursor(_key(rows[0], sort)) if rows and more_before else None
    else:
        rows = list(session.scalars(query.limit(PAGE + 1)))
        nxt = encode_cursor(_key(rows[PAGE - 1], sort)) if len(rows) > PAGE else None
        rows = rows[:PAGE]
        prev = encode_cursor(_key(rows[0], sort)) if rows and after_key else None
    return Listing(rows, nxt, prev, any(r.state in RESOURCE_LIVE for r in rows))


def _table_context(request: Request, session: Session, actor: Actor) -> dict[str, Any]:
    filters = _filters(request)
    q = request.query_params
    page = listing(session, actor, filters, after=q.get("after"), before=q.get("before"))
    here = urlencode({**filters, **({"after": q["after"]} if q.get("after") else {}),
                      **({"before": q["before"]} if q.get("before") else {})})
    nxt, prev = page.next_cursor, page.prev_cursor
    return {"page": page, "filters": filters, "here": here, "places": sites.places(session),
            "next_url": f"/resources?{urlencode({**filters, 'after': nxt})}" if nxt else None,
            "prev_url": f"/resources?{urlencode({**filters, 'before': prev})}" if prev else None}


@router.get("/resources")
def resources(request: Request) -> Response:
    """The resources I see: filter by kind, state, project; search by name, IP or project; sort; page."""
    with acting(request) as (session, actor):
        context = _table_context(request, session, actor)
        context.update(projects=tenancy.project_choices(session, actor, limit=PROJECT_LIMIT),
                       kinds=RESOURCE_KINDS, states=[s.value for s in ResourceState if s != ResourceState.DELETED])
        return render(request, "resources/index.html", context)


@router.get("/resources/table")
def resources_table(request: Request) -> Response:
    """The results table alone (HTMX: search as you type, filters, pages, refresh); the address bar follows."""
    with acting(request) as (session, actor):
        context = _table_context(request, session, actor)
        response = render(request, "resources/_table.html", context)
    if request.headers.get("hx-request") and request.headers.get("hx-trigger") != "resource-results":
        response.headers["HX-Push-Url"] = f"/resources?{context['here']}" if context["here"] else "/resources"
    return response


def _detail_context(session: Session, actor: Actor, resource_id: uuid.UUID) -> dict[str, Any]:
    resource = service.get_resource(session, actor=actor, resource_id=resource_id)
    return {"resource": resource, "history": service.history(session, actor=actor, resource_id=resource.id,
                                                             limit=HISTORY),
            "resize_quotes": resize.resize_quotes(session, actor=actor, resource=resource),
            "live": resource.state in RESOURCE_LIVE, "operable": service.may_operate(actor, resource),
            "places": sites.places(session)}  # where the data is (SecNumCloud 19.2)


def _detail(request: Request, resource_id: uuid.UUID, *, status: int = 200, **extra: Any) -> Response:
    with acting(request) as (session, actor):
        context = {**_detail_context(session, actor, resource_id),
                   "done": DONE.get(str(request.query_params.get("done"))), **extra}
        return render(request, "resources/detail.html", context, status=status, actor=actor)


@router.get("/resources/{resource_id}")
def resource(request: Request, resource_id: str) -> Response:
    """One resource: attributes, actions, history."""
    return _detail(request, parse_id(resource_id))


@router.get("/resources/{resource_id}/live")
def resource_live(request: Request, resource_id: str) -> Response:
    """The changing part of the page (HTMX polls it while the resource is creating, busy or deleting)."""
    with acting(request) as (session, actor):
        return render(request, "resources/_live.html", _detail_context(session, actor, parse_id(resource_id)),
                      actor=actor)


@router.post("/resources/{resource_id}/actions")
def act(request: Request, resource_id: str, action: Annotated[str, Form(max_length=20)],
        name: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Queue a day-2 action (start, stop, reboot, snapshot)."""
    key = parse_id(resource_id)
    params: dict[str, Any] = {}
    if action == "snapshot" and name.strip():
        params["name"] = name.strip()
    try:
        with acting(request, write=True) as (session, actor):
            service.request_action(session, actor=actor, resource_id=key, action=action, params=params)
    except DomainError as exc:
        return _detail(request, key, status=exc.status, error=exc)
    return redirect(request, f"/resources/{key}?done=action")


#: where the resize order stands once placed → the message its page opens with
RESIZE_DONE = {OrderStatus.PENDING_APPROVAL: "resize_pending", OrderStatus.REJECTED: "resize_refused"}


@router.post("/resources/{resource_id}/resize")
def resize_server(request: Request, resource_id: str, plan_id: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Order the resize to another plan; the order's page says whether it runs or where it waits."""
    key = parse_id(resource_id)
    try:
        with acting(request, write=True) as (session, actor):
            order = resize.request_resize(session, actor=actor, resource_id=key, plan_id=parse_plan(plan_id))
            target, done = order.id, RESIZE_DONE.get(OrderStatus(order.status), "resize_started")
    except DomainError as exc:
        return _detail(request, key, status=exc.status, error=exc)
    return redirect(request, f"/orders/{target}?done={done}")


def parse_plan(value: str) -> uuid.UUID:
    """The plan chosen in the form (a refusal the form shows, not a 404, when it is not one)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed("Choisissez le nouveau gabarit.", field="plan_id") from None


@router.post("/resources/{resource_id}/delete")
def delete(request: Request, resource_id: str) -> Response:
    """Queue the deletion (the page asked for confirmation first)."""
    key = parse_id(resource_id)
    try:
        with acting(request, write=True) as (session, actor):
            service.delete_resource(session, actor=actor, resource_id=key)
    except DomainError as exc:
        return _detail(request, key, status=exc.status, error=exc)
    return redirect(request, f"/resources/{key}?done=deleting")
