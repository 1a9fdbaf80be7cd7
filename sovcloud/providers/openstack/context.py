"""The sovcloud request a provider call serves, sent to OpenStack as its *global request id*
(``X-OpenStack-Request-ID``), so an operator can follow one sovcloud request through Nova, Neutron and
Cinder logs (they log it beside their own ``req-...`` id).

The id lives in a context variable, so the worker threads sharing one connection each send their own:

>>> with sovcloud.providers.context.request_context(step.request_id):
...     provider.create_server(...)
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from openstack.connection import Connection

from sovcloud.providers import context as providers_context
from sovcloud.providers.context import request_context

__all__ = ["ContextConnection", "current", "global_request_id", "request_context"]

_FORMAT = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAMESPACE = uuid.UUID("5b2c1f57-6a0e-4b8e-9a59-0c6f1c1b6e11")  #: for request ids that are not UUIDs


def global_request_id(request_id: str | None) -> str | None:
    """``req-<uuid>`` for a sovcloud request id (OpenStack drops ids of any other form): the id itself when
    it is a UUID (hex or dashed), else a UUID derived from it, the same every time."""
    if not request_id:
        return None
    if _FORMAT.match(request_id):
        return request_id
    try:
        value = uuid.UUID(request_id)
    except ValueError:
        value = uuid.uuid5(_NAMESPACE, request_id)
    return f"req-{value}"


def current() -> str | None:
    """The global request id of the calls made now in this thread (or task)."""
    return global_request_id(providers_context.current())


class ContextConnection(Connection):
    """An openstacksdk connection whose global request id is the one of the current context (the SDK reads
    ``_global_request_id`` on every request), instead of one fixed per connection."""

    @property
    def _global_request_id(self) -> str | None:
        return current() or self._fixed_request_id

    @_global_request_id.setter
    def _global_request_id(self, value: Any) -> None:
        self._fixed_request_id = value
