"""Catalogue routes: offerings and plans, groups of organisations, price lists, estimates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.catalog import pricing, service
from sovcloud.catalog.models import PriceListStatus
from sovcloud.catalog.schemas import (
    EstimateIn,
    EstimateRead,
    GroupCreate,
    GroupMembers,
    GroupRead,
    OfferingCreate,
    OfferingRead,
    OfferingUpdate,
    PlanCreate,
    PlanRead,
    PriceListCreate,
    PriceListRead,
    PricesIn,
    PublishIn,
)

router = APIRouter(prefix="/catalog", tags=["catalog"])
OrgQuery = Annotated[uuid.UUID | None, Query(
    description="Only what this organisation may order, with its current prices")]
RetiredQuery = Annotated[bool, Query(description="Include retired offerings (ignored with organisation_id)")]


@router.get("/offerings", response_model=list[OfferingRead])
def list_offerings(session: DbSession, actor: CurrentActor, organisation_id: OrgQuery = None,
                   include_retired: RetiredQuery = False) -> list[OfferingRead]:
    """Offerings visible to the caller, or orderable by one organisation with their prices."""
    if organisation_id is not None:
        return [OfferingRead.of(p.offering, p.prices)
                for p in pricing.priced_offerings_for(session, actor=actor, organisation_id=organisation_id)]
    return [OfferingRead.of(o) for o in service.list_offerings(session, actor=actor, include_retired=include_retired)]


@router.post("/offerings", response_model=OfferingRead, status_code=status.HTTP_201_CREATED)
def create_offering(body: OfferingCreate, session: DbSession, actor: CurrentActor) -> OfferingRead:
    """Create an offering (operators)."""
    return OfferingRead.of(service.create_offering(session, actor=actor, **body.model_dump()))


@router.get("/offerings/{offering_id}", response_model=OfferingRead)
def get_offering(offering_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OfferingRead:
    """One offering, if visible to the caller."""
    return OfferingRead.of(service.get_offering(session, actor=actor, offering_id=offering_id), all_plans=True)


@router.patch("/offerings/{offering_id}", response_model=OfferingRead)
def update_offering(offering_id: uuid.UUID, body: OfferingUpdate, session: DbSession,
                    actor: CurrentActor) -> OfferingRead:
    """Rename, describe or restrict an offering (operators)."""
    return OfferingRead.of(service.update_offering(session, actor=actor, offering_id=offering_id,
                                                   **body.model_dump()), all_plans=True)


@router.post("/offerings/{offering_id}/retire", response_model=OfferingRead)
def retire_offering(offering_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OfferingRead:
    """Stop selling an offering (operators)."""
    return OfferingRead.of(service.retire_offering(session, actor=actor, offering_id=offering_id), all_plans=True)


@router.post("/offerings/{offering_id}/plans", response_model=PlanRead, status_code=status.HTTP_201_CREATED)
def add_plan(offering_id: uuid.UUID, body: PlanCreate, session: DbSession, actor: CurrentActor) -> PlanRead:
    """Add a plan to an offering (operators)."""
    return PlanRead.model_validate(service.add_plan(session, actor=actor, offering_id=offering_id,
                                                    **body.model_dump()))


@router.post("/plans/{plan_id}/retire", response_model=PlanRead)
def retire_plan(plan_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> PlanRead:
    """Stop selling a plan (operators)."""
    return PlanRead.model_validate(service.retire_plan(session, actor=actor, plan_id=plan_id))


@router.get("/groups", response_model=list[GroupRead])
def list_groups(session: DbSession, actor: CurrentActor) -> list[GroupRead]:
    """Groups of organisations (operators)."""
    return [GroupRead.of(g) for g in service.list_groups(session, actor=actor)]


@router.post("/groups", response_model=GroupRead, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, session: DbSession, actor: CurrentActor) -> GroupRead:
    """Create a group of organisations (operators)."""
    return GroupRead.of(service.create_group(session, actor=actor, **body.model_dump()))


@router.put("/groups/{group_id}/members", response_model=GroupRead)
def set_group_members(group_id: uuid.UUID, body: GroupMembers, session: DbSession, actor: CurrentActor) -> GroupRead:
    """Replace the members of a group (operators)."""
    return GroupRead.of(service.set_group_members(session, actor=actor, group_id=group_id,
                                                  organisation_ids=body.organisation_ids))


@router.get("/price-lists", response_model=list[PriceListRead])
def list_price_lists(session: DbSession, actor: CurrentActor,
                     group_id: Annotated[uuid.UUID | None, Query(description="Only this group's lists")] = None,
                     default_only: Annotated[bool, Query(description="Only the default lists")] = False,
                     status_: Annotated[PriceListStatus | None, Query(alias="status",
                                                                      description="draft | published")] = None,
                     ) -> list[PriceListRead]:
    """Price lists (operators)."""
    return [PriceListRead.model_validate(p) for p in pricing.list_price_lists(
        session, actor=actor, group_id=group_id, default_only=default_only, status=status_)]


@router.post("/price-lists", response_model=PriceListRead, status_code=status.HTTP_201_CREATED)
def create_price_list(body: PriceListCreate, session: DbSession, actor: CurrentActor) -> PriceListRead:
    """Draft a new price list version (operators)."""
    return PriceListRead.model_validate(pricing.create_price_list(session, actor=actor, **body.model_dump()))


@router.get("/price-lists/{price_list_id}", response_model=PriceListRead)
def get_price_list(price_list_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> PriceListRead:
    """One price list: all for operators, else the published lists that apply to the caller."""
    return PriceListRead.model_validate(pricing.get_price_list(session, actor=actor, price_list_id=price_list_id))


@router.put("/price-lists/{price_list_id}/prices", response_model=PriceListRead)
def set_prices(price_list_id: uuid.UUID, body: PricesIn, session: DbSession, actor: CurrentActor) -> PriceListRead:
    """Set prices of plans in a draft list (operators)."""
    items = [pricing.PriceInput(p.plan_id, p.per_hour, p.per_gb_month, p.per_hour_stopped, p.one_time_fee)
             for p in body.prices]
    return PriceListRead.model_validate(pricing.set_prices(session, actor=actor, price_list_id=price_list_id,
                                                           prices=items))


@router.post("/price-lists/{price_list_id}/publish", response_model=PriceListRead)
def publish_price_list(price_list_id: uuid.UUID, session: DbSession, actor: CurrentActor,
                       body: PublishIn | None = None) -> PriceListRead:
    """Publish a draft list: immutable from then on (operators)."""
    return PriceListRead.model_validate(pricing.publish_price_list(
        session, actor=actor, price_list_id=price_list_id, valid_from=body.valid_from if body else None))


@router.post("/estimate", response_model=EstimateRead)
def estimate(body: EstimateIn, session: DbSession, actor: CurrentActor) -> EstimateRead:
    """What an order would cost an organisation, hourly and monthly."""
    return EstimateRead.of(pricing.estimate_for(session, actor=actor, **body.model_dump()))
