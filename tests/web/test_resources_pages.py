"""Resources and the operator console through the portal (plain HTTP): keyset pages both ways, search,
filters, the detail page with day-2 actions and history, tenant isolation, CSRF; capacity and policy rules."""

from __future__ import annotations

import re

from sovcloud.provisioning.reaper import drain
from tests.web.helpers import csrf_of, place, portal_login


def _server_ids(client) -> dict[str, str]:
    page = client.get("/resources?kind=server").text
    return {name: rid for rid, name in re.findall(r'<a href="/resources/([0-9a-f-]{36})">([^<]+)</a>', page)}


def test_list_pages_forwards_and_back_with_cursors(client, world, catalog, runtime, monkeypatch):
    monkeypatch.setattr("sovcloud.web.resources.PAGE", 2)
    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="node", count=5)
    drain(runtime)
    first = client.get("/resources?kind=server")
    names = re.findall(r'<a href="/resources/[0-9a-f-]{36}">([^<]+)</a>', first.text)
    assert names == ["node-1", "node-2"]
    nxt = re.search(r'href="(/resources\?[^"]*after=[^"]+)"', first.text)
    assert nxt and "Page précédente</a>" in first.text and 'aria-disabled="true" role="link">Page précédente' in \
        first.text
    second = client.get(nxt.group(1).replace("&amp;", "&"))
    assert re.findall(r'<a href="/resources/[0-9a-f-]{36}">([^<]+)</a>', second.text) == ["node-3", "node-4"]
    prev = re.search(r'href="(/resources\?[^"]*before=[^"]+)"', second.text)
    assert prev
    back = client.get(prev.group(1).replace("&amp;", "&"))
    assert re.findall(r'<a href="/resources/[0-9a-f-]{36}">([^<]+)</a>', back.text) == ["node-1", "node-2"]
    newest = client.get("/resources?kind=server&sort=created_at")
    assert len(re.findall(r'<a href="/resources/', newest.text)) == 2


def test_search_as_you_type_returns_the_table_and_the_address(client, world, catalog, runtime, sessions):
    from sqlalchemy import update

    from sovcloud.inventory.models import Resource

    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="alpha")
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="beta")
    drain(runtime)
    with sessions() as db, db.begin():  # servers get a fixed address on a private network: give one here
        db.execute(update(Resource).where(Resource.name == "alpha").values(address="10.20.30.40"))
    page = client.get("/resources")
    assert 'hx-trigger="input changed delay:300ms, search"' in page.text
    r = client.get("/resources/table?q=alp", headers={"HX-Request": "true", "HX-Trigger": "f-q"})
    assert r.status_code == 200 and "<html" not in r.text and "alpha" in r.text and ">beta<" not in r.text
    assert r.headers["HX-Push-Url"] == "/resources?q=alp"
    by_ip = client.get("/resources/table?q=10.20.30")
    assert by_ip.text.count('<a href="/resources/') == 1 and ">alpha<" in by_ip.text
    assert "alpha" in client.get("/resources/table?q=Projet").text  # by project name
    assert "Aucune ressource" in client.get("/resources?state=deleting").text
    assert client.get("/resources?after=garbage").status_code == 422


def test_detail_day_two_actions_and_history(client, world, catalog, runtime):
    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="app")
    drain(runtime)
    rid = _server_ids(client)["app"]
    page = client.get(f"/resources/{rid}")
    assert page.status_code == 200 and "Arrêter" in page.text and "S1 medium" in page.text  # resize choices
    token = csrf_of(client, f"/resources/{rid}")
    r = client.post(f"/resources/{rid}/actions", data={"action": "stop", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/resources/{rid}?done=action"
    busy = client.get(r.headers["location"])
    assert "Opération en cours" in busy.text and f'hx-get="/resources/{rid}/live"' in busy.text
    r = client.post(f"/resources/{rid}/actions", data={"action": "reboot", "csrf_token": token})
    assert r.status_code == 409 and "fr-alert--error" in r.text  # busy: refused, readable
    drain(runtime)
    live = client.get(f"/resources/{rid}/live")
    assert "Arrêté" in live.text and "Démarrer" in live.text and "every 2s" not in live.text
    assert "Serveur arrêté" in live.text  # the history in words
    r = client.post(f"/resources/{rid}/actions", data={"action": "resize", "plan_id": "nope", "csrf_token": token})
    assert r.status_code == 422 and "gabarit" in r.text
    r = client.post(f"/resources/{rid}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Suppression demandée." in r.text
    drain(runtime)
    gone = client.get(f"/resources/{rid}")
    assert "Supprimée" in gone.text and "Ressource supprimée" in gone.text and "Supprimer</button>" not in gone.text
    assert ">app<" not in client.get("/resources/table").text


def test_resources_of_another_ministry_are_not_found(client_factory, world, catalog, runtime):
    agent = portal_login(client_factory(), world.people["member_a"])
    place(agent, catalog["vm/s1.small"], world.projects["a"].id, name="secret")
    drain(runtime)
    rid = _server_ids(agent)["secret"]
    other = portal_login(client_factory(), world.people["member_b"])
    for url in (f"/resources/{rid}", f"/resources/{rid}/live"):
        assert other.get(url).status_code == 404, url
    token = csrf_of(other, "/resources")
    assert other.post(f"/resources/{rid}/actions", data={"action": "stop", "csrf_token": token}).status_code == 404
    assert other.post(f"/resources/{rid}/delete", data={"csrf_token": token}).status_code == 404
    assert ">secret<" not in other.get("/resources?q=secret").text
    assert agent.post(f"/resources/{rid}/actions", data={"action": "stop"}).status_code == 403  # no CSRF token
    assert agent.post(f"/resources/{rid}/delete").status_code == 403
    assert "Démarré" in agent.get(f"/resources/{rid}").text  # still running


def test_operator_console_capacity_orders_rules_catalogue(client, world, catalog, runtime):
    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.large"], world.projects["a"].id, name="big")
    drain(runtime)
    assert client.get("/operator").status_code == 403
    assert "Console opérateur" not in client.get("/").text
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    portal_login(client, world.people["operator"])
    console = client.get("/operator")
    assert console.status_code == 200 and "site-a" in console.text and "site-b" in console.text
    assert "<meter" in console.text and "Capacité par hyperviseur" in console.text and ">big<" in console.text
    rules = client.get("/operator/rules")
    assert "Coût modéré" in rules.text and "min_monthly_cost=200" in rules.text
    token = csrf_of(client, "/operator/rules")
    r = client.post("/operator/rules", data={"name": "Windows", "position": "5", "outcome": "require_approval",
                                             "approver_role": "organisation_admin", "approvals_required": "1",
                                             "classifications": ["sensitive", "restricted"], "csrf_token": token},
                    follow_redirects=True)
    assert "Règle ajoutée." in r.text and "classifications=sensitive,restricted" in r.text
    r = client.post("/operator/rules", data={"name": "Bad", "position": "6", "outcome": "require_approval",
                                             "csrf_token": token})
    assert r.status_code == 422 and "rôle approbateur" in r.text and 'value="Bad"' in r.text
    rule_id = re.search(r'/operator/rules/([0-9a-f-]{36})/enabled', r.text)
    assert rule_id
    r = client.post(f"/operator/rules/{rule_id.group(1)}/enabled", data={"enabled": "false", "csrf_token": token},
                    follow_redirects=True)
    assert "Règle modifiée." in r.text
    r = client.post(f"/operator/rules/{rule_id.group(1)}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Règle supprimée." in r.text
    assert client.post(f"/operator/rules/{rule_id.group(1)}/delete").status_code == 403  # CSRF
    cat = client.get("/operator/catalogue")
    assert "Tarifs publics" in cat.text and "M1 2xlarge" in cat.text and "0,4500\u00a0€" in cat.text
