"""Supervision routes: my notifications, and capacity per site and hypervisor for operators."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.supervision import capacity, notifications

router = APIRouter(tags=["supervision"])


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    message: str
    created_at: datetime
    read_at: datetime | None


@router.get("/me/notifications", response_model=list[NotificationRead])
def my_notifications(session: DbSession, actor: CurrentActor, unread: bool = False) -> list[NotificationRead]:
    """My notifications, newest first."""
    rows = notifications.notifications_of(session, actor=actor, unread_only=unread)
    return [NotificationRead.model_validate(n) for n in rows]


@router.post("/me/notifications/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_read(session: DbSession, actor: CurrentActor) -> None:
    """Mark all my notifications read."""
    notifications.mark_read(session, actor=actor)


@router.get("/capacity", response_model=capacity.CapacityReport)
def site_capacity(request: Request, actor: CurrentActor) -> capacity.CapacityReport:
    """Capacity and use per site and hypervisor (operators)."""
    return capacity.report(actor=actor, provider=request.app.state.provider)
