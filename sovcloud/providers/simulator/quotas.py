"""Tenant quotas: limits set by the control plane, usage counters kept in the same row.

A charge is one conditional ``UPDATE ... SET used = used + delta WHERE limit IS NULL OR used + delta <=
limit``: atomic under concurrency on PostgreSQL (the row stays locked until commit) and on SQLite (the
writer holds the database lock). Only when it matches no row do we look why (no row yet, or a limit
hit). Counting rows instead would cost a scan per create at tens of thousands of servers.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import cast

from sqlalchemy import Table, Update, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sovcloud.providers.dto import Quotas, QuotaSet
from sovcloud.providers.errors import QuotaExceededError
from sovcloud.providers.simulator.models import SimQuota

RESOURCES: tuple[str, ...] = tuple(f.name for f in fields(QuotaSet))
_TABLE = cast(Table, SimQuota.__table__)
_PLAIN = select(SimQuota).where(SimQuota.tenant == bindparam("tenant"))
_LOCKED = _PLAIN.with_for_update()


@functools.cache
def _charge_statement(names: tuple[str, ...], checked: bool) -> Update:
    statement = update(SimQuota).where(SimQuota.tenant == bindparam("t"))
    if checked:
        statement = statement.where(
            and_(
                *(
                    or_(
                        _TABLE.c[f"limit_{n}"].is_(None),
                        _TABLE.c[f"used_{n}"] + bindparam(f"d_{n}") <= _TABLE.c[f"limit_{n}"],
                    )
                    for n in names
                )
            )
        )
    values = {f"used_{n}": _TABLE.c[f"used_{n}"] + bindparam(f"d_{n}") for n in names}
    return statement.values(values).execution_options(synchronize_session=False)


def ensure_row(session: Session, tenant: str, defaults: QuotaSet) -> None:
    """Create the tenant's quota row with the default limits if it has none (safe against a concurrent
    first use: ``INSERT ... ON CONFLICT DO NOTHING``)."""
    values: dict[str, object] = {f"limit_{n}": getattr(defaults, n) for n in RESOURCES}
    values.update({f"used_{n}": 0 for n in RESOURCES})
    connection = session.connection()
    dialect = connection.dialect.name
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_TABLE).values(tenant=tenant, **values)
    connection.execute(statement.on_conflict_do_nothing(index_elements=["tenant"]))


def charge(session: Session, tenant: str, defaults: QuotaSet, **deltas: int) -> None:
    """Consume quota atomically. Raises: QuotaExceededError naming a resource over its limit."""
    names = tuple(sorted(deltas))
    params: dict[str, object] = {"t": tenant, **{f"d_{n}": deltas[n] for n in names}}
    increases = any(delta > 0 for delta in deltas.values())
    for attempt in range(2):
        result = session.connection().execute(_charge_statement(names, increases), params)
        if getattr(result, "rowcount", 0) == 1:
            return
        row = session.scalar(_PLAIN, {"tenant": tenant})
        if row is None and attempt == 0:
            ensure_row(session, tenant, defaults)
            continue
        if row is not None:
            for name in names:
                limit, used = getattr(row, f"limit_{name}"), getattr(row, f"used_{name}")
                if limit is not None and used + deltas[name] > limit:
                    raise QuotaExceededError(
                        f"quota exceeded for {name}: {used} used + {deltas[name]} requested > limit {limit}"
                    )
    raise QuotaExceededError(f"quota of tenant {tenant} could not be charged")


def refund(session: Session, tenant: str, **deltas: int) -> None:
    """Give quota back."""
    names = tuple(sorted(deltas))
    params: dict[str, object] = {"t": tenant, **{f"d_{n}": -deltas[n] for n in names}}
    session.connection().execute(_charge_statement(names, False), params)


def quota_row(session: Session, tenant: str, defaults: QuotaSet, *, lock: bool = True) -> SimQuota:
    """The tenant's quota row (ORM), created with the default limits on first use."""
    row = session.scalar(_LOCKED if lock else _PLAIN, {"tenant": tenant})
    if row is None:
        if not lock:  # a read: show the defaults without writing
            row = SimQuota(tenant=tenant, **{f"limit_{name}": getattr(defaults, name) for name in RESOURCES})
            for name in RESOURCES:
                setattr(row, f"used_{name}", 0)
            return row
        ensure_row(session, tenant, defaults)
        row = session.scalar(_LOCKED, {"tenant": tenant})
        assert row is not None
    return row


def set_limits(row: SimQuota, limits: QuotaSet) -> None:
    """Replace every limit of the row."""
    for name in RESOURCES:
        value = getattr(limits, name)
        if value is not None and value < 0:
            value = None  # OpenStack's -1 means unlimited
        setattr(row, f"limit_{name}", value)


def to_quotas(row: SimQuota) -> Quotas:
    """The row as a DTO."""
    return Quotas(
        tenant=row.tenant,
        limits=QuotaSet(**{name: getattr(row, f"limit_{name}") for name in RESOURCES}),
        usage=QuotaSet(**{name: getattr(row, f"used_{name}") or 0 for name in RESOURCES}),
    )
