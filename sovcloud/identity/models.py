"""Identity tables: nominative users, server-side sessions and API tokens. Secrets are never stored in
clear: passwords as argon2id hashes, session and token values as SHA-256 digests, TOTP seeds encrypted."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, false
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
    locked_until: Mapped[datetime | None] = mapped_column()
    totp_secret_enc: Mapped[str | None] = mapped_column(String(400))  #: Fernet-encrypted TOTP seed
    totp_confirmed_at: Mapped[datetime | None] = mapped_column()  #: set once a first code was verified
    #: Fernet-encrypted seed of an enrolment in progress: the current factor stays in force until it is confirmed
    totp_pending_enc: Mapped[str | None] = mapped_column(String(400))
    totp_last_step: Mapped[int | None] = mapped_column()  #: last accepted 30 s step, against replay
    last_login_at: Mapped[datetime | None] = mapped_column()
    locale: Mapped[str] = mapped_column(String(5), default="fr")

    @property
    def mfa_enabled(self) -> bool:
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
