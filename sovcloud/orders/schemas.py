"""API input and output of the orders context."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sovcloud.access.roles import Role
from sovcloud.inputs import JsonObject
from sovcloud.orders.choices import Classification, Decision, RuleOutcome
from sovcloud.orders.policies import RuleConditions


class ItemCreate(BaseModel):
    plan_id: uuid.UUID = Field(description="Catalogue plan")
    name: str = Field(min_length=1, max_length=56, description="Resource name (suffixed -1, -2… when count > 1)")
    count: int = Field(default=1, ge=1, le=50, description="How many identical resources")
    parameters: JsonObject = Field(default_factory=dict, description="Offering parameters (image, size_gb…)")


class OrderCreate(BaseModel):
    project_id: uuid.UUID
    items: list[ItemCreate] = Field(min_length=1, max_length=20)
    title: str = Field(default="", max_length=200)
    classification: Classification = Classification.STANDARD
    site_preference: str | None = Field(default=None, min_length=1, max_length=40,
                                        description="An active site's name (GET /sites), or none for any")
    end_date: AwareDatetime | None = Field(default=None, description="Resources are retired after this (with offset)")
    submit: bool = Field(default=True, description="Submit at once (false keeps a draft)")
    application_environment_id: uuid.UUID | None = Field(
        default=None, description="The application environment (of the order's project) the order is for: a "
                                  "production environment needs a homologation in force")


class ItemOutcomeRead(BaseModel):
    """What provisioning did with an item's resources (counts of its ``count`` main resources)."""

    model_config = ConfigDict(from_attributes=True)

    summary: str = Field(description="created | in_progress | removed | not_created | cleanup_failed | partial")
    requested: int = Field(description="Resources the item asked for")
    active: int = Field(description="Created and live")
    creating: int = Field(description="Still being created")
    removed: int = Field(description="Created, then deleted because the order failed")
    not_created: int = Field(description="Never created in the cloud: the order failed first")
    cleanup_failed: int = Field(description="The order failed and deleting them failed too: they may still exist")
    deleted: int = Field(description="Created, later deleted by their owner")


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    kind: str
    name: str
    count: int
    parameters: dict[str, Any]
    estimate_monthly: Decimal
    resource_id: uuid.UUID | None = Field(default=None, description="The server this item resizes (None: the "
                                          "item creates resources)")
    outcome: ItemOutcomeRead | None = Field(default=None, description="What provisioning did with the item's "
                                            "resources (in the answer of GET /orders/{id} only)")


class ApprovalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    approver_name: str
    decision: str
    comment: str
    created_at: datetime


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    requester_name: str
    title: str
    status: str
    classification: str
    site_preference: str | None
    end_date: datetime | None
    estimate_hourly: Decimal = Field(description="EUR per hour")
    estimate_monthly: Decimal = Field(description="EUR per month (730 h)")
    rule_name: str | None = Field(description="Approval rule that fired")
    rule_reason: str | None = Field(description="Why it fired")
    approver_role: str | None
    approvals_required: int
    failure_reason: str | None
    application_environment_id: uuid.UUID | None = Field(default=None,
                                                         description="Application environment the order is for")
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    items: list[ItemRead]
    approvals: list[ApprovalRead]


class DecisionIn(BaseModel):
    decision: Decision
    comment: str = Field(default="", max_length=2000)


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    position: int = Field(ge=0, le=1_000_000, description="Rules are tried in increasing position")
    outcome: RuleOutcome
    conditions: RuleConditions = Field(default_factory=RuleConditions,
                                       description="All must hold for the rule to fire (none: always)")
    approver_role: Role | None = None
    approvals_required: int = Field(default=1, ge=1, le=2)
    enabled: bool = True


class RuleUpdate(BaseModel):
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    outcome: RuleOutcome | None = None
    conditions: RuleConditions | None = None
    approver_role: Role | None = None
    approvals_required: int | None = Field(default=None, ge=1, le=2)
    enabled: bool | None = None


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    position: int
    outcome: RuleOutcome
    conditions: dict[str, Any]
    approver_role: str | None
    approvals_required: int = Field(description="0 for rules that do not ask for approval")
    enabled: bool


class QuoteIn(BaseModel):
    project_id: uuid.UUID = Field(description="Project the order would be placed in")
    plan_id: uuid.UUID = Field(description="Catalogue plan")
    count: int = Field(default=1, ge=1, le=50, description="How many identical resources")
    parameters: JsonObject = Field(default_factory=dict, description="Offering parameters (image, size_gb…)")


class QuotaLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="Quota resource: vcpus, ram_mb, storage_gb, instances, public_ips")
    needed: int = Field(description="What the order would take")
    left: int = Field(description="What the project has left before it")
    limit: int = Field(description="The project's limit")
    ok: bool


class QuoteRead(BaseModel):
    """What an order would cost (prices in force now) and whether it fits in the project's quota."""

    model_config = ConfigDict(from_attributes=True)

    unit_hourly: Decimal = Field(description="EUR per hour, one resource")
    unit_monthly: Decimal = Field(description="EUR per month (730 h), one resource")
    hourly: Decimal = Field(description="EUR per hour, all of them")
    monthly: Decimal = Field(description="EUR per month (730 h), all of them")
    count: int
    fits: bool = Field(description="Whether the project's quota has room for it")
    lines: list[QuotaLineRead]


class ResizeIn(BaseModel):
    plan_id: uuid.UUID = Field(description="Another plan of the server's offering")
    title: str = Field(default="", max_length=200, description="Order title (default: what changes)")


class ResizeQuoteRead(BaseModel):
    """One plan a server may be resized to: the price difference, the quota it adds, what the approval policy
    would decide now."""

    model_config = ConfigDict(from_attributes=True)

    plan_id: uuid.UUID
    plan_code: str
    plan_name: str
    current_monthly: Decimal = Field(description="EUR per month, the current plan")
    new_monthly: Decimal = Field(description="EUR per month, this plan")
    difference: Decimal = Field(description="EUR per month, new minus current")
    hourly_difference: Decimal = Field(description="EUR per hour, new minus current")
    fits: bool = Field(description="Whether what the resize adds fits in the project's quota")
    lines: list[QuotaLineRead]
    needs_approval: bool
    refused: bool = Field(description="The policy would refuse it")
    rule_name: str
    rule_reason: str
    approver_role: str | None
    approvals_required: int

    @classmethod
    def of(cls, quote: Any) -> ResizeQuoteRead:
        v = quote.verdict
        return cls(plan_id=quote.plan.id, plan_code=quote.plan.code, plan_name=quote.plan.name,
                   current_monthly=quote.current_monthly, new_monthly=quote.new_monthly,
                   difference=quote.difference, hourly_difference=quote.hourly_difference, fits=quote.fits,
                   lines=[QuotaLineRead.model_validate(line) for line in quote.lines],
                   needs_approval=quote.needs_approval, refused=quote.refused, rule_name=v.rule_name,
                   rule_reason=v.reason, approver_role=v.approver_role.value if v.approver_role else None,
                   approvals_required=v.approvals_required)
