"""What an order would cost and whether it fits, before it is placed: the live estimate of the order form
(portal), ``POST /api/v1/orders/quote`` (API) and ``sovcloud order quote`` (CLI) all call :func:`quote`, which
prices the items the way submission does (:func:`price_items`) and compares the footprint to what the
project has left."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped
from sovcloud.catalog.pricing import Estimate, estimate
from sovcloud.clock import now
from sovcloud.errors import ValidationFailed
from sovcloud.orders import usage
from sovcloud.tenancy.models import Project
from sovcloud.tenancy.quotas import Limits

MAX_COUNT = 50


@dataclass(frozen=True)
class ItemPrice:
    """One priced line: the unit estimate and how many."""

    estimate: Estimate
    count: int

    @property
    def monthly(self) -> Decimal:
        return self.estimate.monthly * self.count

    @property
    def hourly(self) -> Decimal:
        return self.estimate.hourly * self.count


@dataclass(frozen=True)
class Priced:
    """Items priced together: totals and the quota they take."""

    items: list[ItemPrice]
    hourly: Decimal
    monthly: Decimal
    footprint: Limits
    kinds: frozenset[str]


def price_items(session: Session, *, organisation_id: uuid.UUID,
                items: Sequence[tuple[uuid.UUID, dict[str, Any], int]], at: datetime | None = None) -> Priced:
    """Price ``(plan_id, parameters, count)`` lines for an organisation at ``at``, as submission does.

    Raises:
        NotFound / NotOrderable / ValidationFailed / PriceUnavailable: from :func:`catalog.pricing.estimate`.
    """
    at = at or now()
    priced, footprint = [], Limits()
    for plan_id, parameters, count in items:
        unit = estimate(session, organisation_id=organisation_id, plan_id=plan_id, parameters=parameters, at=at)
        priced.append(ItemPrice(unit, count))
        for _ in range(count):
            footprint = footprint + unit.footprint
    return Priced(priced, sum((i.hourly for i in priced), Decimal(0)), sum((i.monthly for i in priced), Decimal(0)),
                  footprint, frozenset(i.estimate.offering_kind for i in priced))


@dataclass(frozen=True)
class QuotaLine:
    """One resource the order takes: how much, how much the project has left, its limit."""

    key: str
    needed: int
    left: int
    limit: int

    @property
    def ok(self) -> bool:
        return self.needed <= self.left


@dataclass(frozen=True)
class Quote:
    """The estimate and quota check of an order not placed yet."""

    unit_hourly: Decimal
    unit_monthly: Decimal
    hourly: Decimal
    monthly: Decimal
    count: int
    lines: list[QuotaLine]

    @property
    def fits(self) -> bool:
        return all(line.ok for line in self.lines)


def quote(session: Session, *, actor: Actor, project_id: uuid.UUID, plan_id: uuid.UUID,
          parameters: dict[str, Any] | None = None, count: int = 1) -> Quote:
    """Price ``count`` × the plan with ``parameters`` for the project, and compare its footprint to what the
    project has left (its live orders and resources counted) — what someone who may order there sees.

    Raises:
        NotFound: the project or the plan is not visible.
        PermissionDenied: the actor may not order in this project.
        ValidationFailed: a count out of range or bad parameters.
        NotOrderable / PriceUnavailable: from the catalogue.
    """
    project = scoped(session, Project, actor).get(project_id)
    authorize(actor, Permission.ORDER_CREATE, project)
    if not 1 <= count <= MAX_COUNT:
        raise ValidationFailed(f"Quantité entre 1 et {MAX_COUNT}.", field="count")
    priced = price_items(session, organisation_id=project.organisation_id, items=[(plan_id, parameters or {}, count)])
    limit, used = usage.limits(session, project.id), usage.usage(session, project.id)
    lines = [QuotaLine(f.name, getattr(priced.footprint, f.name),
                       max(getattr(limit, f.name) - getattr(used, f.name), 0), getattr(limit, f.name))
             for f in fields(Limits) if getattr(priced.footprint, f.name)]
    unit = priced.items[0].estimate
    return Quote(unit.hourly, unit.monthly, priced.hourly, priced.monthly, count, lines)

