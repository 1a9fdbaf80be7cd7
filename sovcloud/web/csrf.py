"""CSRF protection of every portal form: a signed double-submit token tied to the session.

The browser holds a random ``sovcloud_csrf`` cookie (HttpOnly). Pages embed
``HMAC-SHA256(key, cookie ‖ session cookie)`` in each form (field ``csrf_token``) and in a
``<meta name="csrf-token">`` that ``portal.js`` sends as the ``X-CSRF-Token`` header on HTMX requests.
A forged request cannot read the page, so it cannot present the token; and since the token is bound to
the session cookie, a token obtained under another session (cookie tossing) is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from sovcloud.api.deps import SESSION_COOKIE
from sovcloud.errors import PermissionDenied

COOKIE = "sovcloud_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(PermissionDenied):
    """A state-changing portal request came without a valid CSRF token."""

    code = "csrf-refused"
    title = "Requête refusée"


def _key(request: Request) -> bytes:
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    return hashlib.sha256(b"sovcloud-csrf:" + secret.encode()).digest()


def _cookie_value(request: Request) -> str:
    """This browser's CSRF cookie, drawn on first use (and set on the response by :func:`persist`)."""
    value = getattr(request.state, "csrf_cookie", None) or request.cookies.get(COOKIE, "")
    if len(value) < 32:
        value = secrets.token_urlsafe(32)
        request.state.csrf_new = True
    request.state.csrf_cookie = value
    return value


def token_for(request: Request) -> str:
    """The token to embed in this response's forms."""
    message = f"{_cookie_value(request)}|{request.cookies.get(SESSION_COOKIE, '')}".encode()
    return hmac.new(_key(request), message, hashlib.sha256).hexdigest()


def persist(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request drew a new one."""
    if getattr(request.state, "csrf_new", False):
        settings = request.app.state.settings
        response.set_cookie(COOKIE, request.state.csrf_cookie, httponly=True, secure=settings.cookie_secure,
                            samesite="strict", path="/")


async def check(request: Request) -> None:
    """Refuse an unsafe request whose token (form field or header) does not match.

    Raises:
        CsrfRefused: missing cookie, missing token or wrong token.
    """
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE, "")
    presented = request.headers.get(HEADER, "")
    if not presented and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FIELD)
        presented = value if isinstance(value, str) else ""
    if len(cookie) < 32 or not presented or not hmac.compare_digest(presented, token_for(request)):
        raise CsrfRefused("Jeton de sécurité manquant ou invalide : rechargez la page puis recommencez.")
