"""Portal benchmark: p50/p95/p99 latency of the resources list and the dashboard with 15,000 VMs in 150 projects
of 30 organisations, 20 users logged in at once (project members and administrators spread over the projects,
plus one platform operator who sees everything).

The world is seeded in a scratch SQLite database (organisations, projects, users through the services; the
15,000 resources and one delivered order per project with bulk inserts); the app is served as shipped
(``sovcloud serve``: one uvicorn process, JSON request log, here without the embedded worker) on 127.0.0.1;
an asyncio httpx load generator (one client and cookie jar per user) runs three phases:

- ``burst``: every user asks for one page at the same instant — how long the last one waits (not a target);
- ``paced``: each user waits 0.5–1.5 s between requests (people reading pages), starting at a random point
  of a first think time — the figure the targets are about;
- ``saturated``: no think time, 20 requests always in flight — what one uvicorn process sustains.

Every request carries its own ``X-Request-ID``, so its client time is joined with the time the server's log
says it spent inside the app; the difference ("outside the app") is sockets, uvicorn, both event loops and CPU
scheduling. ``--trace`` also logs the server's garbage collections and new database connections, ``--pin``
puts the server on CPU 0 and the generator on CPU 1, ``--keep DIR`` keeps the server log and every request.

Usage: ``.venv/bin/python bench/portal.py [--vms 15000] [--seconds 40] [--trace] [--pin] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import astuple, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pyotp
from pydantic import SecretStr
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sovcloud import audit  # noqa: E402
from sovcloud.access.actor import Actor  # noqa: E402
from sovcloud.access.roles import Role  # noqa: E402
from sovcloud.catalog.models import Plan  # noqa: E402
from sovcloud.catalog.seed import seed_catalog  # noqa: E402
from sovcloud.clock import now  # noqa: E402
from sovcloud.config import Settings  # noqa: E402
from sovcloud.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from sovcloud.identity import totp  # noqa: E402
from sovcloud.identity.users import create_user  # noqa: E402
from sovcloud.inventory.models import Resource, ResourceState  # noqa: E402
from sovcloud.migrate import upgrade  # noqa: E402
from sovcloud.orders.choices import Classification, OrderStatus  # noqa: E402
from sovcloud.orders.models import Order  # noqa: E402
from sovcloud.orders.policies import seed_rules  # noqa: E402
from sovcloud.tenancy import members, quotas  # noqa: E402
from sovcloud.tenancy import service as tenancy  # noqa: E402

SYSTEM = Actor.system("bench")
PASSWORD = "Bench-Portal-2026!"
USERS = 20
ORGS, PROJECTS = 30, 150
_TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]{64})">')


def seed(settings: Settings, vms: int) -> list[tuple[str, str | None, str]]:
    """The world; returns the users as (username, TOTP seed or None, kind) with kind operator|admin|member."""
    upgrade(settings.database_url)
    audit.service.configure(settings.secret_key.get_secret_value())
    sessions = make_sessionmaker(make_engine(settings.database_url))
    users: list[tuple[str, str | None, str]] = []
    box = totp.SecretBox(settings.secret_key.get_secret_value())
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        seed_rules(db, actor=SYSTEM)
        plan = db.scalar(select(Plan).where(Plan.code == "s1.small"))
        assert plan is not None
        projects = []
        for o in range(ORGS):
            org = tenancy.create_organisation(db, actor=SYSTEM, name=f"Ministère {o:02d}", code=f"M{o:02d}",
                                              kind="ministry")
            quotas.set_quota(db, actor=SYSTEM, organisation_id=org.id,
                             limits=quotas.Limits(100_000, 200_000_000, 10_000_000, 50_000, 1_000))
            for p in range(PROJECTS // ORGS):
                project = tenancy.create_project(db, actor=SYSTEM, organisation_id=org.id, name=f"Projet {o:02d}-{p}")
                quotas.set_quota(db, actor=SYSTEM, project_id=project.id,
                                 limits=quotas.Limits(1_000, 2_000_000, 100_000, 500, 10))
                projects.append(project)
        kinds = ["operator"] + ["admin"] * 9 + ["member"] * (USERS - 10)
        for n, kind in enumerate(kinds):
            username = f"{kind}.{n:02d}"
            user = create_user(db, actor=SYSTEM, settings=settings, username=username,
                               email=f"{username}@bench.gouv.fr", full_name=username, password=PASSWORD)
            seed_value = None
            if kind != "member":
                seed_value = totp.new_seed()
                user.totp_secret_enc, user.totp_confirmed_at = box.seal(seed_value), now()
            role = {"operator": Role.PLATFORM_OPERATOR, "admin": Role.PROJECT_ADMIN, "member": Role.PROJECT_MEMBER}
            members.assign_role(db, actor=SYSTEM, user_id=user.id, role=role[kind],
                                project_id=None if kind == "operator" else projects[(n * 7) % PROJECTS].id)
            users.append((username, seed_value, kind))
        at = now()
        orders = [{"id": uuid.uuid4(), "project_id": p.id, "requester_name": "bench", "title": f"Lot {i}",
                   "status": OrderStatus.COMPLETED, "classification": Classification.STANDARD,
                   "estimate_hourly": Decimal("2.00"), "estimate_monthly": Decimal("1460.00"), "submitted_at": at,
                   "created_at": at, "approvals_required": 0} for i, p in enumerate(projects)]
        db.execute(insert(Order), orders)
        rows = []
        for i in range(vms):
            project = projects[i % PROJECTS]
            rows.append({"id": uuid.uuid4(), "project_id": project.id, "order_id": orders[i % PROJECTS]["id"],
                         "kind": "server", "name": f"vm-{i:05d}", "provider_id": uuid.uuid4().hex,
                         "idempotency_key": f"bench-{i}", "site": "site-a" if i % 2 else "site-b",
                         "state": ResourceState.ACTIVE if i % 50 else ResourceState.ERROR, "status": "ACTIVE",
                         "plan_id": plan.id, "flavor": "s1.small",
                         "address": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                         "attributes": {}, "vcpus": 1, "ram_mb": 2048, "storage_gb": 20, "instances": 1,
                         "public_ips": 0, "created_at": at})
        db.execute(insert(Resource), rows)
    return users


def serve(settings: Settings, scratch: Path, log: Any, *, cpus: str | None, trace: bool
          ) -> tuple[subprocess.Popen[bytes], str]:
    """``sovcloud serve`` as shipped (JSON request log on stderr, no embedded worker), optionally pinned to
    ``cpus`` (``taskset -c``), and traced (``trace``: garbage collections, new database connections)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": settings.database_url,
           "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(), "SOVCLOUD_QUEUE_PATH": str(scratch / "q.db"),
           "SOVCLOUD_SIMULATOR_DATABASE_URL": settings.simulator_database_url, "SOVCLOUD_LOG_LEVEL": "INFO",
           "SOVCLOUD_LOG_JSON": "true", "SOVCLOUD_EMBEDDED_WORKER": "false", "SOVCLOUD_PORT": str(port)}
    command = [sys.executable, "-c", _TRACER if trace else _SERVE]
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    proc = subprocess.Popen(command, env=env, cwd=scratch, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


_SERVE = "import sys; from sovcloud.cli.main import app; sys.exit(app(['serve']))"
#: the same, writing to stderr a JSON line per garbage collection (generation, pause) and per new database
#: connection (a pool too small for the request threads opens and closes connections all the time)
_TRACER = """
import gc, json, sys, time
from sqlalchemy import event
from sqlalchemy.pool import Pool
def emit(**entry):
    sys.stderr.write(json.dumps({**entry, "at": time.time()}) + "\\n")
started = {}
def timed(phase, info):
    if phase == "start":
        started["t"] = time.perf_counter()
    else:
        ms = (time.perf_counter() - started.get("t", time.perf_counter())) * 1000
        if info["generation"] == 2 or ms >= 5:
            emit(event="gc", generation=info["generation"], ms=round(ms, 1), collected=info["collected"])
gc.callbacks.append(timed)
event.listen(Pool, "connect", lambda *_: emit(event="db-connect"))
""" + _SERVE


async def login(client: httpx.AsyncClient, username: str, seed_value: str | None) -> None:
    page = await client.get("/login")
    token = _TOKEN.search(page.text)
    assert token, "no CSRF token on /login"
    r = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    if r.headers.get("location") == "/login/totp":
        page = await client.get("/login/totp")
        token = _TOKEN.search(page.text)
        assert token and seed_value
        r = await client.post("/login/totp", data={"code": pyotp.TOTP(seed_value).now(), "csrf_token": token.group(1)})
    assert r.headers.get("location") == "/", f"{username}: login failed ({r.status_code})"


def requests_for(kind: str) -> list[tuple[str, str]]:
    """(label, path) a user of that kind keeps opening."""
    who = "operator" if kind == "operator" else "member"
    term = random.choice(["vm-01", "vm-1", "10.0.4", "Projet 0"]) if who == "operator" else "vm-0"
    return [(f"GET /resources ({who})", "/resources"),
            (f"GET /resources/table?q= ({who})", f"/resources/table?q={term.replace(' ', '+')}"),
            (f"GET / dashboard ({who})", "/")]


@dataclass
class Sample:
    """One request as the client saw it; ``server_ms`` is filled from the server's log (same request id)."""

    phase: str
    label: str
    request_id: str
    at: float  #: wall clock (time.time) when sent
    client_ms: float
    status: int
    server_ms: float | None = None


@dataclass
class Phase:
    """What happened around one phase: wall clock bounds, CPU used by each side, the generator's loop lag."""

    name: str
    started: float = 0.0
    ended: float = 0.0
    server_cpu_s: float = 0.0
    generator_cpu_s: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    lag_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc)."""
    fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


async def user_loop(client: httpx.AsyncClient, kind: str, phase: Phase, stop_at: float, think: bool,
                    budget: list[int], samples: list[Sample]) -> None:
    if think:  # people do not all click at the same instant: start somewhere in a first think time
        await asyncio.sleep(random.uniform(0, 1.5))
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        label, path = random.choice(requests_for(kind))
        request_id = uuid.uuid4().hex
        at, started = time.time(), time.perf_counter()
        try:
            r = await client.get(path, headers={"X-Request-ID": request_id})
        except httpx.TransportError as exc:
            phase.errors.append(f"{label}: {type(exc).__name__}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if r.status_code != 200:
            phase.errors.append(f"{label}: {r.status_code}")
        samples.append(Sample(phase.name, label, request_id, at, elapsed, r.status_code))
        if think:
            await asyncio.sleep(random.uniform(0.5, 1.5))


async def loop_lag(phase: Phase) -> None:
    """How late the generator's own event loop wakes up (a busy or descheduled generator inflates client times);
    runs until cancelled."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        phase.lag_ms.append((time.perf_counter() - before) * 1000 - 10)


async def run(base: str, users: list[tuple[str, str | None, str]], seconds: float, max_requests: int,
              server_pid: int) -> tuple[list[Sample], list[Phase]]:
    limits = httpx.Limits(max_connections=2)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=30) for _ in users]
    await asyncio.gather(*(login(c, u, s) for c, (u, s, _k) in zip(clients, users, strict=True)))
    samples: list[Sample] = []
    phases = []
    for name, think in (("burst", False), ("paced", True), ("saturated", False)):
        phase = Phase(name)
        # burst: every user asks for one page at the same instant (a moment everybody clicks; not a target)
        budget, stop_at = [len(users) if name == "burst" else max_requests], time.monotonic() + seconds
        server_cpu, own_cpu, phase.started = cpu_seconds(server_pid), time.process_time(), time.time()
        lag = asyncio.create_task(loop_lag(phase))
        await asyncio.gather(*(user_loop(c, k, phase, stop_at, think, budget, samples)
                               for c, (_u, _s, k) in zip(clients, users, strict=True)))
        lag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag
        phase.ended, phase.load = time.time(), os.getloadavg()
        phase.server_cpu_s = cpu_seconds(server_pid) - server_cpu
        phase.generator_cpu_s = time.process_time() - own_cpu
        phases.append(phase)
        if phase.errors:
            print(f"{name}: {len(phase.errors)} errors, e.g. {phase.errors[:3]}", file=sys.stderr)
    for c in clients:
        await c.aclose()
    return samples, phases


def read_server_log(log: Path) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """The server's JSON log: time inside the app per request id, and the traced events (``--trace``)."""
    times: dict[str, float] = {}
    traced = []
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("event") == "request" and "request_id" in entry:
            times[entry["request_id"]] = float(entry["ms"])
        elif entry.get("event") in ("gc", "db-connect"):
            traced.append(entry)
    return times, traced


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"n": len(ordered), "p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1),
            "max": round(ordered[-1], 1)}


def report(samples: list[Sample], phases: list[Phase], traced: list[dict[str, Any]]) -> dict[str, Any]:
    """Per phase: client-side and server-side percentiles per request kind, the time spent outside the app
    (client − server: sockets, uvicorn, event loops, CPU scheduling), CPU use, loop lag, and what was traced
    (garbage collection pauses, database connections opened)."""
    results: dict[str, Any] = {}
    for phase in phases:
        mine = [s for s in samples if s.phase == phase.name]
        took = phase.ended - phase.started
        labels = sorted({s.label for s in mine})
        joined = [s for s in mine if s.server_ms is not None]
        during = [e for e in traced if phase.started <= e["at"] <= phase.ended]
        gcs = [e for e in during if e["event"] == "gc"]
        results[phase.name] = {
            "all": {"requests": len(mine), "rps": round(len(mine) / took, 1), "errors": len(phase.errors),
                    "load_average": [round(v, 2) for v in phase.load],
                    "server_cpu_pct": round(100 * phase.server_cpu_s / took), "generator_cpu_pct":
                    round(100 * phase.generator_cpu_s / took)},
            "client": {label: summary([s.client_ms for s in mine if s.label == label]) for label in labels},
            "server": {label: summary([s.server_ms for s in joined if s.label == label and s.server_ms is not None])
                       for label in labels},
            "outside the app": summary([s.client_ms - (s.server_ms or 0) for s in joined]),
            "generator loop lag": summary(phase.lag_ms),
        }
        if traced:
            results[phase.name]["all"]["db_connections_opened"] = sum(e["event"] == "db-connect" for e in during)
            results[phase.name]["gc"] = {
                f"gen{g}": summary([e["ms"] for e in gcs if e["generation"] == g]) for g in (0, 1, 2)}
    return results


def print_report(results: dict[str, Any]) -> None:
    def row(label: str, r: dict[str, float]) -> None:
        print(f"  {label:42} {r['n']:>6.0f} {r['p50']:>7} {r['p95']:>7} {r['p99']:>7} {r['max']:>7}")

    for phase, parts in results.items():
        print(f"\n{phase}: {parts['all']}")
        print(f"  {'(ms)':42} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
        for side in ("client", "server"):
            print(f"  {side}-side")
            for label, r in parts[side].items():
                row(label, r)
        for extra in ("outside the app", "generator loop lag"):
            row(extra, parts[extra])
        for generation, r in parts.get("gc", {}).items():
            row(f"gc {generation} pause", r)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=15_000)
    parser.add_argument("--seconds", type=float, default=40.0, help="duration of each phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per phase")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, load generator on CPU 1")
    parser.add_argument("--trace", action="store_true",
                        help="log the server's garbage collections and new database connections")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="copy the server log and every request (CSV) into this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sovcloud-bench-portal-") as tmp:
        scratch = Path(tmp)
        settings = Settings(database_url=f"sqlite:///{scratch}/portal.db", secret_key=SecretStr("bench-" + "p" * 48),
                            queue_path=scratch / "q.db", simulator_database_url=f"sqlite:///{scratch}/sim.db",
                            log_json=False, log_level="WARNING")
        t0 = time.monotonic()
        users = seed(settings, args.vms)
        print(f"seeded {args.vms} VMs, {PROJECTS} projects, {ORGS} organisations, {USERS} users "
              f"in {time.monotonic() - t0:.1f} s")
        if args.pin:
            os.sched_setaffinity(0, {1})
        with (scratch / "server.log").open("wb") as log:
            proc, base = serve(settings, scratch, log, cpus="0" if args.pin else None, trace=args.trace)
            try:
                samples, phases = asyncio.run(run(base, users, args.seconds, args.max_requests, proc.pid))
            except Exception:
                print((scratch / "server.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        times, traced = read_server_log(scratch / "server.log")
        for sample in samples:
            sample.server_ms = times.get(sample.request_id)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(scratch / "server.log", args.keep / "server.log")
            with (args.keep / "requests.csv").open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow([f.name for f in fields(Sample)])
                writer.writerows([astuple(s) for s in samples])
    results = report(samples, phases, traced)
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
