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


def test_throttle_after_threshold_with_audit_event(client, world, sessions, settings):
    for i in range(settings.lockout_threshold):
        r = _login(client, "agent.a", "wrong-password")
        assert r.status_code == 401, (i, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = _login(client, "agent.a")  # right password, but this address is throttled on this account
    assert r.status_code == 429 and r.json()["code"] == "too-many-attempts"
    with sessions() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "agent.a")).all()
        assert actions.count("user.login") == settings.lockout_threshold
        assert "user.throttled" in actions


def test_throttle_expires_and_success_resets_counter(client_factory, app, world, sessions, settings):
    import time

    settings.lockout_minutes = 8 / 60  # a window of eight seconds
    client = client_factory()
    for _ in range(settings.lockout_threshold):
        _login(client, "agent.a", "nope")
    assert _login(client, "agent.a").status_code == 429
    time.sleep(8.2)
    r = _login(client, "agent.a")
    assert r.status_code == 200 and r.json()["stage"] == "complete"
    with sessions() as db:
        user = db.scalar(select(User).where(User.username == "agent.a"))
        assert user.failed_logins == 0


def _from(app, address):
    from fastapi.testclient import TestClient

    return TestClient(app, client=(address, 40000))


def test_lockout_reveals_nothing_about_which_accounts_exist(app, world, settings):
    """Unknown names and real accounts get the same answers, step by step, once throttled too."""
    import time

    attacker = _from(app, "203.0.113.7")
    answers: dict[str, list[tuple[int, str]]] = {}
    timings: dict[str, float] = {}
    for name in ("agent.a", "personne.inconnue"):
        start = time.perf_counter()
        replies = [_login(attacker, name, "mauvais-mot-de-passe") for _ in range(settings.lockout_threshold + 2)]
        timings[name] = time.perf_counter() - start
        answers[name] = [(r.status_code, r.json()["detail"]) for r in replies]
    assert answers["agent.a"] == answers["personne.inconnue"]
    assert [code for code, _ in answers["agent.a"]][-2:] == [429, 429]
    assert 0.5 < timings["agent.a"] / timings["personne.inconnue"] < 2.0


def test_anonymous_callers_cannot_lock_the_owner_out(app, world, settings, client_factory):
    """Failures from many addresses put the account under attack: strangers are refused even with the right
    password, but its owner at a known address, and an MFA user with the second factor, still get in."""
    import pyotp

    from sovcloud.clock import now
    from tests.factories import login as full_login

    owner = _from(app, "198.51.100.10")
    assert _login(owner, "agent.a").status_code == 200  # a known address for agent.a
    admin = world.people["admin_a"]
    full_login(_from(app, "198.51.100.11"), admin)
    per_address = settings.lockout_threshold - 1
    for i in range(settings.lockout_account_threshold // per_address + 1):
        bot = _from(app, f"203.0.113.{i + 1}")
        for name in ("agent.a", admin.username):
            for _ in range(per_address):
                assert _login(bot, name, "devine").status_code in (401, 429)
    stranger = _from(app, "192.0.2.99")
    assert _login(stranger, "agent.a").status_code == 429  # right password, unknown address: refused...
    assert _login(stranger, "agent.a", "faux").json()["detail"] == _login(stranger, "agent.a").json()["detail"]
    assert _login(owner, "agent.a").status_code == 200  # ...but the owner, where it works, gets in
    new_place = _from(app, "192.0.2.100")
    r = _login(new_place, admin.username)
    assert r.status_code == 200 and r.json()["stage"] == "totp_required"  # right password + second factor
    # the next step's code: the current one may be the code the first login used, which is a replay now
    code = pyotp.TOTP(admin.seed).at(now(), counter_offset=1)
    assert new_place.post("/api/v1/auth/totp", json={"code": code}).status_code == 200
    assert _login(new_place, admin.username, "faux").status_code == 401


def test_reactivation_lifts_the_account_wide_throttle(app, world, settings, client_factory):
    settings.lockout_account_threshold = 3
    for i in range(2):
        bot = _from(app, f"203.0.113.{50 + i}")
        for _ in range(2):
            assert _login(bot, "agent.a", "devine").status_code in (401, 429)
    stranger = _from(app, "192.0.2.7")
    assert _login(stranger, "agent.a").status_code == 429
    officer = login(client_factory(), world.people["security"])
    assert officer.post(f"/api/v1/users/{world.people['member_a'].id}/reactivate").status_code == 200
    assert _login(stranger, "agent.a").status_code == 200


def test_one_address_is_limited_whatever_the_account(app, world, settings):
    settings.login_limit_per_address = "6 per 1 minute"
    bot = _from(app, "203.0.113.200")
    codes = [_login(bot, f"nom{i}", "x").status_code for i in range(8)]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429]
    assert _login(_from(app, "198.51.100.1"), "agent.a").status_code == 200


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
