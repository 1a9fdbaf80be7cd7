"""Audit routes: search, verify, and export an organisation's own events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.audit import service
from sovcloud.db import transaction
from sovcloud.pagination import MAX_LIMIT, CursorQuery, Page, decode_cursor, page_of

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventRead(BaseModel):
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    organisation_id: uuid.UUID | None
    source_ip: str | None
    request_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    outcome: str
    details: dict[str, Any]
    hash: str

    model_config = {"from_attributes": True}


class VerificationRead(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    anchored_seq: int = Field(description="Newest entry an external anchor vouches for (0: none read)")
    problems: list[str]


@router.get("/events", response_model=Page[AuditEventRead])
def search_events(
    session: DbSession, actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 100,
    cursor: CursorQuery = None,
    action: Annotated[str | None, Query(max_length=80, description="Action prefix, e.g. 'user.'")] = None,
    actor_name: Annotated[str | None, Query(max_length=120, description="Exact actor username")] = None,
    organisation_id: Annotated[uuid.UUID | None, Query(description="Tenant (with its sub-organisations)")] = None,
    target_id: Annotated[str | None, Query(max_length=120, description="Exact target id")] = None,
    outcome: Annotated[Literal["success", "failure", "denied"] | None,
                       Query(description="success | failure | denied")] = None,
    since: Annotated[AwareDatetime | None, Query(description="From this time (with its offset)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before this time (with its offset)")] = None,
) -> Page[AuditEventRead]:
    """Journal entries, newest first, limited to what the caller may read."""
    after = decode_cursor(cursor, int)
    rows = service.search(session, actor=actor, limit=limit + 1, before_seq=after[0] if after else None,
                          action=action, actor_name=actor_name, organisation_id=organisation_id,
                          target_id=target_id, outcome=outcome, since=since, until=until)
    items, nxt = page_of(rows, limit, lambda e: [e.seq])
    return Page(items=[AuditEventRead.model_validate(e) for e in items], next_cursor=nxt)


@router.get("/verify", response_model=VerificationRead)
def verify(session: DbSession, actor: CurrentActor) -> VerificationRead:
    """Walk the whole chain and report any edited, deleted or truncated entry."""
    result = service.verify(session, actor=actor)
    return VerificationRead(ok=result.ok, entries=result.entries, head_seq=result.head_seq,
                            anchored_seq=result.anchored_seq, problems=list(result.problems))


@router.get("/export", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export(request: Request, actor: CurrentActor,
           organisation_id: Annotated[uuid.UUID, Query(description="Organisation whose events to export")],
           since: Annotated[AwareDatetime | None,
                            Query(description="From this time (with its offset)")] = None) -> StreamingResponse:
    """The organisation's own events as JSON lines (never another organisation's). The export is journaled:
    it runs in a writing transaction of its own, committed before the answer."""
    with transaction(request.app.state.sessions) as session:
        lines = list(service.export_lines(session, actor=actor, organisation_id=organisation_id, since=since))
    return StreamingResponse(iter(line + "\n" for line in lines), media_type="application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="audit-{organisation_id}.jsonl"'})
