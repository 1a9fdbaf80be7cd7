"""Cloud providers behind one contract (:class:`CloudProvider`), and a registry to build them by name.

>>> provider = build_provider("simulator", database_url="sqlite:////var/lib/sovcloud/sim.db")

An adapter registers itself with :func:`register_provider` (the OpenStack one does, as "openstack");
workers build the configured one and never import an implementation directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sovcloud.providers.base import CloudProvider
from sovcloud.providers.errors import (
    BadInputError,
    CapacityError,
    ConflictError,
    NotFoundError,
    OperationTimedOutError,
    ProviderError,
    QuotaExceededError,
    TransientError,
    UnsupportedOperationError,
)

ProviderFactory = Callable[..., CloudProvider]

_REGISTRY: dict[str, ProviderFactory] = {}


def register_provider(kind: str, factory: ProviderFactory) -> None:
    """Make ``build_provider(kind, **config)`` call ``factory(**config)``. Re-registering replaces."""
    _REGISTRY[kind] = factory


def provider_kinds() -> list[str]:
    """The registered provider names."""
    return sorted(_REGISTRY)


def build_provider(kind: str, **config: Any) -> CloudProvider:
    """Build a provider by name; ``config`` holds its settings (keyword arguments of its config class).

    Raises:
        ValueError: no provider of that name is registered.
    """
    try:
        factory = _REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown provider {kind!r}; known: {', '.join(provider_kinds())}") from None
    return factory(**config)


def _simulator(**config: Any) -> CloudProvider:
    from sovcloud.providers.simulator import SimulatorConfig, SimulatorProvider

    clock = config.pop("clock", None)
    settings = SimulatorConfig(**config)
    return SimulatorProvider(settings, clock=clock) if clock else SimulatorProvider(settings)


register_provider("simulator", _simulator)


def _openstack(**config: Any) -> CloudProvider:
    from sovcloud.providers.openstack import build

    return build(**config)


register_provider("openstack", _openstack)

__all__ = [
    "BadInputError",
    "CapacityError",
    "CloudProvider",
    "ConflictError",
    "NotFoundError",
    "OperationTimedOutError",
    "ProviderError",
    "ProviderFactory",
    "QuotaExceededError",
    "TransientError",
    "UnsupportedOperationError",
    "build_provider",
    "provider_kinds",
    "register_provider",
]
