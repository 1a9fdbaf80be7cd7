"""Quota use of a project: what live orders reserve plus what live resources hold — never both for the
same thing (a resource counts only once its order is no longer reserving)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sovcloud.errors import QuotaExceeded
from sovcloud.inventory.models import COUNTED, Resource
from sovcloud.orders.choices import RESERVING
from sovcloud.orders.models import Order
from sovcloud.tenancy.models import Quota
from sovcloud.tenancy.quotas import RESOURCE_LABELS, Limits

_NAMES = [f.name for f in fields(Limits)]


def _sum(model: type[Order] | type[Resource]) -> list[object]:
    return [func.coalesce(func.sum(getattr(model, n)), 0) for n in _NAMES]


def reserved(session: Session, project_id: uuid.UUID) -> Limits:
    """Held by the project's orders between submission and their end."""
    row = session.execute(select(*_sum(Order)).where(Order.project_id == project_id,  # type: ignore[call-overload]
                                                     Order.status.in_(RESERVING))).one()
    return Limits(*[int(v) for v in row])


def held(session: Session, project_id: uuid.UUID) -> Limits:
    """Held by the project's live resources whose order (if any) is over."""
    live_order = select(Order.id).where(Order.project_id == project_id, Order.status.in_(RESERVING))
    row = session.execute(select(*_sum(Resource)).where(  # type: ignore[call-overload]
        Resource.project_id == project_id, Resource.state.in_(COUNTED),
        or_(Resource.order_id.is_(None), and_(Resource.order_id.is_not(None), Resource.order_id.not_in(live_order))),
    )).one()
    return Limits(*[int(v) for v in row])


def usage(session: Session, project_id: uuid.UUID) -> Limits:
    return reserved(session, project_id) + held(session, project_id)


def limits(session: Session, project_id: uuid.UUID, *, lock: bool = False) -> Limits:
    """The project's quota; ``lock`` takes its row so concurrent checks run one after the other."""
    query = select(Quota).where(Quota.project_id == project_id)
    return Limits.of(session.scalar(query.with_for_update() if lock else query))


def check(session: Session, project_id: uuid.UUID, extra: Limits) -> tuple[Limits, Limits]:
    """Raise if ``extra`` does not fit in what the project has left; else return (quota, use before).
    Call inside the writing transaction: the quota row stays locked until it ends.

    Raises:
        QuotaExceeded: with the resources over and by how much.
    """
    quota = limits(session, project_id, lock=True)
    used = usage(session, project_id)
    over = (used + extra).exceeding(quota)
    if over:
        parts = [f"{RESOURCE_LABELS[k]} : {getattr(extra, k)} demandé(s), {max(q - getattr(used, k), 0)} "
                 f"disponible(s) sur {q}" for k, (_total, q) in over.items()]
        raise QuotaExceeded("Quota du projet dépassé — " + " ; ".join(parts) + ".", resources=list(over))
    return quota, used


def usage_by_project(session: Session, project_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Limits]:
    """:func:`usage` of several projects at once, in two grouped queries (for dashboards)."""
    ids = list(project_ids)
    found = {pid: Limits() for pid in ids}
    if not ids:
        return found
    live_order = select(Order.id).where(Order.project_id.in_(ids), Order.status.in_(RESERVING))
    queries: list[Any] = [
        select(Order.project_id, *_sum(Order)).where(
            Order.project_id.in_(ids), Order.status.in_(RESERVING)).group_by(Order.project_id),
        select(Resource.project_id, *_sum(Resource)).where(
            Resource.project_id.in_(ids), Resource.state.in_(COUNTED),
            or_(Resource.order_id.is_(None), Resource.order_id.not_in(live_order))).group_by(Resource.project_id),
    ]
    for query in queries:
        for row in session.execute(query):
            found[row[0]] = found[row[0]] + Limits(*[int(v) for v in row[1:]])
    return found


def limits_by_project(session: Session, project_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Limits]:
    """:func:`limits` of several projects at once (no lock)."""
    ids = list(project_ids)
    rows = {q.project_id: q for q in session.scalars(select(Quota).where(Quota.project_id.in_(ids)))} if ids else {}
    return {pid: Limits.of(rows.get(pid)) for pid in ids}
