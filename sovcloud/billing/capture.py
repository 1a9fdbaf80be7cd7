"""Recording the resources' money-relevant changes, in the transaction that makes them.

The inventory does not know billing: it writes its resources (through the ORM, or in bulk statements as the
provisioning runner does). This module listens to the sessions — a small in-process dispatch — and notes
which resources a transaction touched; just before the commit it compares each one's billable snapshot
(state, plan, billed GB) with the last recorded change and appends a :class:`ResourceChange` at the time
of the commit when it differs. The periodic metering runs the same comparison over every resource as a
safety net (a raw SQL write, a process killed between two statements).

Billable state rule (from the price list's point of view): a resource being created, deleted, gone or in
error is not billed; a server whose provider status is SHUTOFF is billed at its plan's stopped price; any
other live resource at its plan's running price. Volumes are billed per GB-month of their size.

Usage belongs to the ministry at the root of the project's organisation tree: one invoice per ministry covers
its directorates' projects too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Update, and_, case, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from sovcloud.billing.models import BillableState, ResourceChange
from sovcloud.clock import now
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.tenancy.models import Organisation, Project

_TOUCHED = "sovcloud.billing_touched"
_ALL = "*"
LIVE = (ResourceState.ACTIVE, ResourceState.BUSY, ResourceState.DELETING)


def billable_state_sql() -> Any:
    """The billable state of a ``resources`` row, as a SQL expression (the rule above)."""
    return case((Resource.state.not_in(list(LIVE)), BillableState.NONE.value),
                (and_(Resource.kind == "server", Resource.status == "SHUTOFF"), BillableState.STOPPED.value),
                else_=BillableState.RUNNING.value)


def billed_gb_sql() -> Any:
    """GB billed per GB-month: a volume's size; a server's root disk is in its hourly price."""
    return case((Resource.kind == "volume", Resource.storage_gb), else_=0)


def epoch_s(at: datetime) -> int:
    return int(at.timestamp())


def _touch(session: Session, ids: Iterable[uuid.UUID] | str) -> None:
    touched: set[Any] = session.info.setdefault(_TOUCHED, set())
    if ids == _ALL:
        touched.add(_ALL)
    else:
        touched.update(ids)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    objects = [o for o in (*session.new, *session.dirty) if isinstance(o, Resource)]
    for o in objects:
        if o.id is None:  # its default is applied at INSERT; the change needs it now
            o.id = uuid.uuid4()
    if objects:
        _touch(session, [o.id for o in objects])


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk ORM statements on ``resources``: note the rows they may change."""
    if not (state.is_update or state.is_insert) or state.bind_mapper is None:
        return
    if state.bind_mapper.class_ is not Resource:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    ids = [r["id"] for r in rows if isinstance(r, dict) and "id" in r]
    if ids:
        _touch(state.session, ids)
    elif state.is_update and isinstance(state.statement, Update) and state.statement.whereclause is not None:
        found = state.session.scalars(select(Resource.id).where(state.statement.whereclause)).all()
        _touch(state.session, found)
    else:
        _touch(state.session, _ALL)


def _before_commit(session: Session) -> None:
    if session.info.get("read_only"):
        return
    session.flush()  # the commit's own flush comes after this hook: the last changes are noted now
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    record_changes(session, None if _ALL in touched else list(touched))
    session.info.pop(_TOUCHED, None)


def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def record_changes(session: Session, resource_ids: list[uuid.UUID] | None = None,
                   at: datetime | None = None) -> int:
    """Append a change for each resource (all, or ``resource_ids``) whose billable snapshot differs from its
    last recorded one; returns how many. Idempotent: a second call finds nothing new."""
    at = at or now()
    last = (select(ResourceChange.resource_id, func.max(ResourceChange.at_s).label("at_s"))
            .group_by(ResourceChange.resource_id))
    if resource_ids is not None:
        if not resource_ids:
            return 0
        last = last.where(ResourceChange.resource_id.in_(resource_ids))
    last_sq = last.subquery()
    prev = ResourceChange.__table__.alias("prev")
    state, gb = billable_state_sql(), billed_gb_sql()
    query = (select(Resource.id, Resource.project_id, Organisation.path, Resource.kind, Resource.name,
                    Resource.plan_id, state.label("state"), gb.label("gb"), Resource.state.label("source"),
                    Resource.deleted_at)
             .join(Project, Project.id == Resource.project_id)
             .join(Organisation, Organisation.id == Project.organisation_id)
             .outerjoin(last_sq, last_sq.c.resource_id == Resource.id)
             .outerjoin(prev, and_(prev.c.resource_id == last_sq.c.resource_id, prev.c.at_s == last_sq.c.at_s)))
    if resource_ids is not None:
        query = query.where(Resource.id.in_(resource_ids))
    differs = ((prev.c.id.is_(None) & (state != BillableState.NONE.value)) | (prev.c.state != state)
               | (prev.c.plan_id.is_distinct_from(Resource.plan_id)) | (prev.c.gb != gb))
    rows = session.execute(query.where(differs)).all()
    values = []
    for r in rows:
        when = at
        if r.state == BillableState.NONE and r.deleted_at is not None and r.deleted_at <= at:
            when = r.deleted_at  # deleted: billing stops when the inventory learned it
        values.append({"id": uuid.uuid4(), "resource_id": r.id, "project_id": r.project_id,
                       "organisation_id": ministry_of(r.path), "kind": r.kind, "name": r.name, "plan_id": r.plan_id,
                       "state": r.state, "gb": int(r.gb or 0), "at": when, "at_s": epoch_s(when),
                       "source": str(r.source)[:20]})
    upsert(session, values)
    return len(values)


def ministry_of(path: str) -> uuid.UUID:
    """The root of an organisation path ("/<root>/<child>/"): the ministry billed for its whole tree."""
    return uuid.UUID(path.strip("/").split("/", 1)[0])


def upsert(session: Session, values: list[dict[str, Any]]) -> None:
    """Insert changes by their natural key (resource, second); the same key again overwrites the same row."""
    if not values:
        return
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(ResourceChange)
    keep = {c: getattr(stmt.excluded, c) for c in ("state", "plan_id", "gb", "at", "source", "name")}
    for chunk in range(0, len(values), 2000):
        session.execute(stmt.on_conflict_do_update(index_elements=["resource_id", "at_s"], set_=keep),
                        values[chunk:chunk + 2000])


def install() -> None:
    """Listen to every session (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)


install()
