"""openstacksdk failures → provider-neutral errors, in one place (:func:`translated`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from sovcloud.providers.errors import (
    BadInputError,
    CapacityError,
    ConflictError,
    NotFoundError,
    OperationTimedOutError,
    ProviderError,
    QuotaExceededError,
    TransientError,
)

P = ParamSpec("P")
R = TypeVar("R")

_QUOTA = re.compile(r"quota|over ?limit|maximum number of .* exceeded|limit exceeded", re.IGNORECASE)
_CAPACITY = re.compile(r"no valid host|insufficient|not enough", re.IGNORECASE)


def _message(exc: BaseException) -> str:
    details = getattr(exc, "details", None)
    return str(details or exc).strip()[:500]


def convert(exc: BaseException) -> ProviderError:
    """The provider error for an SDK / keystoneauth exception (generic ProviderError when unknown)."""
    message = _message(exc)
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, sdk.ResourceTimeout):
        return OperationTimedOutError(message)
    if isinstance(exc, sdk.ResourceFailure):
        return CapacityError(message) if _CAPACITY.search(message) else ProviderError(message)
    if isinstance(exc, sdk.NotFoundException):
        return NotFoundError(message)
    if isinstance(exc, sdk.HttpException):
        status = exc.status_code or 0
        if _QUOTA.search(message) and status in (400, 403, 409, 413):
            return QuotaExceededError(message)
        if isinstance(exc, sdk.ConflictException) or status == 409:
            return ConflictError(message)
        if isinstance(exc, sdk.BadRequestException) or status in (400, 422):
            return BadInputError(message)
        if status == 403:
            return BadInputError(message)
        if status == 429 or status >= 500:
            return TransientError(message)
        return ProviderError(message)
    if isinstance(exc, ksa.ConnectTimeout | ksa.ConnectFailure | ksa.RetriableConnectionFailure):
        return TransientError(message)
    if isinstance(exc, ksa.Unauthorized | ksa.Forbidden):
        return ProviderError(f"OpenStack refused the credentials: {message}")
    if isinstance(exc, ksa.ClientException | sdk.SDKException):
        return TransientError(message) if "timed out" in message.lower() else ProviderError(message)
    raise exc


@contextmanager
def translating() -> Iterator[None]:
    """Turn any SDK exception raised inside the block into a provider error."""
    try:
        yield
    except (sdk.SDKException, ksa.ClientException) as exc:
        raise convert(exc) from exc


def translated(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a provider method so only provider errors escape it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translating():
            return func(*args, **kwargs)

    return wrapper
