"""Incident and maintenance notices to organisations: published by operators (by hand or from an alert),
followed by status updates until closed, seen by the organisations they concern, and sent through the
channels each organisation chose (``deliveries``).

A notice concerns the organisations it names and their sub-organisations (none named: every organisation)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, visible_org_ids
from sovcloud.clock import as_utc, now
from sovcloud.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sovcloud.supervision import deliveries
from sovcloud.supervision.alerts_rules import Severity
from sovcloud.supervision.models import Alert, Notice, NoticeUpdate
from sovcloud.supervision.notices_kinds import CLOSED, STATUSES, NoticeKind, NoticeStatus
from sovcloud.tenancy.models import Organisation

MAX_SITES, MAX_ORGS, RECENT = 50, 500, 200


def _bounded(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed("Ce champ est obligatoire.", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{limit} caractères au plus.", field=field)
    return text or None


def _sites(sites: list[str]) -> list[str]:
    cleaned = sorted({s.strip() for s in sites if s.strip()})
    if len(cleaned) > MAX_SITES or any(len(s) > 64 for s in cleaned):
        raise ValidationFailed(f"{MAX_SITES} sites au plus, de 64 caractères au plus.", field="sites")
    return cleaned


def _organisations(session: Session, ids: list[uuid.UUID]) -> list[str]:
    if len(ids) > MAX_ORGS:
        raise ValidationFailed(f"{MAX_ORGS} organisations au plus.", field="organisation_ids")
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(ids)))) if ids else set()
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValidationFailed(f"Organisation inconnue : {missing[0]}.", field="organisation_ids")
    return sorted({str(i) for i in ids})


def publish(session: Session, *, actor: Actor, kind: str, title: str | None = None, body: str | None = None,
            severity: str | None = None, sites: list[str] | None = None,
            organisation_ids: list[uuid.UUID] | None = None, impact: str | None = None,
            starts_at: datetime | None = None, ends_at: datetime | None = None,
            alert_id: uuid.UUID | None = None) -> Notice:
    """Publish a notice; one linked to an alert takes, for what is not given, the alert's summary, severity,
    site and organisations. Its deliveries are queued in the same transaction.

    Raises:
        PermissionDenied: the actor may not publish notices.
        NotFound: no such alert.
        ValidationFailed: a missing or too long text, an unknown kind, severity or organisation, a maintenance
            window that is not in the future or ends before it starts.
    """
    authorize(actor, Permission.NOTICE_PUBLISH)
    try:
        notice_kind = NoticeKind(kind)
    except ValueError:
        raise ValidationFailed("Type d'avis : incident ou maintenance.", field="kind") from None
    alert = None
    if alert_id is not None:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"Alerte {alert_id} introuvable.")
        title = title or alert.summary[:200]
        severity = severity or alert.severity
        site = alert.details.get("site") if isinstance(alert.details, dict) else None
        sites = sites or ([site] if isinstance(site, str) else [])
        organisation_ids = organisation_ids or [uuid.UUID(o) for o in alert.organisation_ids]
    try:
        level = Severity(severity or "")
    except ValueError:
        raise ValidationFailed("Gravité : info, minor, major ou critical.", field="severity") from None
    text_title = _bounded(title, "title", 200)
    text_body = _bounded(body or (alert.summary if alert else None), "body", 4000)
    starts, ends = (as_utc(starts_at) if starts_at else None), (as_utc(ends_at) if ends_at else None)
    if notice_kind is NoticeKind.MAINTENANCE:
        if starts is None or ends is None:
            raise ValidationFailed("Une maintenance a une fenêtre : début et fin.", field="starts_at")
        if ends <= starts:
            raise ValidationFailed("La fin de la fenêtre doit suivre son début.", field="ends_at")
        if ends <= now():
            raise ValidationFailed("La fenêtre de maintenance est déjà passée.", field="ends_at")
    notice = Notice(kind=notice_kind.value, title=text_title, body=text_body, severity=level.value,
                    status=STATUSES[notice_kind][0].value, impact=_bounded(impact, "impact", 1000, required=False),
                    sites=_sites(sites or []), organisation_ids=_organisations(session, list(organisation_ids or [])),
                    alert_id=alert.id if alert else None, starts_at=starts, ends_at=ends,
                    published_by=actor.username)
    session.add(notice)
    session.flush()
    session.add(NoticeUpdate(notice_id=notice.id, status=notice.status, message=text_body, author=actor.username))
    audit.record(session, actor=actor, action="notice.published", target=notice,
                 details={"kind": notice.kind, "title": notice.title, "severity": notice.severity,
                          "sites": notice.sites, "organisation_ids": notice.organisation_ids,
                          "alert_id": str(notice.alert_id) if notice.alert_id else None})
    deliveries.enqueue(session, notice, event="published", message=text_body or "")
    return notice


def post_update(session: Session, *, actor: Actor, notice_id: uuid.UUID, status: str, message: str) -> Notice:
    """A status update of an open notice (a closing status closes it); sent like the publication.

    Raises:
        PermissionDenied: the actor may not publish notices.
        NotFound: no such notice.
        ValidationFailed: a status this kind of notice does not have, no message.
        Conflict: the notice is closed.
    """
    authorize(actor, Permission.NOTICE_PUBLISH)
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound(f"Avis {notice_id} introuvable.")
    if notice.closed_at is not None:
        raise Conflict("Cet avis est clos.")
    allowed = [s.value for s in STATUSES[NoticeKind(notice.kind)]]
    if status not in allowed:
        raise ValidationFailed(f"État possible : {', '.join(allowed)}.", field="status")
    text = _bounded(message, "message", 2000) or ""
    notice.status = status
    if NoticeStatus(status) in CLOSED:
        notice.closed_at = now()
    session.add(NoticeUpdate(notice_id=notice.id, status=status, message=text, author=actor.username))
    audit.record(session, actor=actor, action="notice.updated", target=notice,
                 details={"status": status, "message": text})
    deliveries.enqueue(session, notice, event="updated", message=text)
    return notice


def _concerned_ids(session: Session, actor: Actor) -> set[str]:
    """Ids of the organisations whose notices the actor sees: its organisations, their sub-organisations, and
    every organisation above them (a notice to a ministry concerns its directorates)."""
    paths = session.scalars(select(Organisation.path).where(Organisation.id.in_(visible_org_ids(actor))))
    return {part for path in paths for part in path.strip("/").split("/") if part}


def concerns(notice: Notice, org_ids: set[str]) -> bool:
    return not notice.organisation_ids or bool(org_ids & set(notice.organisation_ids))


def visible(session: Session, *, actor: Actor, open_only: bool = False, limit: int = 100) -> list[Notice]:
    """The notices that concern the actor's organisations (every notice for platform actors), open ones first,
    newest first.

    Raises:
        PermissionDenied: the actor may read no notice.
    """
    if (actor.needs_mfa and not actor.mfa_verified) or not any(
            Permission.NOTICE_READ in g.permissions for g in actor.grants):
        raise PermissionDenied("Vous n'avez pas le droit « notice.read ».", permission="notice.read")
    query = select(Notice).order_by(Notice.closed_at.is_not(None), Notice.created_at.desc())
    if open_only:
        query = query.where(Notice.closed_at.is_(None))
    rows = list(session.scalars(query.limit(RECENT)))
    if not actor.is_platform_wide:
        ids = _concerned_ids(session, actor)
        rows = [n for n in rows if concerns(n, ids)]
    return rows[:limit]


def in_progress(notice: Notice) -> bool:
    """An open incident, or a maintenance under way (or inside its window)."""
    if notice.closed_at is not None:
        return False
    if notice.kind == NoticeKind.INCIDENT:
        return True
    at = now()
    return notice.status == NoticeStatus.IN_PROGRESS or bool(
        notice.starts_at and notice.ends_at and notice.starts_at <= at <= notice.ends_at)


def banner(session: Session, *, actor: Actor) -> list[Notice]:
    """The notices in progress the actor is concerned by (the portal shows them on every page)."""
    try:
        return [n for n in visible(session, actor=actor, open_only=True, limit=20) if in_progress(n)]
    except PermissionDenied:
        return []


def updates(session: Session, notice_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[NoticeUpdate]]:
    """The updates of these notices, oldest first (the notices were checked visible by the caller)."""
    found: dict[uuid.UUID, list[NoticeUpdate]] = {i: [] for i in notice_ids}
    if notice_ids:
        for u in session.scalars(select(NoticeUpdate).where(NoticeUpdate.notice_id.in_(notice_ids))
                                 .order_by(NoticeUpdate.created_at, NoticeUpdate.id)):
            found[u.notice_id].append(u)
    return found
