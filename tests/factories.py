"""Builders for test data, going through the services (so rules and audit apply as in production)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.access.roles import ADMIN_ROLES, Role
from sovcloud.config import Settings
from sovcloud.identity import totp
from sovcloud.identity.users import create_user, grants_of
from sovcloud.tenancy import members, quotas, service
from sovcloud.tenancy.models import Organisation, Project

PASSWORD = "Correct-Horse-42!"
SYSTEM = Actor.system("tests")


def make_org(db: Session, code: str, parent: Organisation | None = None, quota: quotas.Limits | None = None
             ) -> Organisation:
    org = service.create_organisation(db, actor=SYSTEM, name=f"Organisation {code}", code=code,
                                      kind="directorate" if parent else "ministry",
                                      parent_id=parent.id if parent else None)
    if quota is not None:
        quotas.set_quota(db, actor=SYSTEM, limits=quota, organisation_id=org.id)
    return org


def make_project(db: Session, org: Organisation, name: str, quota: quotas.Limits | None = None) -> Project:
    project = service.create_project(db, actor=SYSTEM, organisation_id=org.id, name=name)
    if quota is not None:
        quotas.set_quota(db, actor=SYSTEM, limits=quota, project_id=project.id)
    return project


@dataclass
class Person:
    """A test user, with its TOTP seed when it has one."""

    id: uuid.UUID
    username: str
    seed: str | None = None
    password: str = PASSWORD



def make_user(db: Session, settings: Settings, username: str, role: Role | None = None, *,
              org: Organisation | None = None, project: Project | None = None,
              enrol: bool | None = None) -> Person:
    """A user holding ``role`` at ``org``/``project`` (or the platform); admins are enrolled in TOTP."""
    user = create_user(db, actor=SYSTEM, settings=settings, username=username, email=f"{username}@test.gouv.fr",
                       full_name=username.title(), password=PASSWORD)
    seed = None
    if enrol or (enrol is None and role in ADMIN_ROLES):
        from sovcloud.clock import now

        seed = totp.new_seed()
        user.totp_secret_enc = totp.SecretBox(settings.secret_key.get_secret_value()).seal(seed)
        user.totp_confirmed_at = now()
    if role is not None:
        members.assign_role(db, actor=SYSTEM, user_id=user.id, role=role,
                            organisation_id=org.id if org else None, project_id=project.id if project else None)
    db.flush()
    return Person(id=user.id, username=username, seed=seed)


def actor_for(db: Session, person: Person) -> Actor:
    """The fully authenticated actor of ``person`` (as after password + TOTP)."""
    return Actor(user_id=person.id, username=person.username, grants=grants_of(db, person.id),
                 mfa_verified=True, request_id="test")


def login(client: TestClient, person: Person) -> TestClient:
    """Log ``client`` in as ``person`` through the API, TOTP included."""
    r = client.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
    assert r.status_code == 200, r.text
    if r.json()["stage"] == "totp_required":
        from sovcloud.clock import now

        r = client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(person.seed).at(now())})
        assert r.status_code == 200, r.text
    return client


@dataclass
class World:
    """Two ministries (A with a directorate, B) with projects and a user of each role."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


def make_world(db: Session, settings: Settings) -> World:
    w = World()
    big = quotas.Limits(1000, 2_000_000, 100_000, 500, 50)
    mid = quotas.Limits(200, 400_000, 20_000, 100, 10)
    w.orgs["A"] = make_org(db, "MINA", quota=big)
    w.orgs["A1"] = make_org(db, "MINA-DIR", parent=w.orgs["A"], quota=mid)
    w.orgs["B"] = make_org(db, "MINB", quota=big)
    w.projects["a"] = make_project(db, w.orgs["A1"], "Projet A", quota=quotas.Limits(50, 100_000, 5_000, 20, 2))
    w.projects["b"] = make_project(db, w.orgs["B"], "Projet B", quota=quotas.Limits(50, 100_000, 5_000, 20, 2))
    p = w.people
    p["operator"] = make_user(db, settings, "ops", Role.PLATFORM_OPERATOR)
    p["security"] = make_user(db, settings, "rssi", Role.SECURITY_OFFICER)
    p["admin_a"] = make_user(db, settings, "admin.a", Role.ORGANISATION_ADMIN, org=w.orgs["A"])
    p["admin_b"] = make_user(db, settings, "admin.b", Role.ORGANISATION_ADMIN, org=w.orgs["B"])
    p["member_a"] = make_user(db, settings, "agent.a", Role.PROJECT_MEMBER, project=w.projects["a"])
    p["member_b"] = make_user(db, settings, "agent.b", Role.PROJECT_MEMBER, project=w.projects["b"])
    p["viewer_a"] = make_user(db, settings, "lecteur.a", Role.VIEWER, org=w.orgs["A"])
    return w
