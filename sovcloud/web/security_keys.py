"""The account's security keys page: list, rename, remove (adding one is done by ``static/webauthn.js``
through the API, since the browser's WebAuthn call sits between the two requests)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.errors import DomainError
from sovcloud.identity import webauthn_keys
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect, render

router = APIRouter(route_class=PortalRoute)


def _page(request: Request, *, done: str | None = None, error: DomainError | None = None,
          status: int = 200) -> Response:
    with acting(request) as (session, actor):
        keys = webauthn_keys.list_keys(session, actor=actor)
        return render(request, "account/security_keys.html", {"keys": keys, "done": done, "error": error},
                      status=status, actor=actor)


@router.get("/account/security-keys")
def keys_page(request: Request, done: str | None = None) -> Response:
    """The user's security keys, and the form that adds one."""
    return _page(request, done=done if done in ("key_added", "key_removed", "key_renamed") else None)


@router.post("/account/security-keys/{key_id}/rename")
def rename(request: Request, key_id: str, name: Annotated[str, Form(max_length=100)]) -> Response:
    """Rename a key."""
    try:
        with acting(request, write=True) as (session, actor):
            webauthn_keys.rename_key(session, actor=actor, key_id=parse_id(key_id), name=name)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(request, error=exc, status=exc.status)
    return redirect(request, "/account/security-keys?done=key_renamed")


@router.post("/account/security-keys/{key_id}/remove")
def remove(request: Request, key_id: str) -> Response:
    """Remove a key."""
    with acting(request, write=True) as (session, actor):
        webauthn_keys.remove_key(session, actor=actor, key_id=parse_id(key_id))
    return redirect(request, "/account/security-keys?done=key_removed")
