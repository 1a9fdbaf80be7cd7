"""ProConnect login against a real OpenID provider (npm ``oidc-provider`` configured like ProConnect):
the code flow end to end, and each forged or weak answer refused with a readable page and journaled."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from sovcloud.audit.models import AuditEvent
from sovcloud.identity.models import OidcLink, OidcLoginState, UserSession
from tests.identity.conftest import provider_settings
from tests.identity.peer import agent, back, refusals, start, through_provider

pytestmark = pytest.mark.usefixtures("agents")
#: checks of the protocol that no database backend changes: run once
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_code_flow_end_to_end_links_the_agent_by_email_then_by_sub(pc_client, sessions):
    url = start(pc_client)
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["openid given_name usual_name email uid siret idp_id organizational_unit"]
    assert json.loads(query["claims"][0]) == {"id_token": {"acr": {"essential": True,
                                                                   "values": ["eidas1", "eidas2", "eidas3"]}}}
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["code_challenge_method"] == ["S256"]
    r = back(pc_client, through_provider(url, agent("sub-viewer", "lecteur.a@test.gouv.fr")))
    assert r.status_code == 200 and 'http-equiv="refresh"' in r.text
    me = pc_client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "lecteur.a"
    with sessions() as db:
        row = db.scalars(select(UserSession).order_by(UserSession.created_at.desc())).first()
        assert (row.acr, row.auth_method, row.mfa_verified) == ("eidas1", "proconnect", False)
        link = db.scalar(select(OidcLink))
        assert (link.sub, link.idp_id, link.linked_by) == ("sub-viewer", "idp-test", "reconciled_by_email")
        decisions = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.proconnect_linked")).all()
        assert [e.details["decision"] for e in decisions] == ["reconciled_by_email"]
    # the second time the pair (sub, idp_id) finds the account, whatever the e-mail says now
    pc_client.cookies.clear()
    r = back(pc_client, through_provider(start(pc_client), agent("sub-viewer", "renamed@elsewhere.gouv.fr")))
    assert r.status_code == 200
    assert pc_client.get("/api/v1/me").json()["username"] == "lecteur.a"


def test_a_tampered_or_replayed_state_is_refused_and_journaled(pc_client, sessions):
    answer = through_provider(start(pc_client), agent("sub-viewer", "lecteur.a@test.gouv.fr"))
    forged = answer.replace("state=", "state=X", 1)
    r = back(pc_client, forged)
    assert r.status_code == 403 and "inconnue" in r.text and "state_unknown" in r.text
    assert refusals(sessions, "state_unknown")
    ok = back(pc_client, answer)
    assert ok.status_code == 200
    replay = back(pc_client, answer)
    assert replay.status_code == 403 and "déjà servi" in replay.text
    assert refusals(sessions, "state_replayed")


@SQLITE_ONLY
def test_a_state_from_another_browser_is_refused(pc_client, pc_app, sessions):
    from fastapi.testclient import TestClient

    answer = through_provider(start(pc_client), agent("sub-viewer", "lecteur.a@test.gouv.fr"))
    with TestClient(pc_app) as other:  # an attacker's answer opened in the victim's browser (login CSRF)
        r = back(other, answer)
    assert r.status_code == 403 and "autre navigateur" in r.text
    assert refusals(sessions, "state_other_browser")


@SQLITE_ONLY
def test_a_wrong_nonce_is_refused(pc_client, sessions):
    url = start(pc_client)
    with sessions() as db, db.begin():
        db.execute(update(OidcLoginState).values(nonce="n" * 43))
    r = back(pc_client, through_provider(url, agent("sub-viewer", "lecteur.a@test.gouv.fr")))
    assert r.status_code == 403 and "nonce" in r.text
    assert refusals(sessions, "nonce_mismatch")
    assert pc_client.get("/api/v1/me").status_code == 401


@SQLITE_ONLY
def test_an_acr_below_the_one_asked_is_refused(settings, oidc_peer, sessions):
    from fastapi.testclient import TestClient

    from sovcloud.api.app import create_app

    strict = provider_settings(settings, oidc_peer, oidc_acr_values=["eidas2", "eidas3"])
    with TestClient(create_app(strict, install_queue=False)) as c:
        url = start(c)
        assert json.loads(parse_qs(urlsplit(url).query)["claims"][0])["id_token"]["acr"]["values"] == [
            "eidas2", "eidas3"]
        r = back(c, through_provider(url, agent("sub-viewer", "lecteur.a@test.gouv.fr", acr="eidas1")))
        assert r.status_code == 403 and "acr_not_granted" in r.text
    [event] = refusals(sessions, "acr_not_granted")
    assert (event.details["acr"], event.details["asked"]) == ("eidas1", "eidas2 eidas3")


@SQLITE_ONLY
def test_an_unsigned_userinfo_is_refused(settings, oidc_peer, sessions):
    from fastapi.testclient import TestClient

    from sovcloud.api.app import create_app

    unsigned = provider_settings(settings, oidc_peer, oidc_client_id="sovcloud-unsigned")
    with TestClient(create_app(unsigned, install_queue=False)) as c:
        r = back(c, through_provider(start(c), agent("sub-viewer", "lecteur.a@test.gouv.fr")))
        assert r.status_code == 403 and "non signées" in r.text
        assert c.get("/api/v1/me").status_code == 401
    assert refusals(sessions, "userinfo_unsigned")


@SQLITE_ONLY
def test_the_provider_refuses_unknown_authorization_parameters(pc_client):
    r = httpx.get(start(pc_client) + "&unexpected=1", follow_redirects=False)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


@SQLITE_ONLY
def test_without_settings_there_is_no_proconnect_button(client):
    assert "ProConnect" not in client.get("/login").text
    assert client.get("/login/proconnect", follow_redirects=False).status_code == 404


@SQLITE_ONLY
def test_the_login_page_shows_the_proconnect_button(pc_client):
    page = pc_client.get("/login").text
    assert "identifier avec" in page and 'href="/login/proconnect"' in page


@SQLITE_ONLY
def test_an_id_token_signed_by_another_key_is_refused(pc_settings):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from sovcloud.errors import LoginRefused
    from sovcloud.identity import oidc

    meta = oidc.metadata(pc_settings)
    forged = jwt.encode({"alg": "RS256", "kid": "test-rs256"}, {"iss": meta.issuer, "sub": "x"},
                        RSAKey.generate_key(2048))
    with pytest.raises(LoginRefused) as refused:
        oidc._verified(pc_settings, meta, forged, "id_token")
    assert refused.value.reason == "id_token_bad_signature"
    unsigned = jwt.encode({"alg": "none"}, {"iss": meta.issuer, "sub": "x"}, None, algorithms=["none"])
    with pytest.raises(LoginRefused):
        oidc._verified(pc_settings, meta, unsigned, "id_token")


@SQLITE_ONLY
def test_one_address_starts_only_so_many_logins(settings, oidc_peer, sessions):  # sessions: counters reset
    from fastapi.testclient import TestClient

    from sovcloud.api.app import create_app

    few = provider_settings(settings, oidc_peer, oidc_starts_per_address="2 per minute")
    with TestClient(create_app(few, install_queue=False)) as c:
        assert [c.get("/login/proconnect", follow_redirects=False).status_code for _ in range(3)] == [303, 303, 429]
