"""The audit journal: append-only, each entry chained to the previous one by SHA-256."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.db import Base

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """One journal entry. ``hash`` = SHA-256(prev_hash ‖ canonical JSON of the entry's fields); entries are
    never updated or deleted by the application. ``seq`` is gapless and strictly increasing."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)  #: UTC
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  #: tenant the event belongs to
    source_ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80), index=True)  #: e.g. "user.login", "order.approved"
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  #: success | failure | denied
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain head, kept outside the journal table and sealed with an HMAC under the secret key, so
    removing the newest entries (truncation) or rewriting the chain is detected. One row, id 1; it is
    locked while appending, which also serialises writers of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditVerification(Base):
    """One walk of the whole chain by the ``audit-verify`` periodic job: when, what it read, what it found.
    The alert rule "audit chain broken" and ``/metrics`` read the newest one instead of walking the chain
    again at each of their rounds (a walk costs one read of every entry)."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    verified_at: Mapped[datetime] = mapped_column(index=True)  #: UTC, when the walk ended
    ok: Mapped[bool] = mapped_column()
    entries: Mapped[int] = mapped_column(BigInteger)  #: entries read
    head_seq: Mapped[int] = mapped_column(BigInteger)  #: the sealed head's number then
    problems: Mapped[dict[str, Any]] = mapped_column(default=dict)  #: {"found": [first problems, in French]}
