"""The simulated two-site cloud: a real model (capacity, scheduling, quotas, lazy transitions, faults)
kept in its own SQL database so that several worker processes share it."""

from sovcloud.providers.simulator.config import DEFAULT_SITES, HostGroupSeed, SimulatorConfig, SiteSeed
from sovcloud.providers.simulator.faults import FaultController, FaultState
from sovcloud.providers.simulator.provider import SimulatorProvider

__all__ = [
    "DEFAULT_SITES",
    "FaultController",
    "FaultState",
    "HostGroupSeed",
    "SimulatorConfig",
    "SimulatorProvider",
    "SiteSeed",
]
