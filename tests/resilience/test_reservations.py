"""Approved orders hold capacity on a site until provisioned, failed or cancelled: an approval that would
exceed what a site can still hold is refused with how much is left where, and two concurrent approvals that
together exceed it cannot both pass (PostgreSQL, two processes, row lock on the site)."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import pytest
from sqlalchemy import select

from sovcloud.resilience import reservations
from sovcloud.resilience.models import SiteReservation
from tests.factories import SYSTEM, login


def _capacity(sessions, **free):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        reservations.record_capacity(db, actor=SYSTEM, free=free)


def _order(agent, world, catalog, name):  # type: ignore[no-untyped-def]
    return agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "site_preference": "site-b",
                                              "items": [{"plan_id": str(catalog["vm/s1.medium"]), "name": name,
                                                         "count": 2, "parameters": {"image": "debian-12"}}]})


def test_an_approval_beyond_what_is_left_is_refused_saying_where(client, world, catalog, runtime, sessions):
    from sovcloud.provisioning.reaper import drain

    _capacity(sessions, **{"site-a": (100, 10**6, 10**4), "site-b": (6, 10**6, 10**4)})
    agent = login(client, world.people["member_a"])
    first = _order(agent, world, catalog, "db")  # 2 × 2 vCPU, auto-approved: 4 of the 6 held on site-b
    assert first.status_code == 201 and first.json()["status"] in ("approved", "provisioning"), first.text
    refused = _order(agent, world, catalog, "db2")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "capacity-exceeded"
    assert "site-b : reste 2 vCPU" in refused.json()["detail"] and "4 vCPU" in refused.json()["detail"]
    drain(runtime)  # provisioned: its reservation is released
    with sessions() as db:
        held = db.scalars(select(SiteReservation)).all()
    assert len(held) == 1 and held[0].released_at is not None
    assert _order(agent, world, catalog, "db3").status_code == 201


def _approve_concurrently(url: str, site_id: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    from sovcloud.db import make_engine, make_sessionmaker, transaction
    from sovcloud.resilience.reservations import CapacityExceeded, reserve

    engine = make_engine(url)
    barrier.wait()
    try:
        with transaction(make_sessionmaker(engine)) as session:
            reserve(session, order_id=uuid.uuid4(), site="site-b", vcpus=4, ram_mb=4096, disk_gb=40)
            time.sleep(0.5)  # hold the transaction open: without the row lock the other would pass too
        results.put("reserved")
    except CapacityExceeded as exc:
        results.put(f"refused: {exc.detail}")
    finally:
        engine.dispose()


def test_two_concurrent_approvals_cannot_both_take_the_last_cores(sessions, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the row lock is PostgreSQL's (SQLite serializes writers anyway)")
    from sovcloud.resilience.seed import seed_demo_sites

    with sessions() as db, db.begin():
        site = next(s for s in seed_demo_sites(db, actor=SYSTEM) if s.name == "site-b")
    _capacity(sessions, **{"site-b": (6, 10**6, 10**4)})
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    procs = [spawn.Process(target=_approve_concurrently, args=(database_url, str(site.id), barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert outcomes[0].startswith("refused") and outcomes[1] == "reserved", outcomes
    assert "site-b : reste 2 vCPU" in outcomes[0]
    with sessions() as db:
        assert len(db.scalars(select(SiteReservation).where(SiteReservation.released_at.is_(None))).all()) == 1


def test_the_workers_measure_what_each_site_can_still_hold(runtime, sessions):
    from sovcloud.provisioning import periodic
    from sovcloud.resilience.models import Site, SiteCapacity
    from sovcloud.resilience.seed import seed_demo_sites

    with sessions() as db, db.begin():
        seed_demo_sites(db, actor=SYSTEM)

    job = next(j for j in periodic.jobs(runtime) if j.name == "capacity-measure")
    assert periodic.run_round(runtime, job)
    with sessions() as db:
        free = {name: (c.vcpus_free, c.disk_gb_free) for name, c in
                db.execute(select(Site.name, SiteCapacity).join(SiteCapacity, SiteCapacity.site_id == Site.id))}
    ratio = runtime.provider.config.cpu_ratio
    assert free == {"site-a": (int(1100 * ratio), 170_000), "site-b": (int(1000 * ratio), 160_000)}  # all free
