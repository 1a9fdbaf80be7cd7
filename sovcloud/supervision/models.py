"""Supervision tables: notifications to users, alert rules and alerts, notices to organisations, their
channels and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.db import Base, IdMixin


class Notification(IdMixin, Base):
    """A message for one user, shown in the portal and the API until read."""

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))  #: order, resource
    subject_id: Mapped[uuid.UUID] = mapped_column()
    message: Mapped[str] = mapped_column(String(1000))
    read_at: Mapped[datetime | None] = mapped_column()


class AlertRule(IdMixin, Base):
    """A condition on the platform's own state, as data. ``params`` is parsed by the kind's own model
    (``alerts_rules.PARAMS``) when written and again at each evaluation: a rule that no longer parses fails
    closed (it raises an alert saying so) instead of being skipped silently."""

    __tablename__ = "alert_rules"
    __label__ = "Règle d'alerte"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  #: site_capacity, site_down, hypervisor_down, step_stuck…
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  #: the kind's bounded parameters
    severity: Mapped[str] = mapped_column(String(10))  #: info | minor | major | critical
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  #: organisations concerned
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column()


class Alert(IdMixin, Base):
    """One occurrence of a rule's condition on one subject (a site, a hypervisor, a step, an organisation…).

    At most one alert per rule and subject is open: ``open_key`` is ``"<rule id>|<subject>"`` while open and
    NULL once resolved, under a unique constraint, so a second evaluator could not open a duplicate even if
    the lease failed. Resolved alerts stay: they are the history."""

    __tablename__ = "alerts"
    __label__ = "Alerte"

    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="SET NULL"),
                                                      index=True)
    rule_name: Mapped[str] = mapped_column(String(120))  #: kept when the rule is deleted
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), index=True)
    subject: Mapped[str] = mapped_column(String(200))  #: e.g. "site:eu-west-1a", "org:<uuid>"
    summary: Mapped[str] = mapped_column(String(500))  #: French, what was seen
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  #: copied from the rule
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  #: open | resolved
    open_key: Mapped[str | None] = mapped_column(String(240), unique=True)
    raised_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    ack_comment: Mapped[str | None] = mapped_column(String(1000))


class Notice(IdMixin, Base):
    """An incident or maintenance notice to organisations. ``organisation_ids`` empty: every organisation.
    An incident goes open → … → resolved; a maintenance planned → in_progress → completed (or cancelled)."""

    __tablename__ = "notices"
    __label__ = "Avis"

    kind: Mapped[str] = mapped_column(String(12), index=True)  #: incident | maintenance
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    impact: Mapped[str | None] = mapped_column(String(1000))
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime | None] = mapped_column()  #: maintenance window (UTC)
    ends_at: Mapped[datetime | None] = mapped_column()
    published_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[datetime | None] = mapped_column()


class NoticeUpdate(IdMixin, Base):
    """A status update of a notice, kept in order (the first one is the publication)."""

    __tablename__ = "notice_updates"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(2000))
    author: Mapped[str] = mapped_column(String(120))


class Channel(IdMixin, Base):
    """How an organisation is told of notices of some severities: portal, e-mail (its recipients) or webhook
    (an https URL, signed with a secret derived from the platform key and this channel's id, shown once)."""

    __tablename__ = "notice_channels"
    __tenant__ = "organisation_id"
    __label__ = "Canal"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                       index=True)
    channel: Mapped[str] = mapped_column(String(10))  #: portal | email | webhook
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  #: incident, maintenance
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)  #: e-mail addresses
    url: Mapped[str | None] = mapped_column(String(500))  #: webhook URL
    secret_hint: Mapped[str | None] = mapped_column(String(8))  #: last characters of the webhook secret
    created_by: Mapped[str] = mapped_column(String(120))


class Delivery(IdMixin, Base):
    """One notice event (publication, update) to send through one channel: durable, retried with backoff."""

    __tablename__ = "notice_deliveries"
    __tenant__ = "organisation_id"

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notice_channels.id", ondelete="SET NULL"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                       index=True)
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(1000))  #: recipients or URL, as at sending time
    event: Mapped[str] = mapped_column(String(20))  #: published | updated
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  #: exactly what is sent
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  #: pending|delivered|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))


class DeliveryAttempt(IdMixin, Base):
    """One try of a delivery, kept whatever its outcome."""

    __tablename__ = "notice_delivery_attempts"
    __tenant__ = "organisation_id"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notice_deliveries.id", ondelete="CASCADE"),
                                                   index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    ok: Mapped[bool] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()  #: HTTP status (webhooks)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(default=0)
