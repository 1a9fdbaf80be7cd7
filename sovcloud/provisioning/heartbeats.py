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


@dataclass(frozen=True)
class RunningStep:
    """A step a worker holds now (its lease not run out)."""

    id: str
    kind: str  #: create, action, delete, compensate
    action: str | None  #: the day-2 action of an ``action`` step
    order_id: str | None
    attempts: int
    since: datetime  #: when the step was made (UTC)


@dataclass(frozen=True)
class Activity:
    """What one worker is doing: the steps it holds and the periodic jobs whose last round it took."""

    steps: list[RunningStep]
    jobs: list[tuple[str, datetime]]  #: (job, when this worker took its last round)


def activity(session: Session, names: list[str], *, per_worker: int = 20) -> dict[str, Activity]:
    """The running steps (at most ``per_worker`` each, oldest first) and last periodic rounds of ``names``."""
    from sovcloud.leases import Lease
    from sovcloud.provisioning.models import Step, StepStatus

    found: dict[str, Activity] = {name: Activity(steps=[], jobs=[]) for name in names}
    if not names:
        return found
    held = session.execute(
        select(Step.worker, Step.id, Step.kind, Step.action, Step.order_id, Step.attempts, Step.created_at)
        .where(Step.status == StepStatus.RUNNING, Step.worker.in_(names), Step.lease_until >= now())
        .order_by(Step.created_at).limit(per_worker * len(names)))
    for worker, step_id, kind, action, order_id, attempts, created_at in held:
        steps = found[str(worker)].steps
        if len(steps) < per_worker:
            steps.append(RunningStep(id=str(step_id), kind=str(kind), action=action,
                                     order_id=str(order_id) if order_id else None, attempts=attempts,
                                     since=created_at))
    for name, holder, acquired_at in session.execute(
            select(Lease.name, Lease.holder, Lease.acquired_at).where(Lease.holder.in_(names)).order_by(Lease.name)):
        found[holder].jobs.append((name, acquired_at))
    return found
