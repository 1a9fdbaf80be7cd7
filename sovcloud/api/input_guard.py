"""The first check of every request, before any route reads it: a bounded body, and text that can be stored.

Two classes of input broke answers before a route could refuse them properly:

* bodies of any size (a member stored 50 MB in a draft that every viewer then downloaded): a request whose
  body passes ``max_body_bytes`` (``Content-Length`` or counted as it streams) is answered 413 at once;
* strings that no database or journal can encode — a lone UTF-16 surrogate (``"\\ud800"`` in JSON) that
  UTF-8 cannot represent, or a NUL character that PostgreSQL refuses in text — reached the commit and
  failed there. Any such string, in a JSON body, a form or the query string, is answered 422 naming the
  field, for the API and the portal alike.

Everything else (types, lengths, ranges) is the schemas' and the services' to check.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sovcloud.api.asgi import HttpMiddleware
from sovcloud.api.problems import MEDIA_TYPE, problem_body

#: a JSON escape that decodes to a surrogate or to NUL (the only ways such a string gets into JSON text)
_SUSPECT_JSON = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_NUL_FORM = re.compile(rb"%00")


def unstorable(text: str) -> bool:
    """Whether ``text`` holds a NUL or a lone surrogate (which UTF-8 cannot encode)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _first_unstorable(value: Any, path: str = "") -> str | None:
    """The dotted path of the first unstorable string (or key) inside a decoded JSON value."""
    if isinstance(value, str):
        return (path or "body") if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if unstorable(str(key)):
                return path or "body"
            found = _first_unstorable(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _form_field(body: bytes) -> str | None:
    for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "") or "body"
    return None


class InputGuard(HttpMiddleware):
    """Refuses oversized bodies (413) and unstorable text (422) before the app sees the request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = str(scope.get("path", "")).startswith("/api/")
        query = scope.get("query_string", b"")
        if _NUL_FORM.search(query):
            field = _form_field(query) or "query"
            await self._refuse(scope, send, api, 422, "validation-failed", field,
                               f"Le paramètre « {field} » contient un caractère nul.")
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, send, api)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and declared in (None, b"0"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(scope, send, api)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        bad = self._unstorable_field(headers.get(b"content-type", b""), body)
        if bad is not None:
            await self._refuse(scope, send, api, 422, "validation-failed", bad,
                               f"Le champ « {bad} » contient un caractère qui ne peut pas être enregistré "
                               "(caractère nul ou substitut Unicode isolé).")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _unstorable_field(content_type: bytes, body: bytes) -> str | None:
        kind = content_type.split(b";")[0].strip().lower()
        if kind.endswith(b"json") and _SUSPECT_JSON.search(body):
            try:
                return _first_unstorable(json.loads(body))
            except ValueError:
                return None  # not JSON at all: the route's own parsing answers 422
        if kind == b"application/x-www-form-urlencoded" and _NUL_FORM.search(body):
            return _form_field(body)
        return None

    async def _too_large(self, scope: Scope, send: Send, api: bool) -> None:
        limit_kib = self.max_body_bytes // 1024
        await self._refuse(scope, send, api, 413, "payload-too-large", None,
                           f"Le corps de la requête dépasse la limite de {limit_kib} Kio.")

    @staticmethod
    async def _refuse(scope: Scope, send: Send, api: bool, status: int, code: str, field: str | None,
                      detail: str) -> None:
        if api:
            faults = {} if field is None else {"field": field, "errors": [{"field": field, "message": detail}]}
            body = problem_body(status, code, "Requête trop volumineuse" if status == 413 else "Données invalides",
                                detail, instance=str(scope.get("path", "")),
                                request_id=scope.get("state", {}).get("request_id"), **faults)
            payload = json.dumps(body, ensure_ascii=False).encode()
            media = MEDIA_TYPE.encode()
        else:
            payload = detail.encode()
            media = b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", media), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
