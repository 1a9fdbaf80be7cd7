"""Lazy state machines: a stored row plus timestamps say what the status is *now*.

No background thread moves servers along: each row stores the status it reaches once its current task
ends (``task_until``), and every read evaluates the status for the clock's current time. A write that
needs the settled state calls :func:`settle_server` first.

Server tasks and what a reader sees while they run (d = the configured delay):

=============  ========================================  =======================
task           while running                             after
=============  ========================================  =======================
build          BUILD (spawning)                          ACTIVE
stop           ACTIVE (powering-off)                     SHUTOFF
start          SHUTOFF (powering-on)                     ACTIVE
reboot         REBOOT / HARD_REBOOT (rebooting)          ACTIVE
resize         RESIZE (resize_migrating) for d, then     ACTIVE or SHUTOFF with
               VERIFY_RESIZE for d (auto-confirmed)      the new flavor
=============  ========================================  =======================

A server whose host or site is down reads UNKNOWN (Nova's view of a server on an unreachable
compute host) and keeps its stored state for when the host comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sovcloud.providers.dto import ServerStatus
from sovcloud.providers.simulator.models import SimServer

_RUNNING: dict[str, tuple[ServerStatus, str]] = {
    "build": (ServerStatus.BUILD, "spawning"),
    "stop": (ServerStatus.ACTIVE, "powering-off"),
    "start": (ServerStatus.SHUTOFF, "powering-on"),
    "reboot": (ServerStatus.REBOOT, "rebooting"),
    "hard_reboot": (ServerStatus.HARD_REBOOT, "rebooting_hard"),
    "resize": (ServerStatus.RESIZE, "resize_migrating"),
}


@dataclass(frozen=True)
class ServerView:
    """The status of a server at one instant."""

    status: ServerStatus
    task_state: str | None
    flavor_id: str
    busy: bool  # a task is still running


def server_view(row: SimServer, now: datetime, host_up: bool = True) -> ServerView:
    """Evaluate the server's status at ``now``."""
    task, until = row.task, row.task_until
    if task is not None and until is not None and now < until:
        status, running = _RUNNING[task]
        task_state: str | None = running
        flavor = row.flavor_id
        if task == "resize":
            started = row.task_started_at or until
            if now >= started + (until - started) / 2:
                status, task_state = ServerStatus.VERIFY_RESIZE, None
            else:
                flavor = row.previous_flavor_id or row.flavor_id
        view = ServerView(status, task_state, flavor, True)
    else:
        view = ServerView(ServerStatus(row.status), None, row.flavor_id, False)
    if not host_up and row.host_id is not None:
        return ServerView(ServerStatus.UNKNOWN, None, view.flavor_id, view.busy)
    return view


def start_task(row: SimServer, task: str, target: ServerStatus, now: datetime, duration_s: float) -> None:
    """Begin a task on a settled server: it reads as running until ``now + duration_s``, then ``target``."""
    row.task = task
    row.task_started_at = now
    row.task_until = now + timedelta(seconds=duration_s)
    row.status = target.value
    row.updated_at = now


def settle_server(row: SimServer, now: datetime) -> None:
    """Record a finished task as done (before changing the row again)."""
    if row.task is not None and row.task_until is not None and now >= row.task_until:
        row.task = None
        row.task_started_at = None
        row.task_until = None
        row.previous_flavor_id = None
