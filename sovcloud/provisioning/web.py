"""The operator console's page of failed cleanups: each failed order that left resources behind, with a
button to retry its cleanup and one to forget what the cloud confirms is gone (a reason required)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.errors import DomainError
from sovcloud.provisioning import operations
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render
from sovcloud.web.labels import DONE

router = APIRouter(route_class=PortalRoute)


def _page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    with acting(request) as (session, actor):
        rows = operations.cleanup_failed(session, actor=actor)
        return render(request, "operator/cleanups.html", {"cleanups": rows, **extra}, status=status, actor=actor)


@router.get("/operator/cleanups")
def cleanups(request: Request) -> Response:
    """Failed orders whose cleanup left resources behind (still counted in their project's quota)."""
    return _page(request, done=DONE.get(str(request.query_params.get("done"))))


@router.post("/operator/cleanups/{order_id}")
def take_up(request: Request, order_id: str, mode: Annotated[str, Form(max_length=10)],
            reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Queue a new cleanup (retry, or forget once the cloud confirms); journaled."""
    key = parse_id(order_id)
    try:
        with acting(request, write=True) as (session, actor):
            operations.take_up_cleanup(session, actor=actor, order_id=key, mode=mode, reason=reason)
    except DomainError as exc:
        return _page(request, status=exc.status, error=exc)
    return redirect(request, "/operator/cleanups?done=cleanup_queued")
