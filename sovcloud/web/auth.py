"""Login pages: password, then the TOTP code or the TOTP enrolment (QR code), and logout."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.api.deps import SESSION_COOKIE, client_ip
from sovcloud.errors import DomainError, NotAuthenticated
from sovcloud.identity import mfa, sessions
from sovcloud.identity.sessions import LoginStage
from sovcloud.web.common import PortalRoute, current_actor, redirect, render, safe_next, settings_of, unit_of_work

router = APIRouter(route_class=PortalRoute)
STAGE_PAGES = {LoginStage.TOTP_REQUIRED: "/login/totp", LoginStage.ENROLMENT_REQUIRED: "/login/enrolment"}
_XML_DECL = re.compile(r"^<\?xml[^>]*>\s*")


def _token(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Session expirée. Reconnectez-vous.")
    return token


def _accessible_svg(svg: str) -> str:
    """The service's QR code, ready to inline: no XML declaration, announced as an image."""
    svg = _XML_DECL.sub("", svg)
    return svg.replace("<svg ", '<svg class="sc-qr" role="img" aria-labelledby="qr-title" focusable="false" ', 1)


@router.get("/login")
def login_page(request: Request, next: str | None = None, done: str | None = None,
               expired: str | None = None) -> Response:
    """The password form (an already logged-in browser goes straight on)."""
    if request.cookies.get(SESSION_COOKIE):
        try:
            with unit_of_work(request) as session:
                current_actor(request, session)
            return redirect(request, safe_next(next))
        except NotAuthenticated:
            pass
    return render(request, "auth/login.html", {"next": safe_next(next), "done": done, "expired": expired == "1"})


@router.post("/login")
def login_submit(request: Request, username: Annotated[str, Form(max_length=80)],
                 password: Annotated[str, Form(max_length=1024)],
                 next: Annotated[str, Form(max_length=4500)] = "/") -> Response:
    """Check the password; go on to the second factor when one is needed."""
    settings = settings_of(request)
    try:
        with unit_of_work(request, write=True) as session:
            result = sessions.login(session, settings=settings, username=username, password=password,
                                    source_ip=client_ip(request), user_agent=request.headers.get("user-agent"),
                                    request_id=getattr(request.state, "request_id", None))
    except NotAuthenticated as exc:
        return render(request, "auth/login.html", {"next": safe_next(next), "error": exc, "username": username},
                      status=exc.status)
    stage_page = STAGE_PAGES.get(result.stage)
    target = safe_next(next)
    if stage_page is not None:
        target = stage_page + (f"?{urlencode({'next': target})}" if target != "/" else "")
    response = redirect(request, target)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    return response


@router.get("/login/totp")
def totp_page(request: Request, next: str | None = None) -> Response:
    """The second-factor form (it goes on to ``next`` once the code is accepted)."""
    _token(request)
    return render(request, "auth/totp.html", {"next": safe_next(next)})


@router.post("/login/totp")
def totp_submit(request: Request, code: Annotated[str, Form(max_length=12)],
                next: Annotated[str, Form(max_length=4500)] = "/") -> Response:
    """Finish the login with the authenticator's code."""
    try:
        with unit_of_work(request, write=True) as session:
            sessions.verify_totp(session, settings=settings_of(request), token=_token(request), code=code,
                                 request_id=getattr(request.state, "request_id", None))
    except DomainError as exc:
        return render(request, "auth/totp.html", {"error": exc, "next": safe_next(next)}, status=exc.status)
    return redirect(request, safe_next(next))


@router.get("/login/enrolment")
def enrolment_page(request: Request) -> Response:
    """Draw a TOTP seed and show it as a QR code (the session cookie is SameSite=Strict, so no other site
    can make a browser draw one)."""
    with unit_of_work(request, write=True) as session:
        enrolment = mfa.begin_enrolment(session, settings=settings_of(request), token=_token(request))
    return render(request, "auth/enrol.html", {"qr_svg": _accessible_svg(enrolment.qr_svg), "seed": enrolment.seed})


@router.post("/login/enrolment")
def enrolment_submit(request: Request, code: Annotated[str, Form(max_length=12)]) -> Response:
    """Activate the seed with a first code."""
    try:
        with unit_of_work(request, write=True) as session:
            mfa.confirm_enrolment(session, settings=settings_of(request), token=_token(request), code=code,
                                       request_id=getattr(request.state, "request_id", None))
    except DomainError as exc:
        return render(request, "auth/enrol.html", {"error": exc}, status=exc.status)
    return redirect(request, "/")


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:  # at whatever stage the login is: a pending second factor ends too
        with unit_of_work(request, write=True) as session:
            sessions.logout(session, token=token, source_ip=client_ip(request),
                            request_id=getattr(request.state, "request_id", None))
    response = redirect(request, "/login?done=logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
