"""Periodic jobs run once per period across every worker and process: one lease mechanism in the database,
on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sovcloud import leases
from sovcloud.clock import now
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service
from sovcloud.provisioning import dispatch
from sovcloud.supervision.models import Notification
from tests.factories import actor_for
from tests.orders.processes import Processes, wait_for


def test_one_of_many_concurrent_takers_gets_the_lease(sessions):
    barrier = threading.Barrier(8)
    won: list[str] = []

    def take(who: str) -> None:
        barrier.wait()
        if leases.acquire(sessions, "job", who, 30):
            won.append(who)

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1  # the first round ever: the INSERT … ON CONFLICT DO NOTHING race
    barrier.reset()
    assert not leases.acquire(sessions, "job", won[0], 30)  # once per period, even for its holder


def test_lease_expires_after_its_period_and_is_renewed_while_the_job_runs(sessions, clock):
    assert leases.acquire(sessions, "sweep", "a", 10)
    clock.advance(seconds=9)
    assert not leases.acquire(sessions, "sweep", "b", 10)
    assert leases.renew(sessions, "sweep", "a", 10)  # a slow round keeps it
    clock.advance(seconds=9)
    assert not leases.acquire(sessions, "sweep", "b", 10)
    clock.advance(seconds=2)
    assert leases.acquire(sessions, "sweep", "b", 10)  # the holder is gone: one period later, another takes it
    assert not leases.renew(sessions, "sweep", "a", 10)
    assert leases.holder_of(sessions, "sweep")[0] == "b"


@pytest.fixture
def fast_jobs(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"reaper_interval_s": 0.4, "expiry_interval_s": 0.4, "reconcile_interval_s": 1.0,
                                       "worker_heartbeat_s": 0.5, "queue_name": f"t{uuid.uuid4().hex[:8]}"})


@pytest.fixture
def procs(fast_jobs):  # type: ignore[no-untyped-def]
    p = Processes(fast_jobs)
    yield p
    p.stop()
    dispatch.set_dispatcher(None)


def _ending_resources(sessions, world, catalog, count):  # type: ignore[no-untyped-def]
    """``count`` active servers of agent.a's order that end in three days (to be reminded once each)."""
    with sessions() as db, db.begin():
        member = actor_for(db, world.people["member_a"])
        order = service.create_order(db, actor=member, project_id=world.projects["a"].id, submit=False,
                                     items=[service.ItemIn(plan_id=catalog["vm/s1.small"], name="x",
                                                           parameters={"image": "debian-12"})])
        end = now() + timedelta(days=3)
        db.add_all(Resource(project_id=world.projects["a"].id, order_id=order.id, kind="server", name=f"srv{i}",
                            idempotency_key=f"k-{uuid.uuid4()}", state=ResourceState.ACTIVE, end_date=end)
                   for i in range(count))


def test_two_workers_send_each_reminder_once_and_run_each_job_once_per_period(world, catalog, sessions, fast_jobs,
                                                                               procs):
    _ending_resources(sessions, world, catalog, 600)
    procs.worker()
    procs.worker()

    def reminded() -> bool:
        with sessions() as db:
            return db.scalar(select(func.count()).select_from(Resource).where(Resource.reminded_at.is_(None))) == 0

    wait_for(reminded, 120, "every resource reminded")
    _ending_resources(sessions, world, catalog, 300)  # a second batch, while both workers sweep
    wait_for(reminded, 120, "the second batch reminded")
    started = time.monotonic()
    with sessions() as db:
        rounds = {name: n for name, n in db.execute(select(leases.Lease.name, leases.Lease.rounds))}
    time.sleep(5.0)
    with sessions() as db:
        later = {name: n for name, n in db.execute(select(leases.Lease.name, leases.Lease.rounds))}
    elapsed = time.monotonic() - started  # the window is at most this long
    with sessions() as db:
        per_resource = db.execute(select(Notification.subject_id, func.count()).where(
            Notification.subject_type == "resource").group_by(Notification.subject_id)).all()
        holders = set(db.scalars(select(leases.Lease.holder)))
    assert len(per_resource) == 900 and {n for _, n in per_resource} == {1}  # never twice
    for name, period in (("reaper", 0.4), ("expiry-sweep", 0.4), ("reconcile", 1.0)):
        done = later[name] - rounds[name]
        # once per period across both workers (each asks twice a period: without the lease, 2 × 2 × as many)
        assert 0 < done <= elapsed / period + 1, (name, done, elapsed)
    assert holders and holders <= {f"{socket.gethostname()}:{p.pid}" for p in procs.procs}  # taken by the workers
