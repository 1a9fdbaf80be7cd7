"""Rating: each part of an interval at its own price (mid-month change), real hours of DST months, month
boundaries of Europe/Paris, one-time fees, the half-even rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sovcloud.billing import metering
from sovcloud.billing.periods import Month
from sovcloud.billing.rating import rate_month, round_cent
from sovcloud.db import transaction
from tests.billing.conftest import Env, publish


def _rate(env: Env, month: Month) -> list[tuple[str, int, Decimal]]:
    with transaction(env.sessions) as s:
        metering.meter(s)
        rated = rate_month(s, [env.org_id], month)[env.org_id]
    return sorted((ln.state + ":" + str(ln.unit_per_hour.normalize()), ln.seconds, ln.amount) for ln in rated.lines)


def test_months_are_paris_months_with_their_real_hours() -> None:
    assert Month(2027, 3).seconds == (31 * 24 - 1) * 3600  # DST starts on 28 March 2027
    assert Month(2027, 10).seconds == (31 * 24 + 1) * 3600  # and ends on 31 October
    assert Month(2027, 2).seconds == 28 * 24 * 3600
    assert Month(2027, 1).start == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert Month.of(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == Month(2027, 2)  # 00:30 in Paris on 1 February
    assert Month(2027, 1).previous() == Month(2026, 12) and Month(2026, 12).next() == Month(2027, 1)


def test_a_price_change_mid_month_bills_each_part_at_its_price(env: Env) -> None:
    vm = env.create("web")
    env.clock.advance(days=10)
    with transaction(env.sessions) as s:
        publish(s, "Hausse", {"vm/s1.small": ("0.03", "0.005", "0.04")})
    env.clock.advance(days=5)
    env.stop(vm)
    assert vm
    lines = _rate(env, Month(2027, 1))
    ten_days, five_days = 10 * 86400, 5 * 86400
    rest = Month(2027, 1).end_s - int(env.clock.current.timestamp())
    assert lines == sorted([("running:0.02", ten_days, round_cent(Decimal("0.02") * ten_days / 3600)),
                            ("running:0.03", five_days, round_cent(Decimal("0.03") * five_days / 3600)),
                            ("stopped:0.005", rest, round_cent(Decimal("0.005") * rest / 3600))])


def test_a_dst_month_bills_its_real_hours_and_a_month_boundary_splits(env: Env) -> None:
    env.create("vm")
    env.create("vol", plan="volume/standard", kind="volume", gb=100)
    env.clock.current = datetime(2027, 4, 15, tzinfo=UTC)
    march = _rate(env, Month(2027, 3))
    hours = 31 * 24 - 1
    assert ("running:0.02", hours * 3600, Decimal("0.02") * hours) in march
    assert ("running:0", hours * 3600, Decimal("4.00")) in march  # 100 GB × 0.04 € for the whole month
    april = _rate(env, Month(2027, 4))
    assert ("running:0.02", 30 * 24 * 3600, Decimal("14.40")) in april


def test_one_time_fee_is_charged_in_the_month_first_billed(env: Env) -> None:
    env.clock.advance(minutes=1)
    with transaction(env.sessions) as s:
        publish(s, "Frais", {"vm/s1.small": ("0.02", "0.005", "0.04")}, fee={"vm/s1.small": "12.5"})
    env.clock.advance(hours=1)
    env.create("web")
    env.clock.current = datetime(2027, 2, 15, tzinfo=UTC)
    with transaction(env.sessions) as s:
        metering.meter(s)
        january = rate_month(s, [env.org_id], Month(2027, 1))[env.org_id]
        february = rate_month(s, [env.org_id], Month(2027, 2))[env.org_id]
    assert [ln.amount for ln in january.lines if ln.category == "fee"] == [Decimal("12.50")]
    assert [ln for ln in february.lines if ln.category == "fee"] == []


def test_rounding_is_half_even_to_the_cent() -> None:
    assert round_cent(Decimal("0.025")) == Decimal("0.02")
    assert round_cent(Decimal("0.035")) == Decimal("0.04")
    assert round_cent(Decimal("-0.025")) == Decimal("-0.02")


def test_a_list_discount_is_taken_off_each_line(env: Env) -> None:
    env.clock.advance(minutes=1)
    with transaction(env.sessions) as s:
        publish(s, "Remise", {"vm/s1.small": ("0.02", "0.005", "0.04")}, discount="25")
    web = env.create("web")
    env.clock.advance(hours=10)
    env.delete(web)
    env.clock.current = datetime(2027, 2, 2, tzinfo=UTC)
    assert _rate(env, Month(2027, 1)) == [("running:0.02", 36000, Decimal("0.15"))]  # 10 h × 0.02 € × 0.75
