"""Tenant quotas: limits set by the control plane, usage counters kept in the same row.

Every create locks the tenant's row (``SELECT ... FOR UPDATE`` on PostgreSQL, the database write lock on
SQLite), checks ``usage + delta <= limit`` for each resource, then moves the counters; deletes move them
back. Counting rows instead would cost a scan per create at tens of thousands of servers.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.providers.dto import Quotas, QuotaSet
from sovcloud.providers.errors import QuotaExceededError
from sovcloud.providers.simulator.models import SimQuota

RESOURCES: tuple[str, ...] = tuple(f.name for f in fields(QuotaSet))


def quota_row(session: Session, tenant: str, defaults: QuotaSet, *, lock: bool = True) -> SimQuota:
    """The tenant's quota row, created with the default limits on first use."""
    query = select(SimQuota).where(SimQuota.tenant == tenant)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        row = SimQuota(tenant=tenant, **{f"limit_{name}": getattr(defaults, name) for name in RESOURCES})
        for name in RESOURCES:
            setattr(row, f"used_{name}", 0)
        session.add(row)
    return row


def charge(row: SimQuota, **deltas: int) -> None:
    """Consume quota. Raises: QuotaExceededError naming the first resource over its limit."""
    for name, delta in deltas.items():
        limit = getattr(row, f"limit_{name}")
        used = getattr(row, f"used_{name}")
        if delta > 0 and limit is not None and used + delta > limit:
            raise QuotaExceededError(f"quota exceeded for {name}: {used} used + {delta} requested > limit {limit}")
    for name, delta in deltas.items():
        setattr(row, f"used_{name}", getattr(row, f"used_{name}") + delta)


def refund(row: SimQuota, **deltas: int) -> None:
    """Give quota back (never below zero)."""
    for name, delta in deltas.items():
        setattr(row, f"used_{name}", max(0, getattr(row, f"used_{name}") - delta))


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
