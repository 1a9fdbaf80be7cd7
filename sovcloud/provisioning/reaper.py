"""The reaper: finds steps nobody is working on — a worker died holding the lease, or the process died
between commit and enqueue — and puts them back on the queue. Idempotency keys make the re-run safe."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update

from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.logs import get_logger
from sovcloud.provisioning.models import Step, StepStatus
from sovcloud.provisioning.runtime import Runtime

log = get_logger("sovcloud.reaper")


def reap(rt: Runtime, *, grace_s: float | None = None) -> list[str]:
    """Re-queue stale steps; returns their ids."""
    at = now()
    grace = timedelta(seconds=grace_s if grace_s is not None else rt.settings.reaper_interval_s * 2)
    with transaction(rt.sessions) as session:
        stale = list(session.scalars(select(Step.id).where(or_(
            (Step.status == StepStatus.RUNNING) & (Step.lease_until < at),
            (Step.status == StepStatus.PENDING) & (Step.next_attempt_at < at - grace),
        )).limit(5000)))
        if stale:
            session.execute(update(Step).where(Step.id.in_(stale), Step.status == StepStatus.RUNNING)
                            .values(status=StepStatus.PENDING, lease_until=None, next_attempt_at=at))
            session.execute(update(Step).where(Step.id.in_(stale)).values(next_attempt_at=at))
    for step_id in stale:
        rt.enqueue(str(step_id), 0.0)
    if stale:
        log.info("reaped stale steps", count=len(stale))
    return [str(s) for s in stale]


def drain(rt: Runtime, *, max_rounds: int = 10_000) -> int:
    """Run every runnable step in this thread until none is left (tests and one-shot tools).
    Returns how many step runs were made."""
    from sovcloud.provisioning.runner import run_step

    runs = 0
    for _ in range(max_rounds):
        with transaction(rt.sessions) as session:
            due = list(session.scalars(select(Step.id).where(
                Step.status.in_([StepStatus.PENDING, StepStatus.RUNNING]),
                or_(Step.next_attempt_at.is_(None), Step.next_attempt_at <= now()),
                or_(Step.lease_until.is_(None), Step.lease_until < now()),
            ).order_by(Step.created_at).limit(100)))
            waiting = session.scalar(select(Step.id).where(
                Step.status.in_([StepStatus.PENDING, StepStatus.RUNNING])).limit(1))
        if not due:
            if waiting is None:
                return runs
            import time

            time.sleep(0.02)
            continue
        for step_id in due:
            run_step(rt, str(step_id))
            runs += 1
    return runs
