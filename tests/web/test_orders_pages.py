"""Ordering through the portal (plain HTTP): the form and its live estimate, refusals as alerts, the order
page and its progress, the approvals inbox, cancellation, tenant isolation and CSRF."""

from __future__ import annotations

import re

from sovcloud.provisioning.reaper import drain
from tests.web.helpers import csrf_of, order_form, place, portal_login


def test_order_form_shows_catalogue_and_first_estimate(client, world, catalog):
    portal_login(client, world.people["member_a"])
    page = client.get("/orders/new")
    assert page.status_code == 200
    assert "Machine virtuelle" in page.text and "S1 large" in page.text and "debian-12" in page.text
    assert 'hx-post="/orders/estimate"' in page.text and 'hx-trigger="change"' in page.text
    assert "Quota suffisant" in page.text  # s1.small × 1 by default
    volume = client.get(f"/orders/new?offering_id={catalog_offering(client, 'Volume bloc')}")
    assert 'name="size_gb"' in volume.text and 'name="image"' not in volume.text


def catalog_offering(client, name: str) -> str:
    page = client.get("/orders/new").text
    found = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>' + re.escape(name) + "</option>", page)
    assert found, name
    return found.group(1)


def test_estimate_fragment_prices_the_form_and_checks_the_quota(client, world, catalog):
    portal_login(client, world.people["member_a"])
    token = csrf_of(client, "/orders/new")
    project = world.projects["a"].id
    r = client.post("/orders/estimate", data=order_form(catalog["vm/s1.large"], project, count=4),
                    headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert "233,60\u00a0€" in r.text and "Quota suffisant" in r.text  # 4 × 0.08 €/h × 730 h
    r = client.post("/orders/estimate", data=order_form(catalog["vm/m1.2xlarge"], project, count=4),
                    headers={"X-CSRF-Token": token})
    assert "Quota insuffisant" in r.text and "64" in r.text and "insuffisant" in r.text  # 64 vCPU of 50
    r = client.post("/orders/estimate", data=order_form(catalog["vm/s1.small"], project, data_volume_gb="abc"),
                    headers={"X-CSRF-Token": token})
    assert "fr-alert--error" in r.text and "nombre entier" in r.text
    assert client.post("/orders/estimate", data=order_form(catalog["vm/s1.small"], project)).status_code == 403


def test_quota_refusal_is_an_alert_and_the_fields_are_kept(client, world, catalog, runtime):
    portal_login(client, world.people["member_a"])
    data = order_form(catalog["vm/m1.2xlarge"], world.projects["a"].id, name="gros-calcul", count=4,
                      title="Calcul intensif")
    r = client.post("/orders", data={**data, "csrf_token": csrf_of(client, "/orders/new")})
    assert r.status_code == 409 and "fr-alert--error" in r.text and "Quota dépassé" in r.text
    assert "vCPU : 64 demandé(s), 50 disponible(s)" in r.text
    assert 'value="gros-calcul"' in r.text and 'value="Calcul intensif"' in r.text and 'value="4"' in r.text
    r = client.post("/orders", data={**order_form(catalog["vm/s1.small"], world.projects["a"].id, name="x",
                                                  image=""), "csrf_token": csrf_of(client, "/orders/new")})
    assert r.status_code == 422 and "image" in r.text and "Traceback" not in r.text
    r = client.post("/orders", data={**order_form(catalog["vm/s1.small"], world.projects["b"].id),
                                     "csrf_token": csrf_of(client, "/orders/new")})
    assert r.status_code == 404 and "fr-alert--error" in r.text  # another ministry's project


def test_small_order_is_delivered_and_followed_live(client, world, catalog, runtime):
    portal_login(client, world.people["member_a"])
    path = place(client, catalog["vm/s1.small"], world.projects["a"].id, name="web", title="Site vitrine")
    page = client.get(path + "?done=created")
    assert "Commande enregistrée." in page.text and "Petites commandes" in page.text
    assert f'hx-get="{path}/progress"' in page.text and 'hx-trigger="every 2s"' in page.text
    drain(runtime)
    progress = client.get(path + "/progress")
    assert "Livrée" in progress.text and "every 2s" not in progress.text and "/resources/" in progress.text
    listing = client.get("/orders")
    assert "Site vitrine" in listing.text and "Livrée" in listing.text
    home = client.get("/")
    assert "Site vitrine" in home.text and "14,60\u00a0€" in home.text  # 0.02 €/h × 730 h
    assert "non mesuré" not in home.text and 'value="1"' in home.text  # one vCPU used, measured


def test_costly_order_waits_then_is_decided_in_the_inbox(client_factory, world, catalog, runtime, chef):
    agent = portal_login(client_factory(), world.people["member_a"])
    path = place(agent, catalog["vm/s1.large"], world.projects["a"].id, name="app", count=4, title="Appli métier")
    page = agent.get(path)
    assert "En attente d&#39;approbation" in page.text or "En attente d'approbation" in page.text
    assert "Coût modéré" in page.text and "seuil 200" in page.text and "Approuver" not in page.text
    approver = portal_login(client_factory(), chef)
    inbox = approver.get("/approvals")
    assert "Appli métier" in inbox.text and "Coût modéré" in inbox.text
    order_id = path.rsplit("/", 1)[1]
    token = csrf_of(approver, "/approvals")
    r = approver.post(f"/orders/{order_id}/decision", data={"decision": "reject", "comment": "", "csrf_token": token})
    assert r.status_code == 422 and "Un refus doit être motivé" in r.text and "fr-alert--error" in r.text
    r = approver.post(f"/orders/{order_id}/decision", data={"decision": "approve", "comment": "Budget validé",
                                                            "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/approvals?done=approved"
    assert "Appli métier" not in approver.get("/approvals").text
    drain(runtime)
    page = agent.get(path)
    assert "chef.a" in page.text and "Budget validé" in page.text and "Livrée" in page.text
    notes = agent.get("/notifications")
    assert "approuvée" in notes.text and "livrée" in notes.text
    assert 'class="fr-badge fr-badge--sm fr-badge--info fr-ml-1v sc-count"' in agent.get("/").text
    r = agent.post("/notifications/read", data={"csrf_token": csrf_of(agent, "/notifications")})
    assert r.status_code == 200 and "sc-count" not in r.text


def test_cancel_before_delivery(client, world, catalog, runtime):
    portal_login(client, world.people["member_a"])
    path = place(client, catalog["vm/s1.large"], world.projects["a"].id, name="tmp", count=4)
    page = client.get(path)
    assert "Annuler la commande" in page.text
    r = client.post(path + "/cancel", data={"csrf_token": csrf_of(client, path)}, follow_redirects=True)
    assert "Commande annulée." in r.text and "Annuler la commande" not in r.text


def test_another_ministry_cannot_see_the_order(client_factory, world, catalog, runtime):
    agent = portal_login(client_factory(), world.people["member_a"])
    path = place(agent, catalog["vm/s1.large"], world.projects["a"].id, name="secret", count=4, title="Projet secret")
    other = portal_login(client_factory(), world.people["member_b"])
    for url in (path, path + "/progress"):
        r = other.get(url)
        assert r.status_code == 404 and "Introuvable" in r.text, url
    token = csrf_of(other, "/orders")
    assert other.post(path + "/cancel", data={"csrf_token": token}).status_code == 404
    assert other.post(path + "/decision", data={"decision": "approve", "csrf_token": token}).status_code == 404
    assert "Projet secret" not in other.get("/orders?scope=all").text
    assert "Projet secret" not in portal_login(client_factory(), world.people["admin_b"]).get("/approvals").text


def test_order_actions_need_the_csrf_token(client, world, catalog, runtime, chef):
    portal_login(client, world.people["member_a"])
    path = place(client, catalog["vm/s1.large"], world.projects["a"].id, name="app", count=4)
    assert client.post(path + "/cancel").status_code == 403
    assert client.post(path + "/decision", data={"decision": "approve"}).status_code == 403
    assert client.post("/orders", data=order_form(catalog["vm/s1.small"], world.projects["a"].id)).status_code == 403
    assert "Annuler la commande" in client.get(path).text  # nothing happened


def test_orders_list_pages_with_a_keyset_cursor(client, world, catalog, runtime, monkeypatch):
    monkeypatch.setattr("sovcloud.web.orders.PAGE", 2)
    portal_login(client, world.people["member_a"])
    for n in range(3):
        place(client, catalog["vm/s1.small"], world.projects["a"].id, name=f"vm{n}", title=f"Commande {n}")
    first = client.get("/orders")
    assert "Commande 2" in first.text and "Commande 1" in first.text and "Commande 0" not in first.text
    more = re.search(r'href="(/orders\?scope=[^"]*before=[^"]+|/orders\?before=[^"]+)"', first.text)
    assert more and "offset" not in more.group(1)
    older = client.get(more.group(1).replace("&amp;", "&"))
    assert "Commande 0" in older.text and "Commande 2" not in older.text
    rows = client.get(more.group(1).replace("&amp;", "&").replace("/orders?", "/orders/rows?"))
    assert "Commande 0" in rows.text and "<html" not in rows.text
