"""Alerts as operators see them: the list (open, unacknowledged and "unacknowledged for more than 24 h"
first, with filters), acknowledgement with a comment, and the periodic evaluation round."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.provisioning.runtime import Runtime
from sovcloud.supervision import alerts_eval
from sovcloud.supervision.alerts_rules import Severity
from sovcloud.supervision.models import Alert

#: an open alert nobody acknowledged for this long comes first, flagged
STALE_ACK = timedelta(hours=24)
MAX_COMMENT = 1000


def _ordered(query: Select[Alert]) -> Select[Alert]:
    stale = now() - STALE_ACK
    group = case((Alert.status != "open", 3), (Alert.acknowledged_at.is_not(None), 2),
                 (Alert.raised_at < stale, 0), else_=1)
    severity = case({s.value: i for i, s in enumerate((Severity.CRITICAL, Severity.MAJOR, Severity.MINOR,
                                                       Severity.INFO))}, value=Alert.severity, else_=4)
    return query.order_by(group, severity, Alert.raised_at.desc(), Alert.id)


def list_alerts(session: Session, *, actor: Actor, status: str | None = "open", severity: str | None = None,
                acknowledged: bool | None = None, kind: str | None = None, limit: int = 100,
                offset: int = 0) -> list[Alert]:
    """Alerts, the ones to look at first: open and unacknowledged for more than 24 h, then open and
    unacknowledged, then open and acknowledged, then resolved; most severe first in each group.

    Raises:
        PermissionDenied: the actor may not read alerts.
    """
    authorize(actor, Permission.ALERT_READ)
    query = select(Alert)
    if status in ("open", "resolved"):
        query = query.where(Alert.status == status)
    if severity:
        query = query.where(Alert.severity == severity)
    if acknowledged is not None:
        query = query.where(Alert.acknowledged_at.is_not(None) if acknowledged else Alert.acknowledged_at.is_(None))
    if kind:
        query = query.where(Alert.kind == kind)
    return list(session.scalars(_ordered(query).limit(min(limit, 500)).offset(offset)))


def is_stale(alert: Alert) -> bool:
    """Open, unacknowledged, raised more than 24 h ago."""
    return alert.status == "open" and alert.acknowledged_at is None and alert.raised_at < now() - STALE_ACK


def get_alert(session: Session, *, actor: Actor, alert_id: uuid.UUID) -> Alert:
    """One alert.

    Raises:
        PermissionDenied: the actor may not read alerts.
        NotFound: no such alert.
    """
    authorize(actor, Permission.ALERT_READ)
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alerte {alert_id} introuvable.")
    return alert


def acknowledge(session: Session, *, actor: Actor, alert_id: uuid.UUID, comment: str) -> Alert:
    """Acknowledge an alert with a comment (who and when are kept and journaled).

    Raises:
        PermissionDenied: the actor may not manage alerts.
        NotFound: no such alert.
        ValidationFailed: no comment, or a comment too long.
        Conflict: the alert is already acknowledged.
    """
    authorize(actor, Permission.ALERT_MANAGE)
    comment = comment.strip()
    if not comment:
        raise ValidationFailed("Un commentaire est demandé pour acquitter une alerte.", field="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"Commentaire : {MAX_COMMENT} caractères au plus.", field="comment")
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFound(f"Alerte {alert_id} introuvable.")
    if alert.acknowledged_at is not None:
        raise Conflict(f"Alerte déjà acquittée par {alert.acknowledged_by}.")
    alert.acknowledged_at, alert.acknowledged_by, alert.ack_comment = now(), actor.username, comment
    audit.record(session, actor=actor, action="alert.acknowledged", target=alert,
                 details={"rule": alert.rule_name, "subject": alert.subject, "comment": comment})
    return alert


def evaluate_round(rt: Runtime) -> alerts_eval.Round:
    """The periodic job: one evaluation round in one transaction."""
    with transaction(rt.sessions) as session:
        return alerts_eval.evaluate(session, provider=rt.provider, settings=rt.settings)
