"""API input and output of the catalogue. Amounts are decimals in euros, serialised as strings."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sovcloud.catalog.models import Offering, OfferingKind, OfferingStatus, OrganisationGroup, PriceListStatus
from sovcloud.catalog.pricing import Estimate, PlanPrice
from sovcloud.inputs import JsonObject

Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999.999999"), max_digits=12, decimal_places=6,
                                 allow_inf_nan=False, description="Euros, as a decimal string")]


class OfferingCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, description="Stable identifier, e.g. vm-standard")
    name: str = Field(min_length=1, max_length=200, description="Display name")
    kind: OfferingKind = Field(description="vm | volume | network | security_group | public_ip")
    description: str = Field(default="", max_length=2000)
    restricted_to: list[uuid.UUID] = Field(default_factory=list, max_length=1000,
                                           description="Groups of organisations it is limited to (none: everyone)")


class OfferingUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    restricted_to: list[uuid.UUID] | None = Field(default=None, max_length=1000,
                                                  description="Replace the restriction ([] lifts it)")


class PlanCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, description="e.g. s1.small")
    name: str = Field(min_length=1, max_length=200)
    vcpus: int = Field(default=0, ge=0, le=512, description="Virtual CPUs (vm)")
    ram_mb: int = Field(default=0, ge=0, le=4_194_304, description="RAM in MiB (vm)")
    disk_gb: int = Field(default=0, ge=0, le=16_384, description="Root disk in GB (vm)")


class PriceRead(BaseModel):
    price_list_id: uuid.UUID
    version: int
    group_id: uuid.UUID | None = Field(description="Group whose list applies (none: the default list)")
    per_hour: Decimal = Field(description="EUR per hour")
    per_gb_month: Decimal = Field(description="EUR per GB-month")

    @classmethod
    def of(cls, price: PlanPrice) -> PriceRead:
        return cls(price_list_id=price.price_list_id, version=price.version, group_id=price.group_id,
                   per_hour=price.per_hour, per_gb_month=price.per_gb_month)


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    instances: int
    public_ips: int
    active: bool
    price: PriceRead | None = Field(default=None, description="Current price for the organisation asked about")


class OfferingRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: OfferingKind
    description: str
    status: OfferingStatus
    restricted: bool
    restricted_to: list[uuid.UUID] = Field(description="Groups the offering is limited to (empty: everyone)")
    plans: list[PlanRead]

    @classmethod
    def of(cls, offering: Offering, prices: dict[uuid.UUID, PlanPrice] | None = None,
           all_plans: bool = False) -> OfferingRead:
        plans = offering.plans if all_plans else offering.active_plans
        return cls(id=offering.id, code=offering.code, name=offering.name, kind=offering.kind,
                   description=offering.description, status=offering.status, restricted=offering.restricted,
                   restricted_to=[g.id for g in offering.groups],
                   plans=[PlanRead.model_validate(p).model_copy(
                       update={"price": PriceRead.of(prices[p.id]) if prices and p.id in prices else None})
                       for p in plans])


class GroupCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="Unique name, e.g. Ministères régaliens")
    description: str = Field(default="", max_length=2000)


class GroupMembers(BaseModel):
    organisation_ids: list[uuid.UUID] = Field(max_length=1000, description="Members (each covers its subtree)")


class GroupRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    organisation_ids: list[uuid.UUID]

    @classmethod
    def of(cls, group: OrganisationGroup) -> GroupRead:
        return cls(id=group.id, name=group.name, description=group.description,
                   organisation_ids=sorted(group.organisation_ids, key=str))


class PriceListCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    group_id: uuid.UUID | None = Field(default=None, description="Group it applies to (none: everyone)")
    valid_from: AwareDatetime | None = Field(default=None, description="Start (default: at publication)")
    valid_until: AwareDatetime | None = Field(default=None, description="Exclusive end (none: open-ended)")
    copy_from: uuid.UUID | None = Field(default=None, description="Start from the prices of this list")
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2,
                                      description="Per cent taken off every invoice line rated from this list")


class PriceIn(BaseModel):
    plan_id: uuid.UUID
    per_hour: Money = Decimal(0)
    per_gb_month: Money = Decimal(0)
    per_hour_stopped: Money = Field(default=Decimal(0), description="EUR per hour while the server is stopped")
    one_time_fee: Money = Field(default=Decimal(0), description="EUR charged once, when first billed")


class PricesIn(BaseModel):
    prices: list[PriceIn] = Field(min_length=1, max_length=1000)


class PublishIn(BaseModel):
    valid_from: AwareDatetime | None = Field(default=None, description="Override the draft's start")


class PriceLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plan_id: uuid.UUID
    per_hour: Decimal
    per_gb_month: Decimal
    per_hour_stopped: Decimal = Decimal(0)
    one_time_fee: Decimal = Decimal(0)


class PriceListRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    group_id: uuid.UUID | None
    version: int
    status: PriceListStatus
    valid_from: datetime | None
    valid_until: datetime | None
    published_at: datetime | None
    currency: str
    discount_percent: Decimal = Decimal(0)
    prices: list[PriceLine]


class EstimateIn(BaseModel):
    organisation_id: uuid.UUID
    plan_id: uuid.UUID
    parameters: JsonObject = Field(default_factory=dict, description="Order parameters of the offering kind")
    at: AwareDatetime | None = Field(default=None, description="Date of the prices (default: now)")


class EstimateRead(BaseModel):
    organisation_id: uuid.UUID
    plan_id: uuid.UUID
    at: datetime
    price: PriceRead
    footprint: dict[str, int] = Field(description="Quota consumed: vcpus, ram_mb, storage_gb, instances, public_ips")
    storage_gb: int = Field(description="GB charged per GB-month")
    hourly: Decimal = Field(description="EUR per hour, rounded to the cent")
    monthly: Decimal = Field(description="EUR per month (730 h), rounded to the cent")
    currency: str

    @classmethod
    def of(cls, est: Estimate) -> EstimateRead:
        from dataclasses import asdict

        return cls(organisation_id=est.organisation_id, plan_id=est.plan_id, at=est.at, price=PriceRead.of(est.price),
                   footprint=asdict(est.footprint), storage_gb=est.storage_gb, hourly=est.hourly,
                   monthly=est.monthly, currency=est.currency)
