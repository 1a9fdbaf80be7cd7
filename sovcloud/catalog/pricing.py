"""Versioned price lists, the price an organisation pays for a plan at a date, and cost estimates.

Rules:
- a list is drafted, priced, then published; once published its prices never change;
- published lists of the same group (or the default lists, without group) never overlap; publishing a
  version that starts after an open-ended one ends that one where the new one starts (its prices and its
  past validity are untouched); any other overlap is refused;
- a publication never starts in the past, so no price ever changes retroactively;
- the price of a plan for an organisation at a date comes from the list valid then for the nearest group
  holding the organisation or one of its ancestors (ties: group name), else from the default list.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize, scoped
from sovcloud.catalog import service
from sovcloud.catalog.errors import NotOrderable, PriceUnavailable
from sovcloud.catalog.models import (
    Offering,
    OfferingStatus,
    OrganisationGroup,
    Plan,
    Price,
    PriceList,
    PriceListStatus,
)
from sovcloud.catalog.parameters import parse_parameters
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.tenancy.models import Organisation
from sovcloud.tenancy.quotas import Limits

HOURS_PER_MONTH = 730
CENT = Decimal("0.01")
_MAX_PRICE = Decimal("999999.999999")


@dataclass(frozen=True)
class PriceInput:
    """A price to set in a draft list."""

    plan_id: uuid.UUID
    per_hour: Decimal = Decimal(0)  #: EUR per hour
    per_gb_month: Decimal = Decimal(0)  #: EUR per GB-month
    per_hour_stopped: Decimal = Decimal(0)  #: EUR per hour while stopped (billing rule)
    one_time_fee: Decimal = Decimal(0)  #: EUR once, when first billed


@dataclass(frozen=True)
class PlanPrice:
    """The price that applies to a plan, and the list it comes from."""

    plan_id: uuid.UUID
    price_list_id: uuid.UUID
    price_list_name: str
    version: int
    group_id: uuid.UUID | None  #: None: the default list
    per_hour: Decimal  #: EUR per hour
    per_gb_month: Decimal  #: EUR per GB-month


@dataclass(frozen=True)
class Estimate:
    """What an order would cost: hourly and monthly (730 h; storage per GB-month), rounded to the cent."""

    organisation_id: uuid.UUID
    plan_id: uuid.UUID
    at: datetime
    price: PlanPrice
    footprint: Limits  #: quota consumed
    storage_gb: int  #: GB charged per GB-month
    hourly: Decimal  #: EUR per hour, cents, half up
    monthly: Decimal  #: EUR per month of 730 h, cents, half up
    offering_kind: str = ""  #: the kind of the plan's offering (vm, volume...)
    currency: str = "EUR"


def _money(value: Any, field: str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise ValidationFailed("Montant à donner en décimal exact (chaîne ou Decimal), jamais en flottant.",
                               field=field)
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValidationFailed(f"Montant invalide : {value}.", field=field) from None
    if not amount.is_finite() or amount < 0 or amount > _MAX_PRICE:
        raise ValidationFailed("Montant entre 0 et 999 999,999999 €.", field=field)
    if amount != amount.quantize(Decimal("0.000001")):
        raise ValidationFailed("Six décimales au plus.", field=field)
    return amount.quantize(Decimal("0.000001"))


def _same_group(group_id: uuid.UUID | None) -> Any:
    return PriceList.group_id.is_(None) if group_id is None else PriceList.group_id == group_id


def _label(pl: PriceList) -> str:
    return f"« {pl.name} » (v{pl.version})"


def _managed_list(session: Session, actor: Actor, price_list_id: uuid.UUID) -> PriceList:
    authorize(actor, Permission.CATALOG_MANAGE)
    price_list = session.get(PriceList, price_list_id, with_for_update=True)
    if price_list is None:
        raise NotFound(f"Grille tarifaire {price_list_id} introuvable.")
    return price_list


def _draft(session: Session, actor: Actor, price_list_id: uuid.UUID) -> PriceList:
    price_list = _managed_list(session, actor, price_list_id)
    if price_list.is_published:
        raise Conflict(f"La grille {_label(price_list)} est publiée : elle ne change plus. "
                       "Pour changer les prix, publiez une nouvelle version.")
    return price_list


def create_price_list(session: Session, *, actor: Actor, name: str, group_id: uuid.UUID | None = None,
                      valid_from: datetime | None = None, valid_until: datetime | None = None,
                      copy_from: uuid.UUID | None = None, discount_percent: Decimal = Decimal(0)) -> PriceList:
    """Draft the next version of the default list (no group) or of a group's list, optionally starting
    from the prices of another list; ``discount_percent`` is taken off every invoice line rated from it.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: unknown group or list to copy.
        ValidationFailed: empty name, or validity ending before it starts.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    name = service._name(name)
    if group_id is not None and session.get(OrganisationGroup, group_id) is None:
        raise NotFound(f"Groupe d'organisations {group_id} introuvable.")
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValidationFailed("La fin de validité doit suivre son début.", field="valid_until")
    source = session.get(PriceList, copy_from) if copy_from else None
    if copy_from and source is None:
        raise NotFound(f"Grille tarifaire {copy_from} introuvable.")
    if not Decimal(0) <= discount_percent <= 100 or discount_percent != discount_percent.quantize(Decimal("0.01")):
        raise ValidationFailed("Remise entre 0 et 100 %, au centième.", field="discount_percent")
    version = (session.scalar(select(func.max(PriceList.version)).where(_same_group(group_id))) or 0) + 1
    price_list = PriceList(name=name, group_id=group_id, version=version, valid_from=valid_from,
                           discount_percent=discount_percent,
                           valid_until=valid_until, status=PriceListStatus.DRAFT,
                           prices=[Price(plan_id=p.plan_id, per_hour=p.per_hour, per_gb_month=p.per_gb_month,
                                         per_hour_stopped=p.per_hour_stopped, one_time_fee=p.one_time_fee)
                                   for p in (source.prices if source else [])])
    session.add(price_list)
    session.flush()
    audit.record(session, actor=actor, action="catalog.price_list.created", target=price_list,
                 details={"name": name, "group_id": group_id, "version": version, "valid_from": valid_from,
                          "valid_until": valid_until, "copy_from": copy_from,
                          "discount_percent": str(discount_percent)})
    return price_list


def set_prices(session: Session, *, actor: Actor, price_list_id: uuid.UUID,
               prices: Sequence[PriceInput]) -> PriceList:
    """Set (add or replace) prices of plans in a draft list.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such list or plan.
        ValidationFailed: negative, float or over-precise amount.
        Conflict: the list is published.
    """
    price_list = _draft(session, actor, price_list_id)
    plans = {p.id: p for p in session.scalars(select(Plan).where(Plan.id.in_({i.plan_id for i in prices})))}
    existing = {p.plan_id: p for p in price_list.prices}
    changed: dict[str, dict[str, str]] = {}
    for item in prices:
        plan = plans.get(item.plan_id)
        if plan is None:
            raise NotFound(f"Plan {item.plan_id} introuvable.")
        per_hour, per_gb = _money(item.per_hour, "per_hour"), _money(item.per_gb_month, "per_gb_month")
        row = existing.get(plan.id)
        if row is None:
            row = Price(plan_id=plan.id)
            price_list.prices.append(row)
            existing[plan.id] = row
        row.per_hour, row.per_gb_month = per_hour, per_gb
        row.per_hour_stopped = _money(item.per_hour_stopped, "per_hour_stopped")
        row.one_time_fee = _money(item.one_time_fee, "one_time_fee")
        changed[f"{plan.offering.code}/{plan.code}"] = {
            "per_hour": str(per_hour), "per_gb_month": str(per_gb), "per_hour_stopped": str(row.per_hour_stopped),
            "one_time_fee": str(row.one_time_fee)}
    session.flush()
    if changed:
        audit.record(session, actor=actor, action="catalog.price_list.prices_set", target=price_list,
                     details={"prices": changed})
    return price_list


def _overlaps(a_from: datetime, a_until: datetime | None, b_from: datetime, b_until: datetime | None) -> bool:
    return (b_until is None or a_from < b_until) and (a_until is None or b_from < a_until)


def publish_price_list(session: Session, *, actor: Actor, price_list_id: uuid.UUID,
                       valid_from: datetime | None = None) -> PriceList:
    """Publish a draft: from then on it is immutable and prices orders over its validity. ``valid_from``
    (else the draft's, else now) may not be in the past.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such list.
        ValidationFailed: validity starting in the past or ending before it starts, or an active plan
            without a price.
        Conflict: already published, or its validity overlaps another published list of the same group.
    """
    price_list = _draft(session, actor, price_list_id)
    moment = now()
    start = valid_from or price_list.valid_from or moment
    if start < moment:
        raise ValidationFailed("Une grille ne peut pas prendre effet dans le passé : les prix déjà appliqués "
                               "ne changent jamais.", field="valid_from")
    if price_list.valid_until is not None and price_list.valid_until <= start:
        raise ValidationFailed("La fin de validité doit suivre son début.", field="valid_until")
    priced = {p.plan_id for p in price_list.prices}
    missing = [f"{p.offering.code}/{p.code}" for p in session.scalars(
        select(Plan).join(Plan.offering).where(Plan.active.is_(True), Offering.status == OfferingStatus.ACTIVE)
        .order_by(Offering.code, Plan.position)) if p.id not in priced]
    if missing:
        raise ValidationFailed(f"Plans sans prix : {', '.join(missing)}.", field="prices", plans=missing)
    others = session.scalars(select(PriceList).where(
        _same_group(price_list.group_id), PriceList.status == PriceListStatus.PUBLISHED,
        PriceList.id != price_list.id).order_by(PriceList.valid_from).with_for_update()).all()
    clashing = [o for o in others if o.valid_from is not None
                and _overlaps(start, price_list.valid_until, o.valid_from, o.valid_until)]
    superseded = [o for o in clashing if o.valid_until is None and o.valid_from is not None and o.valid_from < start]
    refused = [o for o in clashing if o not in superseded]
    if refused:
        raise Conflict(f"Validité en chevauchement avec la grille publiée {_label(refused[0])}, valable à partir du "
                       f"{refused[0].valid_from:%d/%m/%Y %H:%M} UTC.", overlaps=str(refused[0].id))
    for old in superseded:
        old.valid_until = start
        audit.record(session, actor=actor, action="catalog.price_list.superseded", target=old,
                     details={"valid_until": start, "by": price_list.id})
    price_list.valid_from, price_list.status, price_list.published_at = start, PriceListStatus.PUBLISHED, moment
    session.flush()
    audit.record(session, actor=actor, action="catalog.price_list.published", target=price_list,
                 details={"version": price_list.version, "group_id": price_list.group_id, "valid_from": start,
                          "valid_until": price_list.valid_until, "prices": len(price_list.prices)})
    return price_list


def get_price_list(session: Session, *, actor: Actor, price_list_id: uuid.UUID) -> PriceList:
    """One price list: catalogue managers see all; other readers the published default lists and the
    published lists of groups touching their organisations (the prices that apply to them).

    Raises:
        PermissionDenied: the actor reads the catalogue nowhere.
        NotFound: no such list, or not one of those.
    """
    price_list = session.get(PriceList, price_list_id)
    if not allows(actor, Permission.CATALOG_MANAGE):
        everything, paths = service.reader_view(actor)
        if price_list is not None and not everything and (not price_list.is_published or (
                price_list.group_id is not None
                and not service.groups_touching(session, [price_list.group_id], paths))):
            price_list = None
    if price_list is None:
        raise NotFound(f"Grille tarifaire {price_list_id} introuvable.")
    return price_list


def list_price_lists(session: Session, *, actor: Actor, group_id: uuid.UUID | None = None,
                     default_only: bool = False, status: PriceListStatus | None = None) -> list[PriceList]:
    """Price lists, default ones first, then by group and version (catalogue managers only).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    query = select(PriceList).order_by(PriceList.group_id.is_not(None), PriceList.group_id, PriceList.version)
    if default_only or group_id is not None:
        query = query.where(_same_group(None if default_only else group_id))
    if status is not None:
        query = query.where(PriceList.status == status)
    return list(session.scalars(query))


def price_list_in_force(session: Session, *, actor: Actor, group_id: uuid.UUID | None = None,
                        at: datetime | None = None) -> PriceList | None:
    """The published price list of a group (the default list when ``group_id`` is None) valid at ``at`` (now by
    default): the one whose validity started last, if any (catalogue managers only).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    at = at or now()
    query = (select(PriceList).where(_same_group(group_id), PriceList.status == PriceListStatus.PUBLISHED,
                                     PriceList.valid_from <= at,
                                     PriceList.valid_until.is_(None) | (PriceList.valid_until > at))
             .order_by(PriceList.valid_from.desc(), PriceList.version.desc()).limit(1))
    return session.scalar(query)


def prices_for(session: Session, *, organisation_id: uuid.UUID, plan_ids: Sequence[uuid.UUID],
               at: datetime) -> dict[uuid.UUID, PlanPrice]:
    """The applicable price of each plan for the organisation at ``at`` (plans without one are left out)."""
    org = service._organisation(session, organisation_id)
    groups = service.covering_groups(session, org)
    valid = (PriceList.status == PriceListStatus.PUBLISHED) & (PriceList.valid_from <= at) & (
        PriceList.valid_until.is_(None) | (PriceList.valid_until > at))
    applicable = PriceList.group_id.in_(list(groups)) | PriceList.group_id.is_(None)
    lists = session.scalars(select(PriceList).where(valid, applicable)).all()
    ordered = sorted(lists, key=lambda pl: (pl.group_id is None, -groups.get(pl.group_id, -1) if pl.group_id else 0,
                                            pl.group.name if pl.group else ""))
    found: dict[uuid.UUID, PlanPrice] = {}
    wanted = set(plan_ids)
    for pl in ordered:
        for price in pl.prices:
            if price.plan_id in wanted and price.plan_id not in found:
                found[price.plan_id] = PlanPrice(plan_id=price.plan_id, price_list_id=pl.id, price_list_name=pl.name,
                                                 version=pl.version, group_id=pl.group_id, per_hour=price.per_hour,
                                                 per_gb_month=price.per_gb_month)
    return found


def price_for(session: Session, *, organisation_id: uuid.UUID, plan_id: uuid.UUID, at: datetime) -> PlanPrice:
    """The price of a plan for an organisation at a date.

    Raises:
        NotFound: unknown organisation.
        PriceUnavailable: no published list prices the plan then.
    """
    found = prices_for(session, organisation_id=organisation_id, plan_ids=[plan_id], at=at).get(plan_id)
    if found is None:
        raise PriceUnavailable(f"Aucune grille publiée ne donne de prix pour ce plan au {at:%d/%m/%Y %H:%M} UTC.",
                               plan_id=str(plan_id))
    return found


def orderable_plan(session: Session, *, organisation_id: uuid.UUID, plan_id: uuid.UUID) -> Plan:
    """The plan, if the organisation may order it now.

    Raises:
        NotFound: no such plan, or its offering is restricted to groups the organisation is not in.
        NotOrderable: the plan or its offering is retired.
    """
    plan = session.get(Plan, plan_id)
    if plan is None or not service.is_open_to(session, plan.offering, organisation_id):
        raise NotFound(f"Plan {plan_id} introuvable.")
    if not plan.active or plan.offering.status != OfferingStatus.ACTIVE:
        raise NotOrderable(f"Le plan {plan.offering.code}/{plan.code} n'est plus proposé.")
    return plan


def estimate(session: Session, *, organisation_id: uuid.UUID, plan_id: uuid.UUID,
             parameters: Mapping[str, Any] | None = None, at: datetime | None = None) -> Estimate:
    """What ordering ``plan_id`` with ``parameters`` costs the organisation: hourly price plus storage per
    GB-month, over 730 hours a month, rounded half up to the cent.

    Raises:
        NotFound: unknown organisation or plan, or plan not open to the organisation.
        NotOrderable: the plan or its offering is retired.
        ValidationFailed: bad parameters for the offering's kind.
        PriceUnavailable: no published price applies.
    """
    at = at or now()
    plan = orderable_plan(session, organisation_id=organisation_id, plan_id=plan_id)
    params = parse_parameters(plan.offering.kind, parameters)
    price = price_for(session, organisation_id=organisation_id, plan_id=plan.id, at=at)
    gb = params.billable_gb(plan)
    monthly = price.per_hour * HOURS_PER_MONTH + price.per_gb_month * gb
    hourly = price.per_hour + price.per_gb_month * gb / HOURS_PER_MONTH
    return Estimate(organisation_id=organisation_id, plan_id=plan.id, at=at, price=price,
                    footprint=params.footprint(plan), storage_gb=gb,
                    hourly=hourly.quantize(CENT, ROUND_HALF_UP), monthly=monthly.quantize(CENT, ROUND_HALF_UP),
                    offering_kind=str(plan.offering.kind))


def estimate_for(session: Session, *, actor: Actor, organisation_id: uuid.UUID, plan_id: uuid.UUID,
                 parameters: Mapping[str, Any] | None = None, at: datetime | None = None) -> Estimate:
    """:func:`estimate` for someone who may read the catalogue of that organisation.

    Raises:
        NotFound: the organisation is not visible to the actor (and as :func:`estimate`).
        PermissionDenied: the actor may not read the catalogue there.
    """
    org = scoped(session, Organisation, actor).get(organisation_id)
    service.authorize_read(actor, org)
    return estimate(session, organisation_id=org.id, plan_id=plan_id, parameters=parameters, at=at)


@dataclass(frozen=True)
class PricedOffering:
    offering: Offering
    prices: dict[uuid.UUID, PlanPrice]  #: plan id → current price for the organisation


def priced_offerings_for(session: Session, *, actor: Actor, organisation_id: uuid.UUID,
                         at: datetime | None = None) -> list[PricedOffering]:
    """:func:`service.offerings_for` with each active plan's price for the organisation at ``at`` (now).

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not read the catalogue there.
    """
    offerings = service.offerings_for(session, actor=actor, organisation_id=organisation_id)
    prices = prices_for(session, organisation_id=organisation_id, at=at or now(),
                        plan_ids=[p.id for o in offerings for p in o.active_plans])
    return [PricedOffering(o, {p.id: prices[p.id] for p in o.active_plans if p.id in prices}) for o in offerings]
