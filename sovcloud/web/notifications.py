"""My notifications (order transitions, expiry reminders): read them, mark them all read."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.supervision import notifications
from sovcloud.web.common import PortalRoute, acting, redirect, render
from sovcloud.web.labels import DONE

router = APIRouter(route_class=PortalRoute)
SHOWN = 100


@router.get("/notifications")
def inbox(request: Request, done: str | None = None) -> Response:
    """My latest notifications, newest first; unread ones stand out."""
    with acting(request) as (session, actor):
        rows = notifications.notifications_of(session, actor=actor, limit=SHOWN)
        return render(request, "notifications/index.html", {"notifications": rows, "done": DONE.get(str(done))})


@router.post("/notifications/read")
def mark_read(request: Request) -> Response:
    """Mark all my notifications read."""
    with acting(request, write=True) as (session, actor):
        notifications.mark_read(session, actor=actor)
    return redirect(request, "/notifications?done=read")
