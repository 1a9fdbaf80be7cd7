"""Provider-neutral errors.

Every provider (the simulator, OpenStack) converts its own failures into this small tree, once, at its
edge; nothing above ``providers/`` ever sees an SDK or database exception. The provisioning engine
retries :class:`TransientError` (and its subclasses) only: every other error is final for the step.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error a provider raises. Carries a human-readable ``message``."""

    #: Whether the provisioning engine may retry the call that raised this error.
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInputError(ProviderError):
    """The request is malformed or names something unusable (unknown flavor, image or network in a
    spec, negative size, bad CIDR). Retrying the same request can never succeed."""


class NotFoundError(ProviderError):
    """The addressed object does not exist, or does not belong to the tenant of the call."""


class ConflictError(ProviderError):
    """The request is valid but conflicts with the object's current state ("InvalidOperation"):
    stopping a stopped server, deleting an attached volume, an idempotency key reused by another
    tenant."""


class QuotaExceededError(ConflictError):
    """Honouring the request would take the tenant over one of its quotas."""


class CapacityError(ProviderError):
    """The cloud has no room for the request: no host or storage pool can fit it ("No valid host was
    found"), or the requested site is down."""


class TransientError(ProviderError):
    """A failure that a later retry may not meet: timeout, HTTP 5xx, lost connection, a locked
    database. The only error family the engine retries; the call must be safe to repeat (creates carry
    an idempotency key for that reason)."""

    retryable = True


class OperationTimedOutError(TransientError):
    """No answer in time. The operation may or may not have been applied by the cloud: repeat it with
    the same idempotency key to find out."""


class UnsupportedOperationError(ProviderError):
    """This provider cannot do this at all (see ``CloudProvider.capabilities()``)."""


__all__ = [
    "BadInputError",
    "CapacityError",
    "ConflictError",
    "NotFoundError",
    "OperationTimedOutError",
    "ProviderError",
    "QuotaExceededError",
    "TransientError",
    "UnsupportedOperationError",
]
