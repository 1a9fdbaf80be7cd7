"""Catalogue fixtures: a frozen clock, the seeded default catalogue, and helpers to publish price lists."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud import clock as clock_module
from sovcloud.catalog import pricing
from sovcloud.catalog.models import Offering, Plan, PriceList
from sovcloud.catalog.seed import seed_catalog
from tests.factories import SYSTEM

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[clock_module.FrozenClock]:
    """The clock stopped at ``T0`` for the test."""
    frozen = clock_module.FrozenClock(T0)
    clock_module.set_clock(frozen)
    yield frozen
    clock_module.set_clock(clock_module.system_clock)


def plan_id(db: Session, ref: str) -> uuid.UUID:
    """The id of a plan named "offering/plan"."""
    offering, code = ref.split("/")
    found = db.scalar(select(Plan.id).join(Plan.offering).where(Offering.code == offering, Plan.code == code))
    assert found is not None, ref
    return found


def default_list(db: Session) -> PriceList:
    found = db.scalar(select(PriceList).where(PriceList.group_id.is_(None)).order_by(PriceList.version))
    assert found is not None
    return found


def publish(db: Session, name: str, overrides: dict[str, tuple[str, str]], *, group_id: uuid.UUID | None = None,
            valid_from: datetime | None = None, valid_until: datetime | None = None) -> PriceList:
    """Publish a list with the default prices except ``overrides`` ("vm/s1.small": (per_hour, per_gb_month))."""
    draft = pricing.create_price_list(db, actor=SYSTEM, name=name, group_id=group_id, valid_from=valid_from,
                                      valid_until=valid_until, copy_from=default_list(db).id)
    pricing.set_prices(db, actor=SYSTEM, price_list_id=draft.id, prices=[
        pricing.PriceInput(plan_id(db, ref), Decimal(h), Decimal(gb)) for ref, (h, gb) in overrides.items()])
    return pricing.publish_price_list(db, actor=SYSTEM, price_list_id=draft.id)


@pytest.fixture
def catalog(db: Session, frozen: clock_module.FrozenClock) -> Session:
    """The default catalogue and its default price list (valid from ``T0``), in ``db``."""
    seed_catalog(db, SYSTEM)
    db.flush()
    return db


@pytest.fixture
def seeded(world, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """``world`` plus the default catalogue, committed (for API tests)."""
    with sessions() as session, session.begin():
        seed_catalog(session, SYSTEM)
    return world
