"""The request id of every HTTP request, and one log line per request with its time."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.types import Message, Receive, Scope, Send

from sovcloud.api.asgi import HttpMiddleware
from sovcloud.logs import get_logger

log = get_logger("sovcloud.api")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, else a new one."""
    incoming = next((v.decode("latin-1") for k, v in headers if k == b"x-request-id"), "")
    return incoming if 8 <= len(incoming) <= 64 and incoming.isascii() and incoming.isprintable() else uuid.uuid4().hex


class RequestContext(HttpMiddleware):
    """Binds the request id to the logs and to ``request.state.request_id``, echoes it in ``X-Request-ID``,
    and logs the method, path, status and time of the request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            log.info("request", method=scope["method"], path=scope["path"], status=status,
                     ms=round((time.perf_counter() - started) * 1000, 1), request_id=request_id)
