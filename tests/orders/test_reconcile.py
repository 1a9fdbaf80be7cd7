"""Reconciliation marks drift — missing, changed, unknown — and journals it, never silently."""

from __future__ import annotations

from sovcloud.inventory.sync import reconcile
from sovcloud.providers.dto import ServerSpec
from sovcloud.provisioning.reaper import drain
from tests.factories import login


def test_out_of_band_changes_are_marked(client_factory, world, catalog, runtime, clock):
    agent = login(client_factory(), world.people["member_a"])
    agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [
        {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "count": 2, "parameters": {"image": "debian-12"}}]})
    drain(runtime)
    servers = {s["name"]: s for s in agent.get("/api/v1/resources", params={"kind": "server"}).json()["items"]}
    tenant, p = str(world.projects["a"].id), runtime.provider
    p.delete_server(tenant, servers["web-1"]["provider_id"])  # someone used the openstack CLI
    p.stop_server(tenant, servers["web-2"]["provider_id"])
    flavor = next(f.id for f in p.flavors() if f.name == "s1.small")
    image = next(i.id for i in p.images(tenant) if i.name == "debian-12")
    stray = p.create_server(tenant, ServerSpec(name="stray", flavor_id=flavor, image_id=image), idempotency_key="x")
    clock.advance(seconds=5)
    report = reconcile(runtime)
    assert (report.missing, report.changed, report.unknown) == (1, 1, 0)  # the stranger is not confirmed yet
    clock.advance(seconds=runtime.settings.reconcile_interval_s + 1)
    report = reconcile(runtime)
    assert (report.missing, report.changed, report.unknown) == (0, 1, 1)
    agent = login(client_factory(), world.people["member_a"])
    gone = agent.get(f"/api/v1/resources/{servers['web-1']['id']}").json()
    assert (gone["state"], gone["drift"]) == ("gone", "missing")
    changed = agent.get(f"/api/v1/resources/{servers['web-2']['id']}").json()
    assert (changed["status"], changed["drift"]) == ("ACTIVE", "changed")  # expectation kept, drift marked
    assert changed["attributes"]["observed_status"] == "SHUTOFF"
    operator = login(client_factory(), world.people["operator"])
    report = operator.get("/api/v1/inventory/drift").json()
    assert {r["name"] for r in report["drifting"]} == {"web-1", "web-2"}
    assert [u["provider_id"] for u in report["unknown"]] == [stray.id]
    assert agent.get("/api/v1/inventory/drift").status_code == 403
    security = login(client_factory(), world.people["security"])
    actions = [e["action"] for e in security.get("/api/v1/audit/events", params={"limit": 50}).json()["items"]]
    assert {"resource.gone", "resource.drift", "inventory.unknown_resource"} <= set(actions)
