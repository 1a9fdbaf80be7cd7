"""Fixtures for provider tests: simulator configurations on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sovcloud.providers.simulator import SimulatorConfig

PG_URL = os.environ.get("SOVCLOUD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not reachable"
        return str(exc).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL; skips (fails when CI=true) if the server cannot be reached."""
    problem = _postgres_reachable()
    if problem is not None:
        message = f"PostgreSQL unreachable at {PG_URL}: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PG_URL


@pytest.fixture
def sqlite_config(tmp_path: Path) -> SimulatorConfig:
    """A fresh simulator on a SQLite file, transitions instantaneous."""
    return SimulatorConfig(database_url=f"sqlite:///{tmp_path / 'sim.db'}", build_delay_s=0, action_delay_s=0)


@pytest.fixture
def pg_config(postgres_url: str) -> Iterator[SimulatorConfig]:
    """A fresh simulator in its own PostgreSQL schema, dropped afterwards."""
    schema = f"sim_{uuid.uuid4().hex[:12]}"
    yield SimulatorConfig(database_url=postgres_url, db_schema=schema, build_delay_s=0, action_delay_s=0)
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
