"""With 10% injected provider errors, every order ends completed, or failed with everything it created
deleted; and the simulated cloud holds nothing the inventory does not know."""

from __future__ import annotations

import random

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
