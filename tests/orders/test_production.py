"""Production shape: two API processes and two workers on PostgreSQL + Redis share sessions, orders and
periodic jobs."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest
from sqlalchemy import select

from sovcloud import leases
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from tests.conftest import service_missing
from tests.orders.processes import Processes, free_port, wait_for, wait_http


@pytest.fixture
def production(settings, engine, tmp_path):  # type: ignore[no-untyped-def]
    import redis

    if engine.dialect.name != "postgresql":
        pytest.skip("the production shape is PostgreSQL + Redis")
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", str(exc))
    shape = settings.model_copy(update={
        "queue_backend": "redis", "queue_name": f"t{uuid.uuid4().hex[:8]}", "embedded_worker": False,
        "reaper_interval_s": 0.5, "expiry_interval_s": 0.5, "reconcile_interval_s": 2.0, "worker_heartbeat_s": 0.5,
        "simulator_build_delay_s": 0.3, "poll_interval_s": 0.1})
    procs = Processes(shape)
    yield procs, tmp_path
    procs.stop()


def _order(api: httpx.Client, project_id: str, plan_id: str, name: str) -> str:
    r = api.post("/api/v1/orders", json={"project_id": project_id, "items": [
        {"plan_id": plan_id, "name": name, "count": 1, "parameters": {"image": "debian-12"}}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_two_api_processes_and_two_workers_share_sessions_orders_and_periodic_jobs(world, catalog, sessions,
                                                                                    production):
    procs, logs = production
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        procs.server(port, log=logs / f"api{i}.log", SOVCLOUD_EMBEDDED_WORKER="false")
    workers = [procs.worker(), procs.worker()]
    for port in ports:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=120)
    one, two = (httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for port in ports)
    person = world.people["member_a"]
    r = one.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
    assert r.status_code == 200, r.text
    two.cookies.set("sovcloud_session", one.cookies["sovcloud_session"])  # the same browser, another process
    assert two.get("/api/v1/me").json()["username"] == person.username  # the session made on one, used on two
    project, plan = str(world.projects["a"].id), str(catalog["vm/s1.small"])
    ids = [_order(api, project, plan, f"p{i}") for i in range(3) for api in (one, two)]

    def done() -> set[str] | None:
        states = {two.get(f"/api/v1/orders/{i}").json()["status"] for i in ids}
        return states if states <= {"completed", "failed"} else None

    assert wait_for(done, 120, "orders placed through both API processes completed", every=0.5) == {"completed"}
    with sessions() as db:
        assert set(db.scalars(select(Order.status).where(Order.id.in_([uuid.UUID(i) for i in ids])))) == {
            OrderStatus.COMPLETED}
    names = {f"{socket.gethostname()}:{w.pid}" for w in workers}
    beats = {w["worker"] for w in one.get("/readyz").json()["workers"] if w["alive"]}
    assert beats == names  # both workers alive, seen from either API process
    started = time.monotonic()
    with sessions() as db:
        before = {n: r for n, r in db.execute(select(leases.Lease.name, leases.Lease.rounds))}
    time.sleep(5.0)
    with sessions() as db:
        after = {n: r for n, r in db.execute(select(leases.Lease.name, leases.Lease.rounds))}
        holders = set(db.scalars(select(leases.Lease.holder)))
    elapsed = time.monotonic() - started
    for name, period in (("reaper", 0.5), ("expiry-sweep", 0.5), ("reconcile", 2.0)):
        assert 0 < after[name] - before[name] <= elapsed / period + 1, (name, after[name] - before[name], elapsed)
    assert holders <= names  # only workers run periodic jobs, never the API processes
