"""What every portal page shares: the route class (CSRF check, domain errors → readable pages), the unit
of work, the current actor, rendering with the language and the CSRF token, and safe redirects."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sovcloud.access.actor import Actor
from sovcloud.access.refusals import journal_request_refusal
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import allows
from sovcloud.api.deps import SESSION_COOKIE, client_ip
from sovcloud.config import Settings
from sovcloud.db import transaction
from sovcloud.errors import DomainError, MfaRequired, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from sovcloud.identity.sessions import LoginStage, actor_from_session
from sovcloud.orders import service as orders
from sovcloud.supervision.notifications import unread_count
from sovcloud.web import csrf, forms, i18n, labels

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(labels.GLOBALS)

ROLE_LABELS = {
    Role.PLATFORM_OPERATOR: "Opérateur de la plateforme", Role.SECURITY_OFFICER: "Officier de sécurité",
    Role.ORGANISATION_ADMIN: "Administrateur d'organisation", Role.FINANCE: "Finances",
    Role.PROJECT_ADMIN: "Administrateur de projet", Role.PROJECT_MEMBER: "Membre de projet",
    Role.VIEWER: "Lecteur",
}
RESOURCE_LABELS = {"vcpus": "vCPU", "ram_mb": "Mémoire (Mio)", "storage_gb": "Stockage (Go)",
                   "instances": "Instances", "public_ips": "IP publiques"}
#: the header badge counts unread notifications up to this (then shows "99+")
UNREAD_CAP = 100
KIND_LABELS = {"ministry": "Ministère", "directorate": "Direction", "service": "Service"}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@contextmanager
def unit_of_work(request: Request, *, write: bool = False) -> Iterator[Session]:
    """One transaction, as the API has per request: committed on success, rolled back on error."""
    state = request.app.state
    try:
        with transaction(state.sessions if write else state.read_sessions) as session:
            yield session
    except PermissionDenied as exc:  # rolled back; the refusal itself is journaled (even if a page shows it)
        journal_request_refusal(request, exc)
        raise


def current_actor(request: Request, session: Session) -> Actor:
    """The logged-in actor behind the session cookie.

    Raises:
        NotAuthenticated: no session, or an expired one (the portal redirects to the login page).
        MfaRequired: the second factor is still to be given or enrolled.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Authentification requise.")
    actor = actor_from_session(session, settings=settings_of(request), token=token, source_ip=client_ip(request),
                               request_id=getattr(request.state, "request_id", None))
    request.state.actor = actor
    return actor


@contextmanager
def acting(request: Request, *, write: bool = False) -> Iterator[tuple[Session, Actor]]:
    """A unit of work and the actor it runs for (full pages also learn the unread notifications count).

    Checking the session cookie may touch the session's ``last_seen_at`` (every 30 s): a read-only page
    then drops that change and writes it in a short writing unit of its own, because on SQLite a deferred
    (read) transaction that starts writing after another connection committed fails with "database is
    locked" instead of waiting its turn."""
    with unit_of_work(request, write=write) as session:
        with session.no_autoflush:
            actor = current_actor(request, session)
        if not write and session.dirty:
            session.rollback()
            with unit_of_work(request, write=True) as touch:
                actor = current_actor(request, touch)
        if not request.headers.get("hx-request"):
            request.state.unread = unread_count(session, actor=actor, cap=UNREAD_CAP)
            if holds(actor, Permission.ORDER_APPROVE):
                request.state.waiting = orders.waiting_count(session, actor=actor, cap=UNREAD_CAP)
        yield session, actor


def parse_id(value: str) -> uuid.UUID:
    """A path id; anything malformed is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound("Introuvable.") from exc


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to after login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def redirect(request: Request, url: str) -> Response:
    """See-other redirect; HTMX requests get ``HX-Redirect`` so the whole page changes."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def holds(actor: Actor, permission: Permission) -> bool:
    """Whether ``actor`` holds ``permission`` somewhere (to show a menu entry; services still decide)."""
    return any(permission in g.permissions for g in actor.grants) and (actor.mfa_verified or not actor.needs_mfa)


def navigation(request: Request, actor: Actor | None) -> list[tuple[str, str]]:
    """Main menu entries (path, French label) the actor's roles open."""
    if actor is None:
        return []
    items = [("/", "Tableau de bord")]
    if holds(actor, Permission.ORDER_CREATE):
        items.append(("/orders/new", "Commander"))
    items += [("/orders", "Commandes")]
    if holds(actor, Permission.ORDER_APPROVE):
        items.append(("/approvals", "Approbations"))
    items.append(("/resources", "Ressources"))
    if holds(actor, Permission.APPLICATION_READ):
        items.append(("/applications", "Applications"))
    items.append(("/organisations", "Organisations"))
    if holds(actor, Permission.AUDIT_READ):
        items.append(("/audit", "Journal d'audit"))
    if holds(actor, Permission.BILLING_READ):
        items.append(("/billing", "Factures"))
    if actor.is_platform_wide and holds(actor, Permission.CAPACITY_READ):
        items.append(("/operator", "Console opérateur"))
    items.append(("/account", "Mon compte"))
    return items


def current_entry(nav: list[tuple[str, str]], path: str) -> str | None:
    """The menu entry the page belongs to: the longest matching prefix."""
    matches = [href for href, _ in nav if path == href or (href != "/" and path.startswith(href))]
    return max(matches, key=len) if matches else None


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200,
           actor: Actor | None = None) -> Response:
    """Render a page in the request's language, with the CSRF token and the menu for ``actor``."""
    lang = i18n.language(request)
    actor = actor or getattr(request.state, "actor", None)
    nav = navigation(request, actor)
    ctx: dict[str, Any] = {
        "lang": lang, "_": i18n.translator(lang), "langs": i18n.LANGS, "actor": actor,
        "csrf_token": csrf.token_for(request), "nav": nav, "path": request.url.path,
        "nav_current": current_entry(nav, request.url.path), "unread": getattr(request.state, "unread", 0),
        "waiting": getattr(request.state, "waiting", 0),
        "money": lambda v, places=2: i18n.money(v, lang, places),
        "num": lambda v: i18n.number(v, lang), "when": lambda v: i18n.moment(v, lang),
        "role_label": lambda r: ROLE_LABELS.get(Role(r), str(r)), "resource_labels": RESOURCE_LABELS,
        "kind_label": lambda k: KIND_LABELS.get(k, k), "can": lambda p, scope=None: _can(actor, p, scope),
        "quoted_path": quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")),
        "errors": forms.FormErrors(), "values": {},
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    csrf.persist(request, response)
    return response


def _can(actor: Actor | None, permission: str, scope: Any) -> bool:
    if actor is None:
        return False
    target = scope.scope if scope is not None and hasattr(scope, "scope") else scope
    from sovcloud.access.actor import PLATFORM

    return allows(actor, Permission(permission), target or PLATFORM)


def _known_actor(request: Request) -> Actor | None:
    """The logged-in actor of a request that failed before its page looked (so an error page keeps the
    header, the menu and the logged-in state); None when there is no valid session."""
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is not None or not request.cookies.get(SESSION_COOKIE):
        return actor
    try:
        with unit_of_work(request) as session, session.no_autoflush:
            actor = current_actor(request, session)
            request.state.unread = unread_count(session, actor=actor, cap=UNREAD_CAP)
            session.rollback()  # an error page writes nothing, not even the session's last_seen_at
    except DomainError:
        return None
    return actor


def error_page(request: Request, exc: DomainError) -> Response:
    """A domain error as a DSFR page (404, 403, 409...) with the header of the logged-in user — never a stack
    trace. Blocking (it may read the session): async callers use :func:`error_response`."""
    return render(request, "errors/error.html", {"error": exc}, status=exc.status, actor=_known_actor(request))


async def error_response(request: Request, exc: DomainError) -> Response:
    """:func:`error_page` from async code (the session is read in a worker thread)."""
    return await run_in_threadpool(error_page, request, exc)


#: form fields never carried back through the login page
_NOT_CARRIED = frozenset({csrf.FIELD, "password", "code", "new_password", "current_password"})
_CARRIED_CHARS = 4000


def _resume_path(request: Request, form: FormData | None) -> str | None:
    """Where to go back after logging in again: the page the user was on, with what they had typed."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    origin = request.headers.get("hx-current-url") or request.headers.get("referer") or ""
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    path = safe_next(parts.path, "")
    if not path or path in ("/", "/login"):
        return None
    typed = [(k, v) for k, v in (form.multi_items() if form is not None else [])
             if isinstance(v, str) and k not in _NOT_CARRIED]
    query = urlencode(typed) if typed else parts.query
    return path + (f"?{query}" if query and len(query) <= _CARRIED_CHARS else "")


def login_redirect(request: Request, exc: NotAuthenticated, form: FormData | None = None) -> Response:
    """Send an unauthenticated browser to the right login step. A browser whose session expired comes back,
    once logged in again, to the page it was on with what it had typed (a form sent after the expiry
    returns as its page, filled in) and the login page says the session expired."""
    if isinstance(exc, MfaRequired):
        stage = exc.extra.get("stage")
        return redirect(request, "/login/totp" if stage == LoginStage.TOTP_REQUIRED else "/login/enrolment")
    params: dict[str, str] = {}
    resume = _resume_path(request, form)
    if resume and request.url.path not in ("/", "/login"):
        params["next"] = resume
    if request.cookies.get(SESSION_COOKIE):
        params["expired"] = "1"
        if "next" in params:
            params["next"] += ("&" if "?" in params["next"] else "?") + "resumed=1"
    return redirect(request, "/login" + (f"?{urlencode(params, safe='/')}" if params else ""))


async def _form_of(request: Request) -> FormData | None:
    if request.method in ("GET", "HEAD") or not request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    return await request.form()


Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class PortalRoute(APIRoute):
    """Portal routes: every unsafe request passes the CSRF check first; domain errors become pages
    (login redirect, 404, 403, readable alert), not problem documents. A form whose request does not
    validate comes back as its page with the errors in French next to the fields when its handler says how
    (:func:`sovcloud.web.forms.on_invalid`); otherwise it is an error page in French, never pydantic's."""

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()
        redraw = forms.redraw_of(self.endpoint)

        async def portal_handler(request: Request) -> Response:
            try:
                await csrf.check(request)
                return await handler(request)
            except NotAuthenticated as exc:
                return login_redirect(request, exc, await _form_of(request))
            except DomainError as exc:
                await run_in_threadpool(journal_request_refusal, request, exc)  # a refused write is journaled
                return await error_response(request, exc)
            except RequestValidationError as exc:
                lang = i18n.language(request)
                failure = forms.as_failure(exc, i18n.translator(lang), lang)
                form = await _form_of(request)
                if redraw is None or form is None:
                    return await error_response(request, failure)
                values = ImmutableMultiDict([(k, v) for k, v in form.multi_items()
                                             if isinstance(v, str) and k != csrf.FIELD])
                return await _redraw(redraw, request, failure, values)

        return portal_handler


async def _redraw(redraw: forms.Redraw, request: Request, failure: ValidationFailed,
                  values: ImmutableMultiDict[str, str]) -> Response:
    try:
        return await run_in_threadpool(redraw, request, failure, values)
    except NotAuthenticated as exc:
        return login_redirect(request, exc, await _form_of(request))
    except DomainError as exc:
        return await error_response(request, exc)
