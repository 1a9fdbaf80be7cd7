"""Logging in with ProConnect: the login state kept server-side (single use, bound to the browser), the
callback turned into a session that remembers its acr, the step-up to the local second factor when the acr
is below what administrative roles need, the refusals journaled, and the logout through the provider.

The callback spans three short transactions, so that no database lock is held while the provider is
called: the state is consumed (committed even if the login fails later: it is single use), the code is
exchanged and checked (:mod:`sovcloud.identity.oidc`, no database), then the account is resolved
(:mod:`sovcloud.identity.federation`) and the session opened. A refusal is journaled in a transaction of
its own."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from limits import parse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import ADMIN_ROLES
from sovcloud.clock import now
from sovcloud.config import Settings
from sovcloud.errors import LoginRefused
from sovcloud.identity import federation, oidc
from sovcloud.identity.models import OidcLoginState, UserSession
from sovcloud.identity.sessions import Login, LoginStage, complete_login, digest, user_actor
from sovcloud.identity.throttle import limiter_of
from sovcloud.identity.users import grants_of

STATE_TTL = timedelta(minutes=10)
#: a state, nonce or browser key is 43 URL-safe characters (32 random bytes); anything shorter is forged
MIN_STATE_CHARS = 32
MAX_STATE_CHARS = 200

UnitOfWork = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Started:
    """A login sent to ProConnect: ``url`` for the browser, ``browser_key`` for its cookie (never stored)."""

    url: str
    browser_key: str


@dataclass(frozen=True)
class Pending:
    nonce: str
    code_verifier: str
    next_path: str
    acr_values: list[str]


def begin_login(session: Session, *, settings: Settings, next_path: str = "/", source_ip: str | None = None
                ) -> Started:
    """Draw ``state``, ``nonce`` and the PKCE verifier, keep them (the state as a digest), and build the
    authorization URL. Expired states are purged on the way; one address may start only
    ``oidc_starts_per_address`` logins (so that nobody fills the table).

    Raises:
        LoginRefused: ProConnect is not configured, its discovery fails, or too many logins were started
            from this address.
    """
    if not settings.oidc_enabled:
        raise LoginRefused("La connexion avec ProConnect n'est pas configurée.", reason="not_configured")
    if not starts_allowed(settings, source_ip or "unknown"):
        raise LoginRefused("Trop de connexions ProConnect commencées depuis cette adresse : réessayez dans quelques "
                           "minutes.", reason="too_many_starts")
    state, nonce, verifier, browser = (secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                                       secrets.token_urlsafe(48), secrets.token_urlsafe(32))
    acr_values = list(settings.oidc_acr_values)
    url = oidc.authorization_url(settings, state=state, nonce=nonce, code_verifier=verifier, acr_values=acr_values)
    at = now()
    session.execute(delete(OidcLoginState).where(OidcLoginState.expires_at < at))
    session.add(OidcLoginState(state_hash=digest(state), browser_hash=digest(browser), nonce=nonce,
                               code_verifier=verifier, next_path=next_path[:2000], acr_values=" ".join(acr_values),
                               expires_at=at + STATE_TTL))
    return Started(url=url, browser_key=browser)


def starts_allowed(settings: Settings, ip: str) -> bool:
    """Count one ProConnect login started from ``ip``; False once the address is over its allowance."""
    limit = parse(settings.oidc_starts_per_address)
    return limiter_of(settings).hit(limit, settings.queue_name, "proconnect-start", ip)


def consume_state(session: Session, *, state: str | None, browser_key: str | None) -> Pending:
    """The login that ``state`` belongs to, marked used (the mark is kept even when this refuses).

    Raises:
        LoginRefused: missing, malformed, unknown, expired or already used state, or another browser's.
    """
    if not state or not MIN_STATE_CHARS <= len(state) <= MAX_STATE_CHARS:
        raise LoginRefused("Réponse de ProConnect sans paramètre « state » valide : connexion refusée.",
                           reason="state_invalid")
    row = session.scalar(select(OidcLoginState).where(OidcLoginState.state_hash == digest(state)))
    if row is None:
        raise LoginRefused("Cette connexion ProConnect est inconnue : recommencez depuis la page de connexion.",
                           reason="state_unknown")
    if row.used_at is not None:
        raise LoginRefused("Cette réponse de ProConnect a déjà servi (rejeu) : connexion refusée.",
                           reason="state_replayed")
    row.used_at = now()
    if row.expires_at <= now():
        raise LoginRefused("La connexion ProConnect a expiré (plus de dix minutes) : recommencez.",
                           reason="state_expired")
    if not browser_key or digest(browser_key) != row.browser_hash:
        raise LoginRefused("Cette connexion ProConnect a été commencée dans un autre navigateur : connexion refusée.",
                           reason="state_other_browser")
    return Pending(nonce=row.nonce, code_verifier=row.code_verifier, next_path=row.next_path,
                   acr_values=row.acr_values.split())


def finish_login(unit_of_work: UnitOfWork, *, settings: Settings, state: str | None, code: str | None,
                 iss: str | None, error: str | None, browser_key: str | None, source_ip: str | None = None,
                 user_agent: str | None = None, request_id: str | None = None) -> tuple[Login, str]:
    """The provider's redirect back, turned into a session; returns it with the page to go to.

    Raises:
        LoginRefused: any check failed (journaled as a failed ``user.login`` with its reason).
    """
    try:
        with unit_of_work() as session:
            pending = consume_state(session, state=state, browser_key=browser_key)
        if error or not code:
            raise LoginRefused("ProConnect n'a pas authentifié l'agent (connexion annulée ou refusée).",
                               reason="provider_error", error=(error or "no_code")[:100])
        identity = oidc.exchange(settings, code=code, code_verifier=pending.code_verifier, nonce=pending.nonce,
                                 acr_values=pending.acr_values, iss=iss)
        with unit_of_work() as session:
            login = open_session(session, settings=settings, identity=identity, source_ip=source_ip,
                                 user_agent=user_agent, request_id=request_id)
        return login, pending.next_path
    except LoginRefused as exc:
        with unit_of_work() as session:
            audit.record(session, actor=Actor(user_id=None, username="proconnect", source_ip=source_ip,
                                              request_id=request_id),
                         action="user.login", outcome="failure", target_type="user",
                         details={"method": "proconnect", "reason": exc.reason,
                                  **{k: v for k, v in exc.extra.items() if k != "reason"}})
        raise


def open_session(session: Session, *, settings: Settings, identity: oidc.Identity, source_ip: str | None = None,
                 user_agent: str | None = None, request_id: str | None = None) -> Login:
    """A session for the account of ``identity``. It passed strong authentication when the acr reaches
    ``oidc_admin_acr``; otherwise an account holding an administrative role must pass its TOTP (or enrol
    one) before any action.

    Raises:
        LoginRefused: see :func:`sovcloud.identity.federation.resolve`.
    """
    system = Actor(user_id=None, username="proconnect", source_ip=source_ip, request_id=request_id)
    strong = oidc.strong_enough(settings, identity.acr)
    user, decision = federation.resolve(session, identity=identity, actor=system, strong=strong)
    token = secrets.token_urlsafe(32)
    at = now()
    row = UserSession(user_id=user.id, token_hash=digest(token), last_seen_at=at, mfa_verified=strong,
                      expires_at=at + timedelta(hours=settings.session_absolute_hours), source_ip=source_ip,
                      user_agent=(user_agent or "")[:400], auth_method="proconnect", acr=identity.acr,
                      id_token=identity.id_token)
    session.add(row)
    session.flush()
    actor = user_actor(user, source_ip, request_id)
    if strong or not any(g.role in ADMIN_ROLES for g in grants_of(session, user.id)):
        stage = LoginStage.COMPLETE
        complete_login(session, settings, user, row, actor, method="proconnect")
    else:
        stage = LoginStage.TOTP_REQUIRED if user.mfa_enabled else LoginStage.ENROLMENT_REQUIRED
        audit.record(session, actor=actor, action="user.step_up_required", target=user,
                     details={"acr": identity.acr, "needed": settings.oidc_admin_acr, "stage": stage.value})
    audit.record(session, actor=actor, action="user.proconnect_login", target=user,
                 details={"acr": identity.acr, "idp_id": identity.idp_id, "account": decision, "stage": stage.value})
    return Login(token=token, session=row, user=user, stage=stage)


def logout_url(session: Session, *, settings: Settings, token: str) -> tuple[str, str] | None:
    """For a ProConnect session: the provider's end-session URL (with ``id_token_hint``, ``state`` and
    ``post_logout_redirect_uri``) and the ``state`` sent, to check on the way back; None otherwise."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    if row is None or not row.id_token or not settings.oidc_enabled:
        return None
    state = secrets.token_urlsafe(32)
    url = oidc.end_session_url(settings, id_token=row.id_token, state=state)
    return (url, state) if url else None
