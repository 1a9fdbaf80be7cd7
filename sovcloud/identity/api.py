"""Identity routes: login and MFA (public), the current user, tokens, sessions, user administration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from sovcloud.api.deps import SESSION_COOKIE, AppSettings, CurrentActor, DbSession, client_ip
from sovcloud.errors import NotAuthenticated
from sovcloud.identity import mfa, sessions, tokens, users
from sovcloud.identity.schemas import (
    CodeIn,
    EnrolIn,
    EnrolmentOut,
    GrantRead,
    LoginIn,
    LoginOut,
    MeRead,
    MfaResetIn,
    SessionRead,
    SuspendIn,
    TokenCreate,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
)

public = APIRouter(prefix="/auth", tags=["auth"])
#: answers that show a secret (a new token, a TOTP seed) must not be kept by any cache
NO_STORE = "no-store"
router = APIRouter(tags=["identity"])


def _cookie(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("Aucune connexion en cours.")
    return token


@public.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, session: DbSession,
          settings: AppSettings) -> LoginOut:
    """Check the password and open a session; the answer says whether a TOTP step follows."""
    result = sessions.login(session, settings=settings, username=body.username, password=body.password,
                            source_ip=client_ip(request), user_agent=request.headers.get("user-agent"),
                            request_id=request.state.request_id)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, secure=settings.cookie_secure,
                        samesite="strict", max_age=settings.session_absolute_hours * 3600, path="/")
    return LoginOut(stage=result.stage.value, username=result.user.username)


@public.post("/totp", response_model=LoginOut)
def totp(body: CodeIn, request: Request, session: DbSession, settings: AppSettings) -> LoginOut:
    """Finish the login with the authenticator's code."""
    user = sessions.verify_totp(session, settings=settings, token=_cookie(request), code=body.code,
                                request_id=request.state.request_id)
    return LoginOut(stage="complete", username=user.username)


@public.post("/mfa/enrol", response_model=EnrolmentOut)
def enrol(request: Request, response: Response, session: DbSession, settings: AppSettings,
          body: EnrolIn | None = None) -> EnrolmentOut:
    """Draw a TOTP seed to load into an authenticator app; the current factor, if any, stays in force until
    the new one is confirmed, and replacing it needs one of its codes (``current_code``)."""
    e = mfa.begin_enrolment(session, settings=settings, token=_cookie(request),
                            current_code=body.current_code if body else None, request_id=request.state.request_id)
    response.headers["Cache-Control"] = NO_STORE
    return EnrolmentOut(uri=e.uri, seed=e.seed, qr_svg=e.qr_svg)


@public.post("/mfa/confirm", response_model=LoginOut)
def confirm(body: CodeIn, request: Request, session: DbSession, settings: AppSettings) -> LoginOut:
    """Put the drawn seed in force with a first code; a login waiting for its enrolment is then complete."""
    user = mfa.confirm_enrolment(session, settings=settings, token=_cookie(request), code=body.code,
                                 request_id=request.state.request_id)
    return LoginOut(stage="complete", username=user.username)


@public.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, session: DbSession) -> None:
    """End the current session, at whatever stage the login is (second factor pending included)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions.logout(session, token=token, source_ip=client_ip(request), request_id=request.state.request_id)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeRead)
def me(actor: CurrentActor) -> MeRead:
    """Who am I, with which roles."""
    grants = [GrantRead(role=g.role.value, organisation_id=g.org_id, project_id=g.project_id)
              for g in actor.grants]
    return MeRead(id=actor.user_id, username=actor.username, grants=grants, token_id=actor.token_id)


@router.get("/me/sessions", response_model=list[SessionRead])
def my_sessions(session: DbSession, actor: CurrentActor) -> list[SessionRead]:
    """My live sessions."""
    return [SessionRead.model_validate(s) for s in sessions.sessions_of(session, actor=actor)]


@router.delete("/me/sessions/{session_id}", response_model=SessionRead)
def revoke_session(session_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> SessionRead:
    """End one of my sessions."""
    return SessionRead.model_validate(sessions.revoke_session(session, actor=actor, session_id=session_id))


@router.get("/me/tokens", response_model=list[TokenRead])
def my_tokens(session: DbSession, actor: CurrentActor) -> list[TokenRead]:
    """My API tokens (the secrets are never shown again)."""
    return [TokenRead.model_validate(t) for t in tokens.tokens_of(session, actor=actor)]


@router.post("/me/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, response: Response, session: DbSession, actor: CurrentActor,
                 settings: AppSettings) -> TokenIssued:
    """Issue an API token limited to an organisation or project; the secret is shown once (never cached)."""
    response.headers["Cache-Control"] = NO_STORE
    issued = tokens.create_token(session, actor=actor, settings=settings, **body.model_dump())
    return TokenIssued(secret=issued.secret, **TokenRead.model_validate(issued.token).model_dump())


@router.delete("/me/tokens/{token_id}", response_model=TokenRead)
def revoke_token(token_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> TokenRead:
    """Revoke a token now."""
    return TokenRead.model_validate(tokens.revoke_token(session, actor=actor, token_id=token_id))


@router.get("/users", response_model=list[UserRead])
def list_users(session: DbSession, actor: CurrentActor,
               limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100,
               after: Annotated[str | None, Query(max_length=80, description="Last username of the previous page")]
               = None) -> list[UserRead]:
    """Users, by username; ``after`` is the last username of the previous page."""
    return [UserRead.model_validate(u) for u in users.list_users(session, actor=actor, limit=limit, after=after)]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: DbSession, actor: CurrentActor, settings: AppSettings) -> UserRead:
    """Create a nominative account."""
    return UserRead.model_validate(users.create_user(session, actor=actor, settings=settings, **body.model_dump()))


@router.post("/users/{user_id}/suspend", response_model=UserRead)
def suspend(user_id: uuid.UUID, body: SuspendIn, session: DbSession, actor: CurrentActor) -> UserRead:
    """Suspend an account; its sessions and tokens stop at once."""
    return UserRead.model_validate(users.suspend_user(session, actor=actor, user_id=user_id, reason=body.reason))


@router.post("/users/{user_id}/reactivate", response_model=UserRead)
def reactivate(user_id: uuid.UUID, session: DbSession, actor: CurrentActor, settings: AppSettings) -> UserRead:
    """Lift a suspension or the account-wide login throttle."""
    return UserRead.model_validate(users.reactivate_user(session, actor=actor, settings=settings, user_id=user_id))


@router.post("/users/{user_id}/mfa/reset", response_model=UserRead)
def reset_mfa(user_id: uuid.UUID, body: MfaResetIn, session: DbSession, actor: CurrentActor) -> UserRead:
    """Remove a user's second factor (lost device): they enrol a new one at their next login."""
    return UserRead.model_validate(mfa.reset_mfa(session, actor=actor, user_id=user_id, reason=body.reason))
