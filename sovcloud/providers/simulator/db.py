"""The simulator's database: engine set-up for SQLite (WAL, busy timeout, ``BEGIN IMMEDIATE`` for
writers) and PostgreSQL (own schema, advisory lock around the first-use initialisation)."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.models import SimBase
from sovcloud.providers.simulator.seed import seed_cloud

_WRITE = "sim_write"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the database lock up front: a deferred transaction that reads then writes
        # can fail with "database is locked" without waiting for busy_timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


class SimDatabase:
    """Engines and sessions of one simulator database, created (and seeded) on first use."""

    def __init__(self, config: SimulatorConfig) -> None:
        url = make_url(config.database_url)
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self.is_postgres = url.get_backend_name() == "postgresql"
        if self.is_sqlite:
            if url.database in (None, "", ":memory:"):
                raise ValueError("the simulator needs a SQLite file (state is shared between processes)")
            base = _sqlite_engine(config.database_url)
        else:
            base = create_engine(config.database_url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        if config.db_schema:
            base = base.execution_options(schema_translate_map={None: config.db_schema})
        self.engine = base
        self._reader = sessionmaker(bind=base, expire_on_commit=False, autoflush=False)
        self._writer = sessionmaker(
            bind=base.execution_options(**{_WRITE: True}), expire_on_commit=False, autoflush=False
        )
        self._config = config
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in growing steps
        # (1, 2, 5, 10 ... 100 ms) however soon it is free: the threads of one process queue here instead
        self._write_turn: AbstractContextManager[object] = threading.RLock() if self.is_sqlite else nullcontext()

    def initialise(self, now: datetime) -> None:
        """Create the tables and seed the cloud if this database has none (safe from many processes)."""
        schema = self._config.db_schema
        with self.engine.execution_options(**{_WRITE: True}).begin() as conn:
            if self.is_postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"sovcloud-sim")})
                if schema:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            SimBase.metadata.create_all(conn)
            with Session(bind=conn) as session:
                seed_cloud(session, self._config, now)
                session.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success (SQLite: holding the write lock)."""
        with self._write_turn, self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
