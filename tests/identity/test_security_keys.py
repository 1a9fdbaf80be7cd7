"""Security keys and recovery codes through the API (the browser test does the WebAuthn ceremonies)."""

from __future__ import annotations

from sqlalchemy import select

from sovcloud.access.roles import Role
from sovcloud.clock import now
from sovcloud.identity import mfa, webauthn_keys
from sovcloud.identity.models import RecoveryCode, SecurityKey, User
from tests.factories import SYSTEM, actor_for, login, make_org, make_user


def _with_key(db, person) -> list[str]:  # type: ignore[no-untyped-def]
    """A key row as a registration leaves it (the ceremony itself is the browser test's), and its codes."""
    user = db.get(User, person.id)
    db.add(SecurityKey(user_id=user.id, credential_id=f"cred-{user.username}", public_key="pk", name="clé"))
    user.webauthn_confirmed_at = now()
    return webauthn_keys._new_recovery_codes(db, user)


def test_recovery_code_finishes_a_login_once(client, sessions, settings):
    with sessions() as db, db.begin():
        person = make_user(db, settings, "agent.k", Role.VIEWER, org=make_org(db, "MINK"), enrol=False)
        codes = _with_key(db, person)
    r = client.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
    assert r.json()["stage"] == "totp_required"  # a key is a second factor: the login waits for it
    assert client.post("/api/v1/auth/recovery", json={"code": "00000-00000-00000-00000"}).status_code == 401
    assert client.post("/api/v1/auth/recovery", json={"code": codes[3].upper()}).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    [mine] = client.get("/api/v1/me/sessions").json()
    assert mine["auth_method"] == "password+recovery"
    client.cookies.clear()
    client.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
    assert client.post("/api/v1/auth/recovery", json={"code": codes[3]}).status_code == 401  # used


def test_keys_are_renamed_and_removed_by_their_owner_only(client, sessions, settings):
    with sessions() as db, db.begin():
        org = make_org(db, "MINK")
        owner = make_user(db, settings, "owner.k", Role.ORGANISATION_ADMIN, org=org)
        other = make_user(db, settings, "other.k", Role.ORGANISATION_ADMIN, org=org)
        _with_key(db, owner)
        key_id = db.scalar(select(SecurityKey.id))
    login(client, other)
    assert client.patch(f"/api/v1/me/security-keys/{key_id}", json={"name": "x"}).status_code == 404
    assert client.delete(f"/api/v1/me/security-keys/{key_id}").status_code == 404
    client.cookies.clear()
    login(client, owner)
    assert client.patch(f"/api/v1/me/security-keys/{key_id}", json={"name": "clé NFC"}).json()["name"] == "clé NFC"
    assert [k["name"] for k in client.get("/api/v1/me/security-keys").json()] == ["clé NFC"]
    assert client.delete(f"/api/v1/me/security-keys/{key_id}").status_code == 204
    with sessions() as db:  # the last key takes the recovery codes with it
        assert db.get(User, owner.id).webauthn_confirmed_at is None
        assert db.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == owner.id)) is None


def test_an_administrators_reset_removes_keys_and_codes(sessions, settings):
    with sessions() as db, db.begin():
        org = make_org(db, "MINK")
        person = make_user(db, settings, "lost.k", Role.VIEWER, org=org, enrol=False)
        _with_key(db, person)
        security = make_user(db, settings, "rssi.k", Role.SECURITY_OFFICER)
        mfa.reset_mfa(db, actor=actor_for(db, security), user_id=person.id, reason="clé perdue")
    with sessions() as db:
        assert not db.get(User, person.id).mfa_enabled
        assert db.scalar(select(SecurityKey.id)) is None and db.scalar(select(RecoveryCode.id)) is None
    assert SYSTEM  # the factories' system actor made the accounts
