"""The real data flow: order → worker → simulated cloud → inventory (the runner's bulk statements and the
day-2 actions) → recorded changes → usage. Nothing is written to billing by hand."""

from __future__ import annotations

from sqlalchemy import select

from sovcloud.billing import metering
from sovcloud.billing.models import UsageInterval
from sovcloud.db import transaction
from sovcloud.provisioning.reaper import drain
from tests.factories import login
from tests.orders.conftest import catalog, runtime  # noqa: F401  (fixtures)


def test_an_ordered_server_is_metered_through_its_life(client, world, catalog, runtime, sessions, clock):  # noqa: F811  # type: ignore[no-untyped-def]
    login(client, world.people["member_a"])
    r = client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [
        {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "parameters": {"image": "debian-12"}}]})
    assert r.status_code == 201, r.text
    drain(runtime)
    rid = client.get("/api/v1/resources", params={"project_id": str(world.projects["a"].id)}).json()["items"][0]["id"]
    clock.advance(hours=2)
    login(client, world.people["member_a"])  # the session went idle meanwhile
    assert client.post(f"/api/v1/resources/{rid}/actions", json={"action": "stop"}).status_code == 202
    drain(runtime)
    clock.advance(hours=3)
    login(client, world.people["member_a"])
    assert client.delete(f"/api/v1/resources/{rid}").status_code == 202
    drain(runtime)
    clock.advance(hours=1)
    with transaction(sessions) as s:
        assert metering.meter(s).changes == 0  # every change was recorded in the inventory's own transactions
        rows = s.execute(select(UsageInterval.state, UsageInterval.started_s, UsageInterval.ended_s)
                         .order_by(UsageInterval.started_s)).all()
    assert [(state, round((end - start) / 3600)) for state, start, end in rows] == [("running", 2), ("stopped", 3)]
