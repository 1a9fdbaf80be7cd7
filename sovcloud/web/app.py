"""Mount the portal on the FastAPI app: static files, page routers, security headers, HTML error pages.

``sovcloud.api.app.create_app`` calls :func:`mount_portal` last, so the API keeps its own routes and
problem+json errors; the portal adds server-rendered pages at the root (``/``, ``/login``...).
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from sovcloud.api.asgi import HttpMiddleware
from sovcloud.config import Settings
from sovcloud.errors import NotFound
from sovcloud.web.common import HERE, error_response, templates

API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")

#: no inline script or style anywhere: everything comes from our own static files
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


class SecurityHeaders(HttpMiddleware):
    """Hardening headers on every response, the strict CSP on portal responses (the API's interactive docs,
    under /api/, load their own scripts and keep working)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        portal = not str(scope.get("path", "")).startswith(API_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in {k for k, _ in COMMON_HEADERS}]
                headers.extend(COMMON_HEADERS)
                if portal:
                    headers.append((b"content-security-policy", CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def compile_templates() -> None:
    """Compile every page template now (start-up) rather than in the first request that renders it."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)


def mount_portal(app: FastAPI, settings: Settings) -> None:
    """Add the portal to ``app`` (built by ``create_app``)."""
    from sovcloud.applications import web as applications
    from sovcloud.applications import web_dossier as dossiers
    from sovcloud.billing import web as billing_web
    from sovcloud.provisioning import web as provisioning_web
    from sovcloud.supervision import web_alerts, web_notices
    from sovcloud.web import account, admin, audit, auth, notifications, operator, ordering, orders, pages, resources

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # ordering before orders: /orders/new and /orders/estimate before /orders/{order_id}
    for module in (auth, pages, account, admin, audit, ordering, orders, resources, operator, notifications,
                   web_alerts, web_notices, provisioning_web, applications, dossiers,
                   billing_web):
        app.include_router(module.router, include_in_schema=False)
    from sovcloud.web import security_keys

    app.include_router(security_keys.router, include_in_schema=False)
    app.add_middleware(SecurityHeaders)

    api_http_error = app.exception_handlers.get(StarletteHTTPException)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Unknown portal pages get the DSFR 404 page; API paths keep their problem+json."""
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith(API_PREFIXES) or exc.status_code != 404 or api_http_error is None:
            if api_http_error is None:
                raise exc
            answer = api_http_error(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return await error_response(request, NotFound("Cette page n'existe pas."))

    app.add_exception_handler(StarletteHTTPException, http_error)
