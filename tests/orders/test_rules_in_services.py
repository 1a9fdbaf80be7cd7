"""Rules that once lived in portal pages are service functions the portal, the API and the CLI share: the
quote of an order not placed yet, who may cancel an order, which plans a server may be resized to and who
may act on a resource, the price list in force."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sovcloud.catalog import pricing
from sovcloud.inventory import service as inventory
from sovcloud.inventory.models import Resource
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning.reaper import drain
from tests.factories import SYSTEM, actor_for, login
from tests.web.helpers import csrf_of, portal_login


def _vm(catalog, plan="vm/s1.small", count=1):
    return {"plan_id": str(catalog[plan]), "name": "web", "count": count, "parameters": {"image": "debian-12"}}


def test_quote_route_prices_and_checks_the_quota_like_submission(client, world, catalog):
    login(client, world.people["member_a"])
    project = str(world.projects["a"].id)
    r = client.post("/api/v1/orders/quote", json={"project_id": project, **_vm(catalog, "vm/s1.large", 4)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert Decimal(body["monthly"]) == Decimal("233.60") and body["fits"] is True and body["count"] == 4
    assert {line["key"] for line in body["lines"]} >= {"vcpus", "ram_mb", "instances"}
    over = client.post("/api/v1/orders/quote", json={"project_id": project, **_vm(catalog, "vm/m1.2xlarge", 4)})
    assert over.status_code == 200 and over.json()["fits"] is False
    vcpus = next(line for line in over.json()["lines"] if line["key"] == "vcpus")
    assert vcpus == {"key": "vcpus", "needed": 64, "left": 50, "limit": 50, "ok": False}
    placed = client.post("/api/v1/orders", json={"project_id": project, "items": [_vm(catalog, "vm/s1.large", 4)]})
    assert Decimal(placed.json()["estimate_monthly"]) == Decimal(body["monthly"])  # the same pricing
    bad = client.post("/api/v1/orders/quote", json={"project_id": project, **_vm(catalog), "count": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "count"
    login(client, world.people["member_b"])
    other = client.post("/api/v1/orders/quote", json={"project_id": project, **_vm(catalog)})
    assert other.status_code == 404


def test_the_cancel_button_follows_the_service_rule(client_factory, world, catalog, sessions):
    member = login(client_factory(), world.people["member_a"])
    costly = member.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id),
                                                 "items": [_vm(catalog, "vm/s1.large", 4)]}).json()
    assert costly["status"] == "pending_approval"
    with sessions() as db:
        order = db.get(Order, uuid.UUID(costly["id"]))
        assert order is not None
        for person, expected in (("member_a", True), ("admin_a", True), ("viewer_a", False), ("member_b", False)):
            assert service.may_cancel(actor_for(db, world.people[person]), order) is expected, person
    admin = portal_login(client_factory(), world.people["admin_a"])  # an approver of the project, not its role
    page = admin.get(f"/orders/{costly['id']}")
    assert "Annuler la commande" in page.text
    r = admin.post(f"/orders/{costly['id']}/cancel", data={"csrf_token": csrf_of(admin, f"/orders/{costly['id']}")},
                   follow_redirects=False)
    assert r.status_code == 303
    with sessions() as db:
        order = db.get(Order, uuid.UUID(costly["id"]))
        assert order is not None and order.status == OrderStatus.CANCELLED
        assert service.may_cancel(actor_for(db, world.people["member_a"]), order) is False
    viewer = portal_login(client_factory(), world.people["viewer_a"])
    assert "Annuler la commande" not in viewer.get(f"/orders/{costly['id']}").text


def test_a_viewer_sees_no_action_and_resize_offers_what_the_service_accepts(client_factory, world, catalog,
                                                                            runtime, sessions):
    member = login(client_factory(), world.people["member_a"])
    member.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [_vm(catalog)]})
    drain(runtime)
    server = member.get("/api/v1/resources", params={"kind": "server"}).json()["items"][0]
    with sessions() as db:
        resource = db.get(Resource, uuid.UUID(server["id"]))
        assert resource is not None
        plans = inventory.resize_plans(db, actor=actor_for(db, world.people["member_a"]), resource=resource)
        assert plans and resource.plan_id not in {p.id for p in plans}
        assert inventory.resize_plans(db, actor=actor_for(db, world.people["viewer_a"]), resource=resource) == []
    viewer = portal_login(client_factory(), world.people["viewer_a"])
    page = viewer.get(f"/resources/{server['id']}").text
    for word in ("Arrêter", "Redimensionner", "Supprimer", "Prendre un instantané"):
        assert f">{word}<" not in page and f"{word}</button>" not in page, word
    assert 'id="no-actions"' in page
    agent = portal_login(client_factory(), world.people["member_a"])
    page = agent.get(f"/resources/{server['id']}").text
    assert "Arrêter</button>" in page and "Redimensionner</button>" in page and 'id="no-actions"' not in page


def test_price_list_in_force_is_the_published_default_valid_now(world, catalog, sessions):
    with sessions() as db:
        current = pricing.price_list_in_force(db, actor=SYSTEM)
        assert current is not None and current.group_id is None and current.status == "published"
        published = [pl for pl in pricing.list_price_lists(db, actor=SYSTEM, default_only=True)
                     if pl.status == "published"]
        assert current.id == max(published, key=lambda pl: pl.valid_from).id


def test_cli_quote_is_the_same_service(world, catalog, sessions, settings, monkeypatch):
    import json

    from typer.testing import CliRunner

    from sovcloud.cli.main import app
    from sovcloud.config import get_settings
    from sovcloud.identity import tokens

    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    with sessions() as db, db.begin():
        secret = tokens.create_token(db, actor=actor_for(db, world.people["member_a"]), settings=settings,
                                     name="cli", expires_in_days=1, project_id=world.projects["a"].id).secret
    try:
        r = CliRunner().invoke(app, ["--token", secret, "order", "quote", str(world.projects["a"].id), "--plan",
                                     str(catalog["vm/s1.large"]), "--count", "4", "--parameters",
                                     '{"image": "debian-12"}', "-o", "json"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    rows = {row["resource"]: row for row in json.loads(r.output)}
    assert Decimal(str(rows["EUR/mois"]["needed"])) == Decimal("233.60") and rows["vcpus"]["needed"] == 16


def test_networks_and_groups_come_from_the_project_and_a_missing_one_is_refused_at_submission(
        client_factory, world, catalog, runtime):
    project = str(world.projects["a"].id)
    agent = login(client_factory(), world.people["member_a"])
    vm = {**_vm(catalog), "parameters": {"image": "debian-12", "network_id": "nulle-part"}}
    r = agent.post("/api/v1/orders", json={"project_id": project, "items": [vm]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.parameters.network_id"
    assert agent.get("/api/v1/orders").json()["items"] == []  # nothing recorded
    net = agent.post("/api/v1/orders", json={"project_id": project, "items": [
        {"plan_id": str(catalog["network/standard"]), "name": "reseau-app", "parameters": {"cidr": "10.1.0.0/24"}}]})
    assert net.status_code == 201, net.text
    drain(runtime)
    portal = portal_login(client_factory(), world.people["member_a"])
    form = portal.get("/orders/new").text
    picker = form[form.index('id="f-network"'):form.index("</select>", form.index('id="f-network"'))]
    assert ">reseau-app<" in picker
    token = csrf_of(portal, "/orders/new")
    base = {"project_id": project, "plan_id": str(catalog["vm/s1.small"]), "name": "web", "count": "1",
            "image": "debian-12", "classification": "standard", "csrf_token": token}
    refused = portal.post("/orders", data={**base, "network_id": "nulle-part", "security_groups": ["fantome"]})
    assert refused.status_code == 422
    assert "Réseau « nulle-part » introuvable dans le projet" in refused.text
    assert "fr-select-group--error" in refused.text and "fr-fieldset--error" in refused.text
    network_id = next(x["id"] for x in agent.get("/api/v1/resources", params={"kind": "network"}).json()["items"])
    placed = portal.post("/orders", data={**base, "network_id": network_id}, follow_redirects=False)
    assert placed.status_code == 303, placed.text[-2000:]
