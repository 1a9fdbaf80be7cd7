"""Deliveries of notices through the organisations' channels: one durable row per notice event and channel,
queued in the transaction that publishes or updates the notice, sent by the periodic job
``notice-deliveries`` (under its lease), retried with a doubling delay, every attempt kept.

- portal: a notification to each member of the organisation (held on it or on one of its projects);
- e-mail: one message to the channel's recipients through the configured SMTP relay (``smtplib``);
- webhook: a JSON POST with ``X-Sovcloud-Timestamp`` (Unix seconds) and ``X-Sovcloud-Signature:
  sha256=<HMAC-SHA256 of "<timestamp>." + body>``; any 2xx is a success, redirects are not followed."""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.db import transaction
from sovcloud.logs import get_logger
from sovcloud.supervision.models import Channel, Delivery, DeliveryAttempt, Notice
from sovcloud.supervision.notifications import notify
from sovcloud.tenancy.models import Membership, Organisation, Project

log = get_logger("sovcloud.deliveries")
BATCH = 50
MAX_DELAY = timedelta(hours=1)
KIND_LABELS = {"incident": "Incident", "maintenance": "Maintenance"}


def payload_of(notice: Notice, *, event: str, message: str, organisation: Organisation) -> dict[str, Any]:
    """What every channel sends of a notice event (the webhook's JSON body, the e-mail's text)."""
    return {"notice_id": str(notice.id), "event": event, "kind": notice.kind, "title": notice.title,
            "severity": notice.severity, "status": notice.status, "message": message, "sites": list(notice.sites),
            "impact": notice.impact, "starts_at": notice.starts_at.isoformat() if notice.starts_at else None,
            "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
            "organisation": {"id": str(organisation.id), "code": organisation.code}, "sent_for": now().isoformat()}


def enqueue(session: Session, notice: Notice, *, event: str, message: str) -> int:
    """Queue the deliveries of this notice event to every channel that chose its kind and severity, of every
    organisation it concerns (named ones and their sub-organisations; none named: all). How many."""
    count = 0
    for channel, org in session.execute(select(Channel, Organisation).join(
            Organisation, Organisation.id == Channel.organisation_id)):
        if notice.severity not in channel.severities or notice.kind not in channel.kinds:
            continue
        ancestry = {p for p in org.path.strip("/").split("/") if p}
        if notice.organisation_ids and not ancestry & set(notice.organisation_ids):
            continue
        target = (", ".join(channel.recipients) if channel.channel == "email"
                  else channel.url or "" if channel.channel == "webhook" else org.code)
        session.add(Delivery(notice_id=notice.id, channel_id=channel.id, organisation_id=org.id,
                             channel=channel.channel, target=target[:1000], event=event,
                             payload=payload_of(notice, event=event, message=message, organisation=org),
                             status="pending", next_attempt_at=now()))
        count += 1
    return count


def _members(session: Session, organisation_id: uuid.UUID) -> set[uuid.UUID]:
    projects = select(Project.id).where(Project.organisation_id == organisation_id)
    return set(session.scalars(select(Membership.user_id).where(or_(
        Membership.organisation_id == organisation_id, Membership.project_id.in_(projects)))))


def _text(payload: dict[str, Any]) -> str:
    lines = [f"{KIND_LABELS.get(payload['kind'], payload['kind'])} — {payload['title']}",
             f"Gravité : {payload['severity']} — état : {payload['status']}", "", payload["message"]]
    if payload.get("sites"):
        lines.append("Sites : " + ", ".join(payload["sites"]))
    if payload.get("starts_at"):
        lines.append(f"Fenêtre : {payload['starts_at']} → {payload['ends_at']} (UTC)")
    if payload.get("impact"):
        lines.append(f"Impact : {payload['impact']}")
    return "\n".join(lines) + "\n"


def _send_email(settings: Settings, recipients: list[str], payload: dict[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    title = " ".join(str(payload["title"]).split())  # one line: no header injection through a title
    kind = KIND_LABELS.get(payload["kind"], payload["kind"])
    message["Subject"] = f"[sovcloud] {kind} {payload['severity']} : {title}"
    message["X-Sovcloud-Notice"] = payload["notice_id"]
    message.set_content(_text(payload))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout_s) as smtp:
        smtp.send_message(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post_webhook(settings: Settings, delivery: Delivery, channel: Channel) -> int:
    from sovcloud.supervision.notices_channels import check_url, sign, webhook_secret

    url = check_url(channel.url or "", settings)  # the rule in force now, not only when it was written
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    stamp = str(int(now().timestamp()))
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "sovcloud-notices", "X-Sovcloud-Timestamp": stamp,
        "X-Sovcloud-Signature": sign(webhook_secret(settings, channel.id), stamp, body),
        "X-Sovcloud-Delivery": str(delivery.id), "X-Sovcloud-Event": delivery.event})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.delivery_timeout_s) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


Outcome = tuple[bool, int | None, str | None]


def _to_portal(session: Session, delivery: Delivery) -> Outcome:
    message = f"{KIND_LABELS.get(delivery.payload['kind'], '')} : {delivery.payload['title']}"
    for user in _members(session, delivery.organisation_id):
        notify(session, user_id=user, subject_type="notice", subject_id=delivery.notice_id, message=message[:1000])
    return True, None, None


def _send(settings: Settings, delivery: Delivery, channel: Channel) -> Outcome:
    """E-mail or webhook, outside any transaction (nothing is locked while the peer answers)."""
    try:
        if delivery.channel == "email":
            _send_email(settings, list(channel.recipients), delivery.payload)
            return True, None, None
        code = _post_webhook(settings, delivery, channel)
        return 200 <= code < 300, code, None if 200 <= code < 300 else f"HTTP {code}"
    except Exception as exc:  # the peer is away, refuses, times out: one more failed attempt, retried
        return False, None, f"{type(exc).__name__}: {exc}"[:500]


def _record(session: Session, settings: Settings, delivery: Delivery, outcome: Outcome, started: float) -> None:
    ok, code, error = outcome
    delivery.attempts += 1
    session.add(DeliveryAttempt(delivery_id=delivery.id, organisation_id=delivery.organisation_id, ok=ok,
                                status_code=code, error=error, duration_ms=int(1000 * (time.monotonic() - started))))
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = (
            "delivered", now(), None, None)
    elif delivery.attempts >= settings.delivery_max_attempts:
        delivery.status, delivery.next_attempt_at, delivery.last_error = "failed", None, error
        log.warning("delivery.failed", delivery=str(delivery.id), channel=delivery.channel, error=error)
    else:
        delay = timedelta(seconds=settings.delivery_retry_base_s * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at, delivery.last_error = now() + min(delay, MAX_DELAY), error


def _one(sessions: sessionmaker[Session], settings: Settings, delivery_id: uuid.UUID) -> None:
    started = time.monotonic()
    with transaction(sessions) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return
        channel = session.get(Channel, delivery.channel_id) if delivery.channel_id else None
        if channel is None or delivery.channel == "portal":
            outcome = (False, None, "canal supprimé") if channel is None else _to_portal(session, delivery)
            _record(session, settings, delivery, outcome, started)
            return
        session.expunge(delivery)
        session.expunge(channel)
    outcome = _send(settings, delivery, channel)
    with transaction(sessions) as session:
        current = session.get(Delivery, delivery_id)
        if current is not None and current.status == "pending":
            _record(session, settings, current, outcome, started)


def process(sessions: sessionmaker[Session], settings: Settings, *, limit: int = BATCH) -> int:
    """Send the deliveries that are due, one attempt each (the job runs under its lease: one sender at a
    time); how many were tried. Each attempt is recorded with the delivery's new state in one transaction."""
    with transaction(sessions) as session:
        due = list(session.scalars(select(Delivery.id).where(Delivery.status == "pending",
                                                             Delivery.next_attempt_at <= now())
                                   .order_by(Delivery.next_attempt_at).limit(limit)))
    for delivery_id in due:
        _one(sessions, settings, delivery_id)
    return len(due)
