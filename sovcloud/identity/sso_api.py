"""ProConnect administration routes (operators): SIRET / e-mail domain mappings and organisations'
just-in-time accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.identity import federation
from sovcloud.identity.schemas import JitPolicyIn, JitPolicyRead, MappingCreate, MappingRead

router = APIRouter(prefix="/sso", tags=["proconnect"])


@router.get("/mappings", response_model=list[MappingRead])
def list_mappings(session: DbSession, actor: CurrentActor,
                  limit: Annotated[int, Query(ge=1, le=1000, description="Most mappings returned")] = 500
                  ) -> list[MappingRead]:
    """SIRETs and e-mail domains mapped to organisations."""
    return [MappingRead.model_validate(m) for m in federation.list_mappings(session, actor=actor, limit=limit)]


@router.post("/mappings", response_model=MappingRead, status_code=status.HTTP_201_CREATED)
def add_mapping(body: MappingCreate, session: DbSession, actor: CurrentActor) -> MappingRead:
    """Map a SIRET or an e-mail domain to an organisation."""
    return MappingRead.model_validate(federation.add_mapping(session, actor=actor, kind=body.kind, value=body.value,
                                                             organisation_id=body.organisation_id))


@router.delete("/mappings/{mapping_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_mapping(mapping_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> None:
    """Remove a mapping (accounts already linked stay)."""
    federation.remove_mapping(session, actor=actor, mapping_id=mapping_id)


@router.put("/organisations/{organisation_id}", response_model=JitPolicyRead)
def set_jit_policy(organisation_id: uuid.UUID, body: JitPolicyIn, session: DbSession,
                   actor: CurrentActor) -> JitPolicyRead:
    """Whether the organisation's agents get an account at their first ProConnect login, and its role."""
    org = federation.set_jit_policy(session, actor=actor, organisation_id=organisation_id, allowed=body.allowed,
                                    role=body.role)
    return JitPolicyRead(organisation_id=org.id, allowed=org.sso_jit_allowed, role=org.sso_jit_role)
