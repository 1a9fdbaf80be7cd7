"""The dashboard, the language switch and the pages every State site carries (accessibility, legal
notices, personal data, cookies)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows
from sovcloud.errors import PermissionDenied
from sovcloud.orders import service as orders
from sovcloud.orders import usage
from sovcloud.orders.models import Order
from sovcloud.tenancy import quotas, service
from sovcloud.tenancy.models import Organisation, Project
from sovcloud.web import i18n
from sovcloud.web.common import PortalRoute, acting, redirect, render, safe_next
from sovcloud.web.labels import ORDER_LIVE, ORDER_WAITING

router = APIRouter(route_class=PortalRoute)
DASHBOARD_PROJECTS = 24
RECENT_ORDERS = 5
LEGAL_PAGES = {"accessibilite": "pages/accessibilite.html", "mentions-legales": "pages/mentions.html",
               "donnees-personnelles": "pages/donnees.html", "cookies": "pages/cookies.html"}


@dataclass(frozen=True)
class Gauge:
    """One quota line: how much of ``limit`` is taken (``None`` when not measured yet)."""

    key: str
    limit: int
    used: int | None

    @property
    def percent(self) -> int:
        return 0 if not self.limit or self.used is None else min(100, round(100 * self.used / self.limit))


def gauges(status: quotas.QuotaStatus, *, measured: bool = True) -> list[Gauge]:
    """The quota gauges of an organisation (allocated out of limits); see :func:`project_gauges` for projects."""
    limits, allocated = asdict(status.limits), asdict(status.allocated)
    return [Gauge(f.name, limits[f.name], allocated[f.name] if measured else None) for f in fields(quotas.Limits)]


def project_gauges(session: Session, actor: Actor, project: Project) -> list[Gauge] | None:
    """A project's quota gauges with what its live orders reserve and its resources hold (None: not readable)."""
    try:
        status = quotas.quota_status(session, actor=actor, project_id=project.id)
    except PermissionDenied:
        return None
    used = asdict(usage.usage(session, project.id))
    limits = asdict(status.limits)
    return [Gauge(f.name, limits[f.name], used[f.name]) for f in fields(quotas.Limits)]


def project_cards(session: Session, actor: Actor, projects: list[Project]) -> list[tuple[Project, list[Gauge]]]:
    """Quota gauges of the (already tenant-scoped) projects whose quota the actor may read, with their real use:
    three grouped queries whatever the number of projects."""
    readable = [p for p in projects if allows(actor, Permission.QUOTA_READ, p.scope)]
    used = usage.usage_by_project(session, [p.id for p in readable])
    limits = usage.limits_by_project(session, [p.id for p in readable])
    return [(p, [Gauge(f.name, getattr(limits[p.id], f.name), getattr(used[p.id], f.name))
                 for f in fields(quotas.Limits)]) for p in readable]


def recent_orders(session: Session, actor: Actor) -> tuple[list[Order], bool]:
    """My latest orders, and whether one of them is still moving (the list then refreshes itself)."""
    rows = list(session.scalars(orders.orders_query(actor, mine=True).limit(RECENT_ORDERS)))
    return rows, any(o.status in ORDER_LIVE | ORDER_WAITING for o in rows)


def _own_organisations(session: Session, actor: Actor) -> list[tuple[Organisation, list[Gauge]]]:
    cards = []
    for grant in actor.grants:
        if grant.org_id is None or grant.project_id is not None:
            continue
        try:
            org = service.get_organisation(session, actor=actor, organisation_id=grant.org_id)
            status = quotas.quota_status(session, actor=actor, organisation_id=org.id)
        except PermissionDenied:
            continue
        cards.append((org, gauges(status)))
    return cards


@router.get("/")
def dashboard(request: Request) -> Response:
    """My projects and organisations, with their quotas."""
    with acting(request) as (session, actor):
        query = service.projects_query(actor)
        if actor.project_ids and not actor.org_paths and not actor.is_platform_wide:
            query = query.where(Project.id.in_(actor.project_ids))
        projects = list(session.scalars(query.limit(DASHBOARD_PROJECTS + 1)))
        more = len(projects) > DASHBOARD_PROJECTS
        recent, live = recent_orders(session, actor)
        context = {"projects": project_cards(session, actor, projects[:DASHBOARD_PROJECTS]), "more": more,
                   "organisations": _own_organisations(session, actor), "recent": recent, "live": live,
                   "monthly": orders.monthly_estimate(session, actor=actor)}
        return render(request, "pages/dashboard.html", context)


@router.get("/dashboard/orders")
def dashboard_orders(request: Request) -> Response:
    """My latest orders (HTMX refreshes them while one is moving)."""
    with acting(request) as (session, actor):
        recent, live = recent_orders(session, actor)
        return render(request, "pages/_recent_orders.html", {"recent": recent, "live": live})


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Remember the chosen language and go back to the page."""
    response = redirect(request, safe_next(next))
    if lang in i18n.LANGS:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/",
                            secure=request.app.state.settings.cookie_secure)
    return response


def _legal(name: str) -> object:
    def page(request: Request) -> Response:
        return render(request, LEGAL_PAGES[name], {"page": name})

    page.__name__ = f"legal_{name.replace('-', '_')}"
    page.__doc__ = f"The {name} page."
    return page


for _name in LEGAL_PAGES:
    router.add_api_route(f"/{_name}", _legal(_name), methods=["GET"])  # type: ignore[arg-type]
