"""Real worker processes on a real queue: a worker killed with SIGKILL mid-provisioning loses nothing and
doubles nothing; the Redis queue with two workers; both on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import dispatch
from sovcloud.provisioning.models import Step
from sovcloud.provisioning.queue import TaskQueue
from sovcloud.provisioning.runtime import make_provider
from tests.conftest import service_missing
from tests.factories import SYSTEM


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    env.update({
        "SOVCLOUD_DATABASE_URL": settings.database_url,
        "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SOVCLOUD_QUEUE_BACKEND": settings.queue_backend,
        "SOVCLOUD_QUEUE_PATH": str(settings.queue_path),
        "SOVCLOUD_QUEUE_NAME": settings.queue_name,
        "SOVCLOUD_REDIS_URL": settings.redis_url,
        "SOVCLOUD_SIMULATOR_DATABASE_URL": settings.simulator_database_url,
        "SOVCLOUD_SIMULATOR_BUILD_DELAY_S": str(settings.simulator_build_delay_s),
        "SOVCLOUD_STEP_LEASE_S": str(settings.step_lease_s),
        "SOVCLOUD_REAPER_INTERVAL_S": str(settings.reaper_interval_s),
        "SOVCLOUD_POLL_INTERVAL_S": str(settings.poll_interval_s),
        "SOVCLOUD_LOG_JSON": "false",
    })
    return env


class Workers:
    """Worker subprocesses started (and always stopped) by a test."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.settings, self.procs = settings, []  # type: ignore[var-annotated]

    def start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "sovcloud", "worker", "--threads", "2"], env=_env(self.settings),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def slow_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"simulator_build_delay_s": 1.5, "step_lease_s": 2.0, "reaper_interval_s": 0.5,
                                       "poll_interval_s": 0.2, "queue_name": f"t{uuid.uuid4().hex[:8]}"})


@pytest.fixture
def workers(slow_settings):  # type: ignore[no-untyped-def]
    w = Workers(slow_settings)
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
    time.sleep(2.0)  # both consumers listening before the work arrives
    ids = [_place(sessions, world.projects["a"].id, catalog["vm/s1.small"], count=1, name=f"r{i}") for i in range(10)]
    assert _wait_orders(sessions, ids) == {OrderStatus.COMPLETED}
    with sessions() as db:
        used = set(db.scalars(select(Step.worker).where(Step.order_id.in_(ids))))
    assert len(used) == 2, used  # the two worker processes shared the queue
    assert len(make_provider(on_redis).servers(str(world.projects["a"].id))) == 10
