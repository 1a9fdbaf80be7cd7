"""Login pages: password, then the TOTP code or the TOTP enrolment (QR code), ProConnect, and logout."""

from __future__ import annotations

import re
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.api.deps import SESSION_COOKIE, client_ip
from sovcloud.errors import DomainError, LoginRefused, NotAuthenticated, NotFound
from sovcloud.identity import mfa, proconnect, sessions, webauthn_keys
from sovcloud.identity.sessions import LoginStage
from sovcloud.web.common import PortalRoute, current_actor, redirect, render, safe_next, settings_of, unit_of_work

router = APIRouter(route_class=PortalRoute)
PROCONNECT_PATH = "/login/proconnect"
#: binds a ProConnect login in progress to the browser that started it (SameSite=Lax: it comes back with
#: the provider's top-level redirect, which a Strict cookie would not)
BROWSER_COOKIE = "sovcloud_oidc"
LOGOUT_COOKIE = "sovcloud_oidc_logout"
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
    return render(request, "auth/login.html", {"next": safe_next(next), "done": done, "expired": expired == "1",
                                               "proconnect": settings_of(request).oidc_enabled})


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
        return render(request, "auth/login.html", {"next": safe_next(next), "error": exc, "username": username,
                                                   "proconnect": settings.oidc_enabled}, status=exc.status)
    stage_page = STAGE_PAGES.get(result.stage)
    target = safe_next(next)
    if stage_page is not None:
        target = stage_page + (f"?{urlencode({'next': target})}" if target != "/" else "")
    response = redirect(request, target)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    return response


def _factors(request: Request) -> dict[str, bool]:
    """Which second factors the pending login's user has (a TOTP, security keys)."""
    try:
        with unit_of_work(request) as session:
            _row, user = sessions.pending_session(session, _token(request), settings_of(request))
            return {"has_totp": user.totp_enabled, "has_key": webauthn_keys.has_keys(session, user.id)}
    except NotAuthenticated:
        return {"has_totp": True, "has_key": False}


@router.get("/login/totp")
def totp_page(request: Request, next: str | None = None) -> Response:
    """The second-factor step: the TOTP code, or a security key (it goes on to ``next`` once passed)."""
    _token(request)
    return render(request, "auth/totp.html", {"next": safe_next(next), **_factors(request)})


@router.post("/login/totp")
def totp_submit(request: Request, code: Annotated[str, Form(max_length=12)],
                next: Annotated[str, Form(max_length=4500)] = "/") -> Response:
    """Finish the login with the authenticator's code."""
    try:
        with unit_of_work(request, write=True) as session:
            sessions.verify_totp(session, settings=settings_of(request), token=_token(request), code=code,
                                 request_id=getattr(request.state, "request_id", None))
    except DomainError as exc:
        return render(request, "auth/totp.html", {"error": exc, "next": safe_next(next), **_factors(request)},
                      status=exc.status)
    return redirect(request, safe_next(next))


@router.get("/login/recovery")
def recovery_page(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """A recovery code instead of a lost security key."""
    _token(request)
    return render(request, "auth/recovery.html", {"next": safe_next(next)})


@router.post("/login/recovery")
def recovery_submit(request: Request, code: Annotated[str, Form(max_length=40)],
                    next: Annotated[str, Form(max_length=4500)] = "/") -> Response:
    """Finish the login with a recovery code."""
    try:
        with unit_of_work(request, write=True) as session:
            webauthn_keys.use_recovery_code(session, settings=settings_of(request), token=_token(request), code=code,
                                            request_id=getattr(request.state, "request_id", None))
    except DomainError as exc:
        return render(request, "auth/recovery.html", {"error": exc, "next": safe_next(next)}, status=exc.status)
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
    """End the session and forget the cookie; a ProConnect session also logs out of ProConnect (a page that
    goes on to its end-session endpoint: a redirect answering this form would be blocked by ``form-action``)."""
    token = request.cookies.get(SESSION_COOKIE)
    leave = None
    if token:  # at whatever stage the login is: a pending second factor ends too
        with unit_of_work(request, write=True) as session:
            leave = proconnect.logout_url(session, settings=settings_of(request), token=token)
            sessions.logout(session, token=token, source_ip=client_ip(request),
                            request_id=getattr(request.state, "request_id", None))
    if leave is None:
        response = redirect(request, "/login?done=logged_out")
    else:
        response = render(request, "auth/proconnect_leave.html", {"target": leave[0]})
        response.set_cookie(LOGOUT_COOKIE, leave[1], httponly=True, secure=settings_of(request).cookie_secure,
                            samesite="lax", max_age=600, path=PROCONNECT_PATH)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/login/proconnect")
def proconnect_start(request: Request, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    """Send the browser to ProConnect, with a fresh state bound to it by a short cookie."""
    settings = settings_of(request)
    if not settings.oidc_enabled:
        raise NotFound("Cette page n'existe pas.")
    try:
        with unit_of_work(request, write=True) as session:
            started = proconnect.begin_login(session, settings=settings, next_path=safe_next(next),
                                             source_ip=client_ip(request))
    except LoginRefused as exc:
        status = 429 if exc.reason == "too_many_starts" else 503
        return render(request, "auth/proconnect_refused.html", {"error": exc}, status=status)
    response = redirect(request, started.url)
    response.set_cookie(BROWSER_COOKIE, started.browser_key, httponly=True, secure=settings.cookie_secure,
                        samesite="lax", max_age=600, path=PROCONNECT_PATH)
    return response


@router.get("/login/proconnect/callback")
def proconnect_callback(request: Request, state: Annotated[str | None, Query(max_length=200)] = None,
                        code: Annotated[str | None, Query(max_length=1000)] = None,
                        iss: Annotated[str | None, Query(max_length=500)] = None,
                        error: Annotated[str | None, Query(max_length=100)] = None,
                        error_description: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """ProConnect's answer: checked, then a session. The session cookie is SameSite=Strict, which a browser
    does not send on the redirects that follow a cross-site one: a page of ours goes on to the next step."""
    settings = settings_of(request)
    if not settings.oidc_enabled:
        raise NotFound("Cette page n'existe pas.")
    try:
        login, target = proconnect.finish_login(
            lambda: unit_of_work(request, write=True), settings=settings, state=state, code=code, iss=iss,
            error=error, browser_key=request.cookies.get(BROWSER_COOKIE), source_ip=client_ip(request),
            user_agent=request.headers.get("user-agent"), request_id=getattr(request.state, "request_id", None))
    except LoginRefused as exc:
        # the browser cookie stays: a forged answer must not end the login this browser has in progress
        return render(request, "auth/proconnect_refused.html", {"error": exc}, status=exc.status)
    stage_page = STAGE_PAGES.get(login.stage)
    target = safe_next(target)
    if stage_page is not None:
        target = stage_page + (f"?{urlencode({'next': target})}" if target != "/" else "")
    response = render(request, "auth/proconnect_continue.html", {"target": target, "stage": login.stage.value,
                                                                 "acr": login.session.acr})
    response.set_cookie(SESSION_COOKIE, login.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    response.delete_cookie(BROWSER_COOKIE, path=PROCONNECT_PATH)
    return response


@router.get("/login/proconnect/logged-out")
def proconnect_logged_out(request: Request, state: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """Back from ProConnect's logout: the local session had ended before leaving."""
    sent = request.cookies.get(LOGOUT_COOKIE)
    done = "logged_out" if sent and state and secrets.compare_digest(sent, state) else "logged_out_local"
    response = redirect(request, f"/login?done={done}")
    response.delete_cookie(LOGOUT_COOKIE, path=PROCONNECT_PATH)
    return response
