"""Database plumbing: the declarative base, shared column types, engines and sessions.

The schema is made only by Alembic migrations (``sovcloud db upgrade``); ``tests/test_migrations.py``
proves migrations and models agree.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from sovcloud.clock import as_utc, now
from sovcloud.errors import ValidationFailed

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Base of every control-plane table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class IdMixin:
    """A random UUID primary key and creation time."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=now)


#: SQLite connections a file database's pool keeps open: as many as threads may hold at once (FastAPI runs the
#: sync endpoints on anyio's 40 threads). A connection opened past the pool size is closed when it is returned
#: and opened again at the next peak — file, pragmas, schema parse and a cold page cache each time: with
#: SQLAlchemy's default 5 (+ 10 overflow) the portal bench opened 575 connections in 40 s of saturation.
SQLITE_POOL_SIZE = 40


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


#: SQLite has one writer at a time, and a writer that finds the lock taken polls it in growing sleeps (up to
#: 100 ms each, however soon it is free): under fifty clients the lock sat idle between polls and writers
#: queued past busy_timeout ("database is locked", 503). The writers of one process therefore queue on a
#: lock of their own (per database file) and only then take SQLite's; other processes still meet SQLite's
#: busy handler. Not a thread-owned lock: FastAPI may begin a request's transaction in one pool thread and
#: commit it in another.
_WRITE_TURNS: dict[str, threading.Lock] = {}
_WRITE_TURNS_GUARD = threading.Lock()
WRITE_TURN_TIMEOUT_S = 30.0


def _write_turn(conn: Connection) -> threading.Lock:
    key = str(conn.engine.url)
    with _WRITE_TURNS_GUARD:
        return _WRITE_TURNS.setdefault(key, threading.Lock())


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock up front (BEGIN IMMEDIATE), after their process's write turn, so a
    transaction that reads then writes waits its turn instead of failing with "database is locked";
    readers stay deferred and never wait."""
    if not conn.get_execution_options().get("sqlite_immediate", False):
        conn.exec_driver_sql("BEGIN")
        return
    turn = _write_turn(conn)
    if not turn.acquire(timeout=WRITE_TURN_TIMEOUT_S):
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked (write turn timed out)"))
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        turn.release()
        raise
    conn.info["write_turn"] = turn


def _sqlite_end(conn: Connection) -> None:
    """The transaction ends (commit or rollback): the next writer of this process may go."""
    turn = conn.info.pop("write_turn", None)
    if turn is not None:
        turn.release()


def _column_lengths(mapper: Mapper[Any]) -> list[tuple[str, int]]:
    found = _LENGTHS.get(mapper)
    if found is None:
        found = [(attr.key, attr.columns[0].type.length) for attr in mapper.column_attrs
                 if isinstance(attr.columns[0].type, String) and attr.columns[0].type.length]
        _LENGTHS[mapper] = found
    return found


_LENGTHS: dict[Mapper[Any], list[tuple[str, int]]] = {}


def _check_lengths(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Every text stored fits its column, on SQLite (which would keep any length) as on PostgreSQL: one rule
    for the API, the portal, the CLI and the workers, read from the models themselves."""
    for obj in (*session.new, *session.dirty):
        state = sa_inspect(obj)
        for key, length in _column_lengths(state.mapper):
            value = state.dict.get(key)
            if isinstance(value, str) and len(value) > length:
                raise ValidationFailed(f"« {key} » : {length} caractères au plus (reçu : {len(value)}).",
                                       field=key)


event.listen(Session, "before_flush", _check_lengths)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if "poolclass" not in kwargs:
                kwargs = {"pool_size": SQLITE_POOL_SIZE, **kwargs}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        return engine
    if "poolclass" not in kwargs:
        kwargs = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, **kwargs}
    return create_engine(url, **kwargs)


def refresh_statistics(engine: Engine) -> None:
    """Give SQLite's query planner fresh statistics (PostgreSQL's autovacuum does this by itself).

    Without them SQLite may walk the (name, id) index of a 15,000-row table to find a project's first
    page instead of using the project index: run at start-up and periodically by the workers."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


class ReadOnlyViolation(RuntimeError):
    """A read-only unit of work tried to write: a programming error (use a writing unit of work)."""


def _refuse_writes(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("write attempted in a read-only unit of work")


def make_sessionmaker(engine: Engine, *, write: bool = True) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``write=False`` for read-only units of work: no SQLite write lock, never
    committed (see :func:`transaction`), and a flush of a change raises :class:`ReadOnlyViolation`."""
    bind = engine.execution_options(sqlite_immediate=True) if write else engine
    factory = sessionmaker(bind, expire_on_commit=False, info={"read_only": not write})
    if not write:
        event.listen(factory, "before_flush", _refuse_writes)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error — except errors that say ``keep_changes``
    (a failed login must still count the failure and journal it). A read-only unit of work always ends
    with a rollback: it has nothing to commit, and on SQLite a deferred transaction that tries to commit
    a write after another connection wrote fails at once with "database is locked"."""
    with factory() as session:
        session.begin()
        read_only = bool(session.info.get("read_only"))
        try:
            yield session
        except Exception as exc:
            if getattr(exc, "keep_changes", False) and not read_only:
                session.commit()
            else:
                session.rollback()
            raise
        else:
            if read_only:
                session.rollback()
            else:
                session.commit()
