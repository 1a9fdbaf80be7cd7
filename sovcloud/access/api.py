"""Access reports: who can reach an object, and all rights of a user."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from sovcloud.access import rights
from sovcloud.api.deps import CurrentActor, DbSession

router = APIRouter(tags=["access"])


class AccessEntryRead(BaseModel):
    user_id: uuid.UUID
    username: str
    role: str
    via: str
    permissions: list[str]


class UserRights(BaseModel):
    user_id: uuid.UUID
    username: str
    status: str
    roles: list[AccessEntryRead]


def _read(entries: list[rights.AccessEntry]) -> list[AccessEntryRead]:
    return [AccessEntryRead(user_id=e.user_id, username=e.username, role=e.role.value, via=e.via,
                            permissions=list(e.permissions)) for e in entries]


@router.get("/organisations/{organisation_id}/access", response_model=list[AccessEntryRead])
def organisation_access(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[AccessEntryRead]:
    """Everyone who can reach this organisation, and through which role."""
    return _read(rights.who_can_access(session, actor=actor, organisation_id=organisation_id))


@router.get("/projects/{project_id}/access", response_model=list[AccessEntryRead])
def project_access(project_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[AccessEntryRead]:
    """Everyone who can reach this project, and through which role."""
    return _read(rights.who_can_access(session, actor=actor, project_id=project_id))


@router.get("/users/{user_id}/rights", response_model=UserRights)
def user_rights(user_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> UserRights:
    """All roles and permissions of a user (as far as the caller may see)."""
    user, entries = rights.rights_of(session, actor=actor, user_id=user_id)
    return UserRights(user_id=user.id, username=user.username, status=user.status, roles=_read(entries))
