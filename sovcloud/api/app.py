"""The FastAPI application factory: assembles the routers the contexts offer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.orm import configure_mappers

from sovcloud import audit
from sovcloud.access import refusals
from sovcloud.api import health, heap, problems
from sovcloud.api.deps import get_actor, same_origin
from sovcloud.api.input_guard import InputGuard
from sovcloud.api.request_context import RequestContext
from sovcloud.api.write_queue import WriteQueue
from sovcloud.config import Settings, get_settings
from sovcloud.db import make_engine, make_sessionmaker, refresh_statistics
from sovcloud.provisioning.queue import TaskQueue
from sovcloud.provisioning.runtime import make_provider
from sovcloud.supervision import health as supervision_health
from sovcloud.supervision import metrics_api
from sovcloud.supervision.metrics_http import HttpMetrics

API_PREFIX = "/api/v1"


def _routers() -> tuple[list[APIRouter], list[APIRouter]]:
    """(public routers, authenticated routers) of every context."""
    from sovcloud.access import api as access_api
    from sovcloud.applications import api as applications_api
    from sovcloud.audit import api as audit_api
    from sovcloud.billing import api as billing_api
    from sovcloud.catalog import api as catalog_api
    from sovcloud.identity import api as identity_api
    from sovcloud.identity import sso_api, webauthn_api
    from sovcloud.inventory import api as inventory_api
    from sovcloud.orders import api as orders_api
    from sovcloud.provisioning import api as provisioning_api
    from sovcloud.resilience import api as resilience_api
    from sovcloud.supervision import alerts_api, notices_api
    from sovcloud.supervision import api as supervision_api
    from sovcloud.tenancy import api as tenancy_api

    return [identity_api.public, webauthn_api.public], [
                                   identity_api.router, tenancy_api.router, access_api.router, audit_api.router,
                                   catalog_api.router, orders_api.router, inventory_api.router,
                                   supervision_api.router, resilience_api.router, sso_api.router,
                                   provisioning_api.router, alerts_api.router, notices_api.router,
                                   billing_api.router, applications_api.router,
                                   webauthn_api.router]


def _warm_up() -> None:
    """What the first requests would otherwise build: mapper configuration and compiled templates."""
    from sovcloud.web.app import compile_templates

    configure_mappers()
    compile_templates()


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Before serving: warm up, then take what start-up built out of the garbage collector's walks."""
    heap.settle(_warm_up)
    yield


def create_app(settings: Settings | None = None, *, install_queue: bool = True) -> FastAPI:
    """Build the app on ``settings`` (default: the environment). ``install_queue`` sends committed steps
    to the work queue (tests that run steps themselves turn it off)."""
    settings = settings or get_settings()
    audit.service.configure(settings.secret_key.get_secret_value(), anchor_path=settings.audit_anchor_path,
                            anchor_interval_s=settings.audit_anchor_interval_s)
    app = FastAPI(title="sovcloud", version="0.1.0", openapi_url=f"{API_PREFIX}/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=_lifespan,
                  description="Plateforme de cloud souverain — API d'administration.")
    engine = make_engine(settings.database_url)
    refresh_statistics(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.read_sessions = make_sessionmaker(engine, write=False)
    app.state.provider = make_provider(settings)
    if install_queue:
        TaskQueue(settings).install()
    problems.install(app)
    refusals.install(app)  # a refused write is journaled even though it fails

    app.add_middleware(WriteQueue, max_concurrent_writes=settings.max_concurrent_writes)
    app.add_middleware(InputGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    if settings.http_metrics:
        app.add_middleware(HttpMetrics)  # outside the others: their time counts in the request's

    app.state.queue_depth = supervision_health.queue_probe(settings, settings.readiness_timeout_s)
    app.state.metrics_collector = metrics_api.StateCollector(app.state)
    app.include_router(health.router)
    app.include_router(metrics_api.router)

    public, private = _routers()
    for router in public:  # login, second factor, logout: the cookie is set or used, so same origin only
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(same_origin)])
    for router in private:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(get_actor)],
                           responses=problems.COMMON_RESPONSES)
    from sovcloud.api import docs  # Swagger UI from our own static files, behind login, under the CSP

    app.include_router(docs.router(API_PREFIX, f"{API_PREFIX}/openapi.json"))
    from sovcloud.web.app import mount_portal

    mount_portal(app, settings)
    return app
