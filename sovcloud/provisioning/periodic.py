"""The periodic jobs every worker offers to run — each round taken under the job's lease, so a job runs
once per period across all workers and processes whatever their number — and the worker's own beat.

A later periodic job is one more :class:`Job` in :func:`jobs`: it gets the lease, its own thread, a
request id per round (journal entries and steps it makes carry it), and a log line when it fails.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from sovcloud import leases
from sovcloud.audit import anchor
from sovcloud.audit.models import AuditHead
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.logs import get_logger
from sovcloud.providers.context import request_context
from sovcloud.provisioning import heartbeats
from sovcloud.provisioning.runtime import Runtime

log = get_logger("sovcloud.worker")


@dataclass(frozen=True)
class Job:
    """A job run once per ``period_s`` across the platform."""

    name: str  #: also the lease's name
    period_s: float
    run: Callable[[], object]


def jobs(rt: Runtime) -> list[Job]:
    """Every periodic job of a worker."""
    from sovcloud.audit.verifications import verify_and_record
    from sovcloud.billing.close import close_month, meter_job
    from sovcloud.inventory.service import expiry_sweep
    from sovcloud.inventory.sync import reconcile
    from sovcloud.provisioning.reaper import reap
    from sovcloud.resilience.reservations import measure
    from sovcloud.supervision.alerts import evaluate_round
    from sovcloud.supervision.deliveries import process as deliver

    def sweep() -> object:
        with transaction(rt.sessions) as session:
            return expiry_sweep(session)

    def homologations() -> object:
        from sovcloud.applications.homologation import send_reminders

        with transaction(rt.sessions) as session:
            return send_reminders(session)

    settings = rt.settings
    return [Job("reaper", settings.reaper_interval_s, lambda: reap(rt)),
            Job("expiry-sweep", settings.expiry_interval_s, sweep),
            Job("reconcile", settings.reconcile_interval_s, lambda: reconcile(rt)),
            Job("homologation-reminders", settings.expiry_interval_s, homologations),
            Job("capacity-measure", settings.capacity_interval_s, lambda: measure(rt.sessions, rt.provider)),
            Job("forget-dead-workers", settings.worker_heartbeat_s * heartbeats.STALE_BEATS,
                lambda: heartbeats.forget_dead(rt.sessions)),
            Job("audit-verify", settings.audit_verify_interval_s, lambda: verify_and_record(rt.sessions)),
            Job("alerts", settings.alert_interval_s, lambda: evaluate_round(rt)),
            Job("notice-deliveries", settings.delivery_interval_s, lambda: deliver(rt.sessions, settings)),
            Job("billing-meter", settings.billing_meter_interval_s, lambda: meter_job(rt.sessions)),
            Job("billing-close", settings.billing_close_interval_s,
                lambda: close_month(rt.sessions, close_day=settings.billing_close_day))]


def run_round(rt: Runtime, job: Job) -> bool:
    """One round of ``job`` if this process takes its lease now; whether it ran."""
    round_id = f"{job.name}-{uuid.uuid4().hex[:16]}"
    with request_context(round_id):
        ran, _ = leases.run_once(rt.sessions, job.name, rt.worker, job.period_s, job.run)
    return ran


class Periodic:
    """The threads of a worker besides its consumer: one per job, and the heartbeat."""

    def __init__(self, rt: Runtime, *, parent_pid: int | None = None) -> None:
        self.rt, self.parent_pid = rt, parent_pid
        self.stop_event = threading.Event()
        self.started_at = now()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self.beat()  # alive (and seen by /healthz) before taking work
        for job in jobs(self.rt):
            self._thread(f"job-{job.name}", lambda job=job: self._loop(job))  # type: ignore[misc]
        self._thread("heartbeat", self._beats)

    def stop(self) -> None:
        """Stop the threads and say this worker stopped cleanly (it is no longer expected to beat)."""
        self.stop_event.set()
        try:
            heartbeats.stopped(self.rt.sessions, self.rt.worker)
        except Exception:  # the database is away: the row goes stale and is forgotten later
            log.exception("could not remove this worker's heartbeat")
        anchor.flush()

    def _thread(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _loop(self, job: Job) -> None:
        # look twice a period: whoever asks first once the lease expired runs the next round
        while not self.stop_event.wait(job.period_s / 2):
            try:
                run_round(self.rt, job)
            except Exception:  # the database may be briefly away: try again next round
                log.exception("periodic job failed", job=job.name)

    def beat(self) -> None:
        heartbeats.beat(self.rt.sessions, worker=self.rt.worker, queue=self.rt.settings.queue_backend,
                        started_at=self.started_at)
        with self.rt.sessions() as session:  # anchor the head, whoever committed it (a CLI command…)
            head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
        if head is not None:
            anchor.note(head[0], head[1])

    def _beats(self) -> None:
        interval = self.rt.settings.worker_heartbeat_s
        last = time.monotonic()
        while not self.stop_event.wait(min(interval, 1.0)):
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.warning("the server that started this worker is gone: stopping", parent=self.parent_pid)
                os.kill(os.getpid(), signal.SIGTERM)  # the consumer's own clean stop
                return
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            try:
                self.beat()
            except Exception:
                log.exception("heartbeat failed")
