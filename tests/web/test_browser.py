"""The portal in a real browser (headless Debian chromium): the main journeys and axe-core checks."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.browser import AXE
from tests.factories import Person

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(page: Any, base: str, person: Person) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Identifiant").fill(person.username)
    page.get_by_label("Mot de passe").fill(person.password)
    page.get_by_role("button", name="Se connecter").click()
    if person.seed:
        page.wait_for_url(f"{base}/login/totp")
        page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(person.seed).now())
        page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{base}/")


def _watch_csp(page: Any) -> list[str]:
    """Collect console errors (a Content-Security-Policy violation shows up there)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    return errors


def test_admin_journey_totp_dashboard_account_token_logout(browser, live_server, world):
    context = browser.new_context()
    page = context.new_page()
    errors = _watch_csp(page)
    admin = world.people["admin_a"]
    _login(page, live_server, admin)
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"
    assert page.get_by_role("heading", name="Mes projets").is_visible()
    assert page.locator("meter").count() > 0  # organisation quota gauges
    page.get_by_role("link", name="Mon compte").first.click()
    page.wait_for_url(f"{live_server}/account")
    page.get_by_label("Nom du jeton").fill("déploiement")
    page.get_by_label("Portée").select_option(label=f"{world.orgs['A'].code} — {world.orgs['A'].name}")
    page.get_by_role("button", name="Créer le jeton").click()
    secret = page.get_by_label("Secret du jeton").input_value()
    assert secret.startswith("svc_")
    page.goto(f"{live_server}/account")
    assert page.get_by_label("Secret du jeton").count() == 0  # shown once only
    page.get_by_role("button", name="Révoquer déploiement").click()
    page.locator("#confirm-modal-text", has_text="« déploiement »").wait_for()  # a DSFR modal, not confirm()
    page.get_by_role("button", name="Révoquer le jeton").click()
    page.get_by_text("Jeton révoqué.").wait_for()
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_url(f"{live_server}/login?done=logged_out")
    page.goto(f"{live_server}/account")
    assert page.url.startswith(f"{live_server}/login")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_member_of_ministry_a_cannot_reach_ministry_b(browser, live_server, world):
    page = browser.new_page()
    _login(page, live_server, world.people["member_a"])
    response = page.goto(f"{live_server}/organisations/{world.orgs['B'].id}")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Introuvable"
    page.goto(f"{live_server}/organisations")
    assert page.get_by_role("link", name=world.orgs["B"].name).count() == 0
    page.close()


def test_members_are_managed_with_htmx_swaps(browser, live_server, world):
    page = browser.new_page()
    errors = _watch_csp(page)
    _login(page, live_server, world.people["admin_a"])
    page.goto(f"{live_server}/organisations/{world.orgs['A'].id}")
    page.get_by_label("Identifiant de la personne").fill("rssi")
    page.get_by_label("Rôle", exact=True).select_option("organisation_admin")
    page.get_by_role("button", name="Attribuer", exact=True).click()
    page.get_by_text("Séparation des tâches", exact=True).wait_for()  # the 409 shown as an alert, in place
    page.get_by_label("Identifiant de la personne").fill("agent.a")
    page.get_by_label("Rôle", exact=True).select_option("viewer")
    page.get_by_role("button", name="Attribuer", exact=True).click()
    page.get_by_text("Rôle attribué.").wait_for()
    page.get_by_role("button", name="Retirer Lecteur — agent.a").click()
    page.locator("#confirm-modal-text", has_text="agent.a").wait_for()
    page.get_by_role("button", name="Retirer le rôle").click()
    page.get_by_text("Rôle retiré.").wait_for()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()


def _axe(browser: Any, base: str, person: Person | None, paths: list[str]) -> dict[str, list[str]]:
    """axe-core's violations on each page (the CSP is bypassed only to inject axe itself)."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    if person is not None:
        _login(page, base, person)
    found: dict[str, list[str]] = {}
    for path in paths:
        page.goto(base + path)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        if violations:
            found[path] = [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
                           for v in violations]
    context.close()
    return found


def test_axe_finds_no_violation(browser, live_server, world):
    org = world.orgs["A"]
    assert _axe(browser, live_server, None, ["/login", "/accessibilite"]) == {}
    assert _axe(browser, live_server, world.people["admin_a"],
                ["/", "/account", "/organisations", f"/organisations/{org.id}",
                 f"/projects/{world.projects['a'].id}", "/audit"]) == {}
