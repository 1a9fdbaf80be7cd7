"""Gapless numbers per series and year (``SC-2026-000123``): the counter row is taken ``FOR UPDATE`` in the
issuing transaction, so concurrent issuers queue on it (PostgreSQL row lock; SQLite has one writer), and
a transaction that rolls back gives its number back with it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sovcloud.billing.models import NumberCounter

INVOICE, CREDIT_NOTE = "SC", "AV"


def lock_counter(session: Session, series: str, year: int) -> NumberCounter:
    """The counter of ``series`` and ``year``, locked until the transaction ends (made when missing)."""
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(NumberCounter)
    session.execute(stmt.values(series=series, year=year, last=0).on_conflict_do_nothing())
    counter = session.scalars(select(NumberCounter).where(NumberCounter.series == series, NumberCounter.year == year)
                              .with_for_update().execution_options(populate_existing=True)).one()
    return counter


def take(counter: NumberCounter) -> str:
    """The next number of a locked counter."""
    counter.last += 1
    return f"{counter.series}-{counter.year:04d}-{counter.last:06d}"
