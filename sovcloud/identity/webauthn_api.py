"""Security key routes: the login step (public: the session is only half open) and the user's own keys."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response, status

from sovcloud.api.deps import SESSION_COOKIE, AppSettings, CurrentActor, DbSession
from sovcloud.config import Settings
from sovcloud.errors import NotAuthenticated
from sovcloud.identity import webauthn_keys
from sovcloud.identity.schemas import (
    LoginOut,
    RecoveryIn,
    SecurityKeyAdded,
    SecurityKeyCreate,
    SecurityKeyRead,
    SecurityKeyRename,
    WebauthnLoginIn,
)

public = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/me/security-keys", tags=["identity"])


def relying(request: Request, settings: Settings) -> webauthn_keys.Relying:
    """The RP id and origin: the settings, else the request's own (the portal and the API share them)."""
    base = urlsplit(str(request.base_url))
    return webauthn_keys.Relying(rp_id=settings.webauthn_rp_id or (base.hostname or "localhost"),
                                 origin=settings.webauthn_origin or f"{base.scheme}://{base.netloc}")


def _cookie(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Aucune connexion en cours.")
    return token


def _json(text: str) -> Response:
    return Response(text, media_type="application/json", headers={"Cache-Control": "no-store"})


@public.post("/webauthn/options")
def login_options(request: Request, session: DbSession, settings: AppSettings) -> Response:
    """The options for ``navigator.credentials.get`` at the second-factor step."""
    return _json(webauthn_keys.login_options(session, settings=settings, token=_cookie(request),
                                             rp=relying(request, settings)))


@public.post("/webauthn", response_model=LoginOut)
def login(body: WebauthnLoginIn, request: Request, session: DbSession, settings: AppSettings) -> LoginOut:
    """Finish the login with a security key."""
    user = webauthn_keys.verify_login(session, settings=settings, token=_cookie(request), rp=relying(request, settings),
                                      credential=body.credential.model_dump(exclude_none=True),
                                      request_id=request.state.request_id)
    return LoginOut(stage="complete", username=user.username)


@public.post("/recovery", response_model=LoginOut)
def recovery(body: RecoveryIn, request: Request, session: DbSession, settings: AppSettings) -> LoginOut:
    """Finish the login with a recovery code (a lost key)."""
    user = webauthn_keys.use_recovery_code(session, settings=settings, token=_cookie(request), code=body.code,
                                           request_id=request.state.request_id)
    return LoginOut(stage="complete", username=user.username)


@router.get("", response_model=list[SecurityKeyRead])
def list_keys(session: DbSession, actor: CurrentActor) -> list[SecurityKeyRead]:
    """The caller's security keys."""
    return [SecurityKeyRead.model_validate(k) for k in webauthn_keys.list_keys(session, actor=actor)]


@router.post("/options")
def registration_options(request: Request, session: DbSession, settings: AppSettings,
                         actor: CurrentActor) -> Response:
    """The options for ``navigator.credentials.create`` (a session that passed its second factor)."""
    return _json(webauthn_keys.registration_options(session, settings=settings, token=_cookie(request),
                                                    rp=relying(request, settings)))


@router.post("", response_model=SecurityKeyAdded, status_code=status.HTTP_201_CREATED)
def add_key(body: SecurityKeyCreate, request: Request, response: Response, session: DbSession,
            settings: AppSettings, actor: CurrentActor) -> SecurityKeyAdded:
    """Register a security key; the first one comes with recovery codes, shown once."""
    added = webauthn_keys.register_key(session, settings=settings, token=_cookie(request),
                                       rp=relying(request, settings), name=body.name,
                                       credential=body.credential.model_dump(exclude_none=True),
                                       request_id=request.state.request_id)
    response.headers["Cache-Control"] = "no-store"
    return SecurityKeyAdded(key=SecurityKeyRead.model_validate(added.key), recovery_codes=added.recovery_codes)


@router.patch("/{key_id}", response_model=SecurityKeyRead)
def rename_key(key_id: uuid.UUID, body: SecurityKeyRename, session: DbSession, actor: CurrentActor) -> SecurityKeyRead:
    """Rename one of the caller's keys."""
    return SecurityKeyRead.model_validate(webauthn_keys.rename_key(session, actor=actor, key_id=key_id,
                                                                   name=body.name))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_key(key_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> None:
    """Remove one of the caller's keys."""
    webauthn_keys.remove_key(session, actor=actor, key_id=key_id)
