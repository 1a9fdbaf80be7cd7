"""The rate timeline of an organisation: for each plan, the stretches of time over which one price of the
catalogue's published, versioned lists applies to it — resolved as :func:`sovcloud.catalog.pricing.prices_for`
resolves one date (the nearest group's list, else the default list, plan by plan) but over a whole month at
once. This loops over price lists (a handful), never over usage; rating joins the result with the usage in
SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.catalog import service as catalog
from sovcloud.catalog.models import PriceList, PriceListStatus
from sovcloud.tenancy.models import Organisation

FOREVER = 2**62


@dataclass(frozen=True)
class Rate:
    """One plan's price for one organisation over ``[from_s, until_s)`` (epoch seconds)."""

    organisation_id: uuid.UUID
    plan_id: uuid.UUID
    from_s: int
    until_s: int
    price_list_id: uuid.UUID
    per_hour: Decimal
    per_hour_stopped: Decimal
    per_gb_month: Decimal
    one_time_fee: Decimal
    discount_percent: Decimal


def _published(session: Session) -> list[PriceList]:
    return list(session.scalars(select(PriceList).where(PriceList.status == PriceListStatus.PUBLISHED,
                                                        PriceList.valid_from.is_not(None))))


def rates_for(session: Session, organisation_ids: list[uuid.UUID], start_s: int, end_s: int,
              lists: list[PriceList] | None = None) -> list[Rate]:
    """Every rate of these organisations overlapping ``[start_s, end_s)``, clipped to it."""
    lists = _published(session) if lists is None else lists
    orgs = session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids))).all()
    cache: dict[tuple[tuple[uuid.UUID, int], ...], list[Rate]] = {}
    out: list[Rate] = []
    for org in orgs:
        groups = catalog.covering_groups(session, org)
        key = tuple(sorted(groups.items()))
        if key not in cache:
            cache[key] = _timeline(lists, groups, start_s, end_s)
        out += [Rate(org.id, r.plan_id, r.from_s, r.until_s, r.price_list_id, r.per_hour, r.per_hour_stopped,
                     r.per_gb_month, r.one_time_fee, r.discount_percent) for r in cache[key]]
    return out


def _span(pl: PriceList) -> tuple[int, int]:
    assert pl.valid_from is not None
    return int(pl.valid_from.timestamp()), int(pl.valid_until.timestamp()) if pl.valid_until else FOREVER


def _timeline(lists: list[PriceList], groups: dict[uuid.UUID, int], start_s: int, end_s: int) -> list[Rate]:
    applicable = [pl for pl in lists if pl.group_id is None or pl.group_id in groups]
    ordered = sorted(applicable, key=lambda pl: (pl.group_id is None,
                                                 -groups.get(pl.group_id, -1) if pl.group_id else 0,
                                                 pl.group.name if pl.group else ""))
    bounds = sorted({start_s, end_s, *(b for pl in applicable for b in _span(pl) if start_s < b < end_s)})
    rates: list[Rate] = []
    for lo, hi in pairwise(bounds):
        seen: set[uuid.UUID] = set()
        for pl in ordered:
            f, u = _span(pl)
            if not (f <= lo and hi <= u):
                continue
            for p in pl.prices:
                if p.plan_id in seen:
                    continue
                seen.add(p.plan_id)
                rates.append(Rate(uuid.UUID(int=0), p.plan_id, lo, hi, pl.id, p.per_hour, p.per_hour_stopped,
                                  p.per_gb_month, p.one_time_fee, pl.discount_percent))
    return rates
