"""An agent orders a VM: it reaches ACTIVE; costly orders wait for approval; over-quota is refused."""

from __future__ import annotations

from sovcloud.provisioning.reaper import drain
from tests.factories import login


def _vm(catalog, plan="vm/s1.small", count=1, **params):
    return {"plan_id": str(catalog[plan]), "name": "web", "count": count,
            "parameters": {"image": "debian-12", **params}}


def test_small_vm_is_auto_approved_and_becomes_active(client, world, catalog, runtime):
    login(client, world.people["member_a"])
    r = client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [_vm(catalog)]})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "provisioning" and order["rule_name"] == "Petites commandes"
    drain(runtime)
    order = client.get(f"/api/v1/orders/{order['id']}").json()
    assert order["status"] == "completed"
    resources = client.get("/api/v1/resources", params={"project_id": str(world.projects["a"].id)}).json()["items"]
    assert [(x["name"], x["state"], x["status"]) for x in resources] == [("web", "active", "ACTIVE")]
    servers = runtime.provider.servers(str(world.projects["a"].id))
    assert len(servers) == 1 and servers[0].id == resources[0]["provider_id"]
