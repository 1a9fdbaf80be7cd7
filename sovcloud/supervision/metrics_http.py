"""HTTP request metrics of the API processes: counts by route template and status, latency histograms.

Labels are the route's *template* (``/api/v1/orders/{order_id}``), never the raw path, so the number of
series is bounded by the number of routes; a path that matches no route is counted as ``unmatched``.

Several API processes behind one port (``sovcloud serve --workers N``) each count their own requests: with
``PROMETHEUS_MULTIPROC_DIR`` set (``serve`` sets it when it starts several processes), prometheus_client
keeps each process's values in a file of that directory and a scrape, answered by any of them, sums them all.
Without it (one process), the values live in this process and the scrape reads them directly.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import Message, Receive, Scope, Send

from sovcloud.api.asgi import HttpMiddleware

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: methods counted by name; anything else (a client's invention) is counted as "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

disable_created_metrics()  # no "_created" series: they double the output and Prometheus does not need them
REQUESTS = Counter("sovcloud_http_requests", "HTTP requests answered, by method, route template and status.",
                   ["method", "route", "status"], registry=None)
LATENCY = Histogram("sovcloud_http_request_duration_seconds",
                    "Time from the request's arrival to the end of its answer, by method and route template.",
                    ["method", "route"], buckets=BUCKETS, registry=None)


def multiprocess_dir() -> str | None:
    """The directory the API processes share their values through, when several run (else None)."""
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess(directory: Path) -> None:
    """Before starting several API processes: empty ``directory`` (values of an earlier run must not be
    added to this one's) and make the processes to come write their values there."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)


def register_http(registry: CollectorRegistry) -> None:
    """Put the HTTP metrics of every API process (or of this one) into ``registry``."""
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)


def route_template(scope: Scope, path: str) -> str:
    """The template of the route that answered, prefixes of included routers and mounts included
    (``/api/v1/orders/{order_id}``, ``/static/{path}``), or ``unmatched``.

    The router leaves the route it chose on the scope; its ``path`` is relative to the router that holds it,
    so the prefix is the part of the request's ``path`` (as it arrived: routers rewrite the scope's) in front
    of what the route's own pattern matches."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str) or not template:
        mounted = scope.get("root_path") or ""
        return f"{mounted}/{{path}}" if mounted else "unmatched"
    pattern = getattr(route, "path_regex", None)
    if pattern is None or pattern.match(path):
        return template
    for i in range(1, len(path)):
        if path[i] == "/" and pattern.match(path[i:]):
            return path[:i] + template
    return template


class HttpMetrics(HttpMiddleware):
    """Counts every HTTP request and observes its duration, labelled by route template and status."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500  # what the client gets if the app fails before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started, path = time.perf_counter(), scope["path"]
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_template(scope, path)
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)
