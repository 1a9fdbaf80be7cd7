"""Kinds of notices and their statuses (a module of its own: notices, channels and deliveries all read it)."""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class NoticeStatus(StrEnum):
    OPEN = "open"  #: incident: declared, being investigated
    IDENTIFIED = "identified"  #: incident: cause found
    MONITORING = "monitoring"  #: incident: fixed, being watched
    RESOLVED = "resolved"  #: incident: over (closed)
    PLANNED = "planned"  #: maintenance: announced
    IN_PROGRESS = "in_progress"  #: maintenance: under way
    COMPLETED = "completed"  #: maintenance: over (closed)
    CANCELLED = "cancelled"  #: maintenance: will not happen (closed)


S = NoticeStatus
STATUSES = {NoticeKind.INCIDENT: (S.OPEN, S.IDENTIFIED, S.MONITORING, S.RESOLVED),
            NoticeKind.MAINTENANCE: (S.PLANNED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)}
CLOSED = frozenset({S.RESOLVED, S.COMPLETED, S.CANCELLED})
