"""With 10% injected provider errors, every order ends completed, or failed with everything it created
deleted; and the simulated cloud holds nothing the inventory does not know."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from sovcloud.inventory.models import COUNTED, Resource, ResourceState
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.orders.usage import usage
from sovcloud.provisioning.reaper import drain
from sovcloud.provisioning.runtime import make_runtime
from sovcloud.tenancy.quotas import Limits
from tests.factories import SYSTEM, make_project


def test_200_orders_under_faults_end_clean(world, catalog, sessions, settings):
    fast = settings.model_copy(update={"retry_base_s": 0.005, "retry_max_s": 0.02, "max_attempts": 2,
                                       "poll_interval_s": 0.0})
    rt = make_runtime(fast, lambda *_: None)
    with sessions() as db, db.begin():
        project = make_project(db, world.orgs["B"], "Charge", quota=Limits(900, 1_800_000, 90_000, 470, 45))
    rng = random.Random(7)
    with sessions() as db, db.begin():
        for i in range(200):
            params = {"image": "debian-12"}
            if i % 5 == 0:
                params["data_volume_gb"] = 10
            service.create_order(db, actor=SYSTEM, project_id=project.id, items=[service.ItemIn(
                plan_id=catalog["vm/s1.small"], name=f"vm{i}", count=rng.randint(1, 2), parameters=params)])
    rt.provider.faults.set_error_rate(0.07)  # type: ignore[attr-defined]
    rt.provider.faults.set_timeout_rate(0.03)  # type: ignore[attr-defined]
    drain(rt)
    rt.provider.faults.clear()  # type: ignore[attr-defined]
    tenant = str(project.id)
    with sessions() as db:
        orders = db.scalars(select(Order).where(Order.project_id == project.id)).all()
        states = {o.status for o in orders}
        assert len(orders) == 200 and states <= {OrderStatus.COMPLETED, OrderStatus.FAILED}, states
        failed = [o.id for o in orders if o.status == OrderStatus.FAILED]
        completed = [o.id for o in orders if o.status == OrderStatus.COMPLETED]
        assert completed and failed, (len(completed), len(failed))  # both paths are exercised
        resources = db.scalars(select(Resource).where(Resource.project_id == project.id)).all()
        leftovers = [r for r in resources if r.order_id in failed and r.state != ResourceState.DELETED]
        assert leftovers == [], "a failed order left resources behind"
        live = {r.provider_id for r in resources if r.state in COUNTED}
        assert all(r.state == ResourceState.ACTIVE for r in resources if r.order_id in completed)
        cloud = {ref.id for ref in rt.provider.resources(tenant)}
        assert cloud == live, f"unknown to inventory: {cloud - live}; missing in cloud: {live - cloud}"
        used = usage(db, project.id)
        assert used.instances == sum(r.instances for r in resources if r.state in COUNTED)
    print(f"completed={len(completed)} failed={len(failed)} servers={len(rt.provider.servers(tenant))}")
    rt.provider.close()  # type: ignore[attr-defined]


def _run_until(rt, sessions, order_id, status) -> None:  # type: ignore[no-untyped-def]
    """Run the order's due steps, one at a time, until the order reaches ``status``."""
    from sovcloud.provisioning.models import Step, StepStatus
    from sovcloud.provisioning.runner import run_step

    for _ in range(200):
        with sessions() as db:
            if db.get(Order, order_id).status == status:
                return
            due = db.scalars(select(Step.id).where(Step.order_id == order_id, Step.status.in_(
                [StepStatus.PENDING, StepStatus.RUNNING]))).all()
        for step_id in due:
            run_step(rt, str(step_id))
    raise AssertionError(f"order never reached {status}")


@pytest.mark.parametrize("scenario", ["answers-lost", "worker-killed", "cloud-refuses"])
def test_a_failed_order_leaves_no_ghost_rows(world, catalog, sessions, settings, scenario) -> None:
    """A failed order ends every row it wrote DELETED — removed from the cloud, or never created there —
    frees its quota, says what happened to each item, and leaves nothing in the cloud. Scenarios: servers
    created but never recorded (their answers lost), then faults until the retries are exhausted; the same
    with the worker killed holding the failing step's lease; the cloud refusing the creates for good (its
    own quota), which once left the rows ``creating`` because compensation replayed the refused creates."""
    from datetime import timedelta

    from sovcloud.clock import now
    from sovcloud.db import transaction
    from sovcloud.providers.dto import QuotaSet
    from sovcloud.provisioning.models import Step, StepKind
    from sovcloud.provisioning.outcomes import item_outcomes
    from sovcloud.provisioning.runner import _lookups_of, claim, run_step

    fast = settings.model_copy(update={"retry_base_s": 0.001, "retry_max_s": 0.002, "max_attempts": 3,
                                       "poll_interval_s": 0.0})
    rt = make_runtime(fast, lambda *_: None)
    with sessions() as db, db.begin():
        project = make_project(db, world.orgs["B"], "Fantômes", quota=Limits(100, 400_000, 2_000, 50, 10))
        order = service.create_order(db, actor=SYSTEM, project_id=project.id, items=[
            service.ItemIn(plan_id=catalog["vm/s1.small"], name="web", count=3,
                           parameters={"image": "debian-12", "data_volume_gb": 10}),
            service.ItemIn(plan_id=catalog["vm/s1.small"], name="db", count=2, parameters={"image": "debian-12"})])
        order_id = order.id
        assert order.status == OrderStatus.PROVISIONING
        first = db.scalars(select(Step.id).where(Step.order_id == order_id, Step.kind == StepKind.CREATE)
                           .order_by(Step.created_at)).first()
    faults = rt.provider.faults  # type: ignore[attr-defined]
    tenant = str(project.id)
    _lookups_of(rt).flavor("s1.small"), _lookups_of(rt).image(tenant, "debian-12")  # reference data read
    if scenario == "cloud-refuses":
        rt.provider.set_quotas(tenant, QuotaSet(instances=1))
    else:
        faults.set_timeout_rate(1.0)  # the first creates act, their answers are lost: no id recorded anywhere
        run_step(rt, str(first))
        faults.clear()
        assert len(rt.provider.servers(tenant)) == 3  # in the cloud, unknown to the inventory
        faults.set_error_rate(1.0)  # then the cloud refuses everything
    if scenario == "worker-killed":  # the worker dies during the step's last attempt, holding its lease
        with transaction(rt.sessions) as db:
            db.get(Step, first).attempts = fast.max_attempts - 1
        assert claim(rt, str(first)) is not None
        with transaction(rt.sessions) as db:
            db.get(Step, first).lease_until = now() - timedelta(seconds=1)  # the lease ran out
    _run_until(rt, sessions, order_id, OrderStatus.FAILED)
    faults.clear()  # the cloud answers again (its quota still refuses new servers in "cloud-refuses")
    drain(rt)
    with sessions() as db:
        order = db.get(Order, order_id)
        assert order.status == OrderStatus.FAILED
        rows = db.scalars(select(Resource).where(Resource.order_id == order_id)).all()
        assert rows and {r.state for r in rows} == {ResourceState.DELETED}, {(r.name, r.state) for r in rows}
        fates = {r.name: r.attributes.get("outcome") for r in rows}
        web = "not_created" if scenario == "cloud-refuses" else "removed"
        assert {fates[f"web-{i}"] for i in (1, 2, 3)} == {web}, fates
        assert {fates[f"web-{i}-data"] for i in (1, 2, 3)} == {"not_created"}, fates
        assert usage(db, project.id) == Limits(0, 0, 0, 0, 0)
        outcomes = item_outcomes(db, order)
        by_name = {item.name: outcomes[item.id] for item in order.items}
        assert (by_name["web"].summary, by_name["web"].requested) == (web, 3)
        assert getattr(by_name["web"], web) == 3
        assert by_name["db"].summary == "not_created" and by_name["db"].not_created == 2
    assert rt.provider.servers(tenant) == [] and rt.provider.volumes(tenant) == []
    rt.provider.close()  # type: ignore[attr-defined]


def test_a_failed_order_on_a_cloud_that_stays_down_says_so(world, catalog, sessions, settings) -> None:
    """The cloud stops answering after building the servers (answers lost) and never comes back while the
    order fails and compensates: no row stays ``creating``. What was never sent (the data volumes) ends
    DELETED at once without a call; what may exist ends ERROR with outcome ``cleanup_failed`` — still
    counted, since the servers do exist — and the order's item says so."""
    from sovcloud.provisioning.models import Step, StepKind
    from sovcloud.provisioning.outcomes import item_outcomes
    from sovcloud.provisioning.runner import _lookups_of, run_step

    fast = settings.model_copy(update={"retry_base_s": 0.001, "retry_max_s": 0.002, "max_attempts": 2,
                                       "poll_interval_s": 0.0})
    rt = make_runtime(fast, lambda *_: None)
    with sessions() as db, db.begin():
        project = make_project(db, world.orgs["B"], "Panne", quota=Limits(100, 400_000, 2_000, 50, 10))
        order = service.create_order(db, actor=SYSTEM, project_id=project.id, items=[service.ItemIn(
            plan_id=catalog["vm/s1.small"], name="app", count=2, parameters={"image": "debian-12",
                                                                             "data_volume_gb": 5})])
        order_id = order.id
        first = db.scalars(select(Step.id).where(Step.order_id == order_id, Step.kind == StepKind.CREATE)).one()
    tenant, faults = str(project.id), rt.provider.faults  # type: ignore[attr-defined]
    _lookups_of(rt).flavor("s1.small"), _lookups_of(rt).image(tenant, "debian-12")
    faults.set_timeout_rate(1.0)
    run_step(rt, str(first))
    faults.clear()
    faults.set_error_rate(1.0)
    drain(rt)  # create retries exhausted, the order fails, the compensation's retries are exhausted too
    faults.clear()
    with sessions() as db:
        order = db.get(Order, order_id)
        assert order.status == OrderStatus.FAILED
        rows = {r.name: r for r in db.scalars(select(Resource).where(Resource.order_id == order_id))}
        assert {n: r.state for n, r in rows.items()} == {
            "app-1": ResourceState.ERROR, "app-2": ResourceState.ERROR,
            "app-1-data": ResourceState.DELETED, "app-2-data": ResourceState.DELETED}
        assert {n: r.attributes.get("outcome") for n, r in rows.items()} == {
            "app-1": "cleanup_failed", "app-2": "cleanup_failed", "app-1-data": "not_created",
            "app-2-data": "not_created"}
        assert usage(db, project.id).instances == 2  # the two servers exist: they still count
        (outcome,) = item_outcomes(db, order).values()
        assert (outcome.summary, outcome.cleanup_failed) == ("cleanup_failed", 2)
    assert len(rt.provider.servers(tenant)) == 2
    rt.provider.close()  # type: ignore[attr-defined]
