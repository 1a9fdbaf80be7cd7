"""A resize is an order: priced by the difference, checked against the quota, judged by the approval policy
as an order of the new size; nothing runs before it is approved (API; the portal in tests/web)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from sovcloud.provisioning.reaper import drain
from tests.core.test_cli import cli  # noqa: F401  (the CLI fixture)
from tests.factories import actor_for, login


def _server(client, world, catalog, runtime, name="app") -> dict:
    r = client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [
        {"plan_id": str(catalog["vm/s1.small"]), "name": name, "parameters": {"image": "debian-12"}}]})
    assert r.status_code == 201, r.text
    drain(runtime)
    return next(x for x in client.get("/api/v1/resources", params={"kind": "server"}).json()["items"]
                if x["name"] == name)


def test_a_resize_the_policy_sends_to_approval_waits_is_approved_then_done(client_factory, world, catalog, runtime,
                                                                          sessions, settings):
    from sovcloud.access.roles import Role
    from sovcloud.orders.service import monthly_estimate
    from sovcloud.orders.usage import usage
    from tests.factories import make_user

    with sessions() as db, db.begin():
        chef = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
    agent = login(client_factory(), world.people["member_a"])
    server = _server(agent, world, catalog, runtime)
    options = {o["plan_code"]: o for o in agent.get(f"/api/v1/resources/{server['id']}/resize").json()}
    big, medium = options["m1.2xlarge"], options["s1.medium"]
    # the case: 14,60 → 328,50 €/month was applied at once, with no approval and no change in cost
    assert (big["current_monthly"], big["new_monthly"], big["difference"]) == ("14.60", "328.50", "313.90")
    assert big["needs_approval"] and big["rule_name"] == "Coût modéré" and big["approver_role"] == "project_admin"
    assert big["fits"] and {line["key"]: line["needed"] for line in big["lines"]}["vcpus"] == 15
    assert not medium["needs_approval"] and medium["rule_name"] == "Petites commandes"

    r = agent.post(f"/api/v1/resources/{server['id']}/resize", json={"plan_id": big["plan_id"]})
    order = r.json()
    assert r.status_code == 201 and order["status"] == "pending_approval", r.text
    assert order["estimate_monthly"] == "313.90" and order["items"][0]["resource_id"] == server["id"]
    assert order["rule_name"] == "Coût modéré" and "328.50" in order["rule_reason"]
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 16  # 1 held by the server + 15 reserved by the order
    assert drain(runtime) == 0  # nothing runs before approval
    still = agent.get(f"/api/v1/resources/{server['id']}").json()
    assert (still["flavor"], still["state"]) == ("s1.small", "active")  # the server stays usable meanwhile
    again = agent.post(f"/api/v1/resources/{server['id']}/resize", json={"plan_id": medium["plan_id"]})
    assert again.status_code == 409 and "déjà demandé" in again.json()["detail"]

    approver = login(client_factory(), chef)
    assert [o["id"] for o in approver.get("/api/v1/orders/inbox").json()] == [order["id"]]
    r = approver.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "provisioning", r.text
    drain(runtime)
    assert agent.get(f"/api/v1/orders/{order['id']}").json()["status"] == "completed"
    done = agent.get(f"/api/v1/resources/{server['id']}").json()
    assert (done["flavor"], done["vcpus"], done["state"]) == ("m1.2xlarge", 16, "active")
    tenant = str(world.projects["a"].id)
    flavors = {f.id: f.name for f in runtime.provider.flavors()}
    assert flavors[runtime.provider.get_server(tenant, server["provider_id"]).flavor_id] == "m1.2xlarge"  # in the cloud
    history = [h["action"] for h in agent.get(f"/api/v1/resources/{server['id']}/history").json()]
    assert "resource.resize" in history
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 16  # now held by the server alone
        assert monthly_estimate(db, actor=actor_for(db, world.people["member_a"])) == Decimal("328.50")


def test_a_resize_over_quota_is_refused_with_what_is_missing_and_nothing_recorded(client, world, catalog, runtime,
                                                                                 sessions):
    from sovcloud.tenancy.models import Quota

    login(client, world.people["member_a"])
    server = _server(client, world, catalog, runtime)
    with sessions() as db, db.begin():
        db.execute(update(Quota).where(Quota.project_id == world.projects["a"].id).values(vcpus=4))
    options = {o["plan_code"]: o for o in client.get(f"/api/v1/resources/{server['id']}/resize").json()}
    assert not options["m1.2xlarge"]["fits"] and options["s1.medium"]["fits"]
    before = len(client.get("/api/v1/orders").json()["items"])
    r = client.post(f"/api/v1/resources/{server['id']}/resize", json={"plan_id": str(catalog["vm/m1.2xlarge"])})
    assert r.status_code == 409 and r.json()["code"] == "quota-exceeded", r.text
    assert r.json()["detail"].startswith("Quota du projet dépassé — vCPU : 15 demandé(s), 3 disponible(s) sur 4")
    assert len(client.get("/api/v1/orders").json()["items"]) == before
    assert client.get(f"/api/v1/resources/{server['id']}").json()["state"] == "active"


def test_a_refused_or_failed_resize_changes_nothing_and_releases_its_reservation(client_factory, world, catalog,
                                                                                 runtime, sessions, settings):
    from sovcloud.access.roles import Role
    from sovcloud.orders.usage import usage
    from tests.factories import make_user

    with sessions() as db, db.begin():
        chef = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
    agent = login(client_factory(), world.people["member_a"])
    server = _server(agent, world, catalog, runtime)
    order = agent.post(f"/api/v1/resources/{server['id']}/resize",
                       json={"plan_id": str(catalog["vm/m1.2xlarge"])}).json()
    approver = login(client_factory(), chef)
    r = approver.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "reject", "comment": "trop cher"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert drain(runtime) == 0
    with sessions() as db:
        assert usage(db, world.projects["a"].id).vcpus == 1
    # a server deleted while its resize waits: the approval is refused, readable, and nothing is queued
    order = agent.post(f"/api/v1/resources/{server['id']}/resize",
                       json={"plan_id": str(catalog["vm/m1.2xlarge"])}).json()
    assert agent.delete(f"/api/v1/resources/{server['id']}").status_code == 202
    r = approver.post(f"/api/v1/orders/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 409 and "n'est pas disponible" in r.json()["detail"]
    assert agent.get(f"/api/v1/orders/{order['id']}").json()["status"] == "pending_approval"


@pytest.mark.usefixtures("sqlite_only")  # the doors over services tested on both
def test_the_cli_orders_a_resize_through_the_same_service(cli, client, world, catalog, runtime, sessions,  # noqa: F811
                                                          settings):
    from tests.core.test_cli import _token

    login(client, world.people["member_a"])
    server = _server(client, world, catalog, runtime)
    member = _token(sessions, settings, world.people["member_a"], project_id=world.projects["a"].id)
    r = cli("--token", member, "resource", "resize", server["id"], "--plan", str(catalog["vm/m1.2xlarge"]))
    assert r.exit_code == 0 and "pending_approval" in r.output and "313.90" in r.output, r.output
    assert "Coût modéré" in r.output
    again = cli("--token", member, "resource", "resize", server["id"], "--plan", str(catalog["vm/s1.medium"]))
    assert again.exit_code == 1 and "déjà demandé" in again.output
