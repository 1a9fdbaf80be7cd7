"""Which account a ProConnect identity opens: a linked one (by ``sub`` and ``idp_id``), else an existing
account with the same e-mail (reconciled, journaled), else a new one created just in time in the
organisation its SIRET or e-mail domain maps to, when that organisation allows it. And the operators'
mapping of SIRETs and e-mail domains to organisations, with each organisation's just-in-time setting."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import ADMIN_ROLES, ROLE_LEVELS, Level, Permission, Role
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.errors import Conflict, LoginRefused, NotFound, ValidationFailed
from sovcloud.identity.models import OidcLink, OrgMapping, OrgMappingKind, User, UserStatus
from sovcloud.identity.oidc import Identity
from sovcloud.identity.users import grants_of
from sovcloud.tenancy.models import Membership, Organisation

SIRET = re.compile(r"^[0-9]{14}$")
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_USERNAME_CHARS = re.compile(r"[^a-z0-9._-]+")


def find_organisation(session: Session, *, siret: str | None, email: str) -> Organisation | None:
    """The organisation an agent belongs to: by its SIRET first, then by its e-mail domain."""
    candidates = []
    if siret:
        candidates.append((OrgMappingKind.SIRET, siret))
    candidates.append((OrgMappingKind.DOMAIN, email.rsplit("@", 1)[-1].lower()))
    for kind, value in candidates:
        org_id = session.scalar(select(OrgMapping.organisation_id).where(OrgMapping.kind == kind,
                                                                         OrgMapping.value == value))
        if org_id is not None:
            return session.get(Organisation, org_id)
    return None


def _free_username(session: Session, email: str) -> str:
    base = _USERNAME_CHARS.sub("-", email.split("@", 1)[0].lower()).strip("-._")[:70] or "agent"
    name, n = base, 1
    while session.scalar(select(User.id).where(User.username == name)) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def resolve(session: Session, *, identity: Identity, actor: Actor, strong: bool) -> tuple[User, str]:
    """The account of ``identity`` and how it was found: ``linked``, ``reconciled_by_email`` or
    ``created_just_in_time``. Nothing is written before a refusal. An account holding an administrative role
    is reconciled only by a strong login (``strong``: the acr reached the administrative level) or when it
    has a second factor (which the step-up will then ask): else whoever controls its e-mail address at some
    identity provider could link it at eidas1 and enrol a second factor of their own.

    Raises:
        LoginRefused: a suspended account, an administrator's account reconciled by a weak login without a
            second factor, no organisation for the agent, or one that does not allow just-in-time accounts.
    """
    link = session.scalar(select(OidcLink).where(OidcLink.issuer == identity.issuer, OidcLink.sub == identity.sub,
                                                 OidcLink.idp_id == identity.idp_id))
    if link is not None:
        user = session.get(User, link.user_id)
        assert user is not None
        _refuse_suspended(user)
        link.last_login_at = now()
        return user, "linked"
    found = session.scalar(select(User).where(func.lower(User.email) == identity.email))
    decision = "reconciled_by_email"
    if found is not None:
        _refuse_suspended(found)
        admin = any(g.role in ADMIN_ROLES for g in grants_of(session, found.id))
        if admin and not strong and not found.mfa_enabled:
            raise LoginRefused("Ce compte a des rôles d'administration et pas encore de second facteur : pour le "
                               "relier à ProConnect, connectez-vous une première fois au niveau eidas2 ou plus, ou "
                               "d'abord avec votre mot de passe pour enrôler un second facteur.",
                               reason="admin_reconciliation_needs_strong_login")
        user = found
    else:
        user = _create_just_in_time(session, identity=identity, actor=actor)
        decision = "created_just_in_time"
    session.add(OidcLink(user_id=user.id, issuer=identity.issuer, sub=identity.sub, idp_id=identity.idp_id,
                         linked_by=decision, last_login_at=now()))
    audit.record(session, actor=actor, action="user.proconnect_linked", target=user,
                 details={"decision": decision, "sub": identity.sub, "idp_id": identity.idp_id,
                          "email": identity.email, "siret": identity.siret})
    return user, decision


def _refuse_suspended(user: User) -> None:
    if user.status != UserStatus.ACTIVE:
        raise LoginRefused("Ce compte est suspendu : contactez l'administrateur de votre organisation.",
                           reason="suspended")


def _create_just_in_time(session: Session, *, identity: Identity, actor: Actor) -> User:
    org = find_organisation(session, siret=identity.siret, email=identity.email)
    if org is None:
        raise LoginRefused("Votre organisation n'est pas encore raccordée à sovcloud (ni son SIRET ni le domaine de "
                           "votre adresse ne sont connus) : demandez à votre référent d'en faire la demande à "
                           "l'exploitant de la plateforme.", reason="no_organisation")
    if not org.sso_jit_allowed:
        raise LoginRefused("Votre organisation ne crée pas de compte automatiquement : demandez à son "
                           "administrateur de vous ouvrir un compte avec votre adresse électronique, puis "
                           "reconnectez-vous avec ProConnect.", reason="jit_not_allowed",
                           organisation_id=str(org.id))
    full_name = f"{identity.given_name} {identity.usual_name}".strip() or identity.email
    user = User(username=_free_username(session, identity.email), email=identity.email, full_name=full_name[:200],
                password_hash="!proconnect")  # no password: this account logs in through ProConnect only
    session.add(user)
    session.flush()
    membership = Membership(user_id=user.id, role=Role(org.sso_jit_role), organisation_id=org.id)
    session.add(membership)
    session.flush()
    audit.record(session, actor=actor, action="user.created", target=user, organisation_id=org.id,
                 details={"username": user.username, "via": "proconnect_just_in_time"})
    audit.record(session, actor=actor, action="membership.granted", target=membership, organisation_id=org.id,
                 details={"role": org.sso_jit_role, "user": user.username, "via": "proconnect_just_in_time"})
    return user


def _normalised(kind: str, value: str) -> tuple[OrgMappingKind, str]:
    value = value.strip().lower().replace(" ", "") if kind == OrgMappingKind.SIRET else value.strip().lower()
    if kind == OrgMappingKind.SIRET and SIRET.match(value):
        return OrgMappingKind.SIRET, value
    if kind == OrgMappingKind.DOMAIN and DOMAIN.match(value):
        return OrgMappingKind.DOMAIN, value
    if kind not in (OrgMappingKind.SIRET, OrgMappingKind.DOMAIN):
        raise ValidationFailed("Type de correspondance : siret ou domain.", field="kind")
    raise ValidationFailed("SIRET de 14 chiffres, ou nom de domaine (ex. interieur.gouv.fr).", field="value")


def add_mapping(session: Session, *, actor: Actor, kind: str, value: str, organisation_id: uuid.UUID) -> OrgMapping:
    """Map a SIRET or an e-mail domain to an organisation.

    Raises:
        PermissionDenied: the actor may not manage the ProConnect mappings.
        ValidationFailed: malformed SIRET or domain.
        NotFound: no such organisation.
        Conflict: the SIRET or domain is already mapped.
    """
    authorize(actor, Permission.SSO_MANAGE)
    mapped_kind, mapped_value = _normalised(kind, value)
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"Organisation {organisation_id} introuvable.")
    if session.scalar(select(OrgMapping.id).where(OrgMapping.kind == mapped_kind,
                                                  OrgMapping.value == mapped_value)) is not None:
        raise Conflict(f"« {mapped_value} » est déjà rattaché à une organisation.")
    mapping = OrgMapping(kind=mapped_kind, value=mapped_value, organisation_id=org.id)
    session.add(mapping)
    session.flush()
    audit.record(session, actor=actor, action="sso.mapping_added", target=mapping, organisation_id=org.id,
                 details={"kind": mapped_kind.value, "value": mapped_value})
    return mapping


def remove_mapping(session: Session, *, actor: Actor, mapping_id: uuid.UUID) -> None:
    """Remove a mapping (agents already linked keep their accounts).

    Raises:
        PermissionDenied: the actor may not manage the ProConnect mappings.
        NotFound: no such mapping.
    """
    authorize(actor, Permission.SSO_MANAGE)
    mapping = session.get(OrgMapping, mapping_id)
    if mapping is None:
        raise NotFound(f"Correspondance {mapping_id} introuvable.")
    audit.record(session, actor=actor, action="sso.mapping_removed", target=mapping,
                 organisation_id=mapping.organisation_id, details={"kind": mapping.kind, "value": mapping.value})
    session.delete(mapping)


def list_mappings(session: Session, *, actor: Actor, limit: int = 100) -> list[OrgMapping]:
    """Every mapping, by kind and value.

    Raises:
        PermissionDenied: the actor may not manage the ProConnect mappings.
    """
    authorize(actor, Permission.SSO_MANAGE)
    return list(session.scalars(select(OrgMapping).order_by(OrgMapping.kind, OrgMapping.value).limit(limit)))


def set_jit_policy(session: Session, *, actor: Actor, organisation_id: uuid.UUID, allowed: bool,
                   role: str = Role.VIEWER) -> Organisation:
    """Say whether agents of an organisation get an account at their first ProConnect login, and with which
    role held on the organisation (viewer by default).

    Raises:
        PermissionDenied: the actor may not manage ProConnect settings.
        NotFound: no such organisation.
        ValidationFailed: the role cannot be held on an organisation.
    """
    authorize(actor, Permission.SSO_MANAGE)
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"Organisation {organisation_id} introuvable.")
    try:
        named = Role(role)
    except ValueError:
        named = None
    if named is None or Level.ORGANISATION not in ROLE_LEVELS[named]:
        raise ValidationFailed("Rôle tenu sur une organisation : viewer, finance ou organisation_admin.",
                               field="role")
    org.sso_jit_allowed, org.sso_jit_role = allowed, named.value
    audit.record(session, actor=actor, action="organisation.sso_jit_updated", target=org, organisation_id=org.id,
                 details={"allowed": allowed, "role": named.value})
    return org
