"""Portal benchmark: p50/p95/p99 latency of the resources list and the dashboard with 15,000 VMs in 150 projects
of 30 organisations, 20 users logged in at once (project members and administrators spread over the projects,
plus one platform operator who sees everything).

The world is seeded in a scratch SQLite database (organisations, projects, users through the services; the
15,000 resources and one delivered order per project with bulk inserts); the real app is served by uvicorn in
a subprocess on 127.0.0.1; an asyncio httpx load generator (one client and cookie jar per user) runs two
phases with a bounded duration and request count:

- ``paced``: each user waits 0.5–1.5 s between requests (people reading pages) — the figure the targets are about;
- ``saturated``: no think time, 20 requests always in flight — what one uvicorn process sustains.

Usage: ``.venv/bin/python bench/portal.py [--vms 15000] [--seconds 40] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
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
_LOGGED = re.compile(r"method=GET ms=([\d.]+) path=(\S+)")
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


def serve(settings: Settings, scratch: Path, log: Any) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": settings.database_url,
           "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(), "SOVCLOUD_QUEUE_PATH": str(scratch / "q.db"),
           "SOVCLOUD_SIMULATOR_DATABASE_URL": settings.simulator_database_url, "SOVCLOUD_LOG_LEVEL": "INFO",
           "SOVCLOUD_LOG_JSON": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "sovcloud.api.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
                             "--timeout-keep-alive", "75"],
                            env=env, cwd=scratch, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("uvicorn did not start")


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


async def user_loop(client: httpx.AsyncClient, kind: str, stop_at: float, think: bool, budget: list[int],
                    samples: dict[str, list[float]], errors: list[str]) -> None:
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        label, path = random.choice(requests_for(kind))
        started = time.perf_counter()
        try:
            r = await client.get(path)
        except httpx.TransportError as exc:
            errors.append(f"{label}: {type(exc).__name__}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if r.status_code != 200:
            errors.append(f"{label}: {r.status_code}")
        samples[label].append(elapsed)
        if think:
            await asyncio.sleep(random.uniform(0.5, 1.5))


async def run(base: str, users: list[tuple[str, str | None, str]], seconds: float, max_requests: int
              ) -> dict[str, dict[str, dict[str, float]]]:
    limits = httpx.Limits(max_connections=2)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=30) for _ in users]
    await asyncio.gather(*(login(c, u, s) for c, (u, s, _k) in zip(clients, users, strict=True)))
    results: dict[str, dict[str, dict[str, float]]] = {}
    for phase, think in (("paced", True), ("saturated", False)):
        samples: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        budget, stop_at = [max_requests], time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(user_loop(c, k, stop_at, think, budget, samples, errors)
                               for c, (_u, _s, k) in zip(clients, users, strict=True)))
        took = time.monotonic() - started
        total = sum(len(v) for v in samples.values())
        results[phase] = {label: summary(values) for label, values in sorted(samples.items())}
        results[phase]["all"] = {"requests": total, "rps": round(total / took, 1), "errors": len(errors)}
        if errors:
            print(f"{phase}: {len(errors)} errors, e.g. {errors[:3]}", file=sys.stderr)
    for c in clients:
        await c.aclose()
    return results


def server_times(log: Path) -> dict[str, dict[str, float]]:
    """Time spent inside the app per path, from its JSON request log (client time minus this = waiting)."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        found = _LOGGED.search(line)
        if found:
            times[found.group(2)].append(float(found.group(1)))
    return {path: summary(values) for path, values in sorted(times.items())
            if path in ("/", "/resources", "/resources/table")}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"n": len(ordered), "p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1),
            "max": round(ordered[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=15_000)
    parser.add_argument("--seconds", type=float, default=40.0, help="duration of each phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per phase")
    parser.add_argument("--json", type=Path, help="also write the results here")
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
        with (scratch / "server.log").open("wb") as log:
            proc, base = serve(settings, scratch, log)
            try:
                results = asyncio.run(run(base, users, args.seconds, args.max_requests))
            except Exception:
                print((scratch / "server.log").read_text()[-3000:], file=sys.stderr)
                raise
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        results["server-side (both phases)"] = server_times(scratch / "server.log")
    for phase, rows in results.items():
        print(f"\n{phase}: {rows.get('all', '')}")
        print(f"  {'request':42} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
        for label, row in rows.items():
            if label != "all":
                print(f"  {label:42} {row['n']:>6.0f} {row['p50']:>7} {row['p95']:>7} {row['p99']:>7} {row['max']:>7}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
