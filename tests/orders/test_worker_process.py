"""Real worker processes on a real queue: a worker killed with SIGKILL mid-provisioning loses nothing and
doubles nothing; the Redis queue with two workers; both on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
import uuid

import httpx
import pytest
from sqlalchemy import select

from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import dispatch
from sovcloud.provisioning.models import Step, WorkerHeartbeat
from sovcloud.provisioning.queue import TaskQueue
from sovcloud.provisioning.runtime import make_provider
from tests.conftest import service_missing
from tests.factories import SYSTEM
from tests.orders.processes import Processes, free_port, wait_for, wait_http


@pytest.fixture
def slow_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"simulator_build_delay_s": 1.5, "step_lease_s": 2.0, "reaper_interval_s": 0.5,
                                       "poll_interval_s": 0.2, "queue_name": f"t{uuid.uuid4().hex[:8]}"})


@pytest.fixture
def workers(slow_settings):  # type: ignore[no-untyped-def]
    w = Processes(slow_settings)
    yield w
    w.stop()
    dispatch.set_dispatcher(None)


def _place(sessions, project_id, plan_id, count=1, name="vm"):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        return service.create_order(db, actor=SYSTEM, project_id=project_id, items=[service.ItemIn(
            plan_id=plan_id, name=name, count=count, parameters={"image": "debian-12"})]).id


def _wait_orders(sessions, ids, timeout=60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as db:
            states = set(db.scalars(select(Order.status).where(Order.id.in_(ids))))
        if states <= {OrderStatus.COMPLETED, OrderStatus.FAILED}:
            return states
        time.sleep(0.2)
    raise AssertionError(f"orders still {states} after {timeout} s")


def _wait_beating(sessions, count, timeout=60.0):  # type: ignore[no-untyped-def]
    """Until ``count`` worker processes have sent their first heartbeat (sent once their consumer runs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as db:
            if len(db.scalars(select(WorkerHeartbeat.worker)).all()) >= count:
                time.sleep(0.5)
                return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} workers beating after {timeout} s")


def test_sigkilled_worker_leaves_exactly_one_server(world, catalog, sessions, slow_settings, workers):
    TaskQueue(slow_settings).install()
    provider = make_provider(slow_settings)
    tenant = str(world.projects["a"].id)
    order_id = _place(sessions, world.projects["a"].id, catalog["vm/s1.small"])
    first = workers.start()
    deadline = time.monotonic() + 30
    while not provider.servers(tenant):
        assert time.monotonic() < deadline, "the worker never created the server"
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)  # the server is building; the step is leased by a dead worker
    first.wait()
    with sessions() as db:
        assert db.get(Order, order_id).status == OrderStatus.PROVISIONING
    workers.start()
    assert _wait_orders(sessions, [order_id]) == {OrderStatus.COMPLETED}
    servers = provider.servers(tenant)
    with sessions() as db:
        rows = db.scalars(select(Resource).where(Resource.order_id == order_id)).all()
    assert len(servers) == 1 and [r.provider_id for r in rows] == [servers[0].id]
    assert rows[0].state == ResourceState.ACTIVE


def test_workers_killed_at_random_never_double_create(world, catalog, sessions, slow_settings, workers):
    TaskQueue(slow_settings).install()
    provider = make_provider(slow_settings)
    tenant = str(world.projects["a"].id)
    ids = [_place(sessions, world.projects["a"].id, catalog["vm/s1.small"], count=3, name=f"web{i}") for i in range(4)]
    for pause in (0.4, 0.9, 0.25):
        proc = workers.start()
        time.sleep(pause)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    workers.start()
    assert _wait_orders(sessions, ids, timeout=90) == {OrderStatus.COMPLETED}
    with sessions() as db:
        known = set(db.scalars(select(Resource.provider_id).where(Resource.order_id.in_(ids))))
    servers = provider.servers(tenant)
    assert len(servers) == 12 and {s.id for s in servers} == known


def test_redis_queue_with_two_workers(world, catalog, sessions, slow_settings, workers):
    import redis

    try:
        redis.Redis.from_url(slow_settings.redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", str(exc))
    # servers take 1 s to build and steps look again every 50 ms: each step is run many times, so both
    # consumers of the shared queue get work whatever the machine's load
    on_redis = slow_settings.model_copy(update={"queue_backend": "redis", "simulator_build_delay_s": 1.0,
                                                "poll_interval_s": 0.05})
    workers.settings = on_redis
    TaskQueue(on_redis).install()
    workers.start()
    workers.start()
    _wait_beating(sessions, 2)  # both consumers up (a loaded machine takes seconds to start one) before work arrives
    ids = [_place(sessions, world.projects["a"].id, catalog["vm/s1.small"], count=1, name=f"r{i}") for i in range(10)]
    assert _wait_orders(sessions, ids) == {OrderStatus.COMPLETED}
    with sessions() as db:
        used = set(db.scalars(select(Step.worker).where(Step.order_id.in_(ids))))
    assert len(used) == 2, used  # the two worker processes shared the queue
    assert len(make_provider(on_redis).servers(str(world.projects["a"].id))) == 10


# --- supervision: `sovcloud serve` keeps its worker alive and takes it down with it -----------------------

def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def _worker_pid(health: dict) -> int | None:  # type: ignore[type-arg]
    alive = [w for w in health["workers"] if w["alive"]]
    return int(alive[0]["worker"].rsplit(":", 1)[1]) if alive else None


def test_serve_restarts_its_dead_worker_and_stops_it_on_sigterm(sessions, slow_settings, workers, tmp_path):
    beat = slow_settings.model_copy(update={"worker_heartbeat_s": 0.3})
    workers.settings = beat
    port = free_port()
    server = workers.server(port, log=tmp_path / "serve.log", SOVCLOUD_EMBEDDED_WORKER="true")
    wait_http(f"http://127.0.0.1:{port}/healthz", timeout=90)
    health = f"http://127.0.0.1:{port}/readyz"
    first = wait_for(lambda: _worker_pid(httpx.get(health).json()), 30, "the embedded worker beats")
    assert httpx.get(health).json()["embedded_worker"] == "running"
    os.kill(first, signal.SIGKILL)  # the worker dies: the server starts another
    second = wait_for(lambda: (pid := _worker_pid(httpx.get(health).json())) != first and pid, 30,
                      "the embedded worker is restarted")
    assert not _alive(first) and _alive(second)
    r = httpx.get(health)
    assert r.status_code == 200 and r.json()["state"] == "ready", r.text  # the dead one was replaced, not missing
    server.send_signal(signal.SIGTERM)  # what systemd and container runtimes send
    assert server.wait(timeout=30) == 0
    assert not _alive(second), "SIGTERM left the embedded worker running (orphaned)"


def test_readyz_reports_a_dead_worker(sessions, slow_settings, workers):
    from fastapi.testclient import TestClient

    from sovcloud.api.app import create_app

    beat = slow_settings.model_copy(update={"worker_heartbeat_s": 0.3})
    workers.settings = beat
    with TestClient(create_app(beat, install_queue=False)) as client:
        proc = workers.start()
        pid = wait_for(lambda: _worker_pid(client.get("/readyz").json()), 60, "the worker beats")
        assert pid == proc.pid and client.get("/readyz").status_code == 200
        os.kill(proc.pid, signal.SIGKILL)
        r = wait_for(lambda: (x := client.get("/readyz")).status_code == 503 and x, 10, "the dead worker reported")
        assert r.json()["state"] == "unready" and r.json()["failing"] == ["workers"]
        assert [(w["worker"].endswith(f":{pid}"), w["alive"]) for w in r.json()["workers"]] == [(True, False)]
        again = workers.start()  # a clean stop (SIGTERM) removes the worker's beat: not reported as dead
        wait_for(lambda: _worker_pid(client.get("/readyz").json()) == again.pid, 60, "the new worker beats")
        again.terminate()
        assert again.wait(timeout=20) == 0
        rows = [w["worker"] for w in client.get("/readyz").json()["workers"]]
        assert not any(w.endswith(f":{again.pid}") for w in rows)
