"""Enqueue steps once the transaction that created them has committed (never before: a worker must find
the step in the database). If the process dies in between, the reaper finds the step anyway."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

Dispatcher = Callable[[str, float], None]
_dispatcher: Dispatcher | None = None
_KEY = "sovcloud.enqueue"


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Install how this process puts a step on the queue (None: leave it to the reaper / a test drain)."""
    global _dispatcher
    _dispatcher = dispatcher


def enqueue_after_commit(session: Session, step_id: str, delay: float = 0.0) -> None:
    session.info.setdefault(_KEY, []).append((step_id, delay))


@event.listens_for(Session, "after_commit")
def _flush_queue(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    if _dispatcher is not None:
        for step_id, delay in pending:
            _dispatcher(step_id, delay)


@event.listens_for(Session, "after_rollback")
def _drop_queue(session: Session) -> None:
    session.info.pop(_KEY, None)
