"""Notices (everyone reads those that concern them; operators publish and update) and an organisation's
channels and delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.supervision import notices, notices_channels
from sovcloud.supervision.alerts_rules import Severity
from sovcloud.supervision.notices_channels import ChannelKind
from sovcloud.supervision.notices_kinds import NoticeKind, NoticeStatus

router = APIRouter(tags=["notices"])
Text = Annotated[str, Field(min_length=1, max_length=64)]


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: NoticeKind
    title: str | None = Field(default=None, max_length=200, description="Taken from the alert when linked to one")
    body: str | None = Field(default=None, max_length=4000)
    severity: Severity | None = None
    sites: list[Text] = Field(default_factory=list, max_length=50)
    organisation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500,
                                              description="None: every organisation")
    impact: str | None = Field(default=None, max_length=1000)
    starts_at: AwareDatetime | None = Field(default=None, description="Maintenance window start")
    ends_at: AwareDatetime | None = None
    alert_id: uuid.UUID | None = None


class NoticeUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: NoticeStatus
    message: str = Field(min_length=1, max_length=2000)


class UpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    message: str
    author: str
    created_at: datetime


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    title: str
    body: str
    severity: str
    status: str
    impact: str | None
    sites: list[str]
    organisation_ids: list[str]
    alert_id: uuid.UUID | None
    starts_at: datetime | None
    ends_at: datetime | None
    published_by: str
    created_at: datetime
    closed_at: datetime | None
    in_progress: bool = False
    updates: list[UpdateRead] = []


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: ChannelKind
    severities: list[Severity] = Field(min_length=1, max_length=4)
    kinds: list[NoticeKind] | None = Field(default=None, min_length=1, max_length=2,
                                           description="Kinds of notices (default: both)")
    recipients: list[Annotated[str, Field(max_length=254)]] = Field(default_factory=list, max_length=20)
    url: str | None = Field(default=None, max_length=500, description="Webhook URL (https)")


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    channel: str
    severities: list[str]
    kinds: list[str]
    recipients: list[str]
    url: str | None
    secret_hint: str | None = Field(description="Last characters of the webhook secret (never shown whole again)")
    created_by: str
    created_at: datetime


class ChannelCreated(ChannelRead):
    secret: str | None = Field(description="The webhook signing secret: shown in this answer only")


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created_at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    channel: str
    target: str
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    created_at: datetime
    tries: list[AttemptRead] = []


def _notice(session: Any, rows: list[Any]) -> list[NoticeRead]:
    found = notices.updates(session, [n.id for n in rows])
    out = []
    for n in rows:
        read = NoticeRead.model_validate(n)
        read.in_progress = notices.in_progress(n)
        read.updates = [UpdateRead.model_validate(u) for u in found[n.id]]
        out.append(read)
    return out


@router.get("/notices", response_model=list[NoticeRead])
def list_notices(session: DbSession, actor: CurrentActor,
                 open_only: Annotated[bool, Query(description="Only notices not closed")] = False,
                 limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50) -> list[NoticeRead]:
    """Notices concerning the caller's organisations, open ones first."""
    return _notice(session, notices.visible(session, actor=actor, open_only=open_only, limit=limit))


@router.post("/notices", response_model=NoticeRead, status_code=status.HTTP_201_CREATED)
def publish(body: NoticeIn, session: DbSession, actor: CurrentActor) -> NoticeRead:
    """Publish an incident or maintenance notice (operators); its deliveries are queued."""
    notice = notices.publish(session, actor=actor, kind=body.kind, title=body.title, body=body.body,
                             severity=body.severity, sites=body.sites, organisation_ids=body.organisation_ids,
                             impact=body.impact, starts_at=body.starts_at, ends_at=body.ends_at,
                             alert_id=body.alert_id)
    return _notice(session, [notice])[0]


@router.post("/notices/{notice_id}/updates", response_model=NoticeRead)
def post_update(notice_id: uuid.UUID, body: NoticeUpdateIn, session: DbSession, actor: CurrentActor) -> NoticeRead:
    """A status update of a notice (a closing status closes it)."""
    notice = notices.post_update(session, actor=actor, notice_id=notice_id, status=body.status, message=body.message)
    return _notice(session, [notice])[0]


@router.get("/organisations/{organisation_id}/channels", response_model=list[ChannelRead])
def list_channels(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[Any]:
    """The organisation's notice channels (secrets are never shown)."""
    return notices_channels.list_channels(session, actor=actor, organisation_id=organisation_id)


@router.post("/organisations/{organisation_id}/channels", response_model=ChannelCreated,
             status_code=status.HTTP_201_CREATED)
def add_channel(organisation_id: uuid.UUID, body: ChannelIn, request: Request, session: DbSession,
                actor: CurrentActor) -> ChannelCreated:
    """Add a channel; a webhook's signing secret is in this answer only."""
    made = notices_channels.add_channel(session, actor=actor, settings=request.app.state.settings,
                                        organisation_id=organisation_id, channel=body.channel,
                                        severities=list(body.severities),
                                        kinds=list(body.kinds) if body.kinds is not None else None,
                                        recipients=body.recipients, url=body.url)
    return ChannelCreated.model_validate({**ChannelRead.model_validate(made.channel).model_dump(),
                                          "secret": made.secret})


@router.delete("/organisations/{organisation_id}/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_channel(organisation_id: uuid.UUID, channel_id: uuid.UUID, session: DbSession,
                   actor: CurrentActor) -> None:
    """Remove a channel (its deliveries stay in the log)."""
    notices_channels.remove_channel(session, actor=actor, organisation_id=organisation_id, channel_id=channel_id)


@router.get("/organisations/{organisation_id}/deliveries", response_model=list[DeliveryRead])
def delivery_log(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor,
                 limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100) -> list[DeliveryRead]:
    """The organisation's notice deliveries, newest first, each with every attempt."""
    rows = notices_channels.delivery_log(session, actor=actor, organisation_id=organisation_id, limit=limit)
    out = []
    for delivery, attempts in rows:
        read = DeliveryRead.model_validate(delivery)
        read.tries = [AttemptRead.model_validate(a) for a in attempts]
        out.append(read)
    return out
