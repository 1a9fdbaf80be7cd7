"""Errors of the applications context."""

from __future__ import annotations

from sovcloud.errors import Conflict


class InvalidStage(Conflict):
    """The application's life cycle does not allow this move now (wrong stage, or a guard not met)."""

    code = "invalid-stage"
    title = "Étape impossible"
