"""Worker liveness: each worker process beats in the database; ``/healthz`` reads the beats.

A worker is alive while its last beat is younger than ``STALE_BEATS`` beat intervals; a row older than
that belongs to a worker that died without removing it (SIGKILL, a crash, a machine lost). Live workers
forget such rows after ``FORGET_AFTER`` so that a worker replaced long ago stops being reported.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.provisioning.models import WorkerHeartbeat

STALE_BEATS = 3  #: beats missed before a worker counts as dead
FORGET_AFTER = timedelta(minutes=10)  #: how long a dead worker stays reported


@dataclass(frozen=True)
class WorkerState:
    """What ``/healthz`` shows of one worker."""

    worker: str
    alive: bool
    seen_at: datetime
    started_at: datetime


def beat(sessions: sessionmaker[Session], *, worker: str, queue: str, started_at: datetime) -> None:
    """Record that ``worker`` is alive now (its row is made by its first beat)."""
    at = now()
    with transaction(sessions) as session:
        touched = session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker)
                                  .values(seen_at=at).execution_options(synchronize_session=False))
        if touched.rowcount == 0:  # type: ignore[attr-defined]
            host, _, pid = worker.rpartition(":")
            session.add(WorkerHeartbeat(worker=worker, host=host or socket.gethostname(),
                                        pid=int(pid) if pid.isdigit() else os.getpid(), queue=queue,
                                        started_at=started_at, seen_at=at))


def forget_dead(sessions: sessionmaker[Session]) -> int:
    """Remove the rows of workers dead for longer than ``FORGET_AFTER``; how many."""
    with transaction(sessions) as session:
        gone = session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now() - FORGET_AFTER))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def stopped(sessions: sessionmaker[Session], worker: str) -> None:
    """``worker`` stops cleanly: it is no longer expected to beat."""
    with transaction(sessions) as session:
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))


def workers(session: Session, *, beat_s: float) -> list[WorkerState]:
    """Every worker known to be running or dead recently, alive ones first."""
    limit = now() - timedelta(seconds=beat_s * STALE_BEATS)
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(200))
    states = [WorkerState(worker=r.worker, alive=r.seen_at >= limit, seen_at=r.seen_at, started_at=r.started_at)
              for r in rows]
    return sorted(states, key=lambda s: not s.alive)
