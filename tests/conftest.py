"""Test fixtures: a migrated database on each backend (SQLite and PostgreSQL), the app, and actors.

Every test that takes ``db`` (or anything built on it) runs once on SQLite and once on PostgreSQL.
PostgreSQL tests skip with the reason when no server answers, except under ``CI=true`` where a
missing service is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sovcloud import audit
from sovcloud.config import Settings
from sovcloud.db import make_engine, make_sessionmaker
from sovcloud.migrate import upgrade
from sovcloud.models import Base

#: chromium and the served app, registered once for the whole suite (see tests/browser.py)
pytest_plugins = ["tests.browser"]

PG_ADMIN_URL = os.environ.get("SOVCLOUD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"


def service_missing(what: str, why: str) -> None:
    """Skip, or fail under CI=true, when a real service the test needs is not there."""
    message = f"{what} unavailable: {why}"
    if IN_CI:
        pytest.fail(message + " (CI=true: real services are required)")
    pytest.skip(message)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_database() -> str:
    """A database of this test worker's own on the PostgreSQL server, created empty once."""
    name = f"sovcloud_test_{_worker()}_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, once per backend and worker."""
    sqlite = request.param == "sqlite"
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sovcloud.db'}" if sqlite else _pg_database()
    upgrade(url)
    yield url
    if request.param == "postgresql":
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key=SecretStr("test-secret-" + "x" * 40),
                    queue_path=tmp_path / "queue.db", simulator_database_url=f"sqlite:///{tmp_path}/sim.db",
                    simulator_build_delay_s=0, log_json=False, audit_anchor_path=tmp_path / "audit-anchors.jsonl")


@pytest.fixture
def sessions(engine: Engine, settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A clean database (and clean login throttling counters) for each test."""
    from sovcloud.identity import throttle

    _wipe(engine)
    throttle.reset()
    audit.service.configure(settings.secret_key.get_secret_value())
    yield make_sessionmaker(engine)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One open transaction, committed at the end of the test body if still open."""
    with sessions() as session, session.begin():
        yield session


@pytest.fixture
def app(settings: Settings, sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    from sovcloud.api.app import create_app

    return create_app(settings, install_queue=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def world(sessions: sessionmaker[Session], settings: Settings):  # type: ignore[no-untyped-def]
    """Two ministries with a user of each role, committed."""
    from tests.factories import make_world

    with sessions() as session, session.begin():
        return make_world(session, settings)


@pytest.fixture
def client_factory(app):  # type: ignore[no-untyped-def]
    """Make as many separate clients (cookie jars) as a test needs."""
    from fastapi.testclient import TestClient

    clients = []

    def make():  # type: ignore[no-untyped-def]
        c = TestClient(app)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    """A frozen clock installed for the test (starts at the real now, moves on ``advance``)."""
    from sovcloud import clock as clock_module

    frozen = clock_module.FrozenClock(clock_module.system_clock())
    clock_module.set_clock(frozen)
    yield frozen
    clock_module.set_clock(clock_module.system_clock)


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    """Skip a test on PostgreSQL: for tests of what does not depend on the database (a page over services
    tested on both), to keep the suite's time."""
    if not database_url.startswith("sqlite"):
        pytest.skip("run on SQLite only: nothing here depends on the database")


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    """Run a slow test on PostgreSQL, the production database, only (its mechanism is tested on both backends
    elsewhere); name it first so that nothing is built before the skip."""
    if not database_url.startswith("postgresql"):
        pytest.skip("run on PostgreSQL only, the production database (suite time)")
