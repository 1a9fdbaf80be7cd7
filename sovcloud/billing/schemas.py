"""Billing API input and output."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sovcloud.billing.models import Invoice, UsageInterval
from sovcloud.billing.rating import Line, Rated

#: checked by the service (after the organisation is found visible), so another tenant's id answers 404
MonthText = Annotated[str, Field(min_length=7, max_length=7, description="A Europe/Paris calendar month, YYYY-MM")]
Number = Annotated[str, Field(min_length=1, max_length=20, description="Invoice or credit note number")]
Code = Annotated[str, Field(max_length=40, description="Letters, digits, - _ .")]


class UsageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    resource_id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: str
    plan_id: uuid.UUID | None
    state: str = Field(description="running | stopped")
    gb: int = Field(description="GB billed per GB-month")
    started_s: int = Field(description="Start, epoch seconds (UTC)")
    ended_s: int | None = Field(description="End, epoch seconds (UTC); empty: still open")

    @classmethod
    def of(cls, u: UsageInterval) -> UsageRead:
        return cls.model_validate(u)


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    period: str
    project_id: uuid.UUID | None
    project_name: str
    budget_code: str
    resource_id: uuid.UUID | None
    resource_name: str
    offering: str
    plan: str
    state: str
    price_list_id: uuid.UUID | None
    seconds: int
    gb: int
    unit_per_hour: Decimal
    unit_per_gb_month: Decimal
    amount: Decimal
    description: str


class Subtotal(BaseModel):
    key: str
    amount: Decimal


def subtotals(lines: list[Any], attr: str) -> list[Subtotal]:
    found: dict[str, Decimal] = {}
    for ln in lines:
        key = getattr(ln, attr) or "—"
        found[key] = found.get(key, Decimal("0.00")) + ln.amount
    return [Subtotal(key=k, amount=v) for k, v in sorted(found.items())]


class DraftRead(BaseModel):
    organisation_id: uuid.UUID
    period: str
    total: Decimal
    lines: list[LineRead]
    by_offering: list[Subtotal]
    by_budget_code: list[Subtotal]

    @classmethod
    def of(cls, rated: Rated) -> DraftRead:
        lines: list[Line] = rated.lines
        return cls(organisation_id=rated.organisation_id, period=rated.period, total=rated.total,
                   lines=[LineRead.model_validate(ln) for ln in lines], by_offering=subtotals(lines, "offering"),
                   by_budget_code=subtotals(lines, "budget_code"))


class InvoiceSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    kind: str
    organisation_id: uuid.UUID
    period: str
    status: str
    total: Decimal
    currency: str
    content_hash: str
    issued_at: datetime
    issued_by: str
    settled_at: datetime | None
    credits_id: uuid.UUID | None
    reason: str


class InvoiceRead(InvoiceSummary):
    lines: list[LineRead]
    by_offering: list[Subtotal]
    by_budget_code: list[Subtotal]

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceRead:
        base = InvoiceSummary.model_validate(invoice).model_dump()
        return cls(**base, lines=[LineRead.model_validate(ln) for ln in invoice.lines],
                   by_offering=subtotals(invoice.lines, "offering"),
                   by_budget_code=subtotals(invoice.lines, "budget_code"))


class IssueIn(BaseModel):
    month: MonthText


class CreditIn(BaseModel):
    number: Number
    reason: str = Field(min_length=1, max_length=500, description="Why the invoice is corrected")
    amount: Decimal | None = Field(default=None, gt=0, le=Decimal("999999999999.99"), max_digits=14,
                                   decimal_places=2, description="EUR to credit; empty: all that is left")


class SettleIn(BaseModel):
    number: Number
    status: Literal["paid", "cancelled"]


class MeterRead(BaseModel):
    changes: int
    intervals: int


class ImputationIn(BaseModel):
    lolf_programme: str = Field(default="", max_length=10, description="LOLF programme, e.g. 216")
    bop: Code = ""
    uo: Code = ""
    cost_centre: Code = ""


class ImputationRead(ImputationIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    budget_code: str
