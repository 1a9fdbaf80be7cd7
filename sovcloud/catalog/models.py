"""Catalogue tables: offerings and their plans, groups of organisations, versioned price lists.

Money is ``Decimal`` in euros, stored as ``Numeric(12, 6)``; never a float.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.db import Base, IdMixin

PRICE = Numeric(12, 6)


class OfferingKind(StrEnum):
    """The IaaS kinds the platform sells."""

    VM = "vm"  #: virtual machine: flavour (plan) + image + network + security groups + optional data volume
    VOLUME = "volume"  #: block volume, priced per GB-month
    NETWORK = "network"  #: private network with one subnet
    SECURITY_GROUP = "security_group"  #: a security group with its rules
    PUBLIC_IP = "public_ip"  #: a floating IP


class OfferingStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"  #: no longer orderable; kept for history, prices and existing resources


class PriceListStatus(StrEnum):
    DRAFT = "draft"  #: prices may still change
    PUBLISHED = "published"  #: immutable: to change prices, publish a new version


offering_groups = Table(
    "catalog_offering_groups",
    Base.metadata,
    Column("offering_id", ForeignKey("catalog_offerings.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("catalog_groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class OrganisationGroup(IdMixin, Base):
    """A named set of organisations (e.g. "Ministères régaliens"). A group membership covers the member's
    sub-organisations. Groups carry specific price lists and restrict offerings."""

    __tablename__ = "catalog_groups"
    __label__ = "Groupe d'organisations"

    name: Mapped[str] = mapped_column(String(120), unique=True)  #: display name, unique
    description: Mapped[str] = mapped_column(String(2000), default="")
    members: Mapped[list[GroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan",
                                                      lazy="selectin")

    @property
    def organisation_ids(self) -> list[uuid.UUID]:
        return [m.organisation_id for m in self.members]


class GroupMember(IdMixin, Base):
    """One organisation (and therefore its subtree) in a group."""

    __tablename__ = "catalog_group_members"
    __table_args__ = (UniqueConstraint("group_id", "organisation_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_groups.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    group: Mapped[OrganisationGroup] = relationship(back_populates="members")


class Offering(IdMixin, Base):
    """Something an organisation may order, of one kind. Without restriction groups it is visible to all;
    with groups, only to organisations in (or under a member of) one of them. A retired offering is no
    longer orderable. The code is unique platform-wide and never changes."""

    __tablename__ = "catalog_offerings"
    __label__ = "Offre"

    code: Mapped[str] = mapped_column(String(40), unique=True)  #: stable identifier, e.g. "vm-standard"
    name: Mapped[str] = mapped_column(String(200))  #: display name, e.g. "Machine virtuelle"
    kind: Mapped[OfferingKind] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[OfferingStatus] = mapped_column(String(20), default=OfferingStatus.ACTIVE)
    retired_at: Mapped[datetime | None] = mapped_column()
    plans: Mapped[list[Plan]] = relationship(back_populates="offering", lazy="selectin", order_by="Plan.position")
    groups: Mapped[list[OrganisationGroup]] = relationship(secondary=offering_groups, lazy="selectin",
                                                           order_by=OrganisationGroup.name)

    @property
    def restricted(self) -> bool:
        return bool(self.groups)

    @property
    def active_plans(self) -> list[Plan]:
        return [p for p in self.plans if p.active]


class Plan(IdMixin, Base):
    """A size of an offering, with the quota it consumes. For a vm: the flavour (vCPU, RAM, root disk); for a
    volume: the performance class (size is chosen at order, priced per GB-month); other kinds have one plan.
    The code is unique within its offering and never changes."""

    __tablename__ = "catalog_plans"
    __label__ = "Plan"
    __table_args__ = (UniqueConstraint("offering_id", "code"),)

    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_offerings.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  #: e.g. "s1.small", "standard"
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)  #: display order within the offering
    vcpus: Mapped[int] = mapped_column(default=0)  #: virtual CPUs
    ram_mb: Mapped[int] = mapped_column(default=0)  #: RAM in MiB
    disk_gb: Mapped[int] = mapped_column(default=0)  #: root disk in GB (vm)
    instances: Mapped[int] = mapped_column(default=0)  #: servers counted against the quota
    public_ips: Mapped[int] = mapped_column(default=0)  #: floating IPs counted against the quota
    active: Mapped[bool] = mapped_column(default=True)  #: inactive plans are not orderable nor priced
    offering: Mapped[Offering] = relationship(back_populates="plans", lazy="joined", innerjoin=True)


class PriceList(IdMixin, Base):
    """A version of the prices, valid over ``[valid_from, valid_until)`` (open-ended when ``valid_until``
    is empty), for everyone (no group) or for one group of organisations. Published lists are immutable
    and never overlap another published list of the same group; only the end of an open-ended list is set
    when a later version is published."""

    __tablename__ = "catalog_price_lists"
    __label__ = "Grille tarifaire"

    name: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_groups.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)  #: 1, 2, … within the group (or the default lists)
    status: Mapped[PriceListStatus] = mapped_column(String(20), default=PriceListStatus.DRAFT)
    valid_from: Mapped[datetime | None] = mapped_column(index=True)  #: set at latest on publication
    valid_until: Mapped[datetime | None] = mapped_column()  #: exclusive end; empty: until a new version
    published_at: Mapped[datetime | None] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    #: per cent taken off every invoice line rated from this list (0 to 100), e.g. a group's negotiated rate
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    group: Mapped[OrganisationGroup | None] = relationship(lazy="selectin")
    prices: Mapped[list[Price]] = relationship(back_populates="price_list", lazy="selectin",
                                               cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == PriceListStatus.PUBLISHED


class Price(IdMixin, Base):
    """The price of one plan in one list: per hour of existence (servers, IPs) and per GB-month of storage
    (volumes, a vm's data volume). Euros, up to six decimals."""

    __tablename__ = "catalog_prices"
    __table_args__ = (UniqueConstraint("price_list_id", "plan_id"),)

    price_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_price_lists.id", ondelete="CASCADE"),
                                                     index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_plans.id"), index=True)
    per_hour: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))  #: EUR per hour
    per_gb_month: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))  #: EUR per GB per month
    #: EUR per hour while a server is stopped (its disks and its reservation, not its vCPUs); billing rule
    per_hour_stopped: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    #: EUR charged once, in the month a resource of this plan is first billed
    one_time_fee: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    price_list: Mapped[PriceList] = relationship(back_populates="prices")
