"""Inventory routes: list and read resources, day-2 actions, deletion, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.inventory import service, sync
from sovcloud.inventory.models import ResourceState
from sovcloud.inventory.schemas import ActionIn, HistoryEntry, ResourceRead, StepRead
from sovcloud.pagination import MAX_LIMIT, CursorQuery, Page, decode_cursor, page_of

router = APIRouter(tags=["inventory"])


@router.get("/resources", response_model=Page[ResourceRead])
def list_resources(
    session: DbSession, actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 50,
    cursor: CursorQuery = None,
    project_id: Annotated[uuid.UUID | None, Query(description="Only this project")] = None,
    kind: Annotated[Literal["server", "volume", "network", "security_group", "public_ip"] | None,
                    Query(description="server, volume, network, security_group, public_ip")] = None,
    state: Annotated[ResourceState | None, Query(description="Only in this state")] = None,
    search: Annotated[str | None, Query(max_length=100, description="Name or IP prefix, or project name")] = None,
    sort: Annotated[Literal["name", "created_at"], Query(description="name | created_at")] = "name",
) -> Page[ResourceRead]:
    """Resources visible to the caller (keyset pagination, server-side filters)."""
    after = decode_cursor(cursor, str if sort == "name" else datetime, uuid.UUID)
    query = service.resources_query(actor, project_id=project_id, kind=kind, state=state, search=search, sort=sort,
                                    after=after)
    rows = session.scalars(query.limit(limit + 1)).all()
    key = (lambda r: [r.name, r.id]) if sort == "name" else (lambda r: [r.created_at.isoformat(), r.id])
    items, nxt = page_of(rows, limit, key)
    return Page(items=[ResourceRead.model_validate(r) for r in items], next_cursor=nxt)


class UnknownRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider_id: str
    kind: str
    tenant: str
    name: str
    status: str
    first_seen: datetime
    last_seen: datetime


class DriftRead(BaseModel):
    drifting: list[ResourceRead] = Field(description="Inventory resources missing from or differing in the cloud")
    unknown: list[UnknownRead] = Field(description="Cloud resources no inventory row knows")


@router.get("/inventory/drift", response_model=DriftRead)
def inventory_drift(request: Request, session: DbSession, actor: CurrentActor) -> DriftRead:
    """What reconciliation found (operators)."""
    drifting, unknown = sync.drift(session, actor=actor, interval_s=request.app.state.settings.reconcile_interval_s)
    return DriftRead(drifting=[ResourceRead.model_validate(r) for r in drifting],
                     unknown=[UnknownRead.model_validate(u) for u in unknown])


@router.get("/resources/{resource_id}", response_model=ResourceRead)
def get_resource(resource_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> ResourceRead:
    """One resource."""
    return ResourceRead.model_validate(service.get_resource(session, actor=actor, resource_id=resource_id))


@router.post("/resources/{resource_id}/actions", response_model=StepRead, status_code=status.HTTP_202_ACCEPTED)
def act(resource_id: uuid.UUID, body: ActionIn, session: DbSession, actor: CurrentActor) -> StepRead:
    """Queue a day-2 action; follow it on the resource's state."""
    return StepRead.model_validate(service.request_action(session, actor=actor, resource_id=resource_id,
                                                          action=body.action, params=body.params))


@router.delete("/resources/{resource_id}", response_model=StepRead, status_code=status.HTTP_202_ACCEPTED)
def delete(resource_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> StepRead:
    """Queue the deletion of a resource."""
    return StepRead.model_validate(service.delete_resource(session, actor=actor, resource_id=resource_id))


@router.get("/resources/{resource_id}/history", response_model=list[HistoryEntry])
def history(resource_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[HistoryEntry]:
    """What happened to this resource, newest first."""
    return [HistoryEntry.model_validate(e) for e in service.history(session, actor=actor, resource_id=resource_id)]
