"""API input and output of the tenancy context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sovcloud.access.roles import Role


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Display name")
    code: str = Field(min_length=2, max_length=40, description="Short unique code, e.g. MININT")
    kind: Literal["ministry", "directorate", "service"] = Field(default="ministry",
                                                                description="ministry | directorate | service")
    parent_id: uuid.UUID | None = Field(default=None, description="Parent organisation (none for a ministry)")


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    code: str
    kind: str
    parent_id: uuid.UUID | None
    created_at: datetime


class ProjectCreate(BaseModel):
    organisation_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class ProjectUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    description: str
    created_at: datetime


class MembershipCreate(BaseModel):
    user_id: uuid.UUID
    role: Role


class MembershipRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    role: str
    organisation_id: uuid.UUID | None
    project_id: uuid.UUID | None


#: largest quota value (PostgreSQL INTEGER columns)
MAX_QUOTA = 2_000_000_000


class QuotaValues(BaseModel):
    vcpus: int = Field(default=0, ge=0, le=MAX_QUOTA, description="Virtual CPUs")
    ram_mb: int = Field(default=0, ge=0, le=MAX_QUOTA, description="RAM in MiB")
    storage_gb: int = Field(default=0, ge=0, le=MAX_QUOTA, description="Block storage in GB")
    instances: int = Field(default=0, ge=0, le=MAX_QUOTA, description="Servers")
    public_ips: int = Field(default=0, ge=0, le=MAX_QUOTA, description="Floating IPs")


class QuotaRead(BaseModel):
    limits: QuotaValues
    allocated: QuotaValues = Field(description="Given to sub-organisations and projects")
