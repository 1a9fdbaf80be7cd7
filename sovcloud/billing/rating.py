"""Rating: usage intervals × rate timelines, set-based in SQL, for one Europe/Paris month.

One statement joins the intervals with the rates (a ``VALUES`` table of the organisations' price timelines,
clipped to the month) and sums, per resource, state, plan and price, the whole seconds billed — exact
integers on every backend. An interval crossing a price change or a month boundary is thereby split there,
each part at its own price. Money is then computed in ``Decimal`` on those few aggregated rows:

    amount = (hourly price of the state × seconds / 3600 + price per GB-month × GB × seconds / seconds of
              the month) × (1 − discount % / 100), rounded half-even to the cent — once, per line.

Totals are the sums of the rounded lines (see docs/billing.md).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import BindParameter, Integer, Uuid, bindparam, select, text
from sqlalchemy.orm import Session

from sovcloud.billing.models import BillableState
from sovcloud.billing.periods import Month
from sovcloud.billing.rates import Rate, rates_for
from sovcloud.catalog.models import Offering, Plan
from sovcloud.tenancy.models import Project

CENT = Decimal("0.01")
HOUR = Decimal(3600)


def round_cent(amount: Decimal) -> Decimal:
    """The one rounding rule: half-even to the cent."""
    return amount.quantize(CENT, ROUND_HALF_EVEN)


def line_amount(rate: Rate, state: str, seconds: int, gb: int, month_seconds: int) -> Decimal:
    """Exact amount of ``seconds`` in ``state`` at ``rate`` (before rounding)."""
    hourly = rate.per_hour if state == BillableState.RUNNING else rate.per_hour_stopped
    raw = hourly * seconds / HOUR + rate.per_gb_month * gb * seconds / Decimal(month_seconds)
    return raw * (1 - rate.discount_percent / 100)


@dataclass
class Line:
    """A line of a draft (the same fields an issued line freezes)."""

    category: str  #: usage | fee | regularisation | credit
    period: str
    amount: Decimal
    project_id: uuid.UUID | None = None
    project_name: str = ""
    budget_code: str = ""
    resource_id: uuid.UUID | None = None
    resource_name: str = ""
    offering: str = ""
    plan: str = ""
    state: str = ""
    price_list_id: uuid.UUID | None = None
    seconds: int = 0
    gb: int = 0
    unit_per_hour: Decimal = Decimal(0)
    unit_per_gb_month: Decimal = Decimal(0)
    description: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        return (self.category, self.resource_id, self.plan, self.state, self.gb, self.price_list_id)


@dataclass
class Rated:
    """What one organisation used in one month, rated."""

    organisation_id: uuid.UUID
    period: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))


_SQL = """
WITH rates(idx, org, plan, from_s, until_s) AS MATERIALIZED (VALUES {values})
SELECT u.organisation_id, u.project_id, u.resource_id, u.name, u.state, u.gb, r.idx,
       SUM((CASE WHEN COALESCE(u.ended_s, :cap) < r.until_s THEN COALESCE(u.ended_s, :cap) ELSE r.until_s END)
         - (CASE WHEN u.started_s > r.from_s THEN u.started_s ELSE r.from_s END)) AS secs
FROM billing_usage u
JOIN rates r ON r.org = u.organisation_id AND r.plan = u.plan_id
 AND u.started_s < r.until_s AND COALESCE(u.ended_s, :cap) > r.from_s
WHERE u.started_s < :cap AND (u.ended_s IS NULL OR u.ended_s > :start)
GROUP BY u.organisation_id, u.project_id, u.resource_id, u.name, u.state, u.gb, r.idx
"""

_FIRST_SQL = """
SELECT u.organisation_id, u.project_id, u.resource_id, u.name, u.plan_id, MIN(u.started_s) AS first_s
FROM billing_usage u WHERE u.organisation_id IN :orgs
GROUP BY u.organisation_id, u.project_id, u.resource_id, u.name, u.plan_id
HAVING MIN(u.started_s) >= :start AND MIN(u.started_s) < :cap
"""


def _rates_table(rates: list[Rate], cap_s: int) -> tuple[str, list[BindParameter[Any]]]:
    params: list[BindParameter[Any]] = []
    rows: list[str] = []
    for i, r in enumerate(rates):
        if r.from_s >= cap_s:
            continue
        rows.append(f"(:i{i}, :o{i}, :p{i}, :f{i}, :u{i})")
        params += [bindparam(f"i{i}", i, type_=Integer()), bindparam(f"o{i}", r.organisation_id, type_=Uuid()),
                   bindparam(f"p{i}", r.plan_id, type_=Uuid()), bindparam(f"f{i}", r.from_s, type_=Integer()),
                   bindparam(f"u{i}", min(r.until_s, cap_s), type_=Integer())]
    return ", ".join(rows), params


def rate_month(session: Session, organisation_ids: list[uuid.UUID], month: Month, *,
               until_s: int | None = None) -> dict[uuid.UUID, Rated]:
    """Rate ``month`` for these organisations (usage up to ``until_s`` when the month is not over)."""
    start, end = month.start_s, month.end_s
    cap = min(end, until_s) if until_s is not None else end
    out = {org: Rated(org, str(month)) for org in organisation_ids}
    if not organisation_ids or cap <= start:
        return out
    rates = rates_for(session, organisation_ids, start, end)
    values, params = _rates_table(rates, cap)
    if not values:
        return out
    stmt = text(_SQL.format(values=values)).bindparams(*params, bindparam("cap", cap), bindparam("start", start))
    rows = session.execute(stmt).all()
    plans = {p.id: (o_code, p.code) for p, o_code in session.execute(
        select(Plan, Offering.code).join(Offering, Offering.id == Plan.offering_id))}
    ids: dict[object, uuid.UUID] = {}

    def as_id(value: object) -> uuid.UUID:  # SQLite gives 32-hex strings back: convert each once
        found = ids.get(value)
        if found is None:
            found = ids[value] = _uuid(value)
        return found

    projects = {p.id: p for p in session.scalars(
        select(Project).where(Project.id.in_({as_id(r[1]) for r in rows})))}
    period, month_s = str(month), month.seconds
    for org_id, project_id, resource_id, name, state, gb, idx, secs in rows:
        rated = out.get(as_id(org_id))
        if rated is None or not secs:
            continue
        rate = rates[int(idx)]
        offering, plan = plans.get(rate.plan_id, ("", ""))
        project = projects.get(as_id(project_id))
        rated.lines.append(Line(
            category="usage", period=period, project_id=as_id(project_id),
            project_name=project.name if project else "", budget_code=project.budget_code if project else "",
            resource_id=_uuid(resource_id), resource_name=name, offering=offering, plan=plan, state=state,
            price_list_id=rate.price_list_id, seconds=int(secs), gb=int(gb),
            unit_per_hour=rate.per_hour if state == BillableState.RUNNING else rate.per_hour_stopped,
            unit_per_gb_month=rate.per_gb_month,
            amount=round_cent(line_amount(rate, state, int(secs), int(gb), month_s)),
            description=f"{offering}/{plan} {state}"))
    _fees(session, out, rates, plans, projects, month, cap)
    for rated in out.values():
        rated.lines.sort(key=lambda ln: (ln.project_name, ln.resource_name, ln.category, ln.plan, ln.state,
                                         str(ln.price_list_id)))
    return out


def _fees(session: Session, out: dict[uuid.UUID, Rated], rates: list[Rate], plans: dict[uuid.UUID, tuple[str, str]],
          projects: dict[uuid.UUID, Project], month: Month, cap: int) -> None:
    """One-time fees of the resources first billed this month, at the price in force then."""
    if not any(r.one_time_fee for r in rates):
        return
    by_key: dict[tuple[uuid.UUID, uuid.UUID], list[Rate]] = defaultdict(list)
    for r in rates:
        by_key[(r.organisation_id, r.plan_id)].append(r)
    stmt = text(_FIRST_SQL).bindparams(bindparam("orgs", list(out), expanding=True, type_=Uuid()),
                                       bindparam("start", month.start_s), bindparam("cap", cap))
    for org_id, project_id, resource_id, name, plan_id, first_s in session.execute(stmt):
        if plan_id is None:
            continue
        rate = next((r for r in by_key.get((_uuid(org_id), _uuid(plan_id)), []) if r.from_s <= first_s < r.until_s),
                    None)
        if rate is None or not rate.one_time_fee:
            continue
        offering, plan = plans.get(rate.plan_id, ("", ""))
        project = projects.get(_uuid(project_id))
        out[_uuid(org_id)].lines.append(Line(
            category="fee", period=str(month), project_id=_uuid(project_id),
            project_name=project.name if project else "", budget_code=project.budget_code if project else "",
            resource_id=_uuid(resource_id), resource_name=name, offering=offering, plan=plan,
            price_list_id=rate.price_list_id,
            amount=round_cent(rate.one_time_fee * (1 - rate.discount_percent / 100)),
            description=f"{offering}/{plan} frais de mise en service"))


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
