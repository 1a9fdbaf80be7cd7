"""The operator console's alert pages: a site down raises a critical alert that an operator acknowledges in a
real browser (headless chromium) and publishes a notice from; the organisation concerned sees its banner;
axe-core finds no violation on the new pages. The same forms through the test client."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from sovcloud.supervision import alerts_rules
from sovcloud.supervision.models import Alert
from tests.browser import AXE
from tests.factories import Person, actor_for
from tests.supervision.conftest import evaluation_round
from tests.web.helpers import csrf_of, portal_login

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _site_rule(sessions: Any, world: Any, **kw: Any) -> None:
    with sessions() as db, db.begin():
        alerts_rules.create_rule(db, actor=actor_for(db, world.people["operator"]), name="Site indisponible",
                                 kind="site_down", params={}, severity="critical", **kw)


def test_rules_and_acknowledgement_through_the_forms(client, sessions, world, rt):
    portal_login(client, world.people["operator"])
    token = csrf_of(client, "/operator/alert-rules")
    r = client.post("/operator/alert-rules", data={"name": "Capacité", "kind": "site_capacity", "severity": "major",
                                                   "percent": "250", "csrf_token": token})
    assert r.status_code == 422 and 'id="ar-percent-error"' in r.text  # the fault next to its field
    r = client.post("/operator/alert-rules", data={"name": "Site", "kind": "site_down", "severity": "critical",
                                                   "percent": "80", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303  # the percent is not a parameter of site_down: left out
    rt.provider.faults.site_down("site-a")
    evaluation_round(rt)
    page = client.get("/operator/alerts")
    assert "Site site-a indisponible." in page.text and "Critique" in page.text
    alert_id = page.text.split('id="alert-', 1)[1].split('"', 1)[0]
    r = client.post(f"/operator/alerts/{alert_id}/acknowledge", data={"comment": " ", "csrf_token": token})
    assert r.status_code == 422 and "commentaire" in r.text.lower()
    r = client.post(f"/operator/alerts/{alert_id}/acknowledge", data={"comment": "vu", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Par ops le" in client.get("/operator/alerts?status=all").text
    assert "Aucune alerte." in client.get("/operator/alerts?ack=no").text


def _login(page: Any, base: str, person: Person) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Identifiant").fill(person.username)
    page.get_by_label("Mot de passe").fill(person.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/login/totp")
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(person.seed).now())
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{base}/")


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " resultTypes: ['violations']})).violations", AXE_TAGS)
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in found]


@pytest.mark.browser
def test_operator_acknowledges_a_site_down_alert_in_the_browser(sqlite_only, browser, live_server, sessions, world, rt):
    _site_rule(sessions, world, organisation_ids=[world.orgs["B"].id])
    rt.provider.faults.site_down("site-b")
    assert evaluation_round(rt).raised == ["Site indisponible|site:site-b"]
    with sessions() as db:
        alert_id = db.scalar(select(Alert.id))
    context = browser.new_context(bypass_csp=True)  # only so that axe itself can be injected
    page = context.new_page()
    _login(page, live_server, world.people["operator"])
    page.goto(f"{live_server}/operator/alerts")
    row = page.locator("#alerts-table tbody tr", has_text="site:site-b")
    assert "Critique" in row.text_content()
    assert _axe(page) == []
    row.get_by_label("Commentaire").fill("Coupure réseau du site B, ticket 4242")
    row.get_by_role("button", name="Acquitter").click()
    page.get_by_text("Alerte acquittée.").wait_for()
    assert "Coupure réseau du site B" in page.locator("#alerts-table").inner_text()
    assert _axe(page) == []
    page.goto(f"{live_server}/operator/alert-rules")
    assert _axe(page) == []
    rt.provider.faults.site_up("site-b")
    assert evaluation_round(rt).resolved == ["Site indisponible|site:site-b"]
    page.goto(f"{live_server}/operator/alerts?status=resolved")
    assert "Résolue" in page.locator("#alerts-table").text_content()
    page.goto(f"{live_server}/operator/notices?alert_id={alert_id}")
    page.get_by_label("Message", exact=True).fill("Le site B est coupé du réseau.")
    page.get_by_role("button", name="Publier l'avis").click()
    page.get_by_text("Avis publié.").wait_for()
    assert _axe(page) == []
    context.close()
    context = browser.new_context(bypass_csp=True)  # an organisation sees the notice, with the banner
    page = context.new_page()
    _login(page, live_server, world.people["admin_b"])
    assert "Site site-b indisponible." in page.locator("#notice-banner").inner_text()
    found = {}
    for path in ("/notices", f"/organisations/{world.orgs['B'].id}/channels"):
        page.goto(f"{live_server}{path}")
        found[path] = _axe(page)
    assert found == {p: [] for p in found}
    context.close()
