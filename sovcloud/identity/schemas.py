"""API input and output of the identity context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=80, description="Identifiant")
    password: str = Field(min_length=1, max_length=1024, description="Mot de passe")


class CodeIn(BaseModel):
    code: str = Field(min_length=6, max_length=8, description="Code TOTP à 6 chiffres")


class EnrolIn(BaseModel):
    current_code: str | None = Field(default=None, min_length=6, max_length=8,
                                     description="A code of the factor in force (required to replace it)")


class MfaResetIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the factor is reset (journaled)")


class LoginOut(BaseModel):
    stage: str = Field(description="complete | totp_required | enrolment_required")
    username: str


class EnrolmentOut(BaseModel):
    uri: str = Field(description="otpauth:// URI to load into an authenticator app")
    seed: str = Field(description="The seed, for manual entry")
    qr_svg: str = Field(description="The URI as an SVG QR code")


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=80)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    email: str
    full_name: str
    status: str
    mfa_enabled: bool
    last_login_at: datetime | None
    created_at: datetime


class SuspendIn(BaseModel):
    reason: str = Field(default="", max_length=500)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(default=90, ge=1, le=3650, description="Lifetime in days (the settings cap it)")
    organisation_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    organisation_id: uuid.UUID | None
    project_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    secret: str = Field(description="Shown once: store it now")


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    source_ip: str | None
    user_agent: str | None
    mfa_verified: bool
    auth_method: str | None = Field(description="password, password+totp, proconnect or proconnect+totp")
    acr: str | None = Field(description="ProConnect: the acr reached (eidas1..eidas3)")


class GrantRead(BaseModel):
    role: str
    organisation_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


class MeRead(BaseModel):
    id: uuid.UUID | None
    username: str
    grants: list[GrantRead]
    token_id: uuid.UUID | None


class MappingCreate(BaseModel):
    kind: Literal["siret", "domain"] = Field(description="siret (14 digits) or domain (of agents' e-mail)")
    value: str = Field(min_length=3, max_length=253, description="The SIRET, or the e-mail domain")
    organisation_id: uuid.UUID = Field(description="Organisation its ProConnect agents belong to")


class MappingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    value: str
    organisation_id: uuid.UUID
    created_at: datetime


class JitPolicyIn(BaseModel):
    allowed: bool = Field(description="Agents mapped to the organisation get an account at their first login")
    role: Literal["viewer", "finance", "organisation_admin"] = Field(
        default="viewer", description="Role the new account holds on the organisation")


class JitPolicyRead(BaseModel):
    organisation_id: uuid.UUID
    allowed: bool
    role: str


class _AttestationIn(BaseModel):
    clientDataJSON: str = Field(max_length=4096, description="base64url")
    attestationObject: str = Field(max_length=16384, description="base64url")
    transports: list[Annotated[str, Field(max_length=20)]] = Field(default=[], max_length=10)


class RegistrationCredentialIn(BaseModel):
    """``navigator.credentials.create()``'s answer, as JSON (binary fields in base64url)."""

    id: str = Field(max_length=1400)
    rawId: str = Field(max_length=1400)
    type: Literal["public-key"]
    response: _AttestationIn
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None


class _AssertionIn(BaseModel):
    clientDataJSON: str = Field(max_length=4096, description="base64url")
    authenticatorData: str = Field(max_length=4096, description="base64url")
    signature: str = Field(max_length=1024, description="base64url")
    userHandle: str | None = Field(default=None, max_length=200, description="base64url")


class AuthenticationCredentialIn(BaseModel):
    """``navigator.credentials.get()``'s answer, as JSON (binary fields in base64url)."""

    id: str = Field(max_length=1400)
    rawId: str = Field(max_length=1400)
    type: Literal["public-key"]
    response: _AssertionIn
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None


class SecurityKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="The key's label")
    credential: RegistrationCredentialIn


class SecurityKeyRename(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="The key's label")


class SecurityKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    sign_count: int


class SecurityKeyAdded(BaseModel):
    key: SecurityKeyRead
    recovery_codes: list[str] | None = Field(description="Shown once, with the first key: keep them safe")


class WebauthnLoginIn(BaseModel):
    credential: AuthenticationCredentialIn


class RecoveryIn(BaseModel):
    code: str = Field(min_length=8, max_length=40, description="A recovery code, e.g. 1a2b3-4c5d6-7e8f9-0a1b2")
