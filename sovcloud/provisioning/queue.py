"""The work queue (Huey): SQLite storage embedded, Redis in production — same code. The queue only
carries step ids; the database holds the steps."""

from __future__ import annotations

import signal
import threading

from huey import Huey, RedisHuey, SqliteHuey

from sovcloud.config import Settings
from sovcloud.logs import get_logger
from sovcloud.provisioning import dispatch
from sovcloud.provisioning.runtime import Runtime, make_runtime

log = get_logger("sovcloud.worker")


def build_huey(settings: Settings) -> Huey:
    """The Huey instance for the configured storage."""
    if settings.queue_backend == "redis":
        return RedisHuey(settings.queue_name, url=settings.redis_url, results=False, utc=True)
    settings.queue_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(settings.queue_path), results=False, utc=True, timeout=30)


class TaskQueue:
    """The queue and its one task, ``run_step``; the same object enqueues (API) and consumes (worker)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.huey = build_huey(settings)
        self._runtime: Runtime | None = None
        self._lock = threading.Lock()

        @self.huey.task(name="run_step")
        def run_step_task(step_id: str) -> None:
            from sovcloud.provisioning.runner import run_step

            run_step(self.runtime, step_id)

        self._task = run_step_task

    @property
    def runtime(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                self._runtime = make_runtime(self.settings, self.enqueue)
            return self._runtime

    def enqueue(self, step_id: str, delay: float = 0.0) -> None:
        if delay > 0:
            self._task.schedule((step_id,), delay=delay)
        else:
            self._task(step_id)

    def install(self) -> None:
        """Make this process's committed steps go onto this queue."""
        dispatch.set_dispatcher(self.enqueue)

    def run_worker(self, threads: int | None = None, *, parent_pid: int | None = None) -> None:
        """Consume the queue in this process (blocks until SIGTERM or SIGINT), with the periodic jobs and
        the heartbeat in threads of their own. ``parent_pid``: stop when that process (the server that
        started this worker) is gone."""
        from sovcloud.inventory.notifications import start_listener
        from sovcloud.provisioning.periodic import Periodic

        self.install()
        runtime = self.runtime
        periodic = Periodic(runtime, parent_pid=parent_pid)
        # until the consumer installs its own handlers (a clean stop on SIGTERM), SIGTERM still stops cleanly
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            periodic.start()
            start_listener(runtime)  # cloud notifications → inventory, when notifications_url is set
            consumer = self.huey.create_consumer(workers=threads or self.settings.worker_threads,
                                                 worker_type="thread", periodic=False, initial_delay=0.01,
                                                 backoff=1.15, max_delay=0.25, check_worker_health=True)
            log.info("worker started", worker=runtime.worker, threads=threads or self.settings.worker_threads,
                     queue=self.settings.queue_backend)
            consumer.run()
        finally:
            periodic.stop()
            log.info("worker stopped", worker=runtime.worker)


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
