"""API input and output of the inventory context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sovcloud.inputs import JsonObject


class ResourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    order_id: uuid.UUID | None
    kind: str
    name: str
    provider_id: str | None
    site: str | None
    state: str
    status: str | None
    flavor: str | None
    address: str | None
    end_date: datetime | None
    created_at: datetime
    deleted_at: datetime | None
    drift: str | None = Field(description="missing | changed, found by reconciliation")
    vcpus: int
    ram_mb: int = Field(description="RAM in MiB")
    storage_gb: int = Field(description="Block storage in GB")
    attributes: dict[str, Any]


class ActionIn(BaseModel):
    action: Literal["start", "stop", "reboot", "resize", "snapshot", "attach", "detach"] = Field(
        description="start | stop | reboot | resize | snapshot | attach | detach")
    params: JsonObject = Field(default_factory=dict, description="plan_id (resize), volume_id (attach/detach), "
                                   "hard (reboot), name (snapshot)")


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    action: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    occurred_at: datetime
    actor_name: str
    action: str
    outcome: str
    details: dict[str, Any]
