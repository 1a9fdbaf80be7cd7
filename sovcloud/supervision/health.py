"""Liveness and readiness of an API process.

``/healthz`` is liveness: the process answers (a probe that fails restarts the process, so it depends on
nothing else). ``/readyz`` is readiness: this process can serve — the database answers within a bound,
its schema is at the migrations' head, the work queue is reachable, at least one worker beat recently and
the provider answers. Each check runs in a thread of its own with a deadline, so a database or a Redis that
hangs (rather than refusing) makes the check fail after ``readiness_timeout_s`` instead of hanging the probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.config import Settings
from sovcloud.logs import get_logger
from sovcloud.migrate import alembic_config
from sovcloud.providers.base import CloudProvider
from sovcloud.provisioning import heartbeats

log = get_logger("sovcloud.health")
#: threads running the checks: a hung dependency holds one until its own timeout; past this many the
#: checks wait in line and fail on their deadline (the probe still answers in time)
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


class CheckFailed(Exception):
    """A readiness check found its dependency unusable (the message says why, for the operator)."""


@dataclass(frozen=True)
class Check:
    """The outcome of one readiness check."""

    name: str  #: database, migrations, queue, workers, provider
    ok: bool
    latency_ms: float  #: time the check took (its deadline when it did not answer)
    detail: str  #: what was seen, or why it failed


@dataclass(frozen=True)
class Readiness:
    """Every check, and the workers seen (for the operator and the probe's body)."""

    checks: list[Check]
    workers: list[heartbeats.WorkerState] = field(default_factory=list)
    embedded_worker: str | None = None  #: running | restarting, when ``sovcloud serve`` supervises one

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failing(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]


@lru_cache
def migration_heads() -> frozenset[str]:
    """The revisions at the head of the shipped migrations (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def queue_probe(settings: Settings, timeout_s: float) -> Callable[[], int]:
    """A function that reaches the work queue's storage and returns how many messages wait in it."""
    if settings.queue_backend == "redis":
        from huey.storage import RedisStorage
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(settings.redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        redis_storage = RedisStorage(settings.queue_name, connection_pool=pool)

        def redis_depth() -> int:
            redis_storage.conn.ping()
            return int(redis_storage.queue_size())

        return redis_depth
    from huey.storage import SqliteStorage

    settings.queue_path.parent.mkdir(parents=True, exist_ok=True)
    sqlite_storage = SqliteStorage(settings.queue_name, filename=str(settings.queue_path), timeout=timeout_s)
    return lambda: int(sqlite_storage.queue_size())


def _database(engine: Engine) -> str:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return f"{engine.dialect.name} answers"


def _migrations(engine: Engine) -> str:
    with engine.connect() as conn:
        current = {str(v) for v in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()}
    heads = migration_heads()
    if current != heads:
        raise CheckFailed(f"schema at {', '.join(sorted(current)) or 'none'}, head is {', '.join(sorted(heads))}")
    return f"at head {', '.join(sorted(heads))}"


def _workers(sessions: sessionmaker[Session], beat_s: float, embedded: str | None,
             seen: list[heartbeats.WorkerState]) -> str:
    with sessions() as session:
        seen.extend(heartbeats.workers(session, beat_s=beat_s))
    alive = sum(1 for w in seen if w.alive)
    if embedded == "restarting":
        raise CheckFailed("the embedded worker is being restarted")
    if alive == 0:
        raise CheckFailed(f"no worker beat in the last {beat_s * heartbeats.STALE_BEATS:g} s "
                          f"({len(seen) - alive} dead)")
    return f"{alive} alive, {len(seen) - alive} dead"


def _provider(provider: CloudProvider) -> str:
    sites = provider.sites()
    return f"{len(sites)} sites, {sum(1 for s in sites if s.available)} available"


def readiness(*, engine: Engine, sessions: sessionmaker[Session], settings: Settings, provider: CloudProvider,
              queue_depth: Callable[[], int], embedded_worker: str | None = None) -> Readiness:
    """Run every check at once, each bounded by ``settings.readiness_timeout_s``."""
    timeout = settings.readiness_timeout_s
    seen: list[heartbeats.WorkerState] = []
    runs: dict[str, Callable[[], str]] = {
        "database": lambda: _database(engine),
        "migrations": lambda: _migrations(engine),
        "queue": lambda: f"{queue_depth()} messages waiting",
        "workers": lambda: _workers(sessions, settings.worker_heartbeat_s, embedded_worker, seen),
        "provider": lambda: _provider(provider),
    }
    started = time.monotonic()
    deadline = started + timeout
    futures = {name: _POOL.submit(_measured, run) for name, run in runs.items()}
    checks = [_outcome(name, futures[name], deadline, started) for name in runs]
    return Readiness(checks=checks, workers=list(seen), embedded_worker=embedded_worker)


def _measured(run: Callable[[], str]) -> tuple[str, float]:
    """Run a check in the pool, timing it there (the wait in line is not the dependency's latency)."""
    began = time.perf_counter()
    try:
        return run(), (time.perf_counter() - began) * 1000
    except Exception as exc:
        exc.add_note(f"elapsed_ms={(time.perf_counter() - began) * 1000:.1f}")
        raise


def _outcome(name: str, future: Any, deadline: float, started: float) -> Check:
    try:
        detail, ms = future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return Check(name, False, round((time.monotonic() - started) * 1000, 1), "no answer in time")
    except Exception as exc:  # whatever the dependency raised: the check fails, the probe still answers
        notes = [n for n in getattr(exc, "__notes__", []) if n.startswith("elapsed_ms=")]
        ms = float(notes[-1].split("=", 1)[1]) if notes else 0.0
        # the probe answers anyone: our own findings are shown, a dependency's error (host names, ports)
        # only by its kind; the log has it whole
        shown = str(exc)[:300] if isinstance(exc, CheckFailed) else f"{type(exc).__name__} (see the logs)"
        log.warning("readiness.check_failed", check=name, error=str(exc)[:500])
        return Check(name, False, round(ms, 1), shown)
    return Check(name, True, round(ms, 1), detail)


@dataclass(frozen=True)
class WorkerView:
    """One worker for the operator console: its beat and what it is doing."""

    state: heartbeats.WorkerState
    activity: heartbeats.Activity


def worker_views(session: Session, *, actor: Actor, beat_s: float) -> list[WorkerView]:
    """Every worker known (alive first), with the steps it holds and its last periodic rounds.

    Raises:
        PermissionDenied: the actor may not read the platform's capacity and operations.
    """
    authorize(actor, Permission.CAPACITY_READ)
    states = heartbeats.workers(session, beat_s=beat_s)
    found = heartbeats.activity(session, [s.worker for s in states])
    return [WorkerView(state=s, activity=found[s.worker]) for s in states]
