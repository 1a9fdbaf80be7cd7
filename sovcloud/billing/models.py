"""Billing tables: the resources' money-relevant history, the usage intervals metered from it, invoices
and credit notes with their frozen lines, and the per-year number counters.

Times are UTC; interval bounds are also kept as whole epoch seconds (``*_s``) so that durations are exact
integers on every backend. Money is ``Decimal`` euros (``Numeric(14, 2)`` for amounts, ``Numeric(12, 6)``
for unit prices).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.access.actor import Scope
from sovcloud.db import Base, IdMixin
from sovcloud.tenancy.models import Organisation

AMOUNT = Numeric(14, 2)
UNIT = Numeric(12, 6)
QUANTITY = Numeric(14, 4)


class BillableState(StrEnum):
    """What a resource is billed as: running (the plan's hourly price), stopped (the plan's stopped-state
    hourly price: disks and reservation, not vCPUs), none (not billed: being created, deleted, gone, failed)."""

    RUNNING = "running"
    STOPPED = "stopped"
    NONE = "none"


class ResourceChange(Base):
    """One money-relevant change of a resource, as the inventory learned it: its billable state, plan and
    billed GB from ``at`` on. Natural key (resource, second): recording the same change again overwrites
    the same row, so a replay never counts twice. Append-only otherwise."""

    __tablename__ = "billing_resource_changes"
    __tenant__ = "project_id"
    __table_args__ = (UniqueConstraint("resource_id", "at_s"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column(index=True)  #: the inventory resource (kept after deletion)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    #: the ministry billed: the root of the project's organisation tree
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(63))
    plan_id: Mapped[uuid.UUID | None] = mapped_column()
    state: Mapped[BillableState] = mapped_column(String(10))
    gb: Mapped[int] = mapped_column(default=0)  #: GB billed per GB-month (volumes)
    at: Mapped[datetime] = mapped_column()  #: UTC, when the inventory learned it
    at_s: Mapped[int] = mapped_column(BigInteger)  #: ``at`` in whole epoch seconds
    source: Mapped[str] = mapped_column(String(20), default="inventory")  #: inventory state at the change


class UsageInterval(Base):
    """A stretch of time over which one resource was billed the same way. Derived from the changes by
    metering; natural key (resource, start), so metering again gives the same rows. ``ended_s`` empty:
    still open."""

    __tablename__ = "billing_usage"
    __tenant__ = "project_id"
    __table_args__ = (UniqueConstraint("resource_id", "started_s"),
                      Index("ix_billing_usage_org_span", "organisation_id", "started_s", "ended_s"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column()
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(63))
    plan_id: Mapped[uuid.UUID | None] = mapped_column()
    state: Mapped[BillableState] = mapped_column(String(10))
    gb: Mapped[int] = mapped_column(default=0)
    started_s: Mapped[int] = mapped_column(BigInteger)  #: epoch seconds, inclusive
    ended_s: Mapped[int | None] = mapped_column(BigInteger)  #: epoch seconds, exclusive; empty: open


class InvoiceStatus(StrEnum):
    ISSUED = "issued"  #: frozen: lines, prices, hash and number never change
    PAID = "paid"
    CANCELLED = "cancelled"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"  #: an avoir: corrects an issued invoice, negative amounts


class Invoice(IdMixin, Base):
    """An issued invoice (or credit note) of one ministry (a root organisation, for its whole tree) for one
    Europe/Paris calendar month. Drafts are
    not stored: they are rated on demand. Once issued, only ``status`` (to paid or cancelled) and its
    ``settled_at`` may change; every other column and every line is frozen (enforced for any writer by a
    flush guard). Numbers are gapless per series and year: ``SC-2026-000123``, credit notes ``AV-…``."""

    __tablename__ = "billing_invoices"
    __tenant__ = "organisation_id"
    __label__ = "Facture"
    __table_args__ = (Index("ix_billing_invoices_org_period", "organisation_id", "period"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(String(12), default=DocumentKind.INVOICE)
    period: Mapped[str] = mapped_column(String(7))  #: "YYYY-MM" (Europe/Paris month)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(String(12), default=InvoiceStatus.ISSUED)
    credits_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")  #: credit notes: why
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    total: Mapped[Decimal] = mapped_column(AMOUNT)  #: sum of the rounded lines
    content_hash: Mapped[str] = mapped_column(String(64))  #: SHA-256 of the canonical content
    issued_at: Mapped[datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(120))
    settled_at: Mapped[datetime | None] = mapped_column()  #: paid or cancelled at
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", lazy="selectin",
                                                    order_by="InvoiceLine.position")

    @property
    def scope(self) -> Scope:
        return self.organisation.scope


class InvoiceLine(IdMixin, Base):
    """One frozen line: a resource billed in one state, at one unit price, over the seconds of the month it
    was so; or a regularisation of a closed month, a one-time fee, or a credit. ``amount`` is rounded
    half-even to the cent, once."""

    __tablename__ = "billing_invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_invoices.id"), index=True)
    position: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(String(20))  #: usage | fee | regularisation | credit
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    project_name: Mapped[str] = mapped_column(String(200), default="")
    budget_code: Mapped[str] = mapped_column(String(200), default="")  #: programme/BOP/UO/centre de coût
    resource_id: Mapped[uuid.UUID | None] = mapped_column()
    resource_name: Mapped[str] = mapped_column(String(63), default="")
    offering: Mapped[str] = mapped_column(String(40), default="")
    plan: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(10), default="")
    price_list_id: Mapped[uuid.UUID | None] = mapped_column()
    period: Mapped[str] = mapped_column(String(7))  #: month the usage belongs to
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    gb: Mapped[int] = mapped_column(default=0)
    unit_per_hour: Mapped[Decimal] = mapped_column(UNIT, default=Decimal(0))
    unit_per_gb_month: Mapped[Decimal] = mapped_column(UNIT, default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    description: Mapped[str] = mapped_column(String(300), default="")
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class NumberCounter(Base):
    """The last number given in a series (SC, AV) and year; taken under a row lock so two issuers never
    get the same number nor leave a gap."""

    __tablename__ = "billing_counters"

    series: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
