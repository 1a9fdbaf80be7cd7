"""Notify users of what happens to their orders and resources."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.supervision.models import Notification


def notify(session: Session, *, user_id: uuid.UUID | None, subject_type: str, subject_id: uuid.UUID,
           message: str) -> None:
    """Queue a message for ``user_id`` (nothing for system-made orders)."""
    if user_id is not None:
        session.add(Notification(user_id=user_id, subject_type=subject_type, subject_id=subject_id, message=message))


def notifications_of(session: Session, *, actor: Actor, unread_only: bool = False,
                     limit: int = 50) -> list[Notification]:
    """The actor's own notifications, newest first."""
    query = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.created_at.desc()).limit(limit)))


def unread_count(session: Session, *, actor: Actor, cap: int) -> int:
    """How many of the actor's notifications are unread, counted up to ``cap`` (a badge shows "99+")."""
    unread = (select(Notification.id).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
              .limit(cap).subquery())
    return int(session.scalar(select(func.count()).select_from(unread)) or 0)


def mark_read(session: Session, *, actor: Actor) -> None:
    """Mark all the actor's notifications read."""
    session.execute(update(Notification).where(Notification.user_id == actor.user_id,
                                               Notification.read_at.is_(None)).values(read_at=now()))
