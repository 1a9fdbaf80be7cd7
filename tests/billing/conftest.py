"""Billing fixtures: a frozen clock, an organisation with a project, the default catalogue with a stopped-state
price, and helpers that change a resource the way the inventory does (one committed transaction each)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud import clock as clock_module
from sovcloud.billing import capture  # noqa: F401  (listens to the sessions)
from sovcloud.catalog import pricing
from sovcloud.catalog.models import Offering, Plan, PriceList
from sovcloud.catalog.seed import seed_catalog
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource, ResourceState
from tests.factories import SYSTEM, make_org, make_project

T0 = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # 01:00 in Paris: January 2027


@pytest.fixture
def frozen() -> Iterator[clock_module.FrozenClock]:
    frozen = clock_module.FrozenClock(T0)
    clock_module.set_clock(frozen)
    yield frozen
    clock_module.set_clock(clock_module.system_clock)


def plan_id(db: Session, ref: str) -> uuid.UUID:
    offering, code = ref.split("/")
    found = db.scalar(select(Plan.id).join(Plan.offering).where(Offering.code == offering, Plan.code == code))
    assert found is not None, ref
    return found


def publish(db: Session, name: str, prices: dict[str, tuple[str, str, str]], *, fee: dict[str, str] | None = None,
            group_id: uuid.UUID | None = None, valid_from: datetime | None = None,
            discount: str = "0") -> PriceList:
    """Publish a list copying the newest default one, with ``prices`` ("vm/s1.small": (per_hour, per_hour_stopped,
    per_gb_month))."""
    source = db.scalars(select(PriceList).where(PriceList.group_id.is_(None))
                        .order_by(PriceList.version.desc())).first()
    draft = pricing.create_price_list(db, actor=SYSTEM, name=name, group_id=group_id,
                                      copy_from=source.id if source else None, discount_percent=Decimal(discount))
    pricing.set_prices(db, actor=SYSTEM, price_list_id=draft.id, prices=[
        pricing.PriceInput(plan_id(db, ref), Decimal(h), Decimal(gb), Decimal(s), Decimal((fee or {}).get(ref, "0")))
        for ref, (h, s, gb) in prices.items()])
    return pricing.publish_price_list(db, actor=SYSTEM, price_list_id=draft.id, valid_from=valid_from)


@dataclass
class Env:
    sessions: sessionmaker[Session]
    clock: clock_module.FrozenClock
    org_id: uuid.UUID
    project_id: uuid.UUID
    plans: dict[str, uuid.UUID]

    def create(self, name: str, plan: str = "vm/s1.small", kind: str = "server", gb: int = 0) -> uuid.UUID:
        with transaction(self.sessions) as s:
            r = Resource(project_id=self.project_id, kind=kind, name=name, idempotency_key=f"t:{uuid.uuid4()}",
                         state=ResourceState.ACTIVE, status="ACTIVE", provider_id=f"p-{name}",
                         plan_id=self.plans[plan], storage_gb=gb)
            s.add(r)
            s.flush()
            return r.id

    def set(self, rid: uuid.UUID, **values: object) -> None:
        with transaction(self.sessions) as s:
            r = s.get(Resource, rid)
            assert r is not None
            for k, v in values.items():
                setattr(r, k, self.plans[str(v)] if k == "plan_id" else v)

    def stop(self, rid: uuid.UUID) -> None:
        self.set(rid, status="SHUTOFF")

    def start(self, rid: uuid.UUID) -> None:
        self.set(rid, status="ACTIVE")

    def delete(self, rid: uuid.UUID) -> None:
        self.set(rid, state=ResourceState.DELETED, deleted_at=clock_module.now())


PRICES = {"vm/s1.small": ("0.02", "0.005", "0.04"), "vm/s1.medium": ("0.04", "0.01", "0.04"),
          "volume/standard": ("0", "0", "0.04")}


@pytest.fixture
def env(sessions: sessionmaker[Session], frozen: clock_module.FrozenClock) -> Env:
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        org = make_org(db, "MINB")
        project = make_project(db, org, "Projet B")
        frozen.advance(minutes=1)
        publish(db, "Tarifs 2027", PRICES)
        plans = {ref: plan_id(db, ref) for ref in PRICES}
        return Env(sessions, frozen, org.id, project.id, plans)
