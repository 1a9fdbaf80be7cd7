"""Portal behaviour through plain HTTP: security headers, CSRF, redirects, language, tenant isolation."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import csrf_of, portal_login


def test_pages_carry_strict_csp_and_hardening_headers(client):
    r = client.get("/login")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "style=" not in r.text and "<script>" not in r.text


def test_api_keeps_working_without_portal_csp(client):
    r = client.get("/healthz")
    assert r.json()["status"] == "ok"
    assert "content-security-policy" not in r.headers
    assert client.get("/api/v1/me").headers["content-type"].startswith("application/problem+json")


def test_post_without_csrf_token_is_refused(client, world):
    r = client.post("/login", data={"username": "agent.a", "password": "x"})
    assert r.status_code == 403
    assert "Jeton de sécurité" in r.text


def test_post_with_wrong_or_foreign_token_is_refused(client_factory, world):
    alice, mallory = client_factory(), client_factory()
    portal_login(alice, world.people["member_a"])
    stolen = csrf_of(mallory, "/login")  # valid for mallory's cookies, not alice's
    r = alice.post("/account/tokens", data={"name": "x", "expires_in_days": "30", "scope": "platform",
                                            "csrf_token": stolen})
    assert r.status_code == 403
    r = alice.post("/logout", headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403


def test_unauthenticated_pages_redirect_to_login(client):
    for path in ("/", "/account", "/organisations", "/audit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    assert client.get("/audit?action=user.", follow_redirects=False).headers["location"] == \
        "/login?next=/audit%3Faction%3Duser."


def test_admin_login_goes_through_totp(client, world):
    admin = world.people["admin_a"]
    r = client.post("/login", data={"username": admin.username, "password": admin.password,
                                    "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.headers["location"] == "/login/totp"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login/totp"
    token = csrf_of(client, "/login/totp")
    r = client.post("/login/totp", data={"code": "000000", "csrf_token": token})
    assert r.status_code == 401 and "fr-alert--error" in r.text
    portal_login(client, admin)
    assert "Tableau de bord" in client.get("/").text


def test_wrong_password_is_a_readable_alert(client, world):
    r = client.post("/login", data={"username": "agent.a", "password": "nope", "csrf_token": csrf_of(client)})
    assert r.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in r.text and "Traceback" not in r.text


def test_french_first_with_english_switch(client, world):
    page = client.get("/login")
    assert '<html lang="fr"' in page.text and "Se connecter" in page.text
    r = client.get("/lang/en?next=/login", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en"' in page.text and "Sign in" in page.text and "Se connecter" not in page.text
    client.get("/lang/fr?next=/login")
    assert '<html lang="fr"' in client.get("/login").text


def test_language_switch_never_redirects_off_site(client):
    r = client.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/"


def test_cross_tenant_organisation_is_a_404_page(client, world):
    portal_login(client, world.people["member_a"])
    r = client.get(f"/organisations/{world.orgs['B'].id}")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"] and "Introuvable" in r.text
    assert client.get(f"/projects/{world.projects['b'].id}").status_code == 404
    assert client.get(f"/projects/{world.projects['a'].id}").status_code == 200


def test_cross_tenant_admin_cannot_act_on_other_ministry(client, world):
    portal_login(client, world.people["admin_a"])
    token = csrf_of(client, "/organisations")
    r = client.post(f"/organisations/{world.orgs['B'].id}/members",
                    data={"username": "agent.a", "role": "viewer", "csrf_token": token})
    assert r.status_code == 404


def test_member_form_does_not_tell_who_exists(client, world):
    """Someone who sees a project but may not manage its members learns nothing of which usernames exist:
    a known and an unknown username get the same refusal."""
    portal_login(client, world.people["member_a"])
    project = world.projects["a"]
    token = csrf_of(client, f"/projects/{project.id}")
    answers = [client.post(f"/projects/{project.id}/members",
                           data={"username": name, "role": "viewer", "csrf_token": token})
               for name in ("admin.b", "personne.inconnue")]
    assert [r.status_code for r in answers] == [403, 403]
    assert "admin.b" not in answers[0].text and "inconnue" not in answers[1].text


def test_unknown_portal_page_is_html_404_and_api_stays_json(client):
    r = client.get("/nowhere")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_separation_of_duties_refusal_is_a_dsfr_alert(client, world):
    portal_login(client, world.people["operator"])
    token = csrf_of(client, "/organisations")
    # the security officer may not also administer an organisation
    r = client.post(f"/organisations/{world.orgs['A'].id}/members",
                    data={"username": "rssi", "role": "organisation_admin", "csrf_token": token})
    assert r.status_code == 409
    assert "fr-alert--error" in r.text and "Séparation des tâches" in r.text and "Traceback" not in r.text


def test_quota_exceeded_is_a_dsfr_alert(client, world):
    portal_login(client, world.people["admin_a"])
    project = world.projects["a"]
    token = csrf_of(client, f"/projects/{project.id}")
    r = client.post(f"/projects/{project.id}/quota", data={
        "vcpus": "999999", "ram_mb": "1", "storage_gb": "1", "instances": "1", "public_ips": "0", "csrf_token": token})
    assert r.status_code == 409
    assert "Quota dépassé" in r.text and "fr-alert--error" in r.text


def test_member_assignment_and_removal(client, world):
    portal_login(client, world.people["admin_a"])
    org = world.orgs["A"]
    token = csrf_of(client, f"/organisations/{org.id}")
    r = client.post(f"/organisations/{org.id}/members",
                    data={"username": "agent.a", "role": "viewer", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "Rôle attribué" in page.text and "agent.a" in page.text
    membership = re.findall(r'/memberships/([0-9a-f-]{36})/revoke', page.text)
    assert membership
    r = client.post(f"/memberships/{membership[-1]}/revoke",
                    data={"back": f"org:{org.id}", "csrf_token": token}, headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith(f"/organisations/{org.id}")


def test_account_token_secret_shown_once_then_revoked(client, world):
    portal_login(client, world.people["member_a"])
    token = csrf_of(client, "/account")
    r = client.post("/account/tokens", data={"name": "ci", "expires_in_days": "30",
                                            "scope": f"project:{world.projects['a'].id}", "csrf_token": token},
                    follow_redirects=True)  # POST-redirect-GET: tests/web/test_token_page.py
    assert r.status_code == 200 and "svc_" in r.text and r.headers["cache-control"] == "no-store"
    page = client.get("/account")
    assert "ci" in page.text and 'value="svc_' not in page.text
    token_id = re.search(r"/account/tokens/([0-9a-f-]{36})/revoke", page.text)
    assert token_id
    r = client.post(f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token})
    assert r.status_code == 200 and "Jeton révoqué" in r.text


def test_audit_journal_search_pagination_and_export(client, world, monkeypatch):
    monkeypatch.setattr("sovcloud.web.audit.PAGE", 5)
    portal_login(client, world.people["security"])
    page = client.get("/audit")
    assert page.status_code == 200 and "Connexion <code class=\"fr-text--xs\">user.login</code>" in page.text
    assert "/audit/verification" in page.text
    more = re.search(r'href="(/audit\?before=\d+)"', page.text)
    assert more, "five entries per page: the seeded world fills several"
    older = client.get(more.group(1))
    assert older.status_code == 200
    rows = client.get(more.group(1).replace("/audit?", "/audit/rows?"))
    assert "<tr>" in rows.text and "<html" not in rows.text
    assert "Chaîne intègre" in client.get("/audit/verification").text
    r = client.get(f"/audit/export?organisation_id={world.orgs['A'].id}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert r.text.count("\n") >= 1 and "attachment" in r.headers["content-disposition"]


def test_audit_filters(client, world):
    portal_login(client, world.people["security"])
    page = client.get("/audit?action=organisation.&outcome=success")
    assert ">organisation.created</code>" in page.text and ">membership.granted</code>" not in page.text
    assert client.get("/audit?since=not-a-date").status_code == 422


def test_member_cannot_open_audit(client, world):
    portal_login(client, world.people["member_a"])
    assert client.get("/audit").status_code == 403


@pytest.mark.parametrize("path", ["/accessibilite", "/mentions-legales", "/donnees-personnelles", "/cookies"])
def test_mandatory_mentions_are_real_pages(client, path):
    r = client.get(path)
    assert r.status_code == 200 and "<h1>" in r.text
    home = client.get("/login").text
    assert f'href="{path}"' in home

