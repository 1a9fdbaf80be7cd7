"""Billing benchmark: a month (January 2027, Europe/Paris) of 15,000 VMs across 30 ministries and 150 projects,
5 % churn (resized, stopped, deleted at random times) and one price change on the 16th; meter (derive the
usage intervals from the recorded changes), rate (one join of intervals × rate timelines), issue the 30
invoices — timed — then compute the same totals with one DuckDB query over the same intervals and rates, and
compare them to the cent. Reports times, the ratio and the peak RSS.

Usage:
  .venv/bin/python bench/billing.py                                   # SQLite file
  .venv/bin/python bench/billing.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
Needs the bench extra: pip install -e '.[bench]' (DuckDB).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy import select

from sovcloud import audit
from sovcloud import clock as clock_module
from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.billing import capture, metering, service
from sovcloud.billing.models import ResourceChange, UsageInterval
from sovcloud.billing.periods import Month
from sovcloud.billing.rates import rates_for
from sovcloud.billing.rating import rate_month
from sovcloud.catalog import pricing
from sovcloud.catalog.models import Plan, PriceList
from sovcloud.catalog.seed import seed_catalog
from sovcloud.db import make_engine, make_sessionmaker, transaction
from sovcloud.migrate import upgrade
from sovcloud.tenancy import service as tenancy

MONTH = Month(2027, 1)
SYSTEM = Actor.system("bench")
FINANCE = Actor(user_id=None, username="bench-finance", grants=(Grant(Role.FINANCE),), mfa_verified=True)

DUCK_SQL = """
WITH parts AS (
  SELECT u.organisation_id AS org, u.resource_id, u.state, u.gb, r.idx, r.per_hour_u, r.stopped_u, r.gbm_u,
         SUM(LEAST(COALESCE(u.ended_s, $cap), r.until_s) - GREATEST(u.started_s, r.from_s))::HUGEINT AS secs
  FROM usage u JOIN rates r ON r.org = u.organisation_id AND r.plan = u.plan_id
   AND u.started_s < r.until_s AND COALESCE(u.ended_s, $cap) > r.from_s
  GROUP BY ALL
), lines AS (  -- exact amount as num/den euros; cents rounded half-even in integers
  SELECT org, (CASE WHEN state = 'running' THEN per_hour_u ELSE stopped_u END)::HUGEINT * secs * $month_s
              + gbm_u::HUGEINT * gb * secs * 3600 AS num, 3600::HUGEINT * $month_s * 1000000 AS den
  FROM parts
), cents AS (
  SELECT org, (num * 100) // den AS q, (num * 100) % den AS r, den FROM lines
)
SELECT org, SUM(q + CASE WHEN 2 * r > den THEN 1 WHEN 2 * r = den THEN q % 2 ELSE 0 END) AS cents
FROM cents GROUP BY org
"""


def fresh_postgres(admin_url: str) -> str:
    name = f"sovcloud_bench_billing_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def setup(sessions, clock, n_vms: int, n_orgs: int, per_org: int, seed: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Ministries, projects, the catalogue with stopped prices, a price change on the 16th, and the month's
    history of changes (as the capture records it), in bulk."""
    rng = random.Random(seed)
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        plans = {p.code: p.id for p in db.scalars(select(Plan).join(Plan.offering)) if p.offering.code == "vm"}
        default = db.scalar(select(PriceList))
        assert default is not None
        stopped = [pricing.PriceInput(plan_id=p.plan_id, per_hour=p.per_hour, per_gb_month=p.per_gb_month,
                                      per_hour_stopped=(p.per_hour / 4).quantize(Decimal("0.000001")))
                   for p in default.prices]
        v2 = pricing.create_price_list(db, actor=SYSTEM, name="Tarifs 2027", copy_from=default.id)
        pricing.set_prices(db, actor=SYSTEM, price_list_id=v2.id, prices=stopped)
        clock.advance(minutes=1)
        pricing.publish_price_list(db, actor=SYSTEM, price_list_id=v2.id, valid_from=clock.current)
        v3 = pricing.create_price_list(db, actor=SYSTEM, name="Hausse du 16", copy_from=v2.id)
        pricing.set_prices(db, actor=SYSTEM, price_list_id=v3.id, prices=[
            pricing.PriceInput(plan_id=p.plan_id, per_hour=(p.per_hour * Decimal("1.07")).quantize(Decimal("0.000001")),
                               per_gb_month=p.per_gb_month, per_hour_stopped=p.per_hour_stopped) for p in stopped])
        pricing.publish_price_list(db, actor=SYSTEM, price_list_id=v3.id,
                                   valid_from=datetime(2027, 1, 16, 11, 0, tzinfo=UTC))
        projects: list[tuple[uuid.UUID, uuid.UUID]] = []
        for i in range(n_orgs):
            org = tenancy.create_organisation(db, actor=SYSTEM, name=f"Ministère {i}", code=f"M{i:02d}",
                                              kind="ministry")
            projects += [(tenancy.create_project(db, actor=SYSTEM, organisation_id=org.id, name=f"P{j}").id, org.id)
                         for j in range(per_org)]
    sizes = ["s1.small", "s1.medium", "s1.large"]
    start, end = MONTH.start_s, MONTH.end_s
    created = int((MONTH.start - timedelta(days=3)).timestamp())
    rows: list[dict[str, object]] = []
    churn = {"resize": 0, "stop": 0, "delete": 0}
    for n in range(n_vms):
        project_id, org_id = projects[n % len(projects)]
        rid, plan = uuid.uuid4(), sizes[n % 3]
        base = {"resource_id": rid, "project_id": project_id, "organisation_id": org_id, "kind": "server",
                "name": f"vm-{n}", "gb": 0, "source": "active"}

        def change(at_s: int, state: str, plan_code: str | None, base=base) -> None:  # type: ignore[no-untyped-def]
            rows.append({**base, "id": uuid.uuid4(), "state": state, "plan_id": plans.get(plan_code or ""),
                         "at": datetime.fromtimestamp(at_s, UTC), "at_s": at_s})

        change(created + n % 3600, "running", plan)
        if rng.random() < 0.05:  # churn: 5 % of the VMs
            what = rng.choice(list(churn))
            churn[what] += 1
            at = rng.randrange(start, end)
            if what == "resize":
                change(at, "running", sizes[(sizes.index(plan) + 1) % 3])
            elif what == "stop":
                change(at, "stopped", plan)
                if rng.random() < 0.5:
                    change(rng.randrange(at + 1, end + 1), "running", plan)
            else:
                change(at, "none", None)
    with transaction(sessions) as db:
        capture.upsert(db, rows)
    return {"changes": len(rows), **churn}


def duck_totals(sessions, org_ids: list[uuid.UUID], tmp: Path) -> tuple[dict[str, int], float]:  # type: ignore[no-untyped-def]
    """The reference: the same intervals and rate timelines, one DuckDB query (loading not timed)."""
    with sessions() as db:
        usage = db.execute(select(UsageInterval.organisation_id, UsageInterval.resource_id, UsageInterval.plan_id,
                                  UsageInterval.state, UsageInterval.gb, UsageInterval.started_s,
                                  UsageInterval.ended_s)).all()
        rates = rates_for(db, org_ids, MONTH.start_s, MONTH.end_s)
    upath, rpath = tmp / "usage.csv", tmp / "rates.csv"
    with upath.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["organisation_id", "resource_id", "plan_id", "state", "gb", "started_s", "ended_s"])
        w.writerows([str(o), str(r), str(p) if p else "", s, g, a, "" if b is None else b]
                    for o, r, p, s, g, a, b in usage)
    with rpath.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["idx", "org", "plan", "from_s", "until_s", "per_hour_u", "stopped_u", "gbm_u"])
        w.writerows([i, str(r.organisation_id), str(r.plan_id), r.from_s, r.until_s, int(r.per_hour * 10**6),
                     int(r.per_hour_stopped * 10**6), int(r.per_gb_month * 10**6)] for i, r in enumerate(rates))
    con = duckdb.connect()
    con.execute(f"CREATE TABLE usage AS SELECT * FROM read_csv('{upath}', header=true, types={{'ended_s': 'BIGINT', "
                "'started_s': 'BIGINT', 'gb': 'BIGINT', 'plan_id': 'VARCHAR', 'organisation_id': 'VARCHAR'})")
    con.execute(f"CREATE TABLE rates AS SELECT * FROM read_csv('{rpath}', header=true, types={{'org': 'VARCHAR', "
                "'plan': 'VARCHAR', 'from_s': 'BIGINT', 'until_s': 'BIGINT'})")
    started = time.perf_counter()
    found = con.execute(DUCK_SQL, {"cap": MONTH.end_s, "month_s": MONTH.seconds}).fetchall()
    elapsed = time.perf_counter() - started
    con.close()
    return {str(org): int(cents) for org, cents in found}, elapsed


def run(url: str, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    upgrade(url)
    audit.service.configure("bench-secret-" + "x" * 40)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = clock_module.FrozenClock(datetime(2026, 12, 20, tzinfo=UTC))
    clock_module.set_clock(clock)
    try:
        history = setup(sessions, clock, args.vms, args.orgs, args.projects // args.orgs, args.seed)
        clock.current = datetime(2027, 2, 3, 6, tzinfo=UTC)
        with sessions() as db:
            org_ids = sorted(db.scalars(select(ResourceChange.organisation_id).distinct()), key=str)
        t0 = time.perf_counter()
        with transaction(sessions) as db:
            report = metering.meter(db, compare=False)
        t1 = time.perf_counter()
        with sessions() as db:  # the drafts of every ministry (what the portal shows), rated in one pass
            rated = rate_month(db, org_ids, MONTH)
        t2 = time.perf_counter()
        with transaction(sessions) as db:  # the monthly close: rated again, frozen, hashed, numbered
            invoices = service.issue_month(db, actor=FINANCE, month=str(MONTH))
            totals = {str(i.organisation_id): i.total for i in invoices}
            lines = sum(len(rated[i.organisation_id].lines) for i in invoices)
        t3 = time.perf_counter()
        duck, duck_s = duck_totals(sessions, list(rated), tmp)
        ours = {o: int(t * 100) for o, t in totals.items()}
        rated_equal = all(rated[uuid.UUID(o)].total == t for o, t in totals.items())
        sovcloud_s = (t1 - t0) + (t3 - t2)  # meter + rate and issue (the drafts' pass is reported apart)
        return {"database": engine.dialect.name, "vms": args.vms, "orgs": len(rated), "invoices": len(invoices),
                **history,
                "intervals": report.intervals, "invoice_lines": lines,
                "meter_s": round(t1 - t0, 3), "drafts_rate_s": round(t2 - t1, 3), "issue_30_s": round(t3 - t2, 3),
                "sovcloud_s": round(sovcloud_s, 3), "duckdb_s": round(duck_s, 4),
                "ratio": round(sovcloud_s / duck_s, 1), "totals_equal": ours == duck and rated_equal,
                "grand_total_eur": str(sum(totals.values(), Decimal(0))),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    finally:
        clock_module.set_clock(clock_module.system_clock)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="PostgreSQL admin URL (a fresh database is made); default: SQLite file")
    parser.add_argument("--vms", type=int, default=15_000)
    parser.add_argument("--orgs", type=int, default=30)
    parser.add_argument("--projects", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_postgres(args.database) if args.database else f"sqlite:///{tmp}/bench.db"
        try:
            result = run(url, args, Path(tmp))
        finally:
            if args.database:
                drop_postgres(args.database, url)
    print(json.dumps(result, indent=1))
    sys.exit(0 if result["totals_equal"] else 1)


if __name__ == "__main__":
    main()
