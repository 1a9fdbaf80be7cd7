"""Identity tables: nominative users, server-side sessions and API tokens. Secrets are never stored in
clear: passwords as argon2id hashes, session and token values as SHA-256 digests, TOTP seeds encrypted."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.db import Base, IdMixin


class UserStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class User(IdMixin, Base):
    """A nominative account: one person, never shared. Suspension kills its sessions and tokens at once."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)  #: login, e.g. "marie.curie"
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))  #: argon2id
    status: Mapped[UserStatus] = mapped_column(String(20), default=UserStatus.ACTIVE)
    failed_logins: Mapped[int] = mapped_column(default=0)  #: consecutive failures since last success
    totp_secret_enc: Mapped[str | None] = mapped_column(String(400))  #: Fernet-encrypted TOTP seed
    totp_confirmed_at: Mapped[datetime | None] = mapped_column()  #: set once a first code was verified
    #: Fernet-encrypted seed of an enrolment in progress: the current factor stays in force until it is confirmed
    totp_pending_enc: Mapped[str | None] = mapped_column(String(400))
    totp_last_step: Mapped[int | None] = mapped_column()  #: last accepted 30 s step, against replay
    last_login_at: Mapped[datetime | None] = mapped_column()
    locale: Mapped[str] = mapped_column(String(5), default="fr")

    #: set while the user has at least one security key (WebAuthn), cleared with the last one
    webauthn_confirmed_at: Mapped[datetime | None] = mapped_column()

    @property
    def mfa_enabled(self) -> bool:
        """A second factor is in force: a confirmed TOTP or a security key."""
        return self.totp_confirmed_at is not None or self.webauthn_confirmed_at is not None

    @property
    def totp_enabled(self) -> bool:
        return self.totp_confirmed_at is not None


class UserSession(IdMixin, Base):
    """A server-side login session. The cookie holds a random value; only its SHA-256 is stored.
    A session ends at its idle timeout, its absolute expiry, logout, or the user's suspension."""

    __tablename__ = "sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()  #: absolute expiry
    mfa_verified: Mapped[bool] = mapped_column(default=False)
    #: how the login was made: password, password+totp, proconnect, proconnect+totp (None: before 0012)
    auth_method: Mapped[str | None] = mapped_column(String(40))
    acr: Mapped[str | None] = mapped_column(String(20))  #: ProConnect: the acr of the id_token (eidas1..3)
    #: ProConnect: the id_token, sent back as ``id_token_hint`` at logout (a signed assertion, not a credential)
    id_token: Mapped[str | None] = mapped_column(Text)
    #: the WebAuthn challenge this session was last given (registration or login), single use
    webauthn_challenge: Mapped[str | None] = mapped_column(String(200))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    revoked_at: Mapped[datetime | None] = mapped_column()


class ApiToken(IdMixin, Base):
    """A personal API token, scoped to one organisation or project (or unscoped for platform roles),
    with an expiry. Only its SHA-256 is stored; ``prefix`` lets a user recognise it.

    A token acts with its user's roles *now* (read at each use, cut down to the token's scope), never with
    the roles held when it was issued. Administrative roles (those that require MFA) are carried only when
    the token was issued from a session that passed the second factor (``created_with_mfa``) and the user
    still has a confirmed second factor at the time of use; otherwise the token keeps only the user's
    non-administrative roles."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  #: first characters of the token, for display
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id"))
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    #: issued from a session whose second factor was verified (a condition for administrative roles)
    created_with_mfa: Mapped[bool] = mapped_column(default=False, server_default=false())


class OidcLink(IdMixin, Base):
    """A ProConnect identity linked to a user: the pair (``sub``, ``idp_id``) from ``issuer``. ProConnect's
    ``sub`` is only unique with the identity provider behind it, hence the pair. A user may have several."""

    __tablename__ = "oidc_links"
    __table_args__ = (UniqueConstraint("issuer", "sub", "idp_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    sub: Mapped[str] = mapped_column(String(255))  #: the provider's subject identifier
    idp_id: Mapped[str] = mapped_column(String(255))  #: the identity provider behind ProConnect
    #: how the link was made: reconciled_by_email (an existing account) or created_just_in_time
    linked_by: Mapped[str] = mapped_column(String(40))
    last_login_at: Mapped[datetime | None] = mapped_column()


class OidcLoginState(IdMixin, Base):
    """A ProConnect login in progress: its ``state`` (stored as SHA-256), ``nonce`` and PKCE verifier,
    bound to the browser that started it (SHA-256 of a cookie value). Used once, within ten minutes."""

    __tablename__ = "oidc_login_states"

    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(2000), default="/")  #: local page to go to afterwards
    acr_values: Mapped[str] = mapped_column(String(60))  #: the acr values asked, space-separated
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class OrgMappingKind(StrEnum):
    SIRET = "siret"
    DOMAIN = "domain"


class OrgMapping(IdMixin, Base):
    """Operator-managed: a SIRET (14 digits) or an e-mail domain whose ProConnect agents belong to an
    organisation. The SIRET is looked up first, then the e-mail domain."""

    __tablename__ = "org_mappings"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    kind: Mapped[OrgMappingKind] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(253))  #: the SIRET, or the domain in lower case
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                       index=True)


class SecurityKey(IdMixin, Base):
    """A WebAuthn credential (security key or platform authenticator) of a user, as a second factor. The
    signature counter only grows: an assertion whose counter does not is refused (a cloned key)."""

    __tablename__ = "security_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  #: base64url
    public_key: Mapped[str] = mapped_column(Text)  #: COSE key, base64url
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))  #: the user's label, e.g. "clé USB bureau"
    last_used_at: Mapped[datetime | None] = mapped_column()


class RecoveryCode(IdMixin, Base):
    """A single-use code that replaces a lost second factor at login. Only its SHA-256 is stored (the codes
    are 80 random bits, shown once)."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column()
