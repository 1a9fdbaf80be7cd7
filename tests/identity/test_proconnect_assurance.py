"""Assurance of ProConnect sessions: administrative roles need eidas2 or more, or the local second factor
(step-up) before any action; the session remembers the acr and the method; logout goes through ProConnect."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pyotp
from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.clock import now
from sovcloud.identity.models import UserSession
from tests.identity.peer import agent, back, start, through_provider
from tests.web.helpers import csrf_of


def last_session(sessions) -> UserSession:  # type: ignore[no-untyped-def]
    with sessions() as db:
        return db.scalars(select(UserSession).order_by(UserSession.created_at.desc())).first()


def test_eidas1_admin_steps_up_with_totp_before_any_action(pc_client, agents, sessions):
    r = back(pc_client, through_provider(start(pc_client), agent("s-adm", "admin.a@test.gouv.fr")))
    assert r.status_code == 200 and "Confirmation requise" in r.text and 'href="/login/totp"' in r.text
    assert 'http-equiv="refresh"' not in r.text
    refused = pc_client.get("/api/v1/me")
    assert refused.status_code == 401 and refused.json()["code"] == "mfa-required"
    assert pc_client.get("/", follow_redirects=False).headers["location"] == "/login/totp"
    code = pyotp.TOTP(agents.people["admin"].seed).at(now())
    assert pc_client.post("/api/v1/auth/totp", json={"code": code}).status_code == 200
    me = pc_client.get("/api/v1/me").json()
    assert "organisation_admin" in {g["role"] for g in me["grants"]}
    row = last_session(sessions)
    assert (row.acr, row.auth_method, row.mfa_verified) == ("eidas1", "proconnect+totp", True)
    [mine] = pc_client.get("/api/v1/me/sessions").json()
    assert (mine["acr"], mine["auth_method"]) == ("eidas1", "proconnect+totp")
    with sessions() as db:
        asked = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.step_up_required"))
        assert asked.details == {"acr": "eidas1", "needed": "eidas2", "stage": "totp_required"}


def test_an_admin_without_totp_is_linked_only_by_a_strong_login_then_told_to_enrol(pc_client, agents, sessions):
    admin = agent("s-adm-c", "admin.c@test.gouv.fr")
    weak = back(pc_client, through_provider(start(pc_client), admin))
    assert weak.status_code == 403 and "admin_reconciliation_needs_strong_login" in weak.text
    assert back(pc_client, through_provider(start(pc_client), {**admin, "acr": "eidas2"})).status_code == 200
    pc_client.cookies.clear()
    r = back(pc_client, through_provider(start(pc_client), admin))  # linked now: eidas1 asks to enrol a factor
    assert "QR code" in r.text and 'href="/login/enrolment"' in r.text
    assert pc_client.get("/api/v1/me").json()["code"] == "mfa-required"
    assert "sc-qr" in pc_client.get("/login/enrolment").text


def test_eidas2_admin_acts_at_once_and_logs_out_through_proconnect(pc_client, agents, sessions):
    r = back(pc_client, through_provider(start(pc_client), agent("s-adm", "admin.a@test.gouv.fr", acr="eidas2")))
    assert 'http-equiv="refresh"' in r.text
    assert pc_client.get("/api/v1/me").status_code == 200
    row = last_session(sessions)
    assert (row.acr, row.auth_method, row.mfa_verified) == ("eidas2", "proconnect", True)
    leave = pc_client.post("/logout", data={"csrf_token": csrf_of(pc_client, "/account")}, follow_redirects=False)
    assert leave.status_code == 200
    target = unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', leave.text).group(1))
    query = parse_qs(urlsplit(target).query)
    assert query["id_token_hint"] == [row.id_token] and len(query["state"][0]) >= 32
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/proconnect/logged-out"]
    assert pc_client.get("/api/v1/me").status_code == 401  # the local session ended before leaving
    with httpx.Client(timeout=10) as provider:  # the provider asks to confirm, then sends the browser back
        page = provider.get(target)
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
        done = provider.post(urljoin(target, form.group(1)), data={**fields, "logout": "yes"})
    assert done.status_code in (302, 303)
    home = back(pc_client, done.headers["location"])
    assert home.headers["location"] == "/login?done=logged_out"
