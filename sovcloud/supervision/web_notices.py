"""Portal pages of the notices: what concerns my organisations (/notices, and the banner of every page while
one is in progress), the operators' publication and updates (/operator/notices), and an organisation's
channels and delivery log (/organisations/{id}/channels)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped
from sovcloud.api.deps import SESSION_COOKIE
from sovcloud.db import transaction
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.identity.sessions import digest
from sovcloud.identity.totp import SecretBox
from sovcloud.logs import get_logger
from sovcloud.supervision import alerts, notices, notices_channels
from sovcloud.supervision.alerts_rules import Severity
from sovcloud.supervision.notices_kinds import STATUSES, NoticeKind
from sovcloud.supervision.web_alerts import SEVERITY_BADGES, SEVERITY_LABELS
from sovcloud.tenancy.models import Organisation
from sovcloud.web import forms
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render, settings_of, templates
from sovcloud.web.i18n import DISPLAY_ZONE

router = APIRouter(route_class=PortalRoute)
log = get_logger("sovcloud.web")

KIND_LABELS = {"incident": "Incident", "maintenance": "Maintenance"}
STATUS_LABELS = {"open": "En cours d'analyse", "identified": "Cause identifiée", "monitoring": "Sous surveillance",
                 "resolved": "Résolu", "planned": "Planifiée", "in_progress": "En cours", "completed": "Terminée",
                 "cancelled": "Annulée"}
CHANNEL_LABELS = {"portal": "Portail", "email": "Courriel", "webhook": "Webhook"}
DELIVERY_LABELS = {"pending": "En attente", "delivered": "Remis", "failed": "Échec"}
DONE = {"published": "Avis publié.", "updated": "Avis mis à jour.", "channel_created": "Canal ajouté.",
        "channel_deleted": "Canal supprimé."}
NOTICE_FIELDS = ("kind", "title", "body", "severity", "impact", "starts_at", "ends_at", "sites", "organisation_ids")
LABELS = {"severity_labels": SEVERITY_LABELS, "severity_badges": SEVERITY_BADGES, "kind_labels": KIND_LABELS,
          "status_labels": STATUS_LABELS, "channel_labels": CHANNEL_LABELS, "delivery_labels": DELIVERY_LABELS}


@dataclass(frozen=True)
class Live:
    """A notice in progress, as the banner shows it."""

    id: uuid.UUID
    kind: str
    title: str


def notice_banner(request: Request) -> list[Live]:
    """The notices in progress for the logged-in actor (base template). A failure here never breaks a page."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        return []
    try:
        with transaction(request.app.state.read_sessions) as session:
            return [Live(n.id, n.kind, n.title) for n in notices.banner(session, actor=actor)]
    except Exception:
        log.exception("notice banner unavailable")
        return []


templates.env.globals["notice_banner"] = notice_banner


@router.get("/notices")
def notices_page(request: Request) -> Response:
    """Incident and maintenance notices concerning my organisations, open ones first."""
    with acting(request) as (session, actor):
        rows = notices.visible(session, actor=actor, limit=100)
        orgs = list(session.scalars(scoped(session, Organisation, actor).select().order_by(Organisation.code)
                                    .limit(50)))
        manageable = [o for o in orgs if _may(actor, Permission.CHANNEL_MANAGE, o)] if not actor.is_platform_wide \
            else []
        context = {"notices": rows, "updates": notices.updates(session, [n.id for n in rows]),
                   "in_progress": notices.in_progress, "manageable": manageable, **LABELS}
        return render(request, "supervision/notices.html", context, actor=actor)


def _may(actor: Actor, permission: Permission, org: Organisation) -> bool:
    from sovcloud.access.service import allows

    return allows(actor, permission, org.scope)


def _operator_page(request: Request, *, status: int = 200, **extra: Any) -> Response:
    alert_id = request.query_params.get("alert_id")
    with acting(request) as (session, actor):
        authorize(actor, Permission.NOTICE_PUBLISH)
        rows = notices.visible(session, actor=actor, limit=100)
        alert = None
        if alert_id and _is_uuid(alert_id):
            alert = alerts.get_alert(session, actor=actor, alert_id=uuid.UUID(alert_id))
        sites = sorted({s.name for s in request.app.state.provider.sites()}) if hasattr(
            request.app.state.provider, "sites") else []
        context = {"notices": rows, "updates": notices.updates(session, [n.id for n in rows]),
                   "statuses": {k.value: [s.value for s in v] for k, v in STATUSES.items()},
                   "organisations": list(session.scalars(select(Organisation).order_by(Organisation.code).limit(500))),
                   "sites": sites, "severities": list(Severity), "kinds": list(NoticeKind), "alert": alert,
                   "done": DONE.get(str(request.query_params.get("done"))), "in_progress": notices.in_progress,
                   **LABELS, **extra}
        return render(request, "supervision/operator_notices.html", context, status=status, actor=actor)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.get("/operator/notices")
def operator_notices(request: Request, alert_id: Annotated[str | None, Query(
        max_length=40, description="Prefill the form from this alert")] = None) -> Response:
    """Publish notices and follow them up (operators)."""
    return _operator_page(request)


def _local(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` field, read in Europe/Paris."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=DISPLAY_ZONE)
    except ValueError:
        raise ValidationFailed("Date et heure attendues (AAAA-MM-JJTHH:MM).", field=field) from None


@router.post("/operator/notices")
def publish(request: Request, kind: Annotated[str, Form(max_length=20)] = "",
            title: Annotated[str, Form(max_length=400)] = "", body: Annotated[str, Form(max_length=8000)] = "",
            severity: Annotated[str, Form(max_length=10)] = "", impact: Annotated[str, Form(max_length=2000)] = "",
            starts_at: Annotated[str, Form(max_length=40)] = "", ends_at: Annotated[str, Form(max_length=40)] = "",
            alert_id: Annotated[str, Form(max_length=40)] = "",
            sites: Annotated[list[str] | None, Form(max_length=50)] = None,
            organisation_ids: Annotated[list[str] | None, Form(max_length=500)] = None) -> Response:
    """Publish a notice."""
    typed = {"kind": kind, "title": title, "body": body, "severity": severity, "impact": impact,
             "starts_at": starts_at, "ends_at": ends_at}
    try:
        with acting(request, write=True) as (session, actor):
            notices.publish(session, actor=actor, kind=kind, title=title, body=body, severity=severity or None,
                            impact=impact, starts_at=_local(starts_at, "starts_at"), ends_at=_local(ends_at, "ends_at"),
                            sites=sites or [], alert_id=uuid.UUID(alert_id) if _is_uuid(alert_id) else None,
                            organisation_ids=[uuid.UUID(i) for i in organisation_ids or [] if _is_uuid(i)])
    except DomainError as exc:
        errors = forms.form_errors(exc, fields=NOTICE_FIELDS)
        return _operator_page(request, status=exc.status, error=exc, errors=errors, values=typed)
    return redirect(request, "/operator/notices?done=published")


@router.post("/operator/notices/{notice_id}/updates")
def post_update(request: Request, notice_id: str, status: Annotated[str, Form(max_length=20)] = "",
                message: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """A status update of a notice."""
    key = parse_id(notice_id)
    try:
        with acting(request, write=True) as (session, actor):
            notices.post_update(session, actor=actor, notice_id=key, status=status, message=message)
    except DomainError as exc:
        return _operator_page(request, status=exc.status, error=exc)
    return redirect(request, "/operator/notices?done=updated")


def _channels_page(request: Request, organisation_id: uuid.UUID, *, status: int = 200, **extra: Any) -> Response:
    with acting(request) as (session, actor):
        org = scoped(session, Organisation, actor).get(organisation_id)
        channels = notices_channels.list_channels(session, actor=actor, organisation_id=org.id)
        log_rows = notices_channels.delivery_log(session, actor=actor, organisation_id=org.id, limit=100)
        context = {"org": org, "channels": channels, "deliveries": log_rows, "severities": list(Severity),
                   "kinds": list(NoticeKind), "done": DONE.get(str(request.query_params.get("done"))),
                   **LABELS, **extra}
        return render(request, "supervision/channels.html", context, status=status, actor=actor)


@router.get("/organisations/{organisation_id}/channels")
def channels_page(request: Request, organisation_id: str) -> Response:
    """The organisation's notice channels and its delivery log."""
    return _channels_page(request, parse_id(organisation_id))


@router.post("/organisations/{organisation_id}/channels")
def add_channel(request: Request, organisation_id: str, channel: Annotated[str, Form(max_length=10)] = "",
                severities: Annotated[list[str] | None, Form(max_length=4)] = None,
                kinds: Annotated[list[str] | None, Form(max_length=2)] = None,
                recipients: Annotated[str, Form(max_length=6000)] = "",
                url: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Add a channel; a webhook's secret is shown on the page that answers, once."""
    org_id = parse_id(organisation_id)
    try:
        with acting(request, write=True) as (session, actor):
            made = notices_channels.add_channel(
                session, actor=actor, settings=request.app.state.settings, organisation_id=org_id, channel=channel,
                severities=severities or [], kinds=kinds or None, url=url or None,
                recipients=[r for r in recipients.replace(";", ",").replace("\n", ",").split(",") if r.strip()])
    except DomainError as exc:
        errors = forms.form_errors(exc, fields=("channel", "severities", "kinds", "recipients", "url"))
        return _channels_page(request, org_id, status=exc.status, error=exc, errors=errors,
                              values={"channel": channel, "recipients": recipients, "url": url})
    if made.secret is None:
        return redirect(request, f"/organisations/{org_id}/channels?done=channel_created")
    # POST-redirect-GET: the channel is stored; its secret is shown by the next page, once (a reload posts
    # nothing). Only the channel's id travels, sealed, bound to the session, for two minutes, to that one path
    path = f"/organisations/{org_id}/channels/issued"
    sealed = _box(request).seal(json.dumps({"channel": str(made.channel.id), "until": time.time() + ISSUED_TTL_S,
                                            "session": digest(request.cookies.get(SESSION_COOKIE, ""))}))
    response = redirect(request, path)
    response.set_cookie(ISSUED_COOKIE, sealed, max_age=ISSUED_TTL_S, path=path, httponly=True,
                        secure=settings_of(request).cookie_secure, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


ISSUED_COOKIE = "sc_issued_webhook"
ISSUED_TTL_S = 120


def _box(request: Request) -> SecretBox:
    return SecretBox(settings_of(request).secret_key.get_secret_value() + ":issued-webhook")


def _issued_channel(request: Request) -> str | None:
    try:
        found = json.loads(_box(request).open(request.cookies.get(ISSUED_COOKIE, "")))
    except (ValueError, TypeError):
        return None
    if not isinstance(found, dict) or float(found.get("until", 0)) <= time.time():
        return None
    if found.get("session") != digest(request.cookies.get(SESSION_COOKIE, "")):
        return None
    return str(found.get("channel"))


@router.get("/organisations/{organisation_id}/channels/issued")
def issued_secret(request: Request, organisation_id: str) -> Response:
    """The signing secret of the webhook just added, shown this once; afterwards, the channels page."""
    org_id = parse_id(organisation_id)
    wanted = _issued_channel(request)
    with acting(request) as (session, actor):
        mine = [c.id for c in notices_channels.list_channels(session, actor=actor, organisation_id=org_id)
                if str(c.id) == wanted and c.channel == "webhook"]
    if mine:
        response = _channels_page(request, org_id, done=DONE["channel_created"],
                                  secret=notices_channels.webhook_secret(settings_of(request), mine[0]))
    else:
        response = redirect(request, f"/organisations/{org_id}/channels")
    response.delete_cookie(ISSUED_COOKIE, path=f"/organisations/{org_id}/channels/issued", httponly=True,
                           secure=settings_of(request).cookie_secure, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/organisations/{organisation_id}/channels/{channel_id}/delete")
def delete_channel(request: Request, organisation_id: str, channel_id: str) -> Response:
    """Remove a channel (the page asked for confirmation)."""
    org_id, key = parse_id(organisation_id), parse_id(channel_id)
    try:
        with acting(request, write=True) as (session, actor):
            notices_channels.remove_channel(session, actor=actor, organisation_id=org_id, channel_id=key)
    except DomainError as exc:
        return _channels_page(request, org_id, status=exc.status, error=exc)
    return redirect(request, f"/organisations/{org_id}/channels?done=channel_deleted")
