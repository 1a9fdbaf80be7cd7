"""Demo data: a few ministries, projects and users of each role, so the product can be tried at once.

Everyone's password is printed by ``sovcloud demo seed``; administrators have a fixed TOTP seed whose
current code ``sovcloud demo totp USER`` prints (a demo convenience: never do this in production).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.access.roles import ADMIN_ROLES, Role
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.identity import totp
from sovcloud.identity.models import User
from sovcloud.identity.users import create_user
from sovcloud.tenancy import members, quotas, service
from sovcloud.tenancy.models import Organisation

DEMO_PASSWORD = "Demo-Sovcloud-2026!"

ORGS = [  # code, name, kind, parent code, quota (vcpus, ram MiB, storage GB, instances, public IPs)
    ("MI", "Ministère de l'Intérieur", "ministry", None, (800, 1_600_000, 100_000, 400, 40)),
    ("MI-DNUM", "Direction du numérique", "directorate", "MI", (400, 800_000, 50_000, 200, 20)),
    ("MC", "Ministère de la Culture", "ministry", None, (300, 600_000, 40_000, 150, 15)),
    ("MTE", "Ministère de la Transition écologique", "ministry", None, (300, 600_000, 40_000, 150, 15)),
]
PROJECTS = [  # org code, name, quota
    ("MI-DNUM", "Portail usagers", (100, 200_000, 10_000, 50, 5)),
    ("MI-DNUM", "Messagerie sécurisée", (100, 200_000, 10_000, 50, 5)),
    ("MI", "Données de référence", (100, 200_000, 10_000, 50, 5)),
    ("MC", "Archives numériques", (100, 200_000, 10_000, 50, 5)),
    ("MTE", "Observatoire climat", (100, 200_000, 10_000, 50, 5)),
]
USERS = [  # username, full name, role, place (org code or "org/project")
    ("operateur", "Olivier Opérateur", Role.PLATFORM_OPERATOR, None),
    ("rssi", "Sophie Sécurité", Role.SECURITY_OFFICER, None),
    ("finances", "Fabrice Finances", Role.FINANCE, None),
    ("admin.mi", "Alice Administratrice (MI)", Role.ORGANISATION_ADMIN, "MI"),
    ("chef.portail", "Paul Chef de projet", Role.PROJECT_ADMIN, "MI-DNUM/Portail usagers"),
    ("agent.portail", "Agathe Agent", Role.PROJECT_MEMBER, "MI-DNUM/Portail usagers"),
    ("lecteur.mi", "Louis Lecteur", Role.VIEWER, "MI"),
    ("admin.mc", "Camille Administratrice (MC)", Role.ORGANISATION_ADMIN, "MC"),
    ("agent.culture", "Claire Agent (MC)", Role.PROJECT_MEMBER, "MC/Archives numériques"),
]


def demo_seed_for(username: str) -> str:
    """The fixed demo TOTP seed of a user (derived from the name: demo only)."""
    return base64.b32encode(hashlib.sha256(f"sovcloud-demo:{username}".encode()).digest()[:20]).decode()


def demo_code(username: str) -> str:
    return pyotp.TOTP(demo_seed_for(username)).now()


@dataclass(frozen=True)
class SeedResult:
    created: bool
    users: list[tuple[str, str, bool]]  #: username, role, has TOTP


def seed(session: Session, *, settings: Settings, actor: Actor | None = None,
         zones: list[str] | None = None) -> SeedResult:
    """Create the demo world once (does nothing if it is there already); the sites are the provider's
    ``zones`` when given, the demo's two otherwise (each added once)."""
    actor = actor or Actor.system("demo-seed")
    from sovcloud.catalog.seed import seed_catalog
    from sovcloud.orders.policies import seed_rules
    from sovcloud.resilience.seed import DEMO_SITES, seed_demo_sites
    from sovcloud.resilience.service import seed_sites

    existing = session.scalar(select(Organisation.id).where(Organisation.code == "MI"))
    rows = [(u, r.value, r in ADMIN_ROLES) for u, _n, r, _p in USERS]
    seed_catalog(session, actor)
    seed_rules(session, actor=actor)
    if zones is None:
        seed_demo_sites(session, actor=actor)
    else:
        seed_sites(session, actor=actor, zones=zones, details=DEMO_SITES)
    if existing is not None:
        return SeedResult(created=False, users=rows)
    orgs: dict[str, Organisation] = {}
    for code, name, kind, parent, _q in ORGS:
        orgs[code] = service.create_organisation(session, actor=actor, name=name, code=code, kind=kind,
                                                 parent_id=orgs[parent].id if parent else None)
    for code, _name, _kind, _parent, q in ORGS:
        quotas.set_quota(session, actor=actor, limits=quotas.Limits(*q), organisation_id=orgs[code].id)
    projects = {}
    for code, name, q in PROJECTS:
        project = service.create_project(session, actor=actor, organisation_id=orgs[code].id, name=name)
        quotas.set_quota(session, actor=actor, limits=quotas.Limits(*q), project_id=project.id)
        projects[f"{code}/{name}"] = project
    box = totp.SecretBox(settings.secret_key.get_secret_value())
    for username, full_name, role, place in USERS:
        user = create_user(session, actor=actor, settings=settings, username=username,
                           email=f"{username}@demo.gouv.fr", full_name=full_name, password=DEMO_PASSWORD)
        if role in ADMIN_ROLES:
            _enrol(user, box)
        members.assign_role(session, actor=actor, user_id=user.id, role=role,
                            organisation_id=orgs[place].id if place and "/" not in place else None,
                            project_id=projects[place].id if place and "/" in place else None)
    return SeedResult(created=True, users=rows)


def _enrol(user: User, box: totp.SecretBox) -> None:
    user.totp_secret_enc = box.seal(demo_seed_for(user.username))
    user.totp_confirmed_at = now()
