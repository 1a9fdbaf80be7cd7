"""Metering: usage intervals derived, set-based, from the resources' recorded changes.

Each change opens an interval that the resource's next change closes (a window over the changes, one SQL
statement); changes to "not billed" open nothing. Intervals are written by their natural key (resource,
start), so metering again, after a replay or a duplicated change, rewrites the same rows: nothing is ever
counted twice, and deleting every interval then metering again rebuilds exactly the same usage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.billing import capture
from sovcloud.billing.models import BillableState, ResourceChange, UsageInterval
from sovcloud.billing.periods import Month


@dataclass(frozen=True)
class MeterReport:
    changes: int  #: changes found by the safety-net comparison with the inventory
    intervals: int  #: intervals written (new or rewritten)


def _derive(session: Session, resource_ids: list[uuid.UUID] | None = None) -> int:
    c = ResourceChange
    following = func.lead(c.at_s).over(partition_by=c.resource_id, order_by=c.at_s).label("ended_s")
    windowed = select(c.resource_id, c.project_id, c.organisation_id, c.kind, c.name, c.plan_id, c.state, c.gb,
                      c.at_s.label("started_s"), following)
    if resource_ids is not None:
        windowed = windowed.where(c.resource_id.in_(resource_ids))
    w = windowed.subquery()
    dialect = session.get_bind().dialect.name
    # a random id made by the database: gen_random_uuid() on PostgreSQL, 32 hex digits (as SQLAlchemy stores
    # UUIDs) on SQLite
    new_id = func.gen_random_uuid() if dialect == "postgresql" else func.lower(func.hex(func.randomblob(16)))
    cols = ["resource_id", "project_id", "organisation_id", "kind", "name", "plan_id", "state", "gb", "started_s",
            "ended_s"]
    rows = (select(*[w.c[k] for k in cols], new_id.label("id"))
            .where(w.c.state != BillableState.NONE.value, w.c.ended_s.is_(None) | (w.c.ended_s > w.c.started_s)))
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(UsageInterval)
    insert_stmt = stmt.from_select([*cols, "id"], rows)
    upsert = insert_stmt.on_conflict_do_update(
        index_elements=["resource_id", "started_s"],
        set_={k: getattr(insert_stmt.excluded, k) for k in ("ended_s", "state", "plan_id", "gb", "name")})
    result = session.execute(upsert.execution_options(synchronize_session=False))
    # an interval whose start no longer opens one (a change overwritten by a replay of the same second)
    stale = select(UsageInterval.id).outerjoin(ResourceChange, (ResourceChange.resource_id == UsageInterval.resource_id)
                                               & (ResourceChange.at_s == UsageInterval.started_s)).where(
        ResourceChange.id.is_(None) | (ResourceChange.state == BillableState.NONE.value))
    if resource_ids is not None:
        stale = stale.where(UsageInterval.resource_id.in_(resource_ids))
    session.execute(delete(UsageInterval).where(UsageInterval.id.in_(stale)).execution_options(
        synchronize_session=False))
    written = int(result.rowcount if result.rowcount is not None else -1)  # type: ignore[attr-defined]
    if written < 0:  # psycopg does not count an INSERT … SELECT … ON CONFLICT
        counted = select(func.count()).select_from(UsageInterval)
        if resource_ids is not None:
            counted = counted.where(UsageInterval.resource_id.in_(resource_ids))
        written = int(session.scalar(counted) or 0)
    return written


def meter(session: Session, *, resource_ids: list[uuid.UUID] | None = None, compare: bool = True) -> MeterReport:
    """Bring the usage up to date: compare the inventory with the recorded changes (the safety net), then
    derive the intervals. Idempotent. For the periodic job and :func:`meter_now`."""
    changes = capture.record_changes(session, resource_ids) if compare else 0
    return MeterReport(changes=changes, intervals=_derive(session, resource_ids))


def meter_now(session: Session, *, actor: Actor) -> MeterReport:
    """Meter on demand (finance), journaled.

    Raises:
        PermissionDenied: the actor may not run billing.
    """
    authorize(actor, Permission.BILLING_ISSUE)
    report = meter(session)
    audit.record(session, actor=actor, action="billing.metered", target_type="billing",
                 details={"changes": report.changes, "intervals": report.intervals})
    return report


def rebuild(session: Session) -> int:
    """Forget every interval and derive them again from the history; returns how many were written."""
    session.execute(delete(UsageInterval))
    return _derive(session)


def organisations_with_usage(session: Session, month: Month) -> list[uuid.UUID]:
    return list(session.scalars(select(UsageInterval.organisation_id).where(
        UsageInterval.started_s < month.end_s,
        UsageInterval.ended_s.is_(None) | (UsageInterval.ended_s > month.start_s)).distinct()))
