"""Authentication hardening: token rights follow the user now (MFA rule included), MFA re-enrolment keeps the
current factor, logout at any stage, Origin checks and no-store secrets, the last operator, project tokens."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from sovcloud.access.roles import Role
from sovcloud.audit.models import AuditEvent
from sovcloud.catalog.seed import seed_catalog
from sovcloud.clock import now
from sovcloud.tenancy import members
from sovcloud.tenancy.models import Membership
from tests.factories import PASSWORD, SYSTEM, login


def _token(client, **body):
    r = client.post("/api/v1/me/tokens", json={"name": "ci", "expires_in_days": 2, **body})
    assert r.status_code == 201, r.text
    return r.json()["secret"]


def _bearer(client_factory, secret):
    c = client_factory()
    c.headers["Authorization"] = f"Bearer {secret}"
    return c


def _new_project(client, org_id, name):
    return client.post("/api/v1/projects", json={"organisation_id": str(org_id), "name": name})


def _actions(sessions, **where):
    with sessions() as db:
        query = select(AuditEvent.action)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(db.scalars(query))


# --- 1. a token acts with its user's rights now, and the MFA rule ------------------------------------------

def test_token_of_a_viewer_promoted_to_admin_gains_no_administrative_role(client_factory, world, sessions):
    viewer = world.people["viewer_a"]  # viewer of ministry A, no second factor
    bearer = _bearer(client_factory, _token(login(client_factory(), viewer), organisation_id=str(world.orgs["A"].id)))
    assert _new_project(bearer, world.orgs["A"].id, "avant").status_code == 403
    with sessions() as db, db.begin():
        members.assign_role(db, actor=SYSTEM, user_id=viewer.id, role=Role.ORGANISATION_ADMIN,
                            organisation_id=world.orgs["A"].id)
    # the token was issued without a second factor: the new administrative role does not reach it
    assert _new_project(bearer, world.orgs["A"].id, "après").status_code == 403
    assert bearer.get(f"/api/v1/organisations/{world.orgs['A'].id}").status_code == 200  # viewing still works


def test_token_follows_demotion_at_once(client_factory, world, sessions):
    admin = world.people["admin_a"]
    bearer = _bearer(client_factory, _token(login(client_factory(), admin), organisation_id=str(world.orgs["A"].id)))
    assert _new_project(bearer, world.orgs["A"].id, "un").status_code == 201
    with sessions() as db, db.begin():
        membership = db.scalar(select(Membership).where(Membership.user_id == admin.id))
        members.revoke_role(db, actor=SYSTEM, membership_id=membership.id)
    assert _new_project(bearer, world.orgs["A"].id, "deux").status_code in (403, 404)


def test_token_loses_administrative_roles_when_its_user_loses_the_second_factor(client_factory, world, sessions):
    admin = world.people["admin_a"]
    bearer = _bearer(client_factory, _token(login(client_factory(), admin), organisation_id=str(world.orgs["A"].id)))
    assert _new_project(bearer, world.orgs["A"].id, "un").status_code == 201
    officer = login(client_factory(), world.people["security"])
    r = officer.post(f"/api/v1/users/{admin.id}/mfa/reset", json={"reason": "téléphone perdu"})
    assert r.status_code == 200 and r.json()["mfa_enabled"] is False
    assert _new_project(bearer, world.orgs["A"].id, "deux").status_code in (403, 404)  # admin role gone
    assert "user.mfa_reset" in _actions(sessions, actor_name="rssi")


# --- 2. enrolling a new factor never switches the current one off -------------------------------------------

def test_reenrolment_needs_the_current_factor_and_keeps_it_until_confirmed(client_factory, world, sessions, clock):
    admin = world.people["admin_a"]
    me = login(client_factory(), admin)
    assert me.post("/api/v1/auth/mfa/enrol").status_code == 422  # the current factor's code is required
    assert me.post("/api/v1/auth/mfa/enrol", json={"current_code": "000000"}).status_code == 401
    clock.advance(seconds=31)
    r = me.post("/api/v1/auth/mfa/enrol", json={"current_code": pyotp.TOTP(admin.seed).at(now())})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    new_seed = r.json()["seed"]
    clock.advance(seconds=31)
    assert login(client_factory(), admin).get("/api/v1/me").status_code == 200  # old factor still in force
    clock.advance(seconds=31)
    assert me.post("/api/v1/auth/mfa/confirm", json={"code": pyotp.TOTP(new_seed).at(now())}).status_code == 200
    clock.advance(seconds=31)
    old = client_factory()
    assert old.post("/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
                    ).json()["stage"] == "totp_required"
    assert old.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(admin.seed).at(now())}).status_code == 401
    assert old.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(new_seed).at(now())}).status_code == 200
    actions = _actions(sessions, actor_name=admin.username)
    assert "user.mfa_enrolment_started" in actions and "user.mfa_enrolled" in actions


def test_a_pending_login_cannot_replace_the_factor(client, world):
    admin = world.people["admin_a"]
    client.post("/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD})
    assert client.post("/api/v1/auth/mfa/enrol").status_code == 409


def test_administrator_reset_is_journaled_and_forces_enrolment(client_factory, world, sessions):
    admin = world.people["admin_a"]
    victim_session = login(client_factory(), admin)
    officer = login(client_factory(), world.people["security"])
    assert officer.post(f"/api/v1/users/{world.people['security'].id}/mfa/reset",
                        json={"reason": "x"}).status_code == 409  # never one's own
    assert officer.post(f"/api/v1/users/{admin.id}/mfa/reset", json={"reason": ""}).status_code == 422
    assert officer.post(f"/api/v1/users/{admin.id}/mfa/reset", json={"reason": "perte"}).status_code == 200
    assert victim_session.get("/api/v1/me").status_code == 401  # its sessions ended
    r = client_factory().post("/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD})
    assert r.json()["stage"] == "enrolment_required"
    member = login(client_factory(), world.people["member_a"])
    assert member.post(f"/api/v1/users/{admin.id}/mfa/reset", json={"reason": "x"}).status_code == 403


# --- 3. logout at any stage ---------------------------------------------------------------------------------

def test_logout_with_the_second_factor_pending_revokes_the_session(client, world):
    admin = world.people["admin_a"]
    assert client.post("/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
                       ).json()["stage"] == "totp_required"
    cookie = client.cookies.get("sovcloud_session")
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.set("sovcloud_session", cookie)  # a copy of the cookie kept by an attacker
    assert client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(admin.seed).now()}).status_code == 401


def test_portal_logout_with_the_second_factor_pending_revokes_the_session(client, world):
    admin = world.people["admin_a"]
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": admin.username, "password": PASSWORD, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login/totp"
    cookie = client.cookies.get("sovcloud_session")
    page = client.get("/login/totp").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("sovcloud_session", cookie)
    assert client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(admin.seed).now()}).status_code == 401


# --- 5. Origin check for cookie-authenticated writes, no-store secrets --------------------------------------

def test_cookie_authenticated_write_from_another_origin_is_refused(client_factory, world):
    member = login(client_factory(), world.people["member_a"])
    body = {"name": "x", "expires_in_days": 1, "project_id": str(world.projects["a"].id)}
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        r = member.post("/api/v1/me/tokens", json=body, headers=headers)
        assert r.status_code == 403 and r.json()["code"] == "cross-origin-refused", headers
    r = member.post("/api/v1/me/tokens", json=body, headers={"Origin": "http://testserver"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    assert member.get("/api/v1/me", headers={"Origin": "https://evil.example"}).status_code == 200  # reads
    bearer = _bearer(client_factory, r.json()["secret"])  # a token is not a cookie: no ambient authority
    assert bearer.delete(f"/api/v1/me/tokens/{r.json()['id']}", headers={"Origin": "https://evil.example"}
                         ).status_code == 200
    login_elsewhere = client_factory().post("/api/v1/auth/login", headers={"Origin": "https://evil.example"},
                                            json={"username": "agent.a", "password": PASSWORD})
    assert login_elsewhere.status_code == 403


# --- 6. the platform keeps an operator ------------------------------------------------------------------------

def test_last_platform_operator_keeps_the_role(client_factory, world, sessions, settings):
    from tests.factories import make_user

    operator = login(client_factory(), world.people["operator"])
    with sessions() as db:
        own = db.scalar(select(Membership.id).where(Membership.user_id == world.people["operator"].id))
    r = operator.delete(f"/api/v1/memberships/{own}")
    assert r.status_code == 409 and "dernier exploitant" in r.json()["detail"]
    officer = login(client_factory(), world.people["security"])
    assert officer.post(f"/api/v1/users/{world.people['operator'].id}/suspend", json={"reason": "x"}
                        ).status_code == 409
    with sessions() as db, db.begin():
        make_user(db, settings, "ops2", Role.PLATFORM_OPERATOR)
    assert operator.delete(f"/api/v1/memberships/{own}").status_code == 204


# --- 8. a project token reads what its project may read -----------------------------------------------------

def test_project_token_reads_its_organisations_catalogue_and_estimates(client_factory, world, sessions):
    with sessions() as db, db.begin():
        seed_catalog(db, SYSTEM)
    member = login(client_factory(), world.people["member_a"])
    org = world.orgs["A1"].id  # project a's organisation
    session_view = member.get("/api/v1/catalog/offerings", params={"organisation_id": str(org)})
    assert session_view.status_code == 200 and session_view.json()
    bearer = _bearer(client_factory, _token(member, project_id=str(world.projects["a"].id)))
    token_view = bearer.get("/api/v1/catalog/offerings", params={"organisation_id": str(org)})
    assert token_view.status_code == 200 and token_view.json() == session_view.json()
    plan = token_view.json()[0]["plans"][0]["id"]
    r = bearer.post("/api/v1/catalog/estimate", json={"organisation_id": str(org), "plan_id": plan,
                                              "parameters": {}})
    assert r.status_code == 200, r.text
    elsewhere = bearer.get("/api/v1/catalog/offerings", params={"organisation_id": str(world.orgs["B"].id)})
    assert elsewhere.status_code == 404


# --- 10. refused writes are journaled, even though the request fails ----------------------------------------

def _denied(sessions):
    with sessions() as db:
        return db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")
                          .order_by(AuditEvent.seq)).all()


def test_api_refusal_of_a_write_is_journaled_and_reads_are_not(client_factory, world, sessions):
    member = login(client_factory(), world.people["member_a"])
    assert member.get("/api/v1/users").status_code == 403  # a read: not journaled
    r = member.post("/api/v1/users", json={"username": "x1", "email": "x1@x.gouv.fr", "full_name": "X",
                                           "password": "Une-Phrase-Longue-7"})
    assert r.status_code == 403
    entries = _denied(sessions)
    assert [(e.actor_name, e.outcome, e.details["permission"], e.details["method"], e.details["where"])
            for e in entries] == [("agent.a", "denied", "user.create", "POST", "/api/v1/users")]
    assert entries[0].request_id == r.json()["request_id"]
    cross = member.post("/api/v1/me/tokens", headers={"Origin": "https://evil.example"},
                        json={"name": "x", "expires_in_days": 1, "project_id": str(world.projects["a"].id)})
    assert cross.status_code == 403
    assert _denied(sessions)[-1].details["code"] == "cross-origin-refused"


def test_portal_refusal_shown_on_the_page_is_journaled(client, world, sessions):
    from tests.web.helpers import csrf_of

    login(client, world.people["viewer_a"])
    org = world.orgs["A"].id
    r = client.post(f"/organisations/{org}/members", data={"username": "agent.b", "role": "viewer",
                                                          "csrf_token": csrf_of(client, f"/organisations/{org}")})
    assert r.status_code == 403
    entries = _denied(sessions)
    assert len(entries) == 1 and entries[0].actor_name == "lecteur.a"
    assert entries[0].details["permission"] == "member.manage"


def test_cli_refusal_is_journaled(world, sessions, settings, monkeypatch):
    from typer.testing import CliRunner

    from sovcloud.cli.main import app
    from sovcloud.config import get_settings
    from sovcloud.identity import tokens
    from tests.factories import actor_for

    with sessions() as db, db.begin():
        secret = tokens.create_token(db, actor=actor_for(db, world.people["viewer_a"]), settings=settings,
                                     name="cli", expires_in_days=1, organisation_id=world.orgs["A"].id).secret
    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    args = ["--token", secret, "project", "create", str(world.orgs["A"].id), "pirate"]
    monkeypatch.setattr("sys.argv", ["sovcloud", *args])
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, args, catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 1 and "permission-denied" in r.output
    entries = _denied(sessions)
    assert len(entries) == 1 and entries[0].actor_name == "lecteur.a"
    assert entries[0].details["where"] == f"cli: --token <jeton> project create {world.orgs['A'].id} pirate"


# --- 9. the API docs: our own static files, the portal's CSP, behind login -----------------------------------

def test_api_docs_are_self_hosted_under_the_csp_behind_login(client, world):
    from sovcloud.web.app import CSP

    anonymous = client.get("/api/v1/docs", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/api/v1/docs"
    login(client, world.people["member_a"])
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)  # no inline script
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', r.text))  # nothing from another host
    for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        assert client.get(url).status_code == 200, url
