"""Domain errors. Each has a stable machine-readable ``code`` and an HTTP status; the API maps them once
to RFC 9457 problem+json (``sovcloud.api.problems``), the portal and the CLI to a readable message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad-request"
    title = "Requête invalide"
    #: commit the unit of work even though this error is raised (e.g. a failed login's counter and audit)
    keep_changes = False

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule (password too short, bad cron...).

    ``field`` names the input at fault (the API field name, dotted for nested ones: ``parameters.name``);
    several faults at once go in ``errors``, each ``{"field": ..., "message": ...}`` with a French message
    that says what to fix. The API returns them as the problem's ``errors`` member; the portal shows each
    message next to its field."""

    status = 422
    code = "validation-failed"
    title = "Données invalides"

    def __init__(self, detail: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None,
                 **extra: Any) -> None:
        faults = list(errors or [])
        if field is not None:
            faults.insert(0, {"field": field, "message": detail})
        super().__init__(detail, **extra)
        if field is not None:
            self.extra["field"] = field
        self.errors = faults
        if faults:
            self.extra["errors"] = faults


class NotAuthenticated(DomainError):
    """No valid session or token, or wrong credentials."""

    status = 401
    code = "not-authenticated"
    title = "Authentification requise"
    keep_changes = True


class MfaRequired(NotAuthenticated):
    """Password accepted; a TOTP code (or MFA enrolment) is required to finish logging in."""

    code = "mfa-required"
    title = "Second facteur requis"


class LoginRefused(DomainError):
    """A ProConnect login that cannot be accepted (state, nonce, signature, acr, or no organisation for the
    agent). ``reason`` is the stable cause journaled with the refusal."""

    status = 403
    code = "login-refused"
    title = "Connexion refusée"

    def __init__(self, detail: str, *, reason: str, **extra: object) -> None:
        super().__init__(detail, reason=reason, **extra)
        self.reason = reason


class PermissionDenied(DomainError):
    """The actor sees the object but may not do this to it."""

    status = 403
    code = "permission-denied"
    title = "Action non autorisée"


class NotFound(DomainError):
    """No such object, or not visible to this actor (we never reveal which)."""

    status = 404
    code = "not-found"
    title = "Introuvable"


class Conflict(DomainError):
    """The request conflicts with the current state (duplicate name, invalid transition, SoD...)."""

    status = 409
    code = "conflict"
    title = "Conflit"


class QuotaExceeded(Conflict):
    """The request would take more than the quota left."""

    code = "quota-exceeded"
    title = "Quota dépassé"


class SeparationOfDuties(Conflict):
    """Two incompatible roles for one person. The refusal itself is journaled, so it is kept."""

    code = "separation-of-duties"
    title = "Séparation des tâches"
    keep_changes = True
