"""Real sovcloud processes started (and always stopped) by the tests: workers and servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sovcloud.config import Settings


def env_of(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a child process ``settings``."""
    env = dict(os.environ)
    env.update({
        "SOVCLOUD_DATABASE_URL": settings.database_url,
        "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(),
        "SOVCLOUD_QUEUE_BACKEND": settings.queue_backend,
        "SOVCLOUD_QUEUE_PATH": str(settings.queue_path),
        "SOVCLOUD_QUEUE_NAME": settings.queue_name,
        "SOVCLOUD_REDIS_URL": settings.redis_url,
        "SOVCLOUD_SIMULATOR_DATABASE_URL": settings.simulator_database_url,
        "SOVCLOUD_SIMULATOR_BUILD_DELAY_S": str(settings.simulator_build_delay_s),
        "SOVCLOUD_STEP_LEASE_S": str(settings.step_lease_s),
        "SOVCLOUD_REAPER_INTERVAL_S": str(settings.reaper_interval_s),
        "SOVCLOUD_EXPIRY_INTERVAL_S": str(settings.expiry_interval_s),
        "SOVCLOUD_RECONCILE_INTERVAL_S": str(settings.reconcile_interval_s),
        "SOVCLOUD_WORKER_HEARTBEAT_S": str(settings.worker_heartbeat_s),
        "SOVCLOUD_POLL_INTERVAL_S": str(settings.poll_interval_s),
        "SOVCLOUD_AUDIT_ANCHOR_PATH": str(settings.audit_anchor_path),
        "SOVCLOUD_LOG_JSON": "false",
    })
    env.update(extra)
    return env


class Processes:
    """Child processes of one test; ``stop`` ends each of them (SIGTERM, then SIGKILL)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.procs: list[subprocess.Popen[bytes]] = []

    def worker(self, threads: int = 2) -> subprocess.Popen[bytes]:
        return self._start([sys.executable, "-m", "sovcloud", "worker", "--threads", str(threads)])

    def server(self, port: int, log: Path | None = None, **extra: str) -> subprocess.Popen[bytes]:
        return self._start([sys.executable, "-m", "sovcloud", "serve", "--port", str(port)], log=log,
                           SOVCLOUD_HOST="127.0.0.1", **extra)

    start = worker  # the worker tests' name

    def _start(self, command: list[str], log: Path | None = None, **extra: str) -> subprocess.Popen[bytes]:
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115  (closed with the process)
        proc = subprocess.Popen(command, env=env_of(self.settings, **extra), stdout=out, stderr=out)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0, accept: frozenset[int] = frozenset({200})) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code in accept:
                return r
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer in {timeout} s")
        time.sleep(0.2)


def wait_for(predicate, timeout: float, what: str, every: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout} s")
        time.sleep(every)
