"""``/metrics``: the Prometheus text format, for scrapers only — never for tenants.

A scrape must come from an address of ``metrics_allowed_networks`` (403 otherwise) and, when
``metrics_token`` is set, carry it as a bearer token (401 otherwise). In production a token is required:
behind the reverse proxy every request seems to come from the loopback address, so the address alone proves
nothing there. The embedded mode (``make run``) answers scrapes from this machine without a token.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from sovcloud.config import Settings
from sovcloud.errors import NotAuthenticated, PermissionDenied
from sovcloud.logs import get_logger
from sovcloud.supervision.metrics import LoginTally, platform_metrics
from sovcloud.supervision.metrics_cloud import capacity_metrics, inventory_metrics
from sovcloud.supervision.metrics_http import register_http

router = APIRouter(tags=["health"])
log = get_logger("sovcloud.metrics")


def check_scraper(settings: Settings, client_ip: str | None, authorization: str | None) -> None:
    """Let a scrape through, or refuse it.

    Raises:
        PermissionDenied: the address is not allowed, or no token is configured in production.
        NotAuthenticated: a token is configured and the request does not carry it.
    """
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        raise PermissionDenied("Adresse non autorisée à lire les métriques.") from None
    if not any(address in ipaddress.ip_network(n, strict=False) for n in settings.metrics_allowed_networks):
        raise PermissionDenied("Adresse non autorisée à lire les métriques.")
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not token:
        if settings.environment == "production":
            raise PermissionDenied("Métriques fermées : définissez SOVCLOUD_METRICS_TOKEN.")
        return
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise NotAuthenticated("Jeton de collecte des métriques absent ou invalide.")


class StateCollector:
    """What a scrape reads besides the HTTP counters: the database, the provider and the queue. A source
    that fails is reported (``sovcloud_metrics_source_up`` 0) instead of failing the whole scrape."""

    def __init__(self, state: object) -> None:
        self.state = state
        self.tally = LoginTally()

    def _part(self, name: str, build: Callable[[], Iterable[Metric]], up: GaugeMetricFamily) -> list[Metric]:
        try:
            found = list(build())
        except Exception as exc:  # a source away: its series are missing, the others still served
            log.warning("metrics.source_failed", source=name, error=str(exc)[:300])
            up.add_metric([name], 0.0)
            return []
        up.add_metric([name], 1.0)
        return found

    def collect(self) -> Iterable[Metric]:
        state = self.state
        settings: Settings = state.settings  # type: ignore[attr-defined]
        up = GaugeMetricFamily("sovcloud_metrics_source_up", "1 when the scrape could read the source.",
                               labels=["source"])

        def database() -> Iterable[Metric]:
            with state.read_sessions() as session:  # type: ignore[attr-defined]
                return [*platform_metrics(session, beat_s=settings.worker_heartbeat_s, tally=self.tally),
                        *inventory_metrics(session)]

        def queue() -> Iterable[Metric]:
            depth = state.queue_depth()  # type: ignore[attr-defined]
            return [GaugeMetricFamily("sovcloud_queue_messages", "Messages waiting in the work queue (Huey).",
                                      value=float(depth))]

        found = [*self._part("database", database, up),
                 *self._part("provider", lambda: capacity_metrics(state.provider), up),  # type: ignore[attr-defined]
                 *self._part("queue", queue, up)]
        return [*found, up]


def exposition(state: object) -> bytes:
    """One scrape: the HTTP metrics of every API process and the state read now."""
    registry = CollectorRegistry(auto_describe=False)
    register_http(registry)
    registry.register(state.metrics_collector)  # type: ignore[attr-defined]
    return generate_latest(registry)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The Prometheus exposition, for an allowed address with the scrape token."""
    check_scraper(request.app.state.settings, request.client.host if request.client else None,
                  request.headers.get("authorization"))
    return Response(exposition(request.app.state), media_type=CONTENT_TYPE_LATEST)
