"""Durable provisioning steps: the database says what must happen; the queue only says "look at step X"."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from sovcloud.db import Base, IdMixin
from sovcloud.providers.context import current as current_request_id


class StepStatus(StrEnum):
    PENDING = "pending"  #: waiting to run (maybe after a backoff)
    RUNNING = "running"  #: leased by a worker until ``lease_until``
    SUCCEEDED = "succeeded"
    FAILED = "failed"  #: permanently; compensation follows
    CANCELLED = "cancelled"  #: not run because its order failed


class StepKind(StrEnum):
    CREATE = "create"  #: create the resources of one order item
    ACTION = "action"  #: a day-2 action on one resource
    DELETE = "delete"  #: delete one resource
    COMPENSATE = "compensate"  #: delete what a failed order created


class Step(IdMixin, Base):
    """One unit of cloud work. Its id is the idempotency key of every provider call it makes, so running
    it twice never creates twice. A worker leases it; the reaper re-queues steps whose lease ran out."""

    __tablename__ = "provisioning_steps"
    #: /metrics: steps by kind and state, retries and durations in index-only scans (supervision/metrics.py)
    __table_args__ = (Index("ix_provisioning_steps_kind_status_times", "kind", "status", "attempts", "created_at",
                            "finished_at"),)

    kind: Mapped[StepKind] = mapped_column(String(20))
    status: Mapped[StepStatus] = mapped_column(String(20), default=StepStatus.PENDING, index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("order_items.id"))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resources.id"), index=True)
    action: Mapped[str | None] = mapped_column(String(30))  #: start, stop, reboot, resize…
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)  #: what is done so far, e.g. created ids
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    lease_until: Mapped[datetime | None] = mapped_column()
    worker: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(String(2000))
    actor_name: Mapped[str] = mapped_column(String(120), default="system")
    #: the request (or periodic job round) that made the step; its journal entries carry it
    request_id: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column()

    @validates("request_id")
    def _request_id(self, _key: str, value: str | None) -> str | None:
        """A step made without an explicit request id serves the request (or job round) being worked on."""
        return value or current_request_id()


class WorkerHeartbeat(Base):
    """A worker process that is running or died without saying so: written at its start, touched every
    ``worker_heartbeat_s``, removed when it stops cleanly. A row not touched for a few beats is a dead
    worker (``/healthz`` shows it); rows dead for long are forgotten by the live workers."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(80), primary_key=True)  #: "host:pid", as on the steps it runs
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column()
    queue: Mapped[str] = mapped_column(String(20))  #: sqlite | redis
    started_at: Mapped[datetime] = mapped_column()  #: UTC
    seen_at: Mapped[datetime] = mapped_column(index=True)  #: UTC, last beat
