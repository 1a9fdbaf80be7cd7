"""Metrics benchmark: what ``/metrics`` costs at 15,000 VMs in 150 projects of 30 organisations (p50/p95 of a
scrape, server CPU per scrape), and what the HTTP instrumentation adds to the portal's resources list (p95
with and without, in the same run).

The world is bench/portal.py's (same seed), plus one finished create step per VM, a delivered time on every
order and two worker heartbeats, in a scratch SQLite database (``--pg``: a scratch database on the
PostgreSQL server of the tests instead). Two ``sovcloud serve`` processes run on it as shipped (one uvicorn
process each, no embedded worker): one with the HTTP instrumentation, one with ``SOVCLOUD_HTTP_METRICS=false``.

- ``scrape``: ``--scrapes`` sequential GET /metrics on the instrumented server (the first, cold one reported
  apart); CPU per scrape is the server's CPU time over the run divided by the scrapes.
- ``overhead``: the platform operator opens ``/resources`` (all 15,000 VMs, first page) ``--pages`` times
  on each server, one request at a time, the two servers interleaved in random order so both see the same
  machine; p50/p95 of each and the difference.

Usage: ``.venv/bin/python bench/metrics.py [--vms 15000] [--scrapes 200] [--pages 300] [--pg] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import insert, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.portal import PROJECTS, cpu_seconds, login, seed, serve  # noqa: E402
from sovcloud.clock import now  # noqa: E402
from sovcloud.config import Settings  # noqa: E402
from sovcloud.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from sovcloud.inventory.models import Resource  # noqa: E402
from sovcloud.orders.models import Order  # noqa: E402
from sovcloud.provisioning import heartbeats  # noqa: E402
from sovcloud.provisioning.models import Step, StepKind, StepStatus  # noqa: E402

PG_ADMIN = os.environ.get("SOVCLOUD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def add_history(settings: Settings) -> None:
    """A finished create step per VM, a delivery time on every order, two live workers."""
    sessions = make_sessionmaker(make_engine(settings.database_url))
    at = now()
    with transaction(sessions) as db:
        resources = db.execute(select(Resource.id, Resource.project_id, Resource.order_id)).all()
        steps = [{"id": uuid.uuid4(), "kind": StepKind.CREATE, "status": StepStatus.SUCCEEDED, "project_id": p,
                  "order_id": o, "resource_id": r, "params": {}, "progress": {}, "attempts": 1 + (i % 7 == 0),
                  "actor_name": "bench", "created_at": at - timedelta(seconds=60 + i % 300),
                  "finished_at": at - timedelta(seconds=i % 60)} for i, (r, p, o) in enumerate(resources)]
        for chunk in range(0, len(steps), 5000):
            db.execute(insert(Step), steps[chunk:chunk + 5000])
        db.execute(update(Order).values(submitted_at=at - timedelta(minutes=5), completed_at=at))
    for n in (1, 2):
        heartbeats.beat(sessions, worker=f"bench-worker:{n}", queue="sqlite", started_at=at)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1), "max": round(ordered[-1], 1)}


async def scrape(base: str, pid: int, count: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        started = time.perf_counter()
        cold = await client.get("/metrics")
        cold_ms = (time.perf_counter() - started) * 1000
        assert cold.status_code == 200, cold.text
        times: list[float] = []
        cpu0 = cpu_seconds(pid)
        for _ in range(count):
            started = time.perf_counter()
            r = await client.get("/metrics")
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
        cpu_ms = (cpu_seconds(pid) - cpu0) * 1000 / count
    return {"cold_ms": round(cold_ms, 1), **summary(times), "cpu_ms_per_scrape": round(cpu_ms, 1),
            "bytes": len(r.content), "series": sum(1 for line in r.text.splitlines() if not line.startswith("#"))}


async def overhead(bases: dict[str, str], operator: tuple[str, str | None], pages: int) -> dict[str, Any]:
    clients = {name: httpx.AsyncClient(base_url=base, timeout=30) for name, base in bases.items()}
    try:
        first, *others = clients.values()
        await login(first, operator[0], operator[1])  # once (a TOTP code is accepted once): the session is
        for client in others:  # in the database, valid on both servers
            client.cookies.set("sovcloud_session", first.cookies["sovcloud_session"])
        for client in clients.values():
            for _ in range(10):  # warm
                (await client.get("/resources")).raise_for_status()
        times: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(pages):
            order = list(clients)
            random.shuffle(order)
            for name in order:
                started = time.perf_counter()
                r = await clients[name].get("/resources")
                times[name].append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, r.status_code
    finally:
        for client in clients.values():
            await client.aclose()
    result: dict[str, Any] = {name: summary(values) for name, values in times.items()}
    with_, without = result["instrumented"]["p95"], result["plain"]["p95"]
    result["p95_overhead_pct"] = round(100 * (with_ - without) / without, 1)
    result["p50_overhead_pct"] = round(100 * (result["instrumented"]["p50"] - result["plain"]["p50"])
                                       / result["plain"]["p50"], 1)
    return result


def scratch_pg() -> str:
    name = f"sovcloud_bench_metrics_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_pg(url: str) -> None:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=15_000)
    parser.add_argument("--scrapes", type=int, default=200)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (SOVCLOUD_TEST_PG server) instead of SQLite")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results: dict[str, Any] = {"vms": args.vms, "projects": PROJECTS, "database": "postgresql" if args.pg else "sqlite"}
    with tempfile.TemporaryDirectory(prefix="sovcloud-bench-metrics-") as tmp:
        scratch = Path(tmp)
        url = scratch_pg() if args.pg else f"sqlite:///{scratch}/metrics.db"
        settings = Settings(database_url=url, secret_key=SecretStr("bench-" + "m" * 48), queue_path=scratch / "q.db",
                            simulator_database_url=f"sqlite:///{scratch}/sim.db", log_json=False, log_level="WARNING")
        try:
            t0 = time.monotonic()
            users = seed(settings, args.vms)
            add_history(settings)
            print(f"seeded {args.vms} VMs and steps in {time.monotonic() - t0:.1f} s")
            operator = next((u, s) for u, s, kind in users if kind == "operator")
            procs = []
            bases: dict[str, str] = {}
            with (scratch / "server.log").open("wb") as log:
                for name, flag in (("instrumented", "true"), ("plain", "false")):
                    os.environ["SOVCLOUD_HTTP_METRICS"] = flag
                    proc, base = serve(settings, scratch, log, cpus=None, trace=False)
                    procs.append(proc)
                    bases[name] = base
                os.environ.pop("SOVCLOUD_HTTP_METRICS", None)
                try:
                    results["scrape"] = asyncio.run(scrape(bases["instrumented"], procs[0].pid, args.scrapes))
                    print(json.dumps(results["scrape"]), flush=True)
                    results["resources_list"] = asyncio.run(overhead(bases, operator, args.pages))
                finally:
                    for proc in procs:
                        proc.terminate()
                        proc.wait(timeout=10)
        finally:
            if args.pg:
                drop_pg(url)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
