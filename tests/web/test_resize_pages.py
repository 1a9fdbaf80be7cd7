"""Resizing a server in the portal: each plan shows its price difference and what the approval policy will
ask; a resize that needs approval says so and where it waits; one over quota comes back with the reason."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from sovcloud.provisioning.reaper import drain
from tests.factories import login
from tests.web.helpers import csrf_of, place, portal_login

#: nothing here depends on the database (the services under it are tested on both): SQLite only, for time
ONE_BACKEND = pytest.mark.usefixtures("sqlite_only")


def _quote_line(page: str, code: str) -> str:
    found = re.search(rf'<li data-plan="{re.escape(code)}">(.*?)</li>', page, re.S)
    assert found, code
    return re.sub(r"[ \t\n]+", " ", found.group(1))


@ONE_BACKEND
def test_resize_shows_the_difference_waits_for_approval_then_runs(client_factory, world, catalog, runtime,
                                                                  sessions, settings):
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        chef = make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
    agent = portal_login(client_factory(), world.people["member_a"])
    place(agent, catalog["vm/s1.small"], world.projects["a"].id, name="app")
    drain(runtime)
    rid = re.search(r'<a href="/resources/([0-9a-f-]{36})">app</a>', agent.get("/resources").text).group(1)
    page = agent.get(f"/resources/{rid}").text
    big = _quote_line(page, "m1.2xlarge")
    assert "328,50\u00a0€" in big and "(+313,90\u00a0€ par mois)" in big
    assert "approbation requise par le rôle « Administrateur de projet » (règle « Coût modéré »)" in big, big
    assert "approbation automatique (règle « Petites commandes »)" in _quote_line(page, "s1.medium")

    token = csrf_of(agent, f"/resources/{rid}")
    r = agent.post(f"/resources/{rid}/resize", data={"plan_id": str(catalog["vm/m1.2xlarge"]), "csrf_token": token},
                   follow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/orders/[0-9a-f-]{36}\?done=resize_pending", r.headers["location"])
    order_page = agent.get(r.headers["location"]).text.replace("&#39;", "'")
    assert "Changement de gabarit demandé : il attend l'approbation indiquée ci-dessous" in order_page
    assert "Peuvent approuver : chef.a" in order_page and "s1.small → m1.2xlarge" in order_page
    assert "+313,90\u00a0€" in order_page
    assert "<dd>s1.small</dd>" in agent.get(f"/resources/{rid}/live").text  # not resized before approval

    order_id = r.headers["location"].split("/")[2].split("?")[0]
    approver = login(client_factory(), chef)
    assert approver.post(f"/api/v1/orders/{order_id}/decision", json={"decision": "approve"}).status_code == 200
    drain(runtime)
    assert "<dd>m1.2xlarge</dd>" in agent.get(f"/resources/{rid}").text



@ONE_BACKEND
def test_resize_over_quota_comes_back_on_the_page_with_the_reason(client, world, catalog, runtime, sessions):
    from sovcloud.tenancy.models import Quota

    portal_login(client, world.people["member_a"])
    place(client, catalog["vm/s1.small"], world.projects["a"].id, name="app")
    drain(runtime)
    rid = re.search(r'<a href="/resources/([0-9a-f-]{36})">app</a>', client.get("/resources").text).group(1)
    with sessions() as db, db.begin():
        db.execute(update(Quota).where(Quota.project_id == world.projects["a"].id).values(vcpus=4))
    page = client.get(f"/resources/{rid}").text
    assert "dépasse le quota du projet" in _quote_line(page, "m1.2xlarge")
    assert "dépasse" not in _quote_line(page, "s1.medium")
    token = csrf_of(client, f"/resources/{rid}")
    r = client.post(f"/resources/{rid}/resize", data={"plan_id": str(catalog["vm/m1.2xlarge"]), "csrf_token": token})
    assert r.status_code == 409 and "fr-alert--error" in r.text and 'id="resize-form"' in r.text
    assert "Quota du projet dépassé — vCPU : 15 demandé(s), 3 disponible(s) sur 4" in r.text
    r = client.post(f"/resources/{rid}/resize", data={"plan_id": "nope", "csrf_token": token})
    assert r.status_code == 422 and "Choisissez le nouveau gabarit." in r.text
    assert "Changement de gabarit" not in client.get("/orders").text
