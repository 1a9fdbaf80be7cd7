"""Request-scoped dependencies: the database session (one transaction per request) and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.config import Settings
from sovcloud.db import transaction
from sovcloud.errors import NotAuthenticated, PermissionDenied
from sovcloud.identity.sessions import actor_from_session
from sovcloud.identity.tokens import PREFIX, actor_from_token

SESSION_COOKIE = "sovcloud_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CrossOriginRefused(PermissionDenied):
    """A state-changing request carrying the session cookie came from another site."""

    code = "cross-origin-refused"
    title = "Requête refusée"


def same_origin(request: Request) -> None:
    """Refuse an unsafe request authenticated by the session cookie (not by a ``Bearer`` token) that a
    browser sent from another site: its ``Origin`` names another host (or is ``null``), or its
    ``Sec-Fetch-Site`` says cross-site. Browsers always send ``Origin`` on such requests; a client that
    sends neither header is not a browser being abused. (The portal's forms use a CSRF token instead.)

    Raises:
        CrossOriginRefused: the request comes from another origin.
    """
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    foreign = origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower())
    if foreign or request.headers.get("sec-fetch-site") == "cross-site":
        raise CrossOriginRefused("Requête d'un autre site refusée : l'API n'accepte pas de modification "
                                 "authentifiée par le cookie de session depuis une autre origine.")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request; safe methods do not take SQLite's write lock and never commit.

    Declared with ``scope="function"`` (see ``DbSession``): the transaction is committed when the route
    function returns, before the response is built and sent, so a commit that fails (a constraint, a
    serialisation failure, the audit chain) is answered as an error, never as a 2xx for a change that was
    not stored. Every route and ``get_actor`` share this one session."""
    state = request.app.state
    factory = state.read_sessions if request.method in SAFE_METHODS else state.sessions
    with transaction(factory) as session:
        yield session


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_actor(request: Request, session: DbSession) -> Actor:
    """The authenticated actor: a ``Bearer`` API token, or the session cookie.

    Resolving it may touch the session's or token's last-use time (every 30 s). A safe request runs in a
    deferred (read) transaction, which on SQLite cannot start writing once another connection has
    committed: that touch is then dropped and redone in a short writing transaction of its own."""
    if request.method not in SAFE_METHODS:
        return _resolve_actor(request, session)
    with session.no_autoflush:
        actor = _resolve_actor(request, session)
    if session.dirty:
        session.rollback()
        with transaction(request.app.state.sessions) as writer:
            actor = _resolve_actor(request, writer)
    return actor


def _resolve_actor(request: Request, session: Session) -> Actor:
    same_origin(request)
    header = request.headers.get("authorization", "")
    request_id = getattr(request.state, "request_id", None)
    if header.lower().startswith("bearer "):
        secret = header[7:].strip()
        if not secret.startswith(PREFIX):
            raise NotAuthenticated("Jeton d'API invalide, expiré ou révoqué.")
        actor = actor_from_token(session, secret=secret, source_ip=client_ip(request), request_id=request_id)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise NotAuthenticated("Authentification requise.")
        actor = actor_from_session(session, settings=get_settings(request), token=cookie,
                                   source_ip=client_ip(request), request_id=request_id)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]
AppSettings = Annotated[Settings, Depends(get_settings)]
