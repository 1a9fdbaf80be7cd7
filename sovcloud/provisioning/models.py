"""Durable provisioning steps: the database says what must happen; the queue only says "look at step X"."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.db import Base, IdMixin


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
    request_id: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column()
