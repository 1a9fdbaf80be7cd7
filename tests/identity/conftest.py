"""Fixtures of the identity tests: the ProConnect-like provider (one per test session) and an app whose
settings point at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from sovcloud.access.roles import Role
from sovcloud.config import Settings
from sovcloud.identity import oidc, totp
from sovcloud.identity.models import User
from sovcloud.tenancy import members
from sovcloud.tenancy.models import Organisation
from tests.factories import SYSTEM, Person, make_org
from tests.identity.peer import SECRET, Peer, running


@pytest.fixture(scope="session")
def oidc_peer() -> Iterator[Peer]:
    with running() as peer:
        yield peer


def provider_settings(settings: Settings, peer: Peer, origin: str = "http://testserver", **more: object) -> Settings:
    oidc._metadata.clear()
    oidc._keys.clear()
    return settings.model_copy(update={"oidc_issuer": peer.issuer, "oidc_client_id": "sovcloud",
                                       "oidc_client_secret": SecretStr(SECRET),
                                       "oidc_redirect_url": origin + "/login/proconnect/callback", **more})


@pytest.fixture
def pc_settings(settings: Settings, oidc_peer: Peer) -> Settings:
    return provider_settings(settings, oidc_peer)


@pytest.fixture
def pc_app(pc_settings, sessions):  # type: ignore[no-untyped-def]
    from sovcloud.api.app import create_app

    return create_app(pc_settings, install_queue=False)


@pytest.fixture
def pc_client(pc_app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(pc_app) as c:
        yield c


@dataclass
class Agents:
    """Two ministries and a few local accounts, made without hashing passwords (these log in with ProConnect)."""

    orgs: dict[str, Organisation]
    people: dict[str, Person]


def _account(db: Session, settings: Settings, username: str, role: Role, org: Organisation | None, *,
             totp_seed: str | None = None) -> Person:
    from sovcloud.clock import now

    user = User(username=username, email=f"{username}@test.gouv.fr", full_name=username.title(),
                password_hash="!none")
    if totp_seed:
        user.totp_secret_enc = totp.SecretBox(settings.secret_key.get_secret_value()).seal(totp_seed)
        user.totp_confirmed_at = now()
    db.add(user)
    db.flush()
    members.assign_role(db, actor=SYSTEM, user_id=user.id, role=role, organisation_id=org.id if org else None)
    return Person(id=user.id, username=username, seed=totp_seed)


@pytest.fixture
def agents(sessions, settings) -> Agents:  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        orgs = {"A": make_org(db, "MINA"), "B": make_org(db, "MINB")}
        people = {"viewer": _account(db, settings, "lecteur.a", Role.VIEWER, orgs["A"]),
                  "admin": _account(db, settings, "admin.a", Role.ORGANISATION_ADMIN, orgs["A"],
                                    totp_seed=totp.new_seed()),
                  "admin_no_totp": _account(db, settings, "admin.c", Role.ORGANISATION_ADMIN, orgs["B"]),
                  "operator": _account(db, settings, "ops", Role.PLATFORM_OPERATOR, None, totp_seed=totp.new_seed())}
        return Agents(orgs=orgs, people=people)
