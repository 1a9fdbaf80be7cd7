"""Property: for any sequence of create / resize / stop / start / delete and price changes over several months,
each month's rated total equals Σ price × duration per state, split at price changes and Paris months, each
line rounded half-even to the cent; rating again gives the same; replaying every change and metering again,
or rebuilding the usage from the history, changes nothing; the issued invoice carries that total."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.billing import capture, metering, service
from sovcloud.billing.models import ResourceChange
from sovcloud.billing.periods import Month
from sovcloud.billing.rating import rate_month, round_cent
from sovcloud.db import transaction
from tests.billing.conftest import PRICES, Env, publish
from tests.factories import make_org, make_project

PLANS = ["vm/s1.small", "vm/s1.medium"]
#: price tables a change may publish: (running, stopped) € per hour of each plan
TABLES = [{"vm/s1.small": (Decimal("0.03"), Decimal("0.007")), "vm/s1.medium": (Decimal("0.055"), Decimal("0.013"))},
          {"vm/s1.small": (Decimal("0.017"), Decimal("0.004")), "vm/s1.medium": (Decimal("0.041"), Decimal("0"))},
          {"vm/s1.small": (Decimal("0.02"), Decimal("0.005")), "vm/s1.medium": (Decimal("0.04"), Decimal("0.01"))}]
op = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2), st.sampled_from(PLANS)),
    st.tuples(st.just("resize"), st.integers(0, 2), st.sampled_from(PLANS)),
    st.tuples(st.just("stop"), st.integers(0, 2), st.none()),
    st.tuples(st.just("start"), st.integers(0, 2), st.none()),
    st.tuples(st.just("delete"), st.integers(0, 2), st.none()),
    st.tuples(st.just("price"), st.integers(0, 2), st.sampled_from(TABLES)),
)
steps = st.lists(st.tuples(op, st.integers(0, 400)), min_size=1, max_size=10)
COUNTER = itertools.count()
FINANCE = Actor(user_id=None, username="compta", grants=(Grant(Role.FINANCE),), mfa_verified=True)


def _expected(segments: list[tuple[uuid.UUID, str, str, int, int]], prices: list[tuple[int, dict[str, tuple[
        Decimal, Decimal]]]], month: Month) -> Decimal:
    """The oracle: seconds per (resource, plan, state, price version) in the month, each line rounded."""
    secs: dict[tuple[object, ...], int] = defaultdict(int)
    bounds = [p[0] for p in prices] + [2**62]
    for rid, plan, state, a, b in segments:
        for version, (start, _) in enumerate(prices):
            lo, hi = max(a, start, month.start_s), min(b, bounds[version + 1], month.end_s)
            if hi > lo:
                secs[(rid, plan, state, version)] += hi - lo
    total = Decimal("0.00")
    for (_rid, plan, state, version), s in secs.items():
        running, stopped = prices[version][1][plan]
        total += round_cent((running if state == "running" else stopped) * s / 3600)
    return total


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=steps)
def test_any_history_is_billed_exactly_once_to_the_cent(env: Env, events) -> None:  # type: ignore[no-untyped-def]
    if not hasattr(env, "prices"):  # the lists published so far (shared by the examples, like the clock)
        env.prices = [(int(env.clock.current.timestamp()),  # type: ignore[attr-defined]
                       {p: (Decimal(PRICES[p][0]), Decimal(PRICES[p][1])) for p in PLANS})]
    prices = env.prices  # type: ignore[attr-defined]
    with transaction(env.sessions) as s:
        org = make_org(s, f"P{next(COUNTER)}")
        env.project_id, env.org_id = make_project(s, org, "P").id, org.id
    env.clock.advance(hours=1)
    first = Month.of(env.clock.current)
    live: dict[int, tuple[uuid.UUID, str, str, int]] = {}  # slot → (resource, plan, state, since)
    segments: list[tuple[uuid.UUID, str, str, int, int]] = []

    def move(slot: int, plan: str | None = None, state: str | None = None) -> None:
        rid, old_plan, old_state, since = live[slot]
        t = int(env.clock.current.timestamp())
        segments.append((rid, old_plan, old_state, since, t))
        live[slot] = (rid, plan or old_plan, state or old_state, t)

    for (kind, slot, arg), hours in events:
        if kind == "create" and slot not in live:
            live[slot] = (env.create(f"vm{slot}", plan=arg), arg, "running", int(env.clock.current.timestamp()))
        elif kind == "resize" and slot in live and live[slot][1] != arg:
            env.set(live[slot][0], plan_id=arg)
            move(slot, plan=arg)
        elif kind == "stop" and slot in live and live[slot][2] == "running":
            env.stop(live[slot][0])
            move(slot, state="stopped")
        elif kind == "start" and slot in live and live[slot][2] == "stopped":
            env.start(live[slot][0])
            move(slot, state="running")
        elif kind == "delete" and slot in live:
            env.delete(live[slot][0])
            move(slot)
            del live[slot]
        elif kind == "price":
            new = arg
            with transaction(env.sessions) as s:
                publish(s, f"v{len(prices) + 1}", {p: (str(r), str(st_), "0.04") for p, (r, st_) in new.items()})
            prices.append((int(env.clock.current.timestamp()), new))
        env.clock.advance(hours=hours + 1)
    end = int(env.clock.current.timestamp())
    segments += [(rid, plan, state, since, end) for rid, plan, state, since in live.values()]
    env.clock.advance(days=32)  # every month of the history is over
    months = [first]
    while months[-1].end_s < end:
        months.append(months[-1].next())
    with transaction(env.sessions) as s:
        metering.meter(s)
        rated = [rate_month(s, [env.org_id], m, until_s=end)[env.org_id].total for m in months]
        assert rated == [_expected(segments, prices, m) for m in months]
        assert [rate_month(s, [env.org_id], m, until_s=end)[env.org_id].total for m in months] == rated
        changes = [{c.key: getattr(ch, c.key) for c in ResourceChange.__table__.columns}
                   for ch in s.scalars(select(ResourceChange).where(ResourceChange.organisation_id == env.org_id))]
        capture.upsert(s, changes)  # every event replayed
        metering.meter(s)
        metering.rebuild(s)
        assert [rate_month(s, [env.org_id], m, until_s=end)[env.org_id].total for m in months] == rated
    if not live:  # nothing still running past ``end``: the first month's invoice is exactly the oracle's
        with transaction(env.sessions) as s:
            invoice = service.issue_invoice(s, actor=FINANCE, organisation_id=env.org_id, month=str(first))
            assert invoice.total == rated[0]
