"""Operators see capacity per site and hypervisor; it follows what is provisioned."""

from __future__ import annotations

from sovcloud.provisioning.reaper import drain
from tests.factories import login


def test_capacity_per_site_and_hypervisor(client_factory, world, catalog, runtime, app):
    app.state.provider = runtime.provider
    operator = login(client_factory(), world.people["operator"])
    before = operator.get("/api/v1/capacity").json()
    assert {s["name"] for s in before["sites"]} == {"site-a", "site-b"}
    assert sum(s["cores"] for s in before["sites"]) == 2100
    assert len(before["hypervisors"]) == sum(s["hosts"] for s in before["sites"])
    agent = login(client_factory(), world.people["member_a"])
    assert agent.get("/api/v1/capacity").status_code == 403
    agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "site_preference": "site-b",
                                       "items": [{"plan_id": str(catalog["vm/s1.medium"]), "name": "db", "count": 2,
                                                  "parameters": {"image": "rocky-9"}}]})
    drain(runtime)
    after = {s["name"]: s for s in operator.get("/api/v1/capacity").json()["sites"]}
    assert after["site-b"]["vcpus_used"] == 4 and after["site-a"]["vcpus_used"] == 0
