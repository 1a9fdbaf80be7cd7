"""RFC 9457 problem+json: every error the API returns, mapped in one place."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sovcloud.errors import DomainError
from sovcloud.messages import pydantic_message

log = structlog.get_logger("sovcloud.api")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://sovcloud.gouv.fr/problems/"


def problem_body(status: int, code: str, title: str, detail: str, *, instance: str, request_id: str | None,
                 **extra: Any) -> dict[str, Any]:
    """The RFC 9457 document itself (for the handlers below and for middlewares that answer before routing)."""
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, "instance": instance,
            "code": code, **extra}
    if request_id:
        body["request_id"] = request_id
    return body


def problem(status: int, code: str, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body = problem_body(status, code, title, detail, instance=request.url.path,
                        request_id=getattr(request.state, "request_id", None), **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem documents."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, request, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                   "message": pydantic_message(e)} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "validation-failed", "Données invalides", detail, request, errors=errors)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        # the database refused a value the schemas let through (a NUL character, a number out of range):
        # the transaction was rolled back, nothing is lost, and it is the caller's input that is wrong
        return problem(422, "validation-failed", "Données invalides",
                       "Une valeur envoyée est refusée par la base de données (caractère nul, nombre hors limites…).",
                       request)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # a reference to something that does not exist, or a duplicate the service did not foresee: the
        # transaction was rolled back and nothing was stored
        return problem(409, "conflict", "Conflit",
                       "La demande contredit les données enregistrées (référence inconnue ou doublon).", request)

    @app.exception_handler(OperationalError)
    async def unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database.unavailable", error=str(exc.orig), statement=(exc.statement or "")[:200])
        answer = problem(503, "unavailable", "Service momentanément indisponible",
                         "La base de données n'a pas répondu à temps ; rien n'a été enregistré, réessayez.", request)
        answer.headers["Retry-After"] = "2"
        return answer

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # the last resort: an unexpected error is logged with the request id and answered as a problem
        # document (a 5xx: nothing was committed, since the session commits only when the route returns)
        log.error("request.failed", error=repr(exc), exc_info=exc)
        return problem(500, "internal-error", "Erreur interne",
                       "Une erreur inattendue est survenue ; rien n'a été enregistré. Communiquez l'identifiant "
                       "de la requête au support.", request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Introuvable", 405: "Méthode non autorisée", 401: "Authentification requise"}
        code = {404: "not-found", 405: "method-not-allowed", 401: "not-authenticated"}.get(exc.status_code, "http")
        return problem(exc.status_code, code, titles.get(exc.status_code, "Erreur"), str(exc.detail), request)


#: responses shared by every authenticated route, for the OpenAPI document
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {MEDIA_TYPE: {}}}
    for status, text in [(401, "Not authenticated"), (403, "Forbidden"), (404, "Not found"),
                         (409, "Conflict"), (422, "Invalid input")]
}
