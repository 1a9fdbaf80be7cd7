"""Lockout, MFA enforcement for administrative roles, sessions, API tokens, suspension."""

from __future__ import annotations

import uuid

import pyotp
from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.identity.models import User
from tests.factories import PASSWORD, login, make_user


def _login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_lockout_after_threshold_with_audit_event(client, world, sessions, settings):
    for i in range(settings.lockout_threshold):
        r = _login(client, "agent.a", "wrong-password")
        assert r.status_code == 401, (i, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = _login(client, "agent.a")  # right password, but locked
    assert r.status_code == 423
    assert r.json()["code"] == "account-locked"
    with sessions() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "agent.a")).all()
        assert actions.count("user.login") == settings.lockout_threshold + 1
        assert "user.locked" in actions
        failures = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.login",
                                                       AuditEvent.outcome == "failure")).all()
        assert len(failures) == settings.lockout_threshold + 1


def test_lock_expires_and_success_resets_counter(client, world, sessions, settings, clock):
    for _ in range(settings.lockout_threshold):
        _login(client, "agent.a", "nope")
    assert _login(client, "agent.a").status_code == 423
    clock.advance(minutes=settings.lockout_minutes + 1)
    r = _login(client, "agent.a")
    assert r.status_code == 200 and r.json()["stage"] == "complete"
    with sessions() as db:
        user = db.scalar(select(User).where(User.username == "agent.a"))
        assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_user_and_wrong_password_look_the_same(client, world):
    a, b = _login(client, "nobody", "x"), _login(client, "agent.a", "x")
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]


def test_admin_needs_totp_before_any_call(client, world):
    admin = world.people["admin_a"]
    r = _login(client, admin.username)
    assert r.json()["stage"] == "totp_required"
    r = client.get("/api/v1/organisations")
    assert r.status_code == 401 and r.json()["code"] == "mfa-required"
    assert client.post("/api/v1/auth/totp", json={"code": "000000"}).status_code == 401
    code = pyotp.TOTP(admin.seed).now()
    assert client.post("/api/v1/auth/totp", json={"code": code}).status_code == 200
    assert client.get("/api/v1/organisations").status_code == 200


def test_totp_code_cannot_be_replayed(client_factory, world):
    admin = world.people["admin_a"]
    code = pyotp.TOTP(admin.seed).now()
    first, second = client_factory(), client_factory()
    _login(first, admin.username)
    assert first.post("/api/v1/auth/totp", json={"code": code}).status_code == 200
    _login(second, admin.username)
    r = second.post("/api/v1/auth/totp", json={"code": code})
    assert r.status_code == 401


def test_admin_without_totp_must_enrol(client, sessions, settings, world):
    from sovcloud.access.roles import Role

    with sessions() as db, db.begin():
        make_user(db, settings, "new.admin", Role.ORGANISATION_ADMIN, org=world.orgs["B"], enrol=False)
    r = _login(client, "new.admin")
    assert r.json()["stage"] == "enrolment_required"
    blocked = client.get("/api/v1/projects")
    assert blocked.status_code == 401 and blocked.json()["stage"] == "enrolment_required"
    enrol = client.post("/api/v1/auth/mfa/enrol").json()
    assert enrol["uri"].startswith("otpauth://totp/") and "<svg" in enrol["qr_svg"]
    assert client.post("/api/v1/auth/mfa/confirm", json={"code": "123456"}).status_code == 401
    r = client.post("/api/v1/auth/mfa/confirm", json={"code": pyotp.TOTP(enrol["seed"]).now()})
    assert r.status_code == 200
    assert client.get("/api/v1/projects").status_code == 200


def test_plain_member_logs_in_with_password_only(client, world):
    assert _login(client, "agent.a").json()["stage"] == "complete"
    assert client.get("/api/v1/me").json()["username"] == "agent.a"


def test_session_idle_and_absolute_timeouts(client, world, clock, settings):
    login(client, world.people["member_a"])
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(minutes=settings.session_idle_minutes + 1)
    assert client.get("/api/v1/me").status_code == 401
    login(client, world.people["member_a"])
    for _ in range(settings.session_absolute_hours * 60 // (settings.session_idle_minutes - 1) + 1):
        clock.advance(minutes=settings.session_idle_minutes - 1)
        if client.get("/api/v1/me").status_code == 401:
            break
    else:
        raise AssertionError("session outlived its absolute lifetime")


def test_logout_ends_session(client, world):
    login(client, world.people["member_a"])
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def _token(client, **body):
    r = client.post("/api/v1/me/tokens", json={"name": "ci", "expires_in_days": 2, **body})
    assert r.status_code == 201, r.text
    return r.json()


def test_token_is_hashed_scoped_and_tracks_last_use(client_factory, world, sessions):
    owner = login(client_factory(), world.people["member_a"])
    token = _token(owner, project_id=str(world.projects["a"].id))
    with sessions() as db:
        from sovcloud.identity.models import ApiToken

        stored = db.get(ApiToken, uuid.UUID(token["id"]))
        assert token["secret"] not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    bearer = client_factory()
    bearer.headers["Authorization"] = f"Bearer {token['secret']}"
    assert bearer.get(f"/api/v1/projects/{world.projects['a'].id}").status_code == 200
    listed = owner.get("/api/v1/me/tokens").json()
    assert listed[0]["last_used_at"] is not None and "secret" not in listed[0]


def test_token_expiry(client_factory, world, clock):
    owner = login(client_factory(), world.people["member_a"])
    token = _token(owner, project_id=str(world.projects["a"].id))
    bearer = client_factory()
    bearer.headers["Authorization"] = f"Bearer {token['secret']}"
    assert bearer.get("/api/v1/me").status_code == 200
    clock.advance(days=2, seconds=1)
    r = bearer.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "not-authenticated"


def test_token_revocation(client_factory, world):
    owner = login(client_factory(), world.people["member_a"])
    token = _token(owner, project_id=str(world.projects["a"].id))
    bearer = client_factory()
    bearer.headers["Authorization"] = f"Bearer {token['secret']}"
    assert bearer.get("/api/v1/me").status_code == 200
    assert owner.delete(f"/api/v1/me/tokens/{token['id']}").status_code == 200
    assert bearer.get("/api/v1/me").status_code == 401


def test_token_scoped_to_organisation_cannot_reach_elsewhere(client_factory, world, sessions, settings):
    admin = login(client_factory(), world.people["admin_a"])
    token = _token(admin, organisation_id=str(world.orgs["A1"].id))
    bearer = client_factory()
    bearer.headers["Authorization"] = f"Bearer {token['secret']}"
    assert bearer.get(f"/api/v1/organisations/{world.orgs['A1'].id}").status_code == 200
    assert bearer.get(f"/api/v1/organisations/{world.orgs['A'].id}").status_code == 404
    assert bearer.post("/api/v1/me/tokens", json={"name": "x", "expires_in_days": 1}).status_code == 403


def test_non_platform_user_must_scope_tokens(client, world):
    login(client, world.people["member_a"])
    r = client.post("/api/v1/me/tokens", json={"name": "x", "expires_in_days": 1})
    assert r.status_code == 403
    r = client.post("/api/v1/me/tokens", json={"name": "x", "expires_in_days": 9999,
                                               "project_id": str(world.projects["a"].id)})
    assert r.status_code == 422


def test_suspension_kills_sessions_and_tokens_at_once(client_factory, world):
    member = login(client_factory(), world.people["member_a"])
    token = _token(member, project_id=str(world.projects["a"].id))
    bearer = client_factory()
    bearer.headers["Authorization"] = f"Bearer {token['secret']}"
    assert member.get("/api/v1/me").status_code == 200 and bearer.get("/api/v1/me").status_code == 200
    officer = login(client_factory(), world.people["security"])
    r = officer.post(f"/api/v1/users/{world.people['member_a'].id}/suspend", json={"reason": "départ"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert member.get("/api/v1/me").status_code == 401
    assert bearer.get("/api/v1/me").status_code == 401
    assert _login(client_factory(), "agent.a").status_code == 401


def test_password_policy(client, world):
    login(client, world.people["operator"])
    r = client.post("/api/v1/users", json={"username": "weak", "email": "w@x.gouv.fr", "full_name": "W",
                                           "password": "short"})
    assert r.status_code == 422 and "12 caractères" in r.json()["detail"]
    r = client.post("/api/v1/users", json={"username": "good", "email": "g@x.gouv.fr", "full_name": "G",
                                           "password": "Une-Phrase-Longue-7"})
    assert r.status_code == 201


def test_member_cannot_create_users(client, world):
    login(client, world.people["member_a"])
    r = client.post("/api/v1/users", json={"username": "x1", "email": "x1@x.gouv.fr", "full_name": "X",
                                           "password": "Une-Phrase-Longue-7"})
    assert r.status_code == 403 and r.json()["code"] == "permission-denied"


def test_revoke_one_of_my_sessions(client_factory, world):
    laptop = login(client_factory(), world.people["member_a"])
    phone = login(client_factory(), world.people["member_a"])
    listed = laptop.get("/api/v1/me/sessions").json()
    assert len(listed) == 2
    other = next(s for s in listed if s["id"] != listed[0]["id"])
    assert laptop.delete(f"/api/v1/me/sessions/{other['id']}").status_code == 200
    alive = [c.get("/api/v1/me").status_code for c in (laptop, phone)]
    assert sorted(alive) == [200, 401]
