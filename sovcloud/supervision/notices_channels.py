"""The channels through which an organisation is told of notices: for the severities (and kinds) it chooses,
the portal (a notification to its members), e-mail (to the recipients it names) or a webhook (an https URL;
each POST is signed with HMAC-SHA256 under a secret of the channel's own).

A webhook's secret is derived from the platform's secret key and the channel's id: it is shown once, when
the channel is made, and never stored nor shown again (a new secret is a new channel)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, org_scope, scoped
from sovcloud.config import Settings
from sovcloud.errors import ValidationFailed
from sovcloud.supervision.alerts_rules import Severity
from sovcloud.supervision.models import Channel, Delivery, DeliveryAttempt
from sovcloud.supervision.notices_kinds import NoticeKind

EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}$")
MAX_RECIPIENTS, MAX_CHANNELS = 20, 50
LOOPBACK_NAMES = {"localhost"}


class ChannelKind(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class NewChannel:
    channel: Channel
    secret: str | None  #: the webhook secret, shown this once


def webhook_secret(settings: Settings, channel_id: uuid.UUID) -> str:
    """The channel's signing secret (the same every time it is derived; never stored)."""
    key = settings.secret_key.get_secret_value().encode()
    return "whsec_" + hmac.new(key, b"sovcloud-webhook:" + channel_id.bytes, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body`` (the timestamp header binds the time)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, settings: Settings) -> str:
    """A webhook URL: https (http only to the loopback, when the setting allows it), no credentials in it.

    Raises:
        ValidationFailed: anything else.
    """
    url = url.strip()
    if len(url) > 500:
        raise ValidationFailed("500 caractères au plus.", field="url")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise ValidationFailed("Pas d'identifiants dans l'adresse du webhook.", field="url")
    if not host:
        raise ValidationFailed("Adresse https:// attendue.", field="url")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and settings.webhook_allow_http_loopback and _is_loopback(host):
        return url
    raise ValidationFailed("Adresse https:// attendue.", field="url")


def _choices(values: list[str], allowed: type[StrEnum], field: str) -> list[str]:
    try:
        chosen = sorted({allowed(v).value for v in values})
    except ValueError:
        raise ValidationFailed("Valeur inconnue.", field=field) from None
    if not chosen:
        raise ValidationFailed("Choisissez au moins une valeur.", field=field)
    return chosen


def add_channel(session: Session, *, actor: Actor, settings: Settings, organisation_id: uuid.UUID, channel: str,
                severities: list[str], kinds: list[str] | None = None, recipients: list[str] | None = None,
                url: str | None = None) -> NewChannel:
    """Add a channel to an organisation; a webhook's secret is returned this once.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not manage its channels.
        ValidationFailed: an unknown channel, severity or kind; bad or too many recipients; a URL that is not
            https; too many channels.
    """
    scope, _ = org_scope(session, actor, organisation_id)
    authorize(actor, Permission.CHANNEL_MANAGE, scope)
    try:
        kind = ChannelKind(channel)
    except ValueError:
        raise ValidationFailed("Canal : portal, email ou webhook.", field="channel") from None
    levels = _choices(severities, Severity, "severities")
    notice_kinds = _choices(kinds if kinds is not None else [k.value for k in NoticeKind], NoticeKind, "kinds")
    row = Channel(id=uuid.uuid4(), organisation_id=organisation_id, channel=kind.value, severities=levels,
                  kinds=notice_kinds, recipients=[], created_by=actor.username)
    secret = None
    if kind is ChannelKind.EMAIL:
        people = sorted({r.strip().lower() for r in recipients or [] if r.strip()})
        if not people or len(people) > MAX_RECIPIENTS:
            raise ValidationFailed(f"De 1 à {MAX_RECIPIENTS} destinataires.", field="recipients")
        bad = [r for r in people if len(r) > 254 or not EMAIL.match(r)]
        if bad:
            raise ValidationFailed(f"Adresse invalide : {bad[0][:80]}.", field="recipients")
        row.recipients = people
    elif kind is ChannelKind.WEBHOOK:
        row.url = check_url(url or "", settings)
        secret = webhook_secret(settings, row.id)
        row.secret_hint = secret[-4:]
    count = len(list(session.scalars(select(Channel.id).where(Channel.organisation_id == organisation_id)
                                     .limit(MAX_CHANNELS + 1))))
    if count >= MAX_CHANNELS:
        raise ValidationFailed(f"{MAX_CHANNELS} canaux au plus par organisation.", field="channel")
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="notice_channel.created", target=row, organisation_id=organisation_id,
                 details={"channel": row.channel, "severities": levels, "kinds": notice_kinds,
                          "recipients": row.recipients, "url": row.url})
    return NewChannel(row, secret)


def list_channels(session: Session, *, actor: Actor, organisation_id: uuid.UUID) -> list[Channel]:
    """The organisation's own channels.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not manage its channels.
    """
    scope, _ = org_scope(session, actor, organisation_id)
    authorize(actor, Permission.CHANNEL_MANAGE, scope)
    return list(session.scalars(scoped(session, Channel, actor).select()
                                .where(Channel.organisation_id == organisation_id).order_by(Channel.created_at)))


def remove_channel(session: Session, *, actor: Actor, organisation_id: uuid.UUID, channel_id: uuid.UUID) -> None:
    """Remove a channel (its deliveries stay in the log).

    Raises:
        NotFound: no such channel in a visible organisation.
        PermissionDenied: the actor may not manage its channels.
    """
    scope, _ = org_scope(session, actor, organisation_id)
    row = scoped(session, Channel, actor).get(channel_id)
    if row.organisation_id != organisation_id:
        raise ValidationFailed("Ce canal n'est pas celui de cette organisation.", field="channel_id")
    authorize(actor, Permission.CHANNEL_MANAGE, scope)
    audit.record(session, actor=actor, action="notice_channel.deleted", target=row, organisation_id=organisation_id,
                 details={"channel": row.channel})
    session.delete(row)


def delivery_log(session: Session, *, actor: Actor, organisation_id: uuid.UUID,
                 limit: int = 100) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """The organisation's deliveries, newest first, each with its attempts.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not manage its channels.
    """
    scope, _ = org_scope(session, actor, organisation_id)
    authorize(actor, Permission.CHANNEL_MANAGE, scope)
    rows = list(session.scalars(scoped(session, Delivery, actor).select()
                                .where(Delivery.organisation_id == organisation_id)
                                .order_by(Delivery.created_at.desc()).limit(min(limit, 500))))
    attempts: dict[uuid.UUID, list[DeliveryAttempt]] = {d.id: [] for d in rows}
    if rows:
        for a in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(list(attempts)))
                                 .order_by(DeliveryAttempt.created_at)):
            attempts[a.delivery_id].append(a)
    return [(d, attempts[d.id]) for d in rows]
