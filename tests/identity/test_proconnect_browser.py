"""ProConnect in a real browser (headless Debian chromium) against the real provider, under the portal's CSP:
eidas1 asks the TOTP step-up before an administrative page, eidas2 opens it at once, logout goes through the
provider's end-session endpoint; axe-core finds nothing on the new pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from tests.browser import AXE
from tests.identity.conftest import provider_settings
from tests.identity.peer import agent
from tests.live import serving

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def base(settings, sessions, oidc_peer, browser) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from sovcloud.api.app import create_app

    origin = f"http://127.0.0.1:{oidc_peer.live_port}"
    app = create_app(provider_settings(settings, oidc_peer, origin=origin), install_queue=False)
    with serving(app, port=oidc_peer.live_port) as url:
        yield url


def provider_login(page: Any, base: str, who: dict[str, str]) -> None:
    page.goto(f"{base}/login")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_selector("#sub")
    for name, value in who.items():
        if name == "acr":
            page.select_option("#acr", value)
        else:
            page.fill(f"#{name}", value)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/**")


def axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{page.url} {v['id']}: {v['help']} {v['nodes'][0]['target']}" for v in found]


def test_eidas1_steps_up_before_an_admin_page_eidas2_goes_straight_and_logout_ends_both(browser, base, agents):
    errors: list[str] = []
    context = browser.new_context()  # the portal's CSP in force
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    provider_login(page, base, agent("s-adm", "admin.a@test.gouv.fr", acr="eidas1"))
    assert page.get_by_role("heading", name="Confirmation requise").is_visible()
    page.goto(f"{base}/audit")  # an administrative page: the step-up comes first
    page.wait_for_url(f"{base}/login/totp**")
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(agents.people["admin"].seed).now())
    page.get_by_role("button", name="Valider").click()
    page.goto(f"{base}/audit")
    assert page.get_by_role("heading", name="Journal d'audit").is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Oui, me déconnecter").click()  # the provider's end-session page
    page.wait_for_url(f"{base}/login?done=logged_out")
    assert page.get_by_text("Vous êtes déconnecté.").is_visible()
    page.goto(f"{base}/audit")
    page.wait_for_url(f"{base}/login**")
    # eidas2: the administrative page opens without the local second factor
    provider_login(page, base, agent("s-adm", "admin.a@test.gouv.fr", acr="eidas2"))
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/audit")
    assert page.url == f"{base}/audit" and page.get_by_role("heading", name="Journal d'audit").is_visible()
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_axe_finds_nothing_on_the_proconnect_pages(browser, base, agents):
    context = browser.new_context(bypass_csp=True)  # only to inject axe
    page = context.new_page()
    page.goto(f"{base}/login")
    found = axe(page)
    provider_login(page, base, agent("s-adm", "admin.a@test.gouv.fr", acr="eidas1"))
    assert page.get_by_role("heading", name="Confirmation requise").is_visible()
    found += axe(page)
    page.goto(f"{base}/login/proconnect/callback?state={'x' * 43}&code=forged")
    assert page.get_by_role("heading", name="Connexion avec ProConnect refusée").is_visible()
    found += axe(page)
    context.close()
    assert found == []
