"""Load benchmark: 50 concurrent API users — reads, orders, approvals and day-2 actions mixed — against
``sovcloud serve`` as shipped (embedded default: SQLite, embedded supervised worker, simulated cloud).

The world (10 projects, each with 4 members and 1 project administrator who approves) is seeded in a scratch
directory; each user logs in once through the API (TOTP for administrators) and then loops for
``--seconds``: members read their resources, orders and notifications (60 %), order one small VM (auto-
approved) or a costlier one that waits for approval (20 %), or run a day-2 action on one of their servers
(20 %); administrators read their approvals inbox and approve what waits. An error is any 5xx or a
transport failure; a 409 (a resource busy with another action, an order already decided) is a refusal the
scenario expects and is counted apart. After the run, every accepted order must reach ``completed``.

Usage: ``.venv/bin/python bench/load.py [--users 50] [--seconds 60] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pyotp
from pydantic import SecretStr

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
from sovcloud.migrate import upgrade  # noqa: E402
from sovcloud.orders.policies import seed_rules  # noqa: E402
from sovcloud.tenancy import members, quotas  # noqa: E402
from sovcloud.tenancy import service as tenancy  # noqa: E402

SYSTEM = Actor.system("bench")
PASSWORD = "Bench-Load-2026-x!"
Stats = dict[str, list[float]]


def seed(settings: Settings, users: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Projects of 4 members and 1 administrator; returns the users and the plan ids by code."""
    upgrade(settings.database_url)
    audit.service.configure(settings.secret_key.get_secret_value())
    sessions = make_sessionmaker(make_engine(settings.database_url))
    box = totp.SecretBox(settings.secret_key.get_secret_value())
    people: list[dict[str, Any]] = []
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        seed_rules(db, actor=SYSTEM)
        plans = {p.code: str(p.id) for p in db.query(Plan)}
        org = tenancy.create_organisation(db, actor=SYSTEM, name="Ministère de la charge", code="MCH",
                                          kind="ministry")
        quotas.set_quota(db, actor=SYSTEM, organisation_id=org.id,
                         limits=quotas.Limits(100_000, 200_000_000, 10_000_000, 50_000, 1_000))
        for p in range(max(users // 5, 1)):
            project = tenancy.create_project(db, actor=SYSTEM, organisation_id=org.id, name=f"Projet {p:02d}")
            quotas.set_quota(db, actor=SYSTEM, project_id=project.id,
                             limits=quotas.Limits(2_000, 4_000_000, 200_000, 1_000, 10))
            for n in range(5):
                kind = "admin" if n == 0 else "member"
                username = f"{kind}.{p:02d}.{n}"
                user = create_user(db, actor=SYSTEM, settings=settings, username=username,
                                   email=f"{username}@bench.gouv.fr", full_name=username, password=PASSWORD)
                seed_value = None
                if kind == "admin":
                    seed_value = totp.new_seed()
                    user.totp_secret_enc, user.totp_confirmed_at = box.seal(seed_value), now()
                members.assign_role(db, actor=SYSTEM, user_id=user.id, project_id=project.id,
                                    role=Role.PROJECT_ADMIN if kind == "admin" else Role.PROJECT_MEMBER)
                people.append({"username": username, "seed": seed_value, "kind": kind, "project": str(project.id)})
    return people[:users], plans


def serve(settings: Settings, scratch: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": settings.database_url,
           "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(), "SOVCLOUD_QUEUE_PATH": str(scratch / "q.db"),
           "SOVCLOUD_SIMULATOR_DATABASE_URL": settings.simulator_database_url, "SOVCLOUD_LOG_LEVEL": "WARNING",
           "SOVCLOUD_SIMULATOR_BUILD_DELAY_S": "0.5", "SOVCLOUD_EMBEDDED_WORKER": "true",
           "SOVCLOUD_AUDIT_ANCHOR_PATH": str(scratch / "anchors.jsonl"), "SOVCLOUD_PORT": str(port)}
    log = open(scratch / "serve.log", "wb")  # noqa: SIM115  (kept open for the server's life)
    proc = subprocess.Popen([sys.executable, "-m", "sovcloud", "serve"], env=env, cwd=scratch, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


class Run:
    def __init__(self) -> None:
        self.times: Stats = defaultdict(list)
        self.codes: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.orders: list[str] = []

    async def call(self, client: httpx.AsyncClient, label: str, method: str, path: str,
                   **kw: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            r = await client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.errors.append(f"{label}: {type(exc).__name__}")
            return None
        self.times[label].append((time.perf_counter() - started) * 1000)
        self.codes[f"{label} {r.status_code}"] += 1
        if r.status_code >= 500:
            self.errors.append(f"{label}: {r.status_code} {r.text[:200]}")
        return r


async def login(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    r = await client.post("/api/v1/auth/login", json={"username": person["username"], "password": PASSWORD})
    assert r.status_code == 200, r.text
    if r.json()["stage"] == "totp_required":
        r = await client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(person["seed"]).now()})
        assert r.status_code == 200, r.text


async def member(run: Run, client: httpx.AsyncClient, person: dict[str, Any], plans: dict[str, str],
                 stop_at: float) -> None:
    project = person["project"]
    while time.monotonic() < stop_at:
        pick = random.random()
        if pick < 0.6:
            label, path = random.choice([("read resources", f"/api/v1/resources?project_id={project}"),
                                         ("read orders", "/api/v1/orders"), ("read notifications",
                                                                             "/api/v1/me/notifications")])
            await run.call(client, label, "GET", path)
        elif pick < 0.8:
            costly = random.random() < 0.3
            item = {"plan_id": plans["s1.large" if costly else "s1.small"], "name": f"w{random.randrange(10**6)}",
                    "count": 4 if costly else 1, "parameters": {"image": "debian-12"}}
            r = await run.call(client, "order", "POST", "/api/v1/orders", json={"project_id": project, "items": [item]})
            if r is not None and r.status_code == 201:
                run.orders.append(r.json()["id"])
        else:
            r = await run.call(client, "read resources", "GET", f"/api/v1/resources?project_id={project}&limit=20")
            servers = [x for x in (r.json()["items"] if r is not None and r.status_code == 200 else [])
                       if x["kind"] == "server" and x["state"] == "active"]
            if servers:
                server = random.choice(servers)
                action = "start" if server["status"] == "SHUTOFF" else random.choice(["stop", "reboot"])
                await run.call(client, "day-2 action", "POST", f"/api/v1/resources/{server['id']}/actions",
                               json={"action": action})
        await asyncio.sleep(random.uniform(0.05, 0.3))


async def approver(run: Run, client: httpx.AsyncClient, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        r = await run.call(client, "read inbox", "GET", "/api/v1/orders/inbox")
        for order in (r.json() if r is not None and r.status_code == 200 else [])[:5]:
            await run.call(client, "approve", "POST", f"/api/v1/orders/{order['id']}/decision",
                           json={"decision": "approve", "comment": "ok"})
        await asyncio.sleep(random.uniform(0.3, 1.0))


def pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) >= 2 else round(values[0], 1)


async def main_async(base: str, people: list[dict[str, Any]], plans: dict[str, str], seconds: float) -> dict[str, Any]:
    run = Run()
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in people]
    for client, person in zip(clients, people, strict=True):
        await login(client, person)
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(approver(run, c, stop_at) if p["kind"] == "admin" else member(run, c, p, plans, stop_at)
                           for c, p in zip(clients, people, strict=True)))
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + 180
    pending: set[str] = set(run.orders)
    states: dict[str, str] = {}
    by_owner = {c: p for c, p in zip(clients, people, strict=True)}
    while pending and time.monotonic() < deadline:
        for client, person in by_owner.items():
            if person["kind"] == "admin":  # what was ordered at the end still waits for its approver
                r = await client.get("/api/v1/orders/inbox")
                for order in r.json() if r.status_code == 200 else []:
                    await client.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"})
                continue
            r = await client.get("/api/v1/orders", params={"limit": 200})
            for order in r.json().get("items", []) if r.status_code == 200 else []:
                if order["id"] in pending:
                    states[order["id"]] = order["status"]
                    if order["status"] in ("completed", "failed", "rejected", "cancelled"):
                        pending.discard(order["id"])
        await asyncio.sleep(1.0)
    for client in clients:
        await client.aclose()
    every = [t for values in run.times.values() for t in values]
    requests = len(every)
    return {"users": len(people), "seconds": round(elapsed, 1), "requests": requests,
            "requests_per_s": round(requests / elapsed, 1), "errors": len(run.errors), "first_errors": run.errors[:5],
            "orders_accepted": len(run.orders),
            "orders_by_state": {s: list(states.values()).count(s) for s in set(states.values())},
            "orders_unfinished": len(pending),
            "latency_ms": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)}
                           for k, v in sorted(run.times.items())},
            "all_ms": {"p50": pct(every, 50), "p95": pct(every, 95), "p99": pct(every, 99)},
            "codes": dict(sorted(run.codes.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="sovcloud-load-"))
    settings = Settings(database_url=f"sqlite:///{scratch}/sovcloud.db", secret_key=SecretStr("bench-" + "k" * 48),
                        simulator_database_url=f"sqlite:///{scratch}/sim.db", queue_path=scratch / "q.db")
    people, plans = seed(settings, args.users)
    proc, base = serve(settings, scratch)
    try:
        results = asyncio.run(main_async(base, people, plans, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if results["errors"] == 0 and results["orders_unfinished"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
