"""Fixtures of the resilience tests: the default catalogue, policy and demo sites (as for ordering)."""

from __future__ import annotations

from tests.orders.conftest import catalog, runtime

__all__ = ["catalog", "runtime"]
