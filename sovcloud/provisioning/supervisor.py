"""The embedded mode's worker, supervised by ``sovcloud serve``: started with the server, restarted when it
dies (after a delay that grows while it keeps dying), stopped when the server stops — on SIGTERM as on
SIGINT. The worker runs in a session of its own, so a Ctrl-C on the terminal reaches only the server,
which then stops it; and it watches its parent, so it stops too if the server is killed outright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from sovcloud.logs import get_logger
from sovcloud.provisioning import heartbeats

log = get_logger("sovcloud.supervisor")
FIRST_DELAY_S = 0.5  #: wait before the first restart
MAX_DELAY_S = 30.0  #: longest wait between restarts of a worker that keeps dying
STEADY_S = 60.0  #: a worker that ran this long is healthy again: the next restart is immediate


class EmbeddedWorker:
    """One supervised ``sovcloud worker`` child process."""

    def __init__(self, sessions: sessionmaker[Session] | None = None, *, stop_timeout_s: float = 10.0) -> None:
        self.sessions, self.stop_timeout_s = sessions, stop_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """The child is up (False while it is being restarted)."""
        with self._lock:
            return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self.process.pid if self.process is not None else None

    def start(self) -> None:
        with self._lock:
            self.process = self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="embedded-worker", daemon=True)
        self._monitor.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "sovcloud", "worker", "--parent", str(os.getpid())],
                                start_new_session=True)
        log.info("embedded worker started", pid=proc.pid)
        return proc

    def _watch(self) -> None:
        delay = FIRST_DELAY_S
        while not self._stopping.is_set():
            with self._lock:
                proc = self.process
            if proc is None:
                return
            started = time.monotonic()
            code = proc.wait()
            if self._stopping.is_set():
                return
            log.warning("embedded worker died: restarting", pid=proc.pid, exit_code=code, restart_in_s=delay)
            self._forget(proc.pid)
            if time.monotonic() - started >= STEADY_S:
                delay = FIRST_DELAY_S
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_DELAY_S)
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._spawn()
                self.restarts += 1

    def _forget(self, pid: int) -> None:
        """The dead child's heartbeat: it is replaced, not missing (``/healthz`` shows "restarting")."""
        if self.sessions is None:
            return
        try:
            heartbeats.stopped(self.sessions, f"{socket.gethostname()}:{pid}")
        except Exception:
            log.exception("could not remove the dead worker's heartbeat")

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after ``stop_timeout_s``) and do not restart it."""
        self._stopping.set()
        with self._lock:
            proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=self.stop_timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("embedded worker did not stop in time: killed", pid=proc.pid)
            proc.kill()
            proc.wait()
        log.info("embedded worker stopped", pid=proc.pid)
