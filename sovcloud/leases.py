"""Named leases in the database: the one mechanism that makes a periodic job run once per period across
every worker and process, on SQLite and PostgreSQL alike.

A periodic job (the reaper, the expiry sweep, the reconciliation…) asks :func:`acquire` for the lease
named after it before each round. The lease is taken by one atomic statement — an ``UPDATE … WHERE
expires_at <= now`` on an existing row, else an ``INSERT … ON CONFLICT DO NOTHING`` for the first
round ever — so of all the processes asking at once exactly one gets it. It is not released after the
round: it simply expires one period after it was taken, and whoever asks first after that runs the next
round. A holder that dies therefore blocks nobody for longer than one period.

While a round runs longer than its period, :func:`run_once` renews the lease (every half period), so a
slow round is never run twice at the same time either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from sovcloud.clock import now
from sovcloud.db import Base, transaction
from sovcloud.logs import get_logger

log = get_logger("sovcloud.leases")
T = TypeVar("T")


class Lease(Base):
    """A named lease: held by ``holder`` until ``expires_at``. One row per periodic job, made by its first
    round; only :func:`acquire` and :func:`renew` write it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)  #: the job, e.g. "reaper"
    holder: Mapped[str] = mapped_column(String(120))  #: the process that took it last ("host:pid")
    acquired_at: Mapped[datetime] = mapped_column()  #: UTC, when ``holder`` took it
    expires_at: Mapped[datetime] = mapped_column()  #: UTC; free for anyone from then on
    rounds: Mapped[int] = mapped_column(BigInteger, default=0)  #: times it was taken (the job's rounds)


def acquire(sessions: sessionmaker[Session], name: str, holder: str, ttl_s: float) -> bool:
    """Take the lease ``name`` for ``ttl_s`` seconds if it is free (never taken, or expired). True when
    this call took it; False when another holder — or this one, in the same period — still has it."""
    at = now()
    until = at + timedelta(seconds=ttl_s)
    with transaction(sessions) as session:
        taken = session.execute(
            update(Lease).where(Lease.name == name, Lease.expires_at <= at)
            .values(holder=holder, acquired_at=at, expires_at=until, rounds=Lease.rounds + 1)
            .execution_options(synchronize_session=False))
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        first = session.execute(insert(Lease).values(name=name, holder=holder, acquired_at=at, expires_at=until,
                                                     rounds=1).on_conflict_do_nothing(index_elements=["name"])
                                .returning(Lease.name))
        return first.first() is not None


def renew(sessions: sessionmaker[Session], name: str, holder: str, ttl_s: float) -> bool:
    """Keep a lease this holder has for ``ttl_s`` more seconds from now. False if it has lost it."""
    with transaction(sessions) as session:
        kept = session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                               .values(expires_at=now() + timedelta(seconds=ttl_s))
                               .execution_options(synchronize_session=False))
        return bool(kept.rowcount == 1)  # type: ignore[attr-defined]


def holder_of(sessions: sessionmaker[Session], name: str) -> tuple[str, datetime] | None:
    """Who holds (or last held) the lease ``name``, and until when."""
    with sessions() as session:
        row = session.execute(select(Lease.holder, Lease.expires_at).where(Lease.name == name)).first()
        return (row[0], row[1]) if row else None


def run_once(sessions: sessionmaker[Session], name: str, holder: str, period_s: float,
             job: Callable[[], T]) -> tuple[bool, T | None]:
    """Run ``job`` if this process gets this period's lease ``name``; (ran, its result). While the job
    runs past half its period, the lease is renewed so no other process starts the same job meanwhile."""
    if not acquire(sessions, name, holder, period_s):
        return False, None
    done = threading.Event()

    def keep() -> None:
        while not done.wait(period_s / 2):
            if not renew(sessions, name, holder, period_s):
                log.warning("lease lost while its job runs", lease=name, holder=holder)
                return

    keeper = threading.Thread(target=keep, name=f"lease-{name}", daemon=True)
    keeper.start()
    try:
        return True, job()
    finally:
        done.set()
