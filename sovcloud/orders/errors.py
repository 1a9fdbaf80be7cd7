"""Errors of the orders context."""

from __future__ import annotations

from sovcloud.errors import Conflict


class InvalidTransition(Conflict):
    """The order is not in a state that allows this."""

    code = "invalid-transition"
    title = "Transition impossible"
