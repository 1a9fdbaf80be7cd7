"""Alert rules and alerts (operators): /alert-rules, /alerts, acknowledgement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.supervision import alerts, alerts_rules
from sovcloud.supervision.alerts_rules import AlertKind, Severity, SiteName

router = APIRouter(tags=["alerts"])


class ParamsIn(BaseModel):
    """Every parameter a rule kind may take; each kind accepts only its own (checked by the service)."""

    model_config = ConfigDict(extra="forbid")

    percent: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    resource: Literal["vcpus", "ram"] | None = None
    sites: list[SiteName] | None = Field(default=None, min_length=1, max_length=50)
    minutes: int | None = Field(default=None, ge=1, le=10_080)
    min_orders: int | None = Field(default=None, ge=1, le=100_000)
    require_one: bool | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: AlertKind
    params: ParamsIn = Field(default_factory=ParamsIn)
    severity: Severity
    organisation_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    enabled: bool = True


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    severity: Severity | None = None
    params: ParamsIn | None = None
    organisation_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    params: dict[str, Any]
    severity: str
    organisation_ids: list[str]
    enabled: bool
    created_at: datetime


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rule_id: uuid.UUID | None
    rule_name: str
    kind: str
    severity: str
    subject: str
    summary: str
    details: dict[str, Any]
    organisation_ids: list[str]
    status: str
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_comment: str | None
    unacknowledged_over_24h: bool = False


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=alerts.MAX_COMMENT)


def _read(alert: Any) -> AlertRead:
    read = AlertRead.model_validate(alert)
    read.unacknowledged_over_24h = alerts.is_stale(alert)
    return read


@router.get("/alert-rules", response_model=list[RuleRead])
def list_rules(session: DbSession, actor: CurrentActor) -> list[Any]:
    """Every alert rule."""
    return alerts_rules.list_rules(session, actor=actor)


@router.post("/alert-rules", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, session: DbSession, actor: CurrentActor) -> Any:
    """Add an alert rule (its parameters are checked against its kind)."""
    return alerts_rules.create_rule(session, actor=actor, name=body.name, kind=body.kind, params=body.params.given(),
                                    severity=body.severity, organisation_ids=body.organisation_ids,
                                    enabled=body.enabled)


@router.patch("/alert-rules/{alert_rule_id}", response_model=RuleRead)
def update_rule(alert_rule_id: uuid.UUID, body: RuleUpdate, session: DbSession, actor: CurrentActor) -> Any:
    """Enable, disable or change a rule."""
    return alerts_rules.update_rule(session, actor=actor, rule_id=alert_rule_id, enabled=body.enabled,
                                    severity=body.severity, organisation_ids=body.organisation_ids,
                                    params=body.params.given() if body.params is not None else None)


@router.delete("/alert-rules/{alert_rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(alert_rule_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> None:
    """Remove a rule (its alerts stay in the history)."""
    alerts_rules.delete_rule(session, actor=actor, rule_id=alert_rule_id)


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(session: DbSession, actor: CurrentActor,
                status_: Annotated[Literal["open", "resolved", "all"], Query(
                    alias="status", description="open (default), resolved or all")] = "open",
                severity: Annotated[Severity | None, Query(description="Only this severity")] = None,
                acknowledged: Annotated[bool | None, Query(description="Only (un)acknowledged alerts")] = None,
                kind: Annotated[AlertKind | None, Query(description="Only this kind of rule")] = None,
                limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100,
                offset: Annotated[int, Query(ge=0, le=100_000, description="Alerts skipped")] = 0) -> list[AlertRead]:
    """Alerts, unacknowledged for more than 24 h first, then unacknowledged, then acknowledged, then resolved."""
    rows = alerts.list_alerts(session, actor=actor, status=status_, severity=severity, acknowledged=acknowledged,
                              kind=kind, limit=limit, offset=offset)
    return [_read(a) for a in rows]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(alert_id: uuid.UUID, body: AckIn, session: DbSession, actor: CurrentActor) -> AlertRead:
    """Acknowledge an alert with a comment."""
    return _read(alerts.acknowledge(session, actor=actor, alert_id=alert_id, comment=body.comment))
