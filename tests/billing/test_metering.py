"""Metering: intervals follow the inventory's changes; replaying changes nothing; rebuilding equals recorded."""

from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud.billing import capture, metering
from sovcloud.billing.models import ResourceChange, UsageInterval
from sovcloud.billing.periods import Month
from sovcloud.billing.rating import rate_month
from sovcloud.db import transaction
from tests.billing.conftest import Env


def _intervals(env: Env, session: Session | None = None) -> list[tuple[object, ...]]:
    with env.sessions() if session is None else nullcontext(session) as s:
        return [tuple(r) for r in s.execute(select(UsageInterval.resource_id, UsageInterval.state,
                                                   UsageInterval.plan_id, UsageInterval.started_s,
                                                   UsageInterval.ended_s).order_by(UsageInterval.started_s))]


def test_changes_become_intervals_and_a_stopped_server_bills_its_stopped_price(env: Env) -> None:
    env.clock.advance(hours=1)
    vm = env.create("web")
    env.clock.advance(hours=10)
    env.stop(vm)
    env.clock.advance(hours=5)
    env.start(vm)
    env.clock.advance(hours=2)
    env.set(vm, plan_id="vm/s1.medium")
    env.clock.advance(hours=3)
    env.delete(vm)
    env.clock.advance(hours=1)
    with transaction(env.sessions) as s:
        metering.meter(s)
    states = [(st, (e - b) // 3600) for _, st, _, b, e in _intervals(env)]
    assert states == [("running", 10), ("stopped", 5), ("running", 2), ("running", 3)]
    with env.sessions() as s:
        rated = rate_month(s, [env.org_id], Month(2027, 1))[env.org_id]
    # per line, half-even to the cent: 12 h small running 0.24; 5 h small stopped 0.025 → 0.02; 3 h medium 0.12
    assert sorted(ln.amount for ln in rated.lines) == [Decimal("0.02"), Decimal("0.12"), Decimal("0.24")]
    assert rated.total == Decimal("0.38")


def test_replaying_changes_and_metering_again_count_nothing_twice(env: Env) -> None:
    vm = env.create("db")
    env.clock.advance(hours=4)
    env.stop(vm)
    env.clock.advance(hours=4)
    env.stop(vm)  # the same change learned twice: no new change
    with transaction(env.sessions) as s:
        metering.meter(s)
        first = _intervals(env, s)
        changes = s.scalar(select(func.count()).select_from(ResourceChange))
        assert capture.record_changes(s) == 0  # the safety net finds nothing new
        rows = [{c: getattr(ch, c) for c in ("id", "resource_id", "project_id", "organisation_id", "kind", "name",
                                             "plan_id", "state", "gb", "at", "at_s", "source")}
                for ch in s.scalars(select(ResourceChange))]
        capture.upsert(s, rows)  # every recorded change replayed
        metering.meter(s)
        metering.meter(s)
        assert s.scalar(select(func.count()).select_from(ResourceChange)) == changes == 2
    assert _intervals(env) == first


def test_rebuilt_usage_equals_recorded_usage(env: Env) -> None:
    a, b = env.create("a"), env.create("vol", plan="volume/standard", kind="volume", gb=100)
    env.clock.advance(hours=3)
    with transaction(env.sessions) as s:
        metering.meter(s)
    env.stop(a)
    env.clock.advance(hours=3)
    env.set(b, storage_gb=200)
    env.clock.advance(days=2)
    env.delete(a)
    with transaction(env.sessions) as s:
        metering.meter(s)
    recorded = sorted(_intervals(env), key=str)
    with transaction(env.sessions) as s:
        metering.rebuild(s)
    assert sorted(_intervals(env), key=str) == recorded
    assert len(recorded) == 4
