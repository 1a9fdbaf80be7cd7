"""Personal API tokens: issued once, stored hashed, scoped, expiring, revocable."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor, Grant, Scope
from sovcloud.access.roles import ADMIN_ROLES, Permission
from sovcloud.access.service import allows, grant_covers, narrow_grants, scoped
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from sovcloud.identity.models import ApiToken, User, UserStatus
from sovcloud.identity.sessions import TOUCH_EVERY, digest
from sovcloud.identity.users import grants_of
from sovcloud.tenancy.models import Organisation, Project

PREFIX = "svc_"


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    secret: str
    token: ApiToken


def _scope_of(session: Session, actor: Actor, organisation_id: uuid.UUID | None,
              project_id: uuid.UUID | None) -> Scope | None:
    if organisation_id and project_id:
        raise ValidationFailed("Un jeton est limité à une organisation ou à un projet, pas aux deux.")
    if project_id:
        return scoped(session, Project, actor).get(project_id).scope
    if organisation_id:
        return scoped(session, Organisation, actor).get(organisation_id).scope
    return None


def create_token(session: Session, *, actor: Actor, settings: Settings, name: str, expires_in_days: int,
                 organisation_id: uuid.UUID | None = None, project_id: uuid.UUID | None = None) -> IssuedToken:
    """Issue a token for the actor itself, limited to one organisation or project.

    Raises:
        ValidationFailed: bad lifetime or name, or both scopes given.
        PermissionDenied: a token without scope asked by a non-platform user, a token asked with a token,
            a scope where the actor holds no role, or an administrator without a verified second factor.
        NotFound: the organisation or project is not visible.
    """
    if actor.user_id is None or actor.token_id is not None:
        raise PermissionDenied("Un jeton se crée depuis une session, pas avec un autre jeton.")
    if actor.needs_mfa and not actor.mfa_verified:
        raise PermissionDenied("Second facteur requis pour créer un jeton.")
    if not 1 <= expires_in_days <= settings.token_max_days:
        raise ValidationFailed(f"Durée de validité entre 1 et {settings.token_max_days} jours.",
                               field="expires_in_days")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Nom du jeton obligatoire (100 caractères au plus).", field="name")
    scope = _scope_of(session, actor, organisation_id, project_id)
    if scope is None and not actor.is_platform_wide:
        raise PermissionDenied("Précisez l'organisation ou le projet auquel limiter ce jeton.")
    if scope is not None and not any(grant_covers(g, scope) or (g.org_path or "").startswith(scope.org_path or "\0")
                                     for g in actor.grants):
        raise PermissionDenied("Vous n'avez aucun rôle à cet endroit.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.user_id, name=name, prefix=secret[:10], token_hash=digest(secret),
                     organisation_id=organisation_id, project_id=project_id,
                     expires_at=now() + timedelta(days=expires_in_days), created_with_mfa=actor.mfa_verified)
    session.add(token)
    session.flush()
    audit.record(session, actor=actor, action="token.created", target=token,
                 organisation_id=scope.org_id if scope else None,
                 details={"name": name, "expires_at": token.expires_at.isoformat(),
                          "organisation_id": organisation_id, "project_id": project_id,
                          "created_with_mfa": token.created_with_mfa})
    return IssuedToken(secret=secret, token=token)


def tokens_of(session: Session, *, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens, newest first (revoked and expired included, for the record)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                                .order_by(ApiToken.created_at.desc())))


def revoke_token(session: Session, *, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    """Revoke one of the actor's tokens (a security officer may revoke anyone's).

    Raises:
        NotFound: no such token among those the actor may revoke.
    """
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and not allows(actor, Permission.USER_SUSPEND)):
        raise NotFound(f"Jeton {token_id} introuvable.")
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record(session, actor=actor, action="token.revoked", target=token, details={"name": token.name})
    return token


def token_grants(token: ApiToken, user: User, grants: tuple[Grant, ...], scope: Scope | None) -> tuple[Grant, ...]:
    """What a token may use of its user's grants *now*: cut down to the token's scope, and without the
    administrative roles unless the token was issued after a second factor and its user still has one."""
    if scope is not None:
        grants = narrow_grants(grants, scope)
    if not (token.created_with_mfa and user.mfa_enabled):
        grants = tuple(g for g in grants if g.role not in ADMIN_ROLES)
    return grants


def actor_from_token(session: Session, *, secret: str, source_ip: str | None = None,
                     request_id: str | None = None) -> Actor:
    """The actor behind an API token: its user's grants read now, as :func:`token_grants` limits them.

    Raises:
        NotAuthenticated: unknown, expired or revoked token, or suspended user.
    """
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    at = now()
    if token is None or token.revoked_at is not None or token.expires_at <= at:
        raise NotAuthenticated("Jeton d'API invalide, expiré ou révoqué.")
    user = session.get(User, token.user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        raise NotAuthenticated("Jeton d'API invalide, expiré ou révoqué.")
    if token.last_used_at is None or at - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = at
    grants = grants_of(session, user.id)
    scope: Scope | None = None
    if token.project_id is not None:
        project = session.get(Project, token.project_id)
        scope = project.scope if project else None
    elif token.organisation_id is not None:
        org = session.get(Organisation, token.organisation_id)
        scope = org.scope if org else None
    if scope is None and (token.project_id or token.organisation_id):  # its place is gone: never unscoped
        raise NotAuthenticated("Jeton d'API invalide, expiré ou révoqué.")
    return Actor(user_id=user.id, username=user.username, grants=token_grants(token, user, grants, scope),
                 source_ip=source_ip, request_id=request_id, token_id=token.id, token_scope=scope,
                 mfa_verified=True)
