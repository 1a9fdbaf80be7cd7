"""The portfolio: how many applications at each stage, which homologations expire soon, and each
application's resources with their monthly cost estimated from the catalogue's prices in force."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.applications import homologation
from sovcloud.applications.choices import HomologationStatus, Stage
from sovcloud.applications.models import Application, Environment, EnvironmentResource
from sovcloud.applications.service import applications_query
from sovcloud.catalog.models import Plan
from sovcloud.catalog.pricing import HOURS_PER_MONTH, prices_for
from sovcloud.clock import now
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.tenancy.models import Organisation

#: the most applications a portfolio lists one by one
MAX_ROWS = 500
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One application in the portfolio."""

    application: Application
    organisation_code: str
    homologation: HomologationStatus | None  #: None: no dossier yet
    expires_at: datetime | None
    resources: int
    monthly_cost: Decimal  #: EUR per month (730 h), prices in force now; resources without a price count 0
    unpriced: int  #: resources without a price (no plan, or no published price)


@dataclass
class Portfolio:
    """The portfolio of the applications an actor sees (one organisation's subtree when asked)."""

    at: datetime
    stages: dict[Stage, int] = field(default_factory=dict)
    #: organisation code → stage → count
    by_organisation: dict[str, dict[Stage, int]] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    truncated: bool = False

    @property
    def expiring(self) -> list[Line]:
        """Applications whose homologation is expiring or expired, soonest first."""
        soon = [ln for ln in self.lines
                if ln.homologation in (HomologationStatus.EXPIRING, HomologationStatus.EXPIRED)
                and ln.application.stage != Stage.RETIRED]
        return sorted(soon, key=lambda ln: ln.expires_at or self.at)

    @property
    def total_cost(self) -> Decimal:
        return sum((ln.monthly_cost for ln in self.lines), Decimal(0))


def _costs(session: Session, ids: list[uuid.UUID], at: datetime) -> dict[uuid.UUID, tuple[int, Decimal, int]]:
    """Per application: (live resources, monthly cost, resources without a price)."""
    # GB billed per GB-month: what the resource stores beyond its plan's own disk (a volume's size, a vm's data
    # volume), as the catalogue's estimate counts it
    rows = session.execute(
        select(Environment.application_id, Application.organisation_id, Resource.plan_id,
               Resource.storage_gb - func.coalesce(Plan.disk_gb, 0))
        .join(EnvironmentResource, EnvironmentResource.environment_id == Environment.id)
        .join(Resource, Resource.id == EnvironmentResource.resource_id)
        .join(Application, Application.id == Environment.application_id)
        .outerjoin(Plan, Plan.id == Resource.plan_id)
        .where(Environment.application_id.in_(ids), Resource.state != ResourceState.DELETED)).all()
    plans: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for _, org, plan, _gb in rows:
        if plan is not None:
            plans[org].add(plan)
    prices = {org: prices_for(session, organisation_id=org, plan_ids=list(p), at=at) for org, p in plans.items()}
    out: dict[uuid.UUID, tuple[int, Decimal, int]] = {}
    for app_id, org, plan, gb in rows:
        count, cost, unpriced = out.get(app_id, (0, Decimal(0), 0))
        price = prices.get(org, {}).get(plan) if plan is not None else None
        if price is None:
            out[app_id] = (count + 1, cost, unpriced + 1)
            continue
        monthly = (price.per_hour * HOURS_PER_MONTH + price.per_gb_month * max(gb, 0)).quantize(CENT, ROUND_HALF_UP)
        out[app_id] = (count + 1, cost + monthly, unpriced)
    return out


def portfolio(session: Session, *, actor: Actor, organisation_id: uuid.UUID | None = None) -> Portfolio:
    """The portfolio of the visible applications (of one organisation's subtree when given; an organisation
    that is not visible gives an empty portfolio, as it would a list)."""
    at = now()
    apps = list(session.scalars(applications_query(actor, organisation_id=organisation_id).limit(MAX_ROWS + 1)))
    result = Portfolio(at=at, truncated=len(apps) > MAX_ROWS)
    apps = apps[:MAX_ROWS]
    ids = [a.id for a in apps]
    codes = dict(session.execute(select(Organisation.id, Organisation.code).where(
        Organisation.id.in_({a.organisation_id for a in apps}))).all())
    dossiers, costs = homologation.speaking_for(session, ids, at), _costs(session, ids, at)
    result.stages = {s: 0 for s in Stage}
    for app in apps:
        stage = Stage(app.stage)
        result.stages[stage] += 1
        code = codes.get(app.organisation_id, "?")
        result.by_organisation.setdefault(code, {s: 0 for s in Stage})[stage] += 1
        dossier = dossiers.get(app.id)
        count, cost, unpriced = costs.get(app.id, (0, Decimal(0), 0))
        result.lines.append(Line(app, code, homologation.status_of(dossier, at) if dossier else None,
                                 dossier.expires_at if dossier else None, count, cost, unpriced))
    result.by_organisation = dict(sorted(result.by_organisation.items()))
    return result
