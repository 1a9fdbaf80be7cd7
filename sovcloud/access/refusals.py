"""Refused actions are journaled: a :class:`PermissionDenied` on a state-changing request (API, portal or CLI)
leaves an ``access.denied`` entry in the audit chain.

The request's own transaction is rolled back (whatever the service did before refusing is not kept), so the
entry is written in a short transaction of its own, once the refused one has ended — the way
:class:`~sovcloud.errors.SeparationOfDuties` keeps its refusal, but without keeping any partial change.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.db import transaction
from sovcloud.errors import PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def journal_refusal(factory: sessionmaker[Session], *, actor: Actor, exc: PermissionDenied, where: str,
                    method: str = "") -> None:
    """Append ``access.denied`` for ``exc`` in a transaction of its own (committed at once)."""
    details: dict[str, Any] = {"code": exc.code, "where": where[:300], "detail": exc.detail[:500]}
    if method:
        details["method"] = method
    if "permission" in exc.extra:
        details["permission"] = exc.extra["permission"]
    with transaction(factory) as session:
        audit.record(session, actor=actor, action="access.denied", outcome="denied", target_type="route",
                     details=details)


def request_actor(request: Request) -> Actor:
    """Who was refused: the authenticated actor when it was resolved, else an anonymous caller."""
    actor = getattr(request.state, "actor", None)
    if isinstance(actor, Actor):
        return actor
    return Actor(user_id=None, username="anonymous", source_ip=request.client.host if request.client else None,
                 request_id=getattr(request.state, "request_id", None))


def journal_request_refusal(request: Request, exc: Exception) -> None:
    """Journal ``exc`` when it is a refusal of a state-changing request, once (the portal's unit of work
    and its route both call this: the first one journals it). Call it after the refused transaction ended."""
    if (isinstance(exc, PermissionDenied) and request.method not in SAFE_METHODS
            and not getattr(exc, "_journaled", False)):
        journal_refusal(request.app.state.sessions, actor=request_actor(request), exc=exc,
                        where=request.url.path, method=request.method)
        exc._journaled = True  # type: ignore[attr-defined]


def install(app: FastAPI) -> None:
    """Journal the API's refusals of state-changing requests, then answer as every domain error is answered."""
    from sovcloud.api import problems

    @app.exception_handler(PermissionDenied)
    async def refused(request: Request, exc: PermissionDenied) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(journal_request_refusal, request, exc)
        return problems.problem(exc.status, exc.code, exc.title, exc.detail, request, **exc.extra)
