"""API input and output of the sites."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sovcloud.resilience.models import NAME_MAX, SiteState


class SiteCreate(BaseModel):
    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=r"^[A-Za-z0-9_-]+$",
                      description="Stable name (lower case), e.g. site-c; the zone's name by default")
    label: str = Field(default="", max_length=120, description="Display name (the name when empty)")
    region: str = Field(default="", max_length=80, description="French region, e.g. Île-de-France")
    location: str = Field(default="", max_length=120, description="Town or datacentre, in France")
    availability_zone: str = Field(default="", max_length=64,
                                   description="The provider's availability zone (the name when empty)")
    storage_backend: str = Field(default="", max_length=64, description="Storage backend, e.g. ceph-c")
    state: SiteState = Field(default=SiteState.ACTIVE, description="active | draining | down")


class SiteUpdate(BaseModel):
    label: str | None = Field(default=None, min_length=1, max_length=120)
    region: str | None = Field(default=None, max_length=80)
    location: str | None = Field(default=None, max_length=120)
    availability_zone: str | None = Field(default=None, min_length=1, max_length=64)
    storage_backend: str | None = Field(default=None, max_length=64)
    state: SiteState | None = Field(default=None, description="active | draining | down")


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    label: str
    region: str
    location: str
    availability_zone: str
    storage_backend: str
    state: SiteState
    created_at: datetime
    updated_at: datetime
