"""The shape of sovcloud's pure ASGI middlewares (no extra task or stream per request, unlike Starlette's
``BaseHTTPMiddleware``)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    """Passes every non-HTTP event (lifespan, websocket) straight through; subclasses handle HTTP requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request: call ``self.app``, wrapping ``send`` or ``scope`` as needed."""
