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
    assert order["items"][0]["outcome"] == {"summary": "created", "requested": 1, "active": 1, "creating": 0,
                                            "removed": 0, "not_created": 0, "cleanup_failed": 0, "deleted": 0}
    resources = client.get("/api/v1/resources", params={"project_id": str(world.projects["a"].id)}).json()["items"]
    assert [(x["name"], x["state"], x["status"]) for x in resources] == [("web", "active", "ACTIVE")]
    servers = runtime.provider.servers(str(world.projects["a"].id))
    assert len(servers) == 1 and servers[0].id == resources[0]["provider_id"]


def _order(client, world, items, **extra):
    return client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": items, **extra})


def test_costly_order_waits_for_approval_by_another_person(client_factory, world, catalog, runtime, sessions,
                                                           settings):
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
        chef = make_user(db, settings, "chef2.a", Role.PROJECT_ADMIN, project=world.projects["a"])
    agent = login(client_factory(), world.people["member_a"])
    r = _order(agent, world, [_vm(catalog, "vm/s1.large", count=4)])
    order = r.json()
    assert r.status_code == 201 and order["status"] == "pending_approval", r.text
    assert order["rule_name"] == "Coût modéré" and "seuil 200" in order["rule_reason"]
    assert order["approver_role"] == "project_admin"
    assert agent.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"}).status_code == 403
    approver = login(client_factory(), chef)
    inbox = approver.get("/api/v1/orders/inbox").json()
    assert [o["id"] for o in inbox] == [order["id"]]
    assert drain(runtime) == 0  # nothing runs before approval
    r = approver.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve", "comment": "ok"})
    assert r.status_code == 200 and r.json()["status"] == "provisioning"
    drain(runtime)
    done = agent.get(f"/api/v1/orders/{order['id']}").json()
    assert done["status"] == "completed"
    assert [a["approver_name"] for a in done["approvals"]] == ["chef2.a"]
    notes = [n["message"] for n in agent.get("/api/v1/me/notifications").json()]
    assert any("approuvée" in n for n in notes) and any("livrée" in n for n in notes)


def test_over_quota_order_is_refused_and_reserves_nothing(client, world, catalog, runtime, sessions):
    from sovcloud.orders.usage import usage

    login(client, world.people["member_a"])  # Projet A: 50 vCPU
    r = _order(client, world, [_vm(catalog, "vm/m1.2xlarge", count=4)])  # 64 vCPU
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "quota-exceeded" and "vCPU : 64 demandé(s), 50 disponible(s) sur 50" in body["detail"]
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 0


def test_reservation_counts_once_and_is_released_on_rejection(client_factory, world, catalog, runtime, sessions,
                                                              settings):
    from sovcloud.access.roles import Role
    from sovcloud.orders.usage import usage
    from tests.factories import make_user

    with sessions() as db, db.begin():
        chef = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
    agent = login(client_factory(), world.people["member_a"])
    small = _order(agent, world, [_vm(catalog, "vm/s1.small", count=2)]).json()
    drain(runtime)
    assert agent.get(f"/api/v1/orders/{small['id']}").json()["status"] == "completed"
    pending = _order(agent, world, [_vm(catalog, "vm/s1.large", count=4)]).json()
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 2 + 16  # resources of the done order + reservation
    approver = login(client_factory(), chef)
    r = approver.post(f"/api/v1/orders/{pending['id']}/decision", json={"decision": "reject"})
    assert r.status_code == 422  # a rejection must say why
    r = approver.post(f"/api/v1/orders/{pending['id']}/decision", json={"decision": "reject", "comment": "trop"})
    assert r.json()["status"] == "rejected"
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 2


def test_restricted_data_needs_two_distinct_organisation_admins(client_factory, world, catalog, runtime, sessions,
                                                                settings):
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        second = make_user(db, settings, "admin2.a", Role.ORGANISATION_ADMIN, org=world.orgs["A"])
    agent = login(client_factory(), world.people["member_a"])
    order = _order(agent, world, [_vm(catalog)], classification="restricted").json()
    assert order["status"] == "pending_approval" and order["approvals_required"] == 2
    first = login(client_factory(), world.people["admin_a"])
    assert first.post(f"/api/v1/orders/{order['id']}/decision",
                      json={"decision": "approve"}).json()["status"] == "pending_approval"
    assert first.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"}).status_code == 403
    other = login(client_factory(), second)
    assert other.post(f"/api/v1/orders/{order['id']}/decision",
                      json={"decision": "approve"}).json()["status"] == "provisioning"


def test_cancel_until_provisioning_starts(client, world, catalog, runtime):
    login(client, world.people["member_a"])
    draft = _order(client, world, [_vm(catalog)], submit=False).json()
    assert draft["status"] == "draft"
    assert client.post(f"/api/v1/orders/{draft['id']}/cancel").json()["status"] == "cancelled"
    live = _order(client, world, [_vm(catalog)]).json()
    r = client.post(f"/api/v1/orders/{live['id']}/cancel")
    assert r.status_code == 409 and r.json()["code"] == "invalid-transition"


def test_day_two_actions_and_delete(client, world, catalog, runtime, sessions):
    from sovcloud.orders.usage import usage

    login(client, world.people["member_a"])
    _order(client, world, [_vm(catalog, data_volume_gb=30)])
    drain(runtime)
    items = client.get("/api/v1/resources", params={"kind": "server"}).json()["items"]
    server = items[0]
    volumes = client.get("/api/v1/resources", params={"kind": "volume"}).json()["items"]
    assert volumes[0]["attributes"]["attach_to"] == server["id"] and volumes[0]["status"] == "IN_USE"
    tenant = str(world.projects["a"].id)
    assert runtime.provider.get_volume(tenant, volumes[0]["provider_id"]).server_id == server["provider_id"]
    r = client.post(f"/api/v1/resources/{server['id']}/actions", json={"action": "stop"})
    assert r.status_code == 202
    assert client.post(f"/api/v1/resources/{server['id']}/actions", json={"action": "reboot"}).status_code == 409
    drain(runtime)
    assert client.get(f"/api/v1/resources/{server['id']}").json()["status"] == "SHUTOFF"
    assert runtime.provider.get_server(tenant, server["provider_id"]).status.value == "SHUTOFF"
    medium = str(catalog["vm/s1.medium"])
    assert client.post(f"/api/v1/resources/{server['id']}/actions", json={"action": "start"}).status_code == 202
    drain(runtime)
    r = client.post(f"/api/v1/resources/{server['id']}/actions", json={"action": "resize",
                                                                         "params": {"plan_id": medium}})
    assert r.status_code == 422 and "/resize" in r.json()["detail"]  # a resize is an order (test_resize_orders)
    r = client.post(f"/api/v1/resources/{server['id']}/resize", json={"plan_id": medium})
    assert r.status_code == 201 and r.json()["status"] == "provisioning", r.text  # small: approved by the policy
    drain(runtime)
    resized = client.get(f"/api/v1/resources/{server['id']}").json()
    assert (resized["flavor"], resized["vcpus"], resized["state"]) == ("s1.medium", 2, "active")
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 2
    assert client.delete(f"/api/v1/resources/{server['id']}").status_code == 202
    drain(runtime)
    assert client.get("/api/v1/resources").json()["items"] == []
    assert runtime.provider.servers(tenant) == [] and runtime.provider.volumes(tenant) == []
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 0
    history = [h["action"] for h in client.get(f"/api/v1/resources/{server['id']}/history").json()]
    assert "resource.stop" in history and "resource.resize" in history and "resource.deleted" in history


def test_bad_parameters_are_a_clear_problem(client, world, catalog, runtime):
    login(client, world.people["member_a"])
    bad = {"plan_id": str(catalog["vm/s1.small"]), "name": "x", "parameters": {"image": "debian-12", "bogus": 1}}
    r = _order(client, world, [bad])
    assert r.status_code == 422 and "bogus" in r.json()["detail"]
    r = _order(client, world, [_vm(catalog)], site_preference="mars")
    assert r.status_code == 422 and "mars" in r.json()["detail"]


def test_expired_resources_are_reminded_then_retired(client, world, catalog, runtime, sessions, clock):
    from datetime import timedelta

    from sovcloud.inventory.service import expiry_sweep

    login(client, world.people["member_a"])
    end = (clock.current + timedelta(days=10)).isoformat()
    _order(client, world, [_vm(catalog)], end_date=end)
    drain(runtime)
    clock.advance(days=4)
    with sessions() as db, db.begin():
        assert expiry_sweep(db) == (1, 0)
    with sessions() as db, db.begin():
        assert expiry_sweep(db) == (0, 0)  # reminded once
    login(client, world.people["member_a"])  # days went by: a new session
    assert any("échéance" in n["message"] for n in client.get("/api/v1/me/notifications").json())
    clock.advance(days=7)
    with sessions() as db, db.begin():
        assert expiry_sweep(db) == (0, 1)
    drain(runtime)
    login(client, world.people["member_a"])
    assert client.get("/api/v1/resources").json()["items"] == []
    assert runtime.provider.servers(str(world.projects["a"].id)) == []
