"""The second factor (TOTP): enrolment, replacement with the current factor, and an administrator's reset.

Starting an enrolment never switches the current factor off: the new seed is kept aside
(``totp_pending_enc``) and replaces the old one only when a first code of it is confirmed. Replacing a
factor that is in force needs a fully authenticated session *and* a fresh code of the current factor; a
lost factor is reset by an administrator (journaled), never by the user alone. Every change is journaled.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import Conflict, NotAuthenticated, ValidationFailed
from sovcloud.identity import totp
from sovcloud.identity.models import RecoveryCode, SecurityKey, User
from sovcloud.identity.sessions import complete_login, pending_session, register_failure, totp_method, user_actor
from sovcloud.identity.users import get_user, revoke_credentials


@dataclass(frozen=True)
class Enrolment:
    seed: str
    uri: str
    qr_svg: str


def _box(settings: Settings) -> totp.SecretBox:
    return totp.SecretBox(settings.secret_key.get_secret_value())


def begin_enrolment(session: Session, *, settings: Settings, token: str, current_code: str | None = None,
                    request_id: str | None = None) -> Enrolment:
    """Draw a new TOTP seed for the session's user, kept aside until a first code confirms it: the current
    factor, if any, stays in force meanwhile.

    Raises:
        NotAuthenticated: no live session, or a wrong current code (counted towards lockout).
        Conflict: a factor is enrolled and the session has not passed it yet (log in with it first).
        ValidationFailed: a factor is enrolled and ``current_code`` is missing.
    """
    row, user = pending_session(session, token, settings)
    actor = user_actor(user, row.source_ip, request_id)
    if user.mfa_enabled and not row.mfa_verified:
        raise Conflict("Un second facteur est déjà enrôlé ; saisissez son code.")
    if user.totp_enabled and user.totp_secret_enc is not None:  # replacing the TOTP in force needs its code
        if not current_code:
            raise ValidationFailed("Saisissez un code de votre second facteur actuel pour en enrôler un nouveau.",
                                   field="current_code")
        step = totp.matching_step(_box(settings).open(user.totp_secret_enc), current_code, now(), user.totp_last_step)
        if step is None:
            register_failure(session, user, settings, actor, "bad_totp_reenrolment")
            raise NotAuthenticated("Code de vérification incorrect ou déjà utilisé.")
        user.totp_last_step = step
    seed = totp.new_seed()
    user.totp_pending_enc = _box(settings).seal(seed)
    audit.record(session, actor=actor, action="user.mfa_enrolment_started", target=user,
                 details={"replaces_current_factor": user.totp_enabled})
    uri = totp.provisioning_uri(seed, username=user.username, issuer=settings.mfa_issuer)
    return Enrolment(seed=seed, uri=uri, qr_svg=totp.qr_svg(uri))


def confirm_enrolment(session: Session, *, settings: Settings, token: str, code: str,
                      request_id: str | None = None) -> User:
    """Put the drawn seed in force with a first valid code (replacing the current factor, if any); a login
    waiting for its enrolment becomes fully authenticated.

    Raises:
        NotAuthenticated: no live session, or a wrong code (counted towards lockout).
        Conflict: no enrolment was started, or a replacement asked by a session that has not passed the
            current factor.
    """
    row, user = pending_session(session, token, settings)
    if user.totp_pending_enc is None or (user.mfa_enabled and not row.mfa_verified):
        raise Conflict("Commencez par demander un nouveau QR code d'enrôlement.")
    step = totp.matching_step(_box(settings).open(user.totp_pending_enc), code, now(), None)
    actor = user_actor(user, row.source_ip, request_id)
    if step is None:
        register_failure(session, user, settings, actor, "bad_totp_enrolment")
        raise NotAuthenticated("Code de vérification incorrect.")
    replaced = user.totp_enabled
    user.totp_secret_enc, user.totp_pending_enc = user.totp_pending_enc, None
    user.totp_confirmed_at, user.totp_last_step = now(), step
    audit.record(session, actor=actor, action="user.mfa_enrolled", target=user,
                 details={"replaced_previous_factor": replaced})
    if not row.mfa_verified:
        complete_login(session, settings, user, row, actor, method=totp_method(row))
    return user


def reset_mfa(session: Session, *, actor: Actor, user_id: uuid.UUID | str, reason: str) -> User:
    """Remove a user's second factor (a lost phone): the user must enrol a new one at the next login. Its
    sessions end at once; its API tokens lose their administrative roles (see ``ApiToken``).

    Raises:
        PermissionDenied: the actor may not manage accounts.
        NotFound: no such user.
        Conflict: the actor resets its own factor.
        ValidationFailed: no reason given.
    """
    authorize(actor, Permission.USER_SUSPEND)
    user = get_user(session, user_id)
    if user.id == actor.user_id:
        raise Conflict("Vous ne pouvez pas réinitialiser votre propre second facteur : demandez à un autre "
                       "administrateur.")
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed("Motif obligatoire (500 caractères au plus).", field="reason")
    had = user.mfa_enabled
    user.totp_secret_enc = user.totp_pending_enc = None
    user.totp_confirmed_at = user.totp_last_step = user.webauthn_confirmed_at = None
    keys = session.execute(delete(SecurityKey).where(SecurityKey.user_id == user.id)).rowcount  # type: ignore[attr-defined]
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    ended, _tokens = revoke_credentials(session, user.id, tokens=False)
    audit.record(session, actor=actor, action="user.mfa_reset", target=user,
                 details={"reason": reason, "had_factor": had, "security_keys_removed": keys,
                          "sessions_ended": ended})
    return user
