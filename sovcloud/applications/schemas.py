"""API input and output of the applications context."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sovcloud.applications.choices import (
    MAX_VALIDITY_MONTHS,
    MIN_VALIDITY_MONTHS,
    Criticality,
    DataClassification,
    Decision,
    EnvironmentKind,
    Stage,
    StepKind,
    Verdict,
)
from sovcloud.applications.documents import MAX_BASE64
from sovcloud.applications.service import MAX_CONTACTS, MAX_OBJECTIVE_MINUTES, MAX_PROJECTS


class ContactIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class ApplicationBody(BaseModel):
    """What describes an application."""

    code: str = Field(min_length=2, max_length=40, description="Short code, unique in the organisation, e.g. SIRH")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    owner_id: uuid.UUID | None = Field(default=None, description="Business owner (a user with a role on the "
                                                                 "project or its organisation); default: the caller")
    contacts: list[ContactIn] = Field(default_factory=list, max_length=MAX_CONTACTS, description="Technical contacts")
    classification: DataClassification = DataClassification.STANDARD
    criticality: Criticality = Criticality.MEDIUM
    rto_minutes: int = Field(default=240, ge=0, le=MAX_OBJECTIVE_MINUTES, description="Recovery time objective")
    rpo_minutes: int = Field(default=60, ge=0, le=MAX_OBJECTIVE_MINUTES, description="Recovery point objective")
    project_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_PROJECTS,
                                         description="Other projects of the organisation it uses")


class ApplicationCreate(ApplicationBody):
    project_id: uuid.UUID = Field(description="Main project: who sees the application")


class StageIn(BaseModel):
    to: Stage
    comment: str = Field(default="", max_length=2000)


class EnvironmentIn(BaseModel):
    kind: EnvironmentKind
    project_id: uuid.UUID | None = Field(default=None, description="One of the application's projects "
                                                                   "(default: the main one)")
    description: str = Field(default="", max_length=500)


class ResourceLinks(BaseModel):
    resource_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class StepIn(BaseModel):
    step: StepKind
    note: str = Field(default="", max_length=2000)


class DecisionIn(BaseModel):
    decision: Decision
    authority_name: str = Field(min_length=1, max_length=200, description="The homologation authority")
    authority_function: str = Field(min_length=1, max_length=200, description="Its function")
    decided_on: date = Field(description="Date of the decision (today or within the past year)")
    validity_months: int | None = Field(default=None, ge=MIN_VALIDITY_MONTHS, le=MAX_VALIDITY_MONTHS,
                                        description="Validity of a granted homologation, 6 to 36 months")
    note: str = Field(default="", max_length=2000)


class DocumentIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    media_type: str = Field(min_length=3, max_length=100, description="application/pdf, text/plain, image/png…")
    content_base64: str = Field(min_length=1, max_length=MAX_BASE64, description="The file, base64 (512 KiB at most)")
    homologation_id: uuid.UUID | None = Field(default=None, description="The dossier it belongs to…")
    step: StepKind | None = Field(default=None, description="…and optionally the step it supports")
    conformity_check_id: uuid.UUID | None = Field(default=None, description="…or the conformity check it proves")


class CheckIn(BaseModel):
    offering_id: uuid.UUID = Field(description="The catalogue offering the criterion is about")
    criterion: str = Field(min_length=1, max_length=300)
    evidence_url: str | None = Field(default=None, max_length=500, description="Link to the proof (a pipeline run…)")


class EvidenceIn(BaseModel):
    evidence_url: str | None = Field(default=None, max_length=500)


class VerdictIn(BaseModel):
    verdict: Verdict
    comment: str = Field(default="", max_length=2000)


class EnvironmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    project_id: uuid.UUID
    description: str


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    project_id: uuid.UUID
    code: str
    name: str
    description: str
    owner_id: uuid.UUID | None
    owner_name: str
    contacts: list[dict[str, Any]]
    classification: str
    criticality: str
    rto_minutes: int
    rpo_minutes: int
    stage: str
    stage_changed_at: datetime | None
    created_at: datetime
    project_ids: list[uuid.UUID] = Field(default_factory=list)
    environments: list[EnvironmentRead] = Field(default_factory=list)
    homologation: str | None = Field(default=None, description="in_progress | valid | expiring | expired | "
                                                               "refused, none without a dossier")


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    done_at: datetime | None
    done_by: str | None
    note: str


class HomologationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    status: str
    authority_name: str | None
    authority_function: str | None
    decision: str | None
    decided_on: date | None
    validity_months: int | None
    expires_at: datetime | None
    remind_at: datetime | None
    decision_note: str
    recorded_by: str | None
    reminder_sent_at: datetime | None
    expiry_notice_sent_at: datetime | None
    created_at: datetime
    steps: list[StepRead]


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    homologation_id: uuid.UUID | None
    conformity_check_id: uuid.UUID | None
    step: str | None
    filename: str
    media_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the content, hex")
    uploaded_by: str
    created_at: datetime


class CheckRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    offering_id: uuid.UUID
    criterion: str
    evidence_url: str | None
    verdict: str
    reviewer_name: str | None
    reviewed_at: datetime | None
    comment: str


class ResourceLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    state: str
    project_id: uuid.UUID


class PortfolioLine(BaseModel):
    application_id: uuid.UUID
    code: str
    name: str
    organisation: str
    stage: str
    homologation: str | None
    expires_at: datetime | None
    resources: int
    monthly_cost: Decimal = Field(description="EUR per month (730 h), prices in force now")
    unpriced_resources: int


class PortfolioRead(BaseModel):
    at: datetime
    stages: dict[str, int]
    by_organisation: dict[str, dict[str, int]]
    expiring: list[PortfolioLine]
    applications: list[PortfolioLine]
    total_monthly_cost: Decimal
    truncated: bool = Field(description="More applications than listed (500)")
