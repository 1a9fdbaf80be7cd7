"""Logging in (password, then TOTP or TOTP enrolment), server-side sessions, and turning a session
cookie into an :class:`Actor`."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import ADMIN_ROLES
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import Conflict, MfaRequired, NotAuthenticated, NotFound
from sovcloud.identity import totp
from sovcloud.identity.models import User, UserSession, UserStatus
from sovcloud.identity.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from sovcloud.identity.throttle import LoginGuard, known_address, refused_under_attack
from sovcloud.identity.users import grants_of

#: how often a live session's last-seen time is written (avoids a write per request)
TOUCH_EVERY = timedelta(seconds=30)


class LoginStage(StrEnum):
    """Where a login stands after the password step."""

    COMPLETE = "complete"
    TOTP_REQUIRED = "totp_required"
    ENROLMENT_REQUIRED = "enrolment_required"


@dataclass(frozen=True)
class Login:
    """A new session: ``token`` goes into the cookie once and is never stored."""

    token: str
    session: UserSession
    user: User
    stage: LoginStage


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _anonymous(username: str, ip: str | None, request_id: str | None) -> Actor:
    return Actor(user_id=None, username=username or "?", source_ip=ip, request_id=request_id)


def user_actor(user: User, ip: str | None, request_id: str | None) -> Actor:
    """The user acting on its own account before its grants matter (login steps, enrolment, logout)."""
    return Actor(user_id=user.id, username=user.username, source_ip=ip, request_id=request_id)


def register_failure(session: Session, user: User, settings: Settings, actor: Actor, reason: str) -> None:
    """Count a failed step of an existing account (journaled) in its counters and the throttle's."""
    LoginGuard.of(settings).failed(user.username, actor.source_ip or "unknown")
    user.failed_logins += 1
    audit.record(session, actor=actor, action="user.login", target=user, outcome="failure",
                 details={"reason": reason, "failed_logins": user.failed_logins})
    if user.failed_logins == settings.lockout_threshold:
        audit.record(session, actor=actor, action="user.throttled", target=user, outcome="success",
                     details={"after_failures": user.failed_logins, "source_ip": actor.source_ip})


def _stored_hash(session: Session, username: str) -> str | None:
    """The account's password hash, read on a connection of its own that takes no write lock."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with engine.execution_options(sqlite_immediate=False).connect() as conn:
        return conn.scalar(select(User.password_hash).where(User.username == username))


def login(session: Session, *, settings: Settings, username: str, password: str, source_ip: str | None = None,
          user_agent: str | None = None, request_id: str | None = None) -> Login:
    """Check a password and open a session (which may still need the second factor). Throttled as
    :mod:`sovcloud.identity.throttle` describes; every answer is the same for unknown account names.

    Raises:
        NotAuthenticated: unknown user, wrong password or suspended account (one message for all).
        TooManyAttempts: too many failures from this address, or on this account from this address, or the
            account is under attack and this address is not one it is used from.
    """
    username = username.strip().lower()
    ip = source_ip or "unknown"
    actor = _anonymous(username, source_ip, request_id)
    guard = LoginGuard.of(settings)
    guard.check_address(username, ip)
    # argon2 is slow on purpose: check the password before the writing transaction starts, so that logins
    # never hold the database's write lock while hashing (on SQLite, fifty logins at once otherwise queued
    # past the 30 s busy timeout); the row is read again inside the transaction
    stored = _stored_hash(session, username)
    right = verify_password(stored or DUMMY_HASH, password)
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.password_hash != stored:  # changed in between: check what is there now
        right = verify_password(user.password_hash, password)
    usable = user is not None and right and user.status == UserStatus.ACTIVE
    if guard.under_attack(username) and not (
            user is not None and (known_address(session, user, source_ip) or (usable and user.mfa_enabled))):
        raise refused_under_attack()
    refused = NotAuthenticated("Identifiant ou mot de passe incorrect.")
    if user is None:
        guard.failed(username, ip)
        audit.record(session, actor=actor, action="user.login", outcome="failure", target_type="user",
                     details={"reason": "unknown_user"})
        raise refused
    if not right:
        register_failure(session, user, settings, actor, "bad_password")
        raise refused
    if user.status != UserStatus.ACTIVE:
        guard.failed(username, ip)
        audit.record(session, actor=actor, action="user.login", target=user, outcome="failure",
                     details={"reason": "suspended"})
        raise refused
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    at = now()
    row = UserSession(user_id=user.id, token_hash=digest(token), last_seen_at=at,
                      expires_at=at + timedelta(hours=settings.session_absolute_hours),
                      source_ip=source_ip, user_agent=(user_agent or "")[:400])
    session.add(row)
    grants = grants_of(session, user.id)
    if user.mfa_enabled:
        stage = LoginStage.TOTP_REQUIRED
    elif any(g.role in ADMIN_ROLES for g in grants):
        stage = LoginStage.ENROLMENT_REQUIRED
    else:
        stage = LoginStage.COMPLETE
        complete_login(session, settings, user, row, actor, method="password")
    session.flush()
    return Login(token=token, session=row, user=user, stage=stage)


def complete_login(session: Session, settings: Settings, user: User, row: UserSession, actor: Actor,
                   method: str) -> None:
    """The login is complete: counters cleared (this address's throttle too), the success journaled."""
    user.failed_logins, user.last_login_at = 0, now()
    LoginGuard.of(settings).succeeded(user.username, row.source_ip or "unknown")
    row.auth_method = method
    if method != "proconnect":  # a ProConnect session's strength is its acr, set when it was opened
        row.mfa_verified = method != "password"
    audit.record(session, actor=user_actor(user, actor.source_ip, actor.request_id),
                 action="user.login", target=user, details={"method": method})


def pending_session(session: Session, token: str, settings: Settings) -> tuple[UserSession, User]:
    row = _live_session(session, token, settings)
    user = session.get(User, row.user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        raise NotAuthenticated("Session expirée. Reconnectez-vous.")
    return row, user


def verify_totp(session: Session, *, settings: Settings, token: str, code: str,
                request_id: str | None = None) -> User:
    """Finish a login with a TOTP code.

    Raises:
        NotAuthenticated: the session is gone or the code is wrong (the failure counts as a failed step).
        TooManyAttempts: too many failed steps from this address or on this account from it.
    """
    row, user = pending_session(session, token, settings)
    actor = _anonymous(user.username, row.source_ip, request_id)
    LoginGuard.of(settings).check_address(user.username, row.source_ip or "unknown")
    if not user.totp_enabled or user.totp_secret_enc is None:
        raise Conflict("Aucun second facteur n'est enrôlé pour ce compte.")
    seed = totp.SecretBox(settings.secret_key.get_secret_value()).open(user.totp_secret_enc)
    step = totp.matching_step(seed, code, now(), user.totp_last_step)
    if step is None:
        register_failure(session, user, settings, actor, "bad_totp")
        raise NotAuthenticated("Code de vérification incorrect ou déjà utilisé.")
    user.totp_last_step = step
    complete_login(session, settings, user, row, actor, method=totp_method(row))
    return user


def totp_method(row: UserSession, factor: str = "totp") -> str:
    """The method a session reaches by passing its second factor (``totp``, ``webauthn``, ``recovery``): the
    local step-up of a ProConnect login, or the password's second factor."""
    first = "proconnect" if (row.auth_method or "").startswith("proconnect") else "password"
    return f"{first}+{factor}"


def _live_session(session: Session, token: str, settings: Settings) -> UserSession:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    at = now()
    if (row is None or row.revoked_at is not None or row.expires_at <= at
            or row.last_seen_at + timedelta(minutes=settings.session_idle_minutes) <= at):
        raise NotAuthenticated("Session expirée. Reconnectez-vous.")
    if at - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = at
    return row


def actor_from_session(session: Session, *, settings: Settings, token: str, source_ip: str | None = None,
                       request_id: str | None = None) -> Actor:
    """The actor behind a session cookie.

    Raises:
        NotAuthenticated: expired (idle or absolute), revoked or unknown session, or suspended user.
        MfaRequired: the password step is done but the second factor is not (or must be enrolled).
    """
    row, user = pending_session(session, token, settings)
    grants = grants_of(session, user.id)
    actor = Actor(user_id=user.id, username=user.username, grants=grants, source_ip=source_ip,
                  request_id=request_id, mfa_verified=row.mfa_verified)
    # a ProConnect login below the administrative acr steps up only for administrative roles
    step_up = actor.needs_mfa or (user.mfa_enabled and not (row.auth_method or "").startswith("proconnect"))
    if not row.mfa_verified and step_up:
        stage = LoginStage.TOTP_REQUIRED if user.mfa_enabled else LoginStage.ENROLMENT_REQUIRED
        raise MfaRequired("Second facteur requis pour terminer la connexion.", stage=stage.value)
    return actor


def logout(session: Session, *, token: str, source_ip: str | None = None, request_id: str | None = None) -> bool:
    """End the session behind ``token`` at whatever stage it is (password done, second factor pending or
    complete); returns whether a live session was ended. Unknown or already ended sessions change nothing."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now()
    user = session.get(User, row.user_id)
    actor = user_actor(user, source_ip, request_id) if user else _anonymous("?", source_ip, request_id)
    audit.record(session, actor=actor, action="user.logout", target_type="session", target_id=row.id,
                 details={"stage": "complete" if row.mfa_verified or (user and not user.mfa_enabled) else "pending"})
    return True


def sessions_of(session: Session, *, actor: Actor) -> list[UserSession]:
    """The actor's own live sessions."""
    at = now()
    return list(session.scalars(select(UserSession).where(
        UserSession.user_id == actor.user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > at,
    ).order_by(UserSession.created_at.desc())))


def revoke_session(session: Session, *, actor: Actor, session_id: uuid.UUID) -> UserSession:
    """End one of the actor's own sessions (e.g. one left open on another machine).

    Raises:
        NotFound: no such session among the actor's.
    """
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(f"Session {session_id} introuvable.")
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.record(session, actor=actor, action="session.revoked", target_type="session", target_id=row.id)
    return row
