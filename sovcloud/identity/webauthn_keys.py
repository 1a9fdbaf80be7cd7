"""Security keys (WebAuthn, the PyPI ``webauthn`` library) as a second factor beside TOTP: registration
from a fully authenticated session, naming, listing and removal, login with a key (user presence, signature
counter), and recovery codes for a lost key.

Each ceremony's challenge is kept on the session that asked for it (``sessions.webauthn_challenge``) and used
once. The relying party is ``webauthn_rp_id`` and the origin ``webauthn_origin`` (default: the request's)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from sovcloud.identity.models import RecoveryCode, SecurityKey, User, UserSession
from sovcloud.identity.sessions import complete_login, pending_session, register_failure, totp_method, user_actor
from sovcloud.identity.throttle import LoginGuard

MAX_KEYS = 10
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Relying:
    """Who the keys are bound to: the RP id (a domain) and the exact origin of the portal."""

    rp_id: str
    origin: str


@dataclass(frozen=True)
class Registered:
    key: SecurityKey
    #: shown once, when the first key is registered (None afterwards)
    recovery_codes: list[str] | None


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _keys(session: Session, user_id: uuid.UUID) -> list[SecurityKey]:
    return list(session.scalars(select(SecurityKey).where(SecurityKey.user_id == user_id)
                                .order_by(SecurityKey.created_at)))


def registration_options(session: Session, *, settings: Settings, token: str, rp: Relying) -> str:
    """The options (JSON) for ``navigator.credentials.create``, for a fully authenticated session.

    Raises:
        NotAuthenticated: no live session.
        Conflict: the session has not passed its second factor, or the user has the most keys allowed.
    """
    row, user = pending_session(session, token, settings)
    if user.mfa_enabled and not row.mfa_verified:
        raise Conflict("Passez d'abord votre second facteur actuel.")
    existing = _keys(session, user.id)
    if len(existing) >= MAX_KEYS:
        raise Conflict(f"{MAX_KEYS} clés au plus : retirez-en une d'abord.")
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=settings.mfa_issuer, user_name=user.username, user_id=user.id.bytes,
        user_display_name=user.full_name,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id)) for k in existing])
    row.webauthn_challenge = bytes_to_base64url(options.challenge)
    return str(options_to_json(options))


def _challenge(row: UserSession) -> bytes:
    if not row.webauthn_challenge:
        raise Conflict("Aucune demande en cours : recommencez.")
    challenge = base64url_to_bytes(row.webauthn_challenge)
    row.webauthn_challenge = None  # single use, whatever the outcome
    return challenge


def register_key(session: Session, *, settings: Settings, token: str, rp: Relying, name: str,
                 credential: dict[str, Any], request_id: str | None = None) -> Registered:
    """Verify the authenticator's answer and keep the key (the first one also draws the recovery codes).

    Raises:
        NotAuthenticated: no live session.
        Conflict: no registration was asked, or the session has not passed its second factor.
        ValidationFailed: an empty name, or the answer does not verify (origin, challenge, user presence).
    """
    row, user = pending_session(session, token, settings)
    if user.mfa_enabled and not row.mfa_verified:
        raise Conflict("Passez d'abord votre second facteur actuel.")
    name = name.strip()
    if not name:
        raise ValidationFailed("Donnez un nom à la clé (ex. « clé USB bureau »).", field="name")
    challenge = _challenge(row)
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=rp.rp_id, expected_origin=rp.origin)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"La clé n'a pas pu être enregistrée : {exc}", field="credential") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == credential_id)) is not None:
        raise Conflict("Cette clé est déjà enregistrée.")
    key = SecurityKey(user_id=user.id, credential_id=credential_id, name=name[:100],
                      public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count)
    session.add(key)
    codes = None
    if user.webauthn_confirmed_at is None:
        user.webauthn_confirmed_at = now()
        codes = _new_recovery_codes(session, user)
    session.flush()
    audit.record(session, actor=user_actor(user, row.source_ip, request_id), action="user.security_key_added",
                 target=user, details={"key": key.name, "key_id": str(key.id), "recovery_codes_drawn": bool(codes)})
    return Registered(key=key, recovery_codes=codes)


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(10)  # 80 bits
        codes.append("-".join(raw[i:i + 5] for i in range(0, 20, 5)))
        session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    return codes


def list_keys(session: Session, *, actor: Actor) -> list[SecurityKey]:
    """The actor's own keys."""
    assert actor.user_id is not None
    return _keys(session, actor.user_id)


def _own_key(session: Session, actor: Actor, key_id: uuid.UUID) -> SecurityKey:
    key = session.get(SecurityKey, key_id)
    if key is None or key.user_id != actor.user_id:
        raise NotFound(f"Clé {key_id} introuvable.")
    return key


def rename_key(session: Session, *, actor: Actor, key_id: uuid.UUID, name: str) -> SecurityKey:
    """Rename one of the actor's keys.

    Raises:
        NotFound: no such key among the actor's.
        ValidationFailed: an empty name.
    """
    key = _own_key(session, actor, key_id)
    if not name.strip():
        raise ValidationFailed("Donnez un nom à la clé.", field="name")
    key.name = name.strip()[:100]
    audit.record(session, actor=actor, action="user.security_key_renamed", target_type="security_key",
                 target_id=key.id, details={"name": key.name})
    return key


def remove_key(session: Session, *, actor: Actor, key_id: uuid.UUID) -> None:
    """Remove one of the actor's keys (the last one takes the recovery codes with it).

    Raises:
        NotFound: no such key among the actor's.
    """
    key = _own_key(session, actor, key_id)
    session.delete(key)
    session.flush()
    user = session.get(User, key.user_id)
    assert user is not None
    left = session.scalar(select(func.count()).select_from(SecurityKey).where(SecurityKey.user_id == user.id))
    if not left:
        user.webauthn_confirmed_at = None
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(session, actor=actor, action="user.security_key_removed", target=user,
                 details={"key": key.name, "key_id": str(key.id), "keys_left": left})


def login_options(session: Session, *, settings: Settings, token: str, rp: Relying) -> str:
    """The options (JSON) for ``navigator.credentials.get`` at the second-factor step.

    Raises:
        NotAuthenticated: no live session.
        Conflict: the user has no security key.
    """
    row, user = pending_session(session, token, settings)
    keys = _keys(session, user.id)
    if not keys:
        raise Conflict("Aucune clé de sécurité n'est enregistrée pour ce compte.")
    options = generate_authentication_options(
        rp_id=rp.rp_id, user_verification=UserVerificationRequirement.DISCOURAGED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id)) for k in keys])
    row.webauthn_challenge = bytes_to_base64url(options.challenge)
    return str(options_to_json(options))


def verify_login(session: Session, *, settings: Settings, token: str, rp: Relying, credential: dict[str, Any],
                 request_id: str | None = None) -> User:
    """Finish the login with a key: its signature over the challenge, user presence, a growing counter.

    Raises:
        NotAuthenticated: no live session, an unknown key, or an answer that does not verify (a bad
            signature, a counter that did not grow...); the failure counts as a failed login step.
        Conflict: no login challenge was asked.
        TooManyAttempts: too many failed steps from this address or on this account from it.
    """
    row, user = pending_session(session, token, settings)
    actor = user_actor(user, row.source_ip, request_id)
    LoginGuard.of(settings).check_address(user.username, row.source_ip or "unknown")
    challenge = _challenge(row)
    key = session.scalar(select(SecurityKey).where(SecurityKey.user_id == user.id,
                                                   SecurityKey.credential_id == str(credential.get("id", ""))))
    try:
        if key is None:
            raise InvalidAuthenticationResponse("unknown credential")
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id, expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(key.public_key), credential_current_sign_count=key.sign_count)
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        register_failure(session, user, settings, actor, "bad_webauthn")
        raise NotAuthenticated(f"Clé de sécurité refusée : {exc}") from exc
    key.sign_count, key.last_used_at = verified.new_sign_count, now()
    complete_login(session, settings, user, row, actor, method=totp_method(row, "webauthn"))
    return user


def use_recovery_code(session: Session, *, settings: Settings, token: str, code: str,
                      request_id: str | None = None) -> User:
    """Finish the login with a recovery code (used once; journaled with how many are left).

    Raises:
        NotAuthenticated: no live session, or a wrong or used code (counted as a failed login step).
        TooManyAttempts: too many failed steps from this address or on this account from it.
    """
    row, user = pending_session(session, token, settings)
    actor = user_actor(user, row.source_ip, request_id)
    LoginGuard.of(settings).check_address(user.username, row.source_ip or "unknown")
    found = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                      RecoveryCode.code_hash == _digest(code),
                                                      RecoveryCode.used_at.is_(None)))
    if found is None:
        register_failure(session, user, settings, actor, "bad_recovery_code")
        raise NotAuthenticated("Code de secours incorrect ou déjà utilisé.")
    found.used_at = now()
    left = session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    audit.record(session, actor=actor, action="user.recovery_code_used", target=user, details={"left": left})
    complete_login(session, settings, user, row, actor, method=totp_method(row, "recovery"))
    return user


def has_keys(session: Session, user_id: uuid.UUID) -> bool:
    return session.scalar(select(SecurityKey.id).where(SecurityKey.user_id == user_id).limit(1)) is not None

