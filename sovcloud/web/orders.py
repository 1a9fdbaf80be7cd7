"""Orders: the list (mine, a project's, all I see; keyset pagination), the detail with its approval trail and
live progress, cancellation, and the approvals inbox with approve / reject and a comment."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.catalog.models import Plan
from sovcloud.errors import DomainError
from sovcloud.inventory import service as inventory
from sovcloud.inventory.models import Resource
from sovcloud.orders import approvers, service
from sovcloud.orders.choices import Decision, OrderStatus
from sovcloud.orders.models import Order
from sovcloud.pagination import decode_cursor, encode_cursor
from sovcloud.tenancy import service as tenancy
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render
from sovcloud.web.labels import DONE, ORDER_LIVE, ORDER_WAITING

router = APIRouter(route_class=PortalRoute)
PAGE = 25
PROJECT_LIMIT = 300
ORDER_RESOURCES = 200


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    found = {k: q[k].strip()[:64] for k in ("scope", "project_id", "status") if q.get(k, "").strip()}
    if found.get("status") not in {s.value for s in OrderStatus}:
        found.pop("status", None)
    return found


def _page(session: Session, actor: Actor, filters: dict[str, str],
          cursor: str | None) -> tuple[list[Order], str | None]:
    before = decode_cursor(cursor, datetime, uuid.UUID)
    project_id = parse_id(filters["project_id"]) if filters.get("project_id") else None
    status = OrderStatus(filters["status"]) if filters.get("status") else None
    query = service.orders_query(actor, project_id=project_id, status=status, mine=filters.get("scope") != "all",
                                 before=before)
    rows = list(session.scalars(query.limit(PAGE + 1)))
    orders = rows[:PAGE]
    nxt = encode_cursor([orders[-1].created_at.isoformat(), orders[-1].id]) if len(rows) > PAGE and orders else None
    return orders, nxt


def _more(path: str, filters: dict[str, str], cursor: str | None) -> str | None:
    return None if cursor is None else f"{path}?{urlencode({**filters, 'before': cursor})}"


@router.get("/orders")
def orders(request: Request, before: str | None = None) -> Response:
    """Orders, newest first: mine by default, or all those I see; by project and status."""
    filters = _filters(request)
    with acting(request) as (session, actor):
        rows, nxt = _page(session, actor, filters, before)
        projects = tenancy.project_choices(session, actor, limit=PROJECT_LIMIT)
        return render(request, "orders/index.html", {
            "orders": rows, "filters": filters, "projects": projects, "statuses": list(OrderStatus),
            "more_url": _more("/orders", filters, nxt), "rows_url": _more("/orders/rows", filters, nxt),
            "paged": before is not None})


@router.get("/orders/rows")
def order_rows(request: Request, before: str | None = None) -> Response:
    """The next rows of the list (HTMX 'Voir plus', appended to the table)."""
    filters = _filters(request)
    with acting(request) as (session, actor):
        rows, nxt = _page(session, actor, filters, before)
        return render(request, "orders/_rows.html", {"orders": rows, "more_url": _more("/orders", filters, nxt),
                                                     "rows_url": _more("/orders/rows", filters, nxt)})


def _resources(session: Session, actor: Actor, order: Order) -> list[Resource]:
    query = inventory.resources_query(actor, project_id=order.project_id, include_deleted=True, sort="created_at")
    return list(session.scalars(query.where(Resource.order_id == order.id).limit(ORDER_RESOURCES)))


def _detail_context(session: Session, actor: Actor, order: Order) -> dict[str, Any]:
    plans = {p.id: p for p in session.scalars(select(Plan).where(Plan.id.in_({i.plan_id for i in order.items})))}
    status = OrderStatus(order.status)
    return {"order": order, "plans": plans, "resources": _resources(session, actor, order),
            "live": status in ORDER_LIVE, "waiting": status in ORDER_WAITING,
            "may_approve": service.may_approve(actor, order),
            "may_cancel": service.may_cancel(actor, order), "progress": approvers.progress(session, order)}


def _detail(request: Request, order_id: uuid.UUID, *, status: int = 200, **extra: Any) -> Response:
    with acting(request) as (session, actor):
        order = service.get_order(session, actor=actor, order_id=order_id)
        context = {**_detail_context(session, actor, order), "done": DONE.get(str(request.query_params.get("done"))),
                   **extra}
        return render(request, "orders/detail.html", context, status=status, actor=actor)


@router.get("/orders/{order_id}")
def order(request: Request, order_id: str) -> Response:
    """One order: items, estimate, approval trail, progress."""
    return _detail(request, parse_id(order_id))


@router.get("/orders/{order_id}/progress")
def progress(request: Request, order_id: str) -> Response:
    """The live part of the order page (HTMX polls it while the order moves on)."""
    with acting(request) as (session, actor):
        found = service.get_order(session, actor=actor, order_id=parse_id(order_id))
        return render(request, "orders/_progress.html", _detail_context(session, actor, found), actor=actor)


@router.post("/orders/{order_id}/cancel")
def cancel(request: Request, order_id: str) -> Response:
    """Cancel before provisioning starts."""
    key = parse_id(order_id)
    try:
        with acting(request, write=True) as (session, actor):
            service.cancel_order(session, actor=actor, order_id=key)
    except DomainError as exc:
        return _detail(request, key, status=exc.status, error=exc)
    return redirect(request, f"/orders/{key}?done=cancelled")


@router.get("/approvals")
def approvals(request: Request, done: str | None = None) -> Response:
    """Orders waiting for my decision, oldest first."""
    with acting(request) as (session, actor):
        return render(request, "orders/inbox.html", {"orders": service.inbox(session, actor=actor),
                                                     "done": DONE.get(str(done))})


@router.post("/orders/{order_id}/decision")
def decide(request: Request, order_id: str, decision: Annotated[Decision, Form()],
           comment: Annotated[str, Form(max_length=2000)] = "",
           back: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Approve or reject (a rejection must say why: the service refuses it otherwise)."""
    key = parse_id(order_id)
    try:
        with acting(request, write=True) as (session, actor):
            service.decide(session, actor=actor, order_id=key, decision=decision, comment=comment)
    except DomainError as exc:
        if back == "order":
            return _detail(request, key, status=exc.status, error=exc, comment=comment)
        with acting(request) as (session, actor):
            return render(request, "orders/inbox.html", {
                "orders": service.inbox(session, actor=actor), "error": exc, "error_order": key, "comment": comment},
                status=exc.status, actor=actor)
    done = "approved" if decision == Decision.APPROVE else "rejected"
    return redirect(request, f"/orders/{key}?done={done}" if back == "order" else f"/approvals?done={done}")
