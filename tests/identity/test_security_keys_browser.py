"""Security keys in a real browser (headless chromium with a CDP virtual authenticator), under the portal's
CSP: a key enrolled on the account page with its recovery codes, a login with it, a tampered signature
refused, a recovery code instead of the key; axe-core on the new pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from sovcloud.access.roles import Role
from sovcloud.audit.models import AuditEvent
from sovcloud.identity.models import SecurityKey
from tests.factories import make_org, make_user
from tests.identity.test_proconnect_browser import axe
from tests.live import serving

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def base(app, browser) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(app) as url:
        yield url.replace("127.0.0.1", "localhost")  # an IP address cannot be a WebAuthn relying party id


@pytest.fixture
def admin(sessions, settings):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        return make_user(db, settings, "admin.k", Role.ORGANISATION_ADMIN, org=make_org(db, "MINK"))


def password_step(page: Any, base: str, person: Any) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Identifiant").fill(person.username)
    page.get_by_label("Mot de passe").fill(person.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/login/totp")


def test_enrol_a_key_log_in_with_it_a_bad_signature_is_refused_and_recovery_works(browser, base, admin, sessions):
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    password_step(page, base, admin)
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(admin.seed).now())
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/account/security-keys")
    page.get_by_label("Nom de la clé").fill("clé USB bureau")
    page.get_by_role("button", name="Ajouter la clé").click()
    page.wait_for_selector("#recovery-codes:not([hidden])")
    codes = page.locator("#recovery-codes-list li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="J'ai noté mes codes").click()
    assert page.get_by_text("clé USB bureau").first.is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    # log in with the key
    password_step(page, base, admin)
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    page.wait_for_url(f"{base}/")
    with sessions() as db:
        assert db.scalar(select(SecurityKey.sign_count)) >= 1
    page.get_by_role("button", name="Se déconnecter").click()
    # a tampered signature is refused
    password_step(page, base, admin)

    def tamper(route: Any) -> None:
        body = json.loads(route.request.post_data)
        sig = body["credential"]["response"]["signature"]
        body["credential"]["response"]["signature"] = sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/v1/auth/webauthn", tamper)
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    page.wait_for_selector("#security-key-status:not([hidden])")
    assert "Clé de sécurité refusée" in page.locator("#security-key-status").inner_text()
    assert page.url.startswith(f"{base}/login/totp")
    page.unroute("**/api/v1/auth/webauthn")
    # a counter that did not grow (a cloned key) is refused too
    with sessions() as db, db.begin():
        db.execute(update(SecurityKey).values(sign_count=10**9))
    page.get_by_role("button", name="Utiliser ma clé de sécurité").click()
    expect(page.locator("#security-key-status")).to_contain_text("count")
    assert page.url.startswith(f"{base}/login/totp")
    with sessions() as db:
        failures = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.login",
                                                       AuditEvent.outcome == "failure")).all()
        assert any(e.details.get("reason") == "bad_webauthn" for e in failures)
    context.close()
    # a lost key: a recovery code, once; axe-core on the pages (CSP bypassed only to inject axe)
    other = browser.new_context(bypass_csp=True)
    page = other.new_page()
    password_step(page, base, admin)
    found = axe(page)
    page.get_by_role("link", name="Clé perdue ? Utiliser un code de secours").click()
    page.get_by_label("Un de vos codes de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/account/security-keys")
    found += axe(page)
    page.get_by_role("button", name="Se déconnecter").click()
    password_step(page, base, admin)
    page.goto(f"{base}/login/recovery")
    page.get_by_label("Un de vos codes de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    assert page.get_by_text("Code de secours incorrect ou déjà utilisé.").is_visible()
    other.close()
    assert found == []
