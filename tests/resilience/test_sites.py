"""Sites are data: operators add, describe and drain them; orders and approval rules name a site of the
table, a site that is not active refuses new orders with a message saying which are open, and resources say
where their data is."""

from __future__ import annotations

import json

from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.resilience.models import Site
from tests.factories import login


def _vm(catalog):  # type: ignore[no-untyped-def]
    return {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "count": 1, "parameters": {"image": "debian-12"}}


def test_operators_manage_sites_and_orders_follow(client_factory, world, catalog, sessions):
    operator = login(client_factory(), world.people["operator"])
    agent = login(client_factory(), world.people["member_a"])
    listed = agent.get("/api/v1/sites").json()  # seeded from the demo's zones by the fixture
    assert [s["name"] for s in listed] == ["site-a", "site-b"] and listed[0]["location"] == "Paris (75)"
    assert agent.post("/api/v1/sites", json={"name": "site-c"}).status_code == 403
    assert agent.patch("/api/v1/sites/site-a", json={"state": "down"}).status_code == 403
    created = operator.post("/api/v1/sites", json={"name": "Site-C", "label": "Site C — Rennes", "region": "Bretagne",
                                                   "location": "Rennes (35)", "storage_backend": "ceph-c"})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "site-c" and created.json()["availability_zone"] == "site-c"
    assert operator.post("/api/v1/sites", json={"name": "site-c"}).status_code == 409
    assert operator.post("/api/v1/sites", json={"name": "a b"}).status_code == 422
    assert operator.get("/api/v1/sites/nowhere").status_code == 404

    def order(site):  # type: ignore[no-untyped-def]
        return agent.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "site_preference": site,
                                                  "items": [_vm(catalog)]})

    assert order("site-c").status_code == 201  # a site added as data is orderable at once
    drained = operator.patch("/api/v1/sites/site-c", json={"state": "draining"})
    assert drained.status_code == 200 and drained.json()["state"] == "draining"
    refused = order("site-c")
    assert refused.status_code == 422
    assert "Site C — Rennes est en cours de vidage" in refused.json()["detail"]
    assert "site-a, site-b" in refused.json()["detail"] and refused.json()["errors"][0]["field"] == "site_preference"
    unknown = order("mars")
    assert unknown.status_code == 422 and "Site inconnu : mars" in unknown.json()["detail"]
    assert operator.patch("/api/v1/sites/site-c", json={"state": "active"}).status_code == 200
    assert order("site-c").status_code == 201
    with sessions() as db:
        actions = [(e.action, e.details) for e in db.scalars(select(AuditEvent).where(AuditEvent.target_type == "site")
                                                             .order_by(AuditEvent.seq))]
    assert [a for a, _ in actions].count("site.created") == 3 and [a for a, _ in actions].count("site.updated") == 2
    assert actions[-1][1]["changes"] == {"state": {"from": "draining", "to": "active"}}

    # approval rules name sites of the table too
    rule = {"name": "Site C fermé aux commandes", "position": 5, "outcome": "reject",
            "conditions": {"sites": ["site-z"]}}
    refused = operator.post("/api/v1/approval-rules", json=rule)
    assert refused.status_code == 422 and "site-z" in refused.json()["detail"]
    accepted = operator.post("/api/v1/approval-rules", json={**rule, "conditions": {"sites": ["site-c"]}})
    assert accepted.status_code == 201, accepted.text


def test_cli_site_commands(settings, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from sovcloud.cli.main import app
    from sovcloud.config import get_settings

    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SOVCLOUD_SIMULATOR_DATABASE_URL", settings.simulator_database_url)
    monkeypatch.setenv("SOVCLOUD_AUDIT_ANCHOR_PATH", str(settings.audit_anchor_path))
    get_settings.cache_clear()
    runner = CliRunner()
    glass = ["--break-glass", "exploitation des sites"]
    try:
        synced = runner.invoke(app, [*glass, "site", "sync", "-o", "json"], catch_exceptions=False)
        assert synced.exit_code == 0, synced.output
        assert [s["name"] for s in json.loads(synced.output)] == ["site-a", "site-b"]  # the simulator's zones
        assert "Aucune nouvelle zone" in runner.invoke(app, [*glass, "site", "sync"]).output
        changed = runner.invoke(app, [*glass, "site", "set", "site-b", "--state", "down", "-o", "json"])
        assert changed.exit_code == 0 and json.loads(changed.output)[0]["state"] == "down"
        bad = runner.invoke(app, [*glass, "site", "set", "site-q", "--label", "x"])
        assert bad.exit_code == 1 and "Site inconnu" in bad.output
        added = runner.invoke(app, [*glass, "site", "add", "site-c", "--label", "Site C", "--location", "Rennes"])
        assert added.exit_code == 0, added.output
        listed = json.loads(runner.invoke(app, [*glass, "site", "list", "-o", "json"]).output)
        assert {s["name"]: s["state"] for s in listed} == {"site-a": "active", "site-b": "down", "site-c": "active"}
    finally:
        get_settings.cache_clear()
    with sessions() as db:
        assert db.scalar(select(Site.label).where(Site.name == "site-a")) == "Site A — Paris"


def test_resources_show_where_their_data_is(client, world, catalog, runtime, sessions):
    """SecNumCloud 19.2: a resource's page and the resources list say on which site, and where it is."""
    from sovcloud.inventory.models import Resource
    from sovcloud.provisioning.reaper import drain
    from tests.web.helpers import place, portal_login

    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="lyon", site="site-b")
    drain(runtime)
    with sessions() as db:
        server = db.scalars(select(Resource).where(Resource.name == "lyon", Resource.kind == "server")).one()
    assert server.site == "site-b"
    listing = client.get("/resources")
    assert "Site B — Lyon — Lyon (69), Auvergne-Rhône-Alpes" in listing.text
    assert "site-b — Site B — Lyon — Lyon (69)" in client.get(f"/resources/{server.id}").text
    assert client.get(f"/api/v1/resources/{server.id}").json()["site"] == "site-b"
