"""Provisioning routes for platform operators: failed orders whose cleanup failed, and taking one up."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.inventory.schemas import StepRead
from sovcloud.provisioning import operations

router = APIRouter(tags=["provisioning"])


class CleanupRead(BaseModel):
    order_id: uuid.UUID
    title: str
    project_id: uuid.UUID
    failure_reason: str | None
    left: int = Field(description="Resources its cleanup could not delete (still counted in the quota)")


class CleanupIn(BaseModel):
    mode: Literal["retry", "forget"] = Field(description="retry: delete again; forget: delete nothing. Either way "
                                             "a resource ends only once the cloud confirms it is gone")
    reason: str = Field(default="", max_length=500, description="Why (required to forget)")


@router.get("/cleanups", response_model=list[CleanupRead])
def cleanups(session: DbSession, actor: CurrentActor,
             limit: Annotated[int, Query(ge=1, le=500, description="At most")] = 100) -> list[CleanupRead]:
    """Failed orders that left resources their cleanup could not delete (operators)."""
    return [CleanupRead(order_id=o.id, title=o.title, project_id=o.project_id, failure_reason=o.failure_reason,
                        left=n) for o, n in operations.cleanup_failed(session, actor=actor, limit=limit)]


@router.post("/orders/{order_id}/cleanup", response_model=StepRead, status_code=status.HTTP_202_ACCEPTED)
def take_up(order_id: uuid.UUID, body: CleanupIn, session: DbSession, actor: CurrentActor) -> StepRead:
    """Queue a new cleanup of a failed order's leftovers (operators; journaled)."""
    return StepRead.model_validate(operations.take_up_cleanup(session, actor=actor, order_id=order_id,
                                                              mode=body.mode, reason=body.reason))
