"""The provider contract run against the simulator, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sovcloud.providers import CloudProvider, build_provider
from sovcloud.providers.simulator import SimulatorConfig, SimulatorProvider

from .contract import ProviderContract


class TestSimulatorOnSqlite(ProviderContract):
    """Contract on a SQLite file."""

    @pytest.fixture
    def provider(self, sqlite_config: SimulatorConfig) -> Iterator[SimulatorProvider]:
        sim = SimulatorProvider(sqlite_config)
        yield sim
        sim.close()

    @pytest.fixture
    def tenant(self) -> str:
        return "project-contract"


@pytest.mark.postgres
class TestSimulatorOnPostgres(ProviderContract):
    """Contract on PostgreSQL, in a schema of its own."""

    @pytest.fixture
    def provider(self, pg_config: SimulatorConfig) -> Iterator[SimulatorProvider]:
        sim = SimulatorProvider(pg_config)
        yield sim
        sim.close()

    @pytest.fixture
    def tenant(self) -> str:
        return "project-contract"


class TestSimulatorWithDelays(ProviderContract):
    """Contract with real (short) transition delays, so polling is exercised."""

    @pytest.fixture
    def provider(self, sqlite_config: SimulatorConfig) -> Iterator[CloudProvider]:
        sim = build_provider("simulator", database_url=sqlite_config.database_url, build_delay_s=0.2,
                             action_delay_s=0.1)  # fmt: skip
        yield sim
        assert isinstance(sim, SimulatorProvider)
        sim.close()

    @pytest.fixture
    def tenant(self) -> str:
        return "project-delays"


def test_simulator_satisfies_the_protocol(sqlite_config: SimulatorConfig) -> None:
    assert isinstance(SimulatorProvider(sqlite_config), CloudProvider)


def test_unknown_provider_kind() -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        build_provider("no-such-cloud")
