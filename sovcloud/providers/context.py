"""The sovcloud request a provider call serves. The runner sets it around each step; a provider may pass
it on (OpenStack sends it as its global request id), so one id follows a portal click into the cloud's
logs. It lives in a context variable: worker threads sharing one provider each carry their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[str | None] = ContextVar("sovcloud_request_id", default=None)


def current() -> str | None:
    """The sovcloud request id of the provider calls made now in this thread (or task)."""
    return _CURRENT.get()


@contextmanager
def request_context(request_id: str | None) -> Iterator[str | None]:
    """Provider calls made inside serve ``request_id``."""
    token = _CURRENT.set(request_id or None)
    try:
        yield request_id
    finally:
        _CURRENT.reset(token)
