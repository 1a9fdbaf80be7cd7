"""Order tables: orders and their items, approvals, and approval policy rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.access.actor import Scope
from sovcloud.db import Base, IdMixin
from sovcloud.orders.choices import Classification, Decision, OrderStatus, RuleOutcome
from sovcloud.tenancy.models import Project

Money = Numeric(14, 2)


class Order(IdMixin, Base):
    """A request for resources in one project. Moves only along ``choices.TRANSITIONS``. Its quota is
    reserved from submission until it is rejected, cancelled, failed or completed (then the resources it
    created count instead). The estimate is computed at submission from the price list then valid."""

    __tablename__ = "orders"
    __tenant__ = "project_id"
    __label__ = "Commande"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.DRAFT, index=True)
    classification: Mapped[Classification] = mapped_column(String(20), default=Classification.STANDARD)
    site_preference: Mapped[str | None] = mapped_column(String(40))  #: an availability zone, or any
    end_date: Mapped[datetime | None] = mapped_column()  #: resources are retired after this
    estimate_hourly: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  #: EUR per hour
    estimate_monthly: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  #: EUR per month
    submitted_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    rule_name: Mapped[str | None] = mapped_column(String(120))  #: approval rule that fired
    rule_reason: Mapped[str | None] = mapped_column(String(500))  #: why it fired, shown to the requester
    approver_role: Mapped[str | None] = mapped_column(String(40))
    approvals_required: Mapped[int] = mapped_column(default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(1000))
    #: the application environment the order is for (its project's): the homologation gate looks at it
    application_environment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("application_environments.id"), index=True)
    # quota reserved while the order is live (copied from the items' footprints at submission)
    vcpus: Mapped[int] = mapped_column(default=0)
    ram_mb: Mapped[int] = mapped_column(default=0)
    storage_gb: Mapped[int] = mapped_column(default=0)
    instances: Mapped[int] = mapped_column(default=0)
    public_ips: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)
    items: Mapped[list[OrderItem]] = relationship(back_populates="order", lazy="selectin",
                                                  order_by="OrderItem.position", cascade="all, delete-orphan")
    approvals: Mapped[list[Approval]] = relationship(lazy="selectin", order_by="Approval.created_at",
                                                     cascade="all, delete-orphan")

    @property
    def scope(self) -> Scope:
        return self.project.scope

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.project.organisation_id


class OrderItem(IdMixin, Base):
    """One line of an order: ``count`` resources of one plan with the same parameters — or, when
    ``resource_id`` is set, the change of that existing server to the plan (a resize: ``count`` 1, its
    estimate and quota the difference from the current plan)."""

    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_plans.id"))
    kind: Mapped[str] = mapped_column(String(20))  #: offering kind: vm, volume, network…
    name: Mapped[str] = mapped_column(String(63))  #: resource name (suffixed -1, -2… when count > 1)
    count: Mapped[int] = mapped_column(default=1)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    estimate_monthly: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  #: EUR per month, all count
    #: the server this item resizes (None: the item creates resources)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resources.id"), index=True)
    order: Mapped[Order] = relationship(back_populates="items")


class Approval(IdMixin, Base):
    """One person's decision on an order. The requester never approves their own order, and a person
    decides at most once per order."""

    __tablename__ = "order_approvals"
    __table_args__ = (UniqueConstraint("order_id", "approver_id"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    approver_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approver_name: Mapped[str] = mapped_column(String(120))
    decision: Mapped[Decision] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(String(2000), default="")


class ApprovalRule(IdMixin, Base):
    """An approval policy rule. Rules are tried by ``position``; the first whose conditions all hold
    decides. Conditions (all optional) are data: ``min_monthly_cost`` (EUR), ``classifications``,
    ``sites``, ``organisation_ids`` (an organisation or any ancestor), ``offering_kinds``,
    ``max_quota_headroom_pct`` (fires when the order leaves less than this % of any project quota)."""

    __tablename__ = "approval_rules"
    __label__ = "Règle d'approbation"

    position: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[RuleOutcome] = mapped_column(String(20))
    approver_role: Mapped[str | None] = mapped_column(String(40))
    approvals_required: Mapped[int] = mapped_column(default=1)
