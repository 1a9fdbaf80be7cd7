"""My account: my live sessions, my API tokens (create with scope and expiry, secret shown once, revoke)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.api.deps import SESSION_COOKIE
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.identity import sessions, tokens
from sovcloud.identity.sessions import digest
from sovcloud.identity.totp import SecretBox
from sovcloud.tenancy import service
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render, settings_of

router = APIRouter(route_class=PortalRoute)
EXPIRY_CHOICES = (7, 30, 90, 180, 365)
SCOPE_LIMIT = 300


def _scopes(session: Session, actor: Actor) -> dict[str, Any]:
    """Where a new token may be limited: the organisations and projects the actor sees."""
    orgs = list(session.scalars(service.organisations_query(actor).limit(SCOPE_LIMIT)))
    projects = list(session.scalars(service.projects_query(actor).limit(SCOPE_LIMIT)))
    return {"scope_orgs": orgs, "scope_projects": projects, "platform_scope": actor.is_platform_wide}


def _page(request: Request, session: Session, actor: Actor, status: int = 200, **extra: Any) -> Response:
    current = request.cookies.get(SESSION_COOKIE, "")
    context = {"sessions": sessions.sessions_of(session, actor=actor), "current_hash": digest(current),
               "tokens": tokens.tokens_of(session, actor=actor),
               "expiry_choices": [d for d in EXPIRY_CHOICES if d <= settings_of(request).token_max_days],
               **_scopes(session, actor), **extra}
    return render(request, "account/index.html", context, status=status, actor=actor)


@router.get("/account")
def account(request: Request, done: str | None = None) -> Response:
    """My sessions and tokens."""
    with acting(request) as (session, actor):
        return _page(request, session, actor, done=done)


def _parse_scope(scope: str) -> dict[str, Any]:
    kind, _, value = scope.partition(":")
    if kind == "platform" and not value:
        return {}
    if kind == "org":
        return {"organisation_id": parse_id(value)}
    if kind == "project":
        return {"project_id": parse_id(value)}
    raise ValidationFailed("Portée du jeton invalide.", field="scope")


#: the new token's secret travels from the POST to the page that shows it (POST-redirect-GET) sealed in this
#: cookie: encrypted, bound to the session, readable by that one path, for two minutes, and cleared by the first
#: showing — a reload shows it no more and re-posts nothing
ISSUED_COOKIE = "sc_issued_token"
ISSUED_PATH = "/account/tokens/issued"
ISSUED_TTL_S = 120


@dataclass(frozen=True)
class Shown:
    """A new token as its page shows it, once."""

    token: Any
    secret: str


def _box(request: Request) -> SecretBox:
    return SecretBox(settings_of(request).secret_key.get_secret_value() + ":issued-token")


@router.post("/account/tokens")
def create_token(request: Request, name: Annotated[str, Form(max_length=100)],
                 expires_in_days: Annotated[int, Form(ge=1, le=3650)],
                 scope: Annotated[str, Form(max_length=80)]) -> Response:
    """Issue a token, then show its secret once on the page this redirects to (a reload posts nothing)."""
    try:
        with acting(request, write=True) as (session, actor):
            issued = tokens.create_token(session, actor=actor, settings=settings_of(request), name=name,
                                         expires_in_days=expires_in_days, **_parse_scope(scope))
            sealed = _box(request).seal(json.dumps({
                "id": str(issued.token.id), "secret": issued.secret, "until": time.time() + ISSUED_TTL_S,
                "session": digest(request.cookies.get(SESSION_COOKIE, ""))}))
    except DomainError as exc:
        with acting(request) as (session, actor):
            return _page(request, session, actor, status=exc.status, token_error=exc, form_name=name)
    response = redirect(request, ISSUED_PATH)  # the token is stored: its secret is shown by the next page
    response.set_cookie(ISSUED_COOKIE, sealed, max_age=ISSUED_TTL_S, path=ISSUED_PATH, httponly=True,
                        secure=settings_of(request).cookie_secure, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


def _unsealed(request: Request) -> dict[str, Any] | None:
    try:
        found = json.loads(_box(request).open(request.cookies.get(ISSUED_COOKIE, "")))
    except (ValueError, TypeError):
        return None
    fresh = isinstance(found, dict) and float(found.get("until", 0)) > time.time()
    mine = isinstance(found, dict) and found.get("session") == digest(request.cookies.get(SESSION_COOKIE, ""))
    return found if fresh and mine else None


@router.get(ISSUED_PATH)
def issued_token(request: Request) -> Response:
    """The secret of the token just created, shown this once (not cached); afterwards, the account page."""
    found = _unsealed(request)
    with acting(request) as (session, actor):
        token = next((t for t in tokens.tokens_of(session, actor=actor) if found and str(t.id) == found["id"]), None)
        response = (_page(request, session, actor, issued=Shown(token, str(found["secret"])))
                    if token is not None and found else redirect(request, "/account?done=token_shown"))
    response.delete_cookie(ISSUED_COOKIE, path=ISSUED_PATH, httponly=True, secure=settings_of(request).cookie_secure,
                           samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: str) -> Response:
    """Revoke one of my tokens now."""
    with acting(request, write=True) as (session, actor):
        tokens.revoke_token(session, actor=actor, token_id=parse_id(token_id))
    return redirect(request, "/account?done=token_revoked")
