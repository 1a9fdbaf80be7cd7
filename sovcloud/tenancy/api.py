"""Tenancy routes: organisations, projects, members, quotas."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.pagination import MAX_LIMIT, CursorQuery, Page, decode_cursor, page_of
from sovcloud.tenancy import members, quotas, service
from sovcloud.tenancy.models import Membership
from sovcloud.tenancy.schemas import (
    MembershipCreate,
    MembershipRead,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    QuotaRead,
    QuotaValues,
)

router = APIRouter(tags=["tenancy"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = CursorQuery
Search = Annotated[str | None, Query(max_length=100, description="Case-insensitive match on the name")]


@router.get("/organisations", response_model=Page[OrganisationRead])
def list_organisations(session: DbSession, actor: CurrentActor, limit: Limit = 100, cursor: Cursor = None,
                       parent_id: Annotated[uuid.UUID | None, Query(description="Only children of")] = None,
                       search: Search = None) -> Page[OrganisationRead]:
    """Organisations visible to the caller, by code."""
    after = decode_cursor(cursor, str)
    rows = session.scalars(service.organisations_query(actor, parent_id=parent_id, search=search,
                                                       after=after[0] if after else None).limit(limit + 1)).all()
    items, nxt = page_of(rows, limit, lambda o: [o.code])
    return Page(items=[OrganisationRead.model_validate(o) for o in items], next_cursor=nxt)


@router.post("/organisations", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationCreate, session: DbSession, actor: CurrentActor) -> OrganisationRead:
    """Create a ministry or a sub-organisation."""
    return OrganisationRead.model_validate(service.create_organisation(session, actor=actor, **body.model_dump()))


@router.get("/organisations/{organisation_id}", response_model=OrganisationRead)
def get_organisation(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> OrganisationRead:
    """One organisation."""
    return OrganisationRead.model_validate(
        service.get_organisation(session, actor=actor, organisation_id=organisation_id))


@router.patch("/organisations/{organisation_id}", response_model=OrganisationRead)
def update_organisation(organisation_id: uuid.UUID, body: OrganisationUpdate, session: DbSession,
                        actor: CurrentActor) -> OrganisationRead:
    """Rename an organisation."""
    return OrganisationRead.model_validate(service.update_organisation(
        session, actor=actor, organisation_id=organisation_id, name=body.name))


@router.get("/projects", response_model=Page[ProjectRead])
def list_projects(session: DbSession, actor: CurrentActor, limit: Limit = 100, cursor: Cursor = None,
                  organisation_id: Annotated[uuid.UUID | None, Query(description="Only in")] = None,
                  search: Search = None) -> Page[ProjectRead]:
    """Projects visible to the caller, by name."""
    key = decode_cursor(cursor, str, uuid.UUID)
    rows = session.scalars(service.projects_query(actor, organisation_id=organisation_id, search=search,
                                                  after=key).limit(limit + 1)).all()
    items, nxt = page_of(rows, limit, lambda p: [p.name, p.id])
    return Page(items=[ProjectRead.model_validate(p) for p in items], next_cursor=nxt)


@router.post("/projects", response_model=ProjectRead, status_code=status.HTTP_201_CREATED)
def create_project(body: ProjectCreate, session: DbSession, actor: CurrentActor) -> ProjectRead:
    """Create a project in an organisation."""
    return ProjectRead.model_validate(service.create_project(session, actor=actor, **body.model_dump()))


@router.get("/projects/{project_id}", response_model=ProjectRead)
def get_project(project_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> ProjectRead:
    """One project."""
    return ProjectRead.model_validate(service.get_project(session, actor=actor, project_id=project_id))


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(project_id: uuid.UUID, body: ProjectUpdate, session: DbSession,
                   actor: CurrentActor) -> ProjectRead:
    """Rename or describe a project."""
    return ProjectRead.model_validate(service.update_project(session, actor=actor, project_id=project_id,
                                                             **body.model_dump()))


def _membership(m: Membership) -> MembershipRead:
    return MembershipRead(id=m.id, user_id=m.user_id, username=m.user.username, role=m.role,
                          organisation_id=m.organisation_id, project_id=m.project_id)


@router.get("/organisations/{organisation_id}/members", response_model=list[MembershipRead])
def organisation_members(organisation_id: uuid.UUID, session: DbSession,
                         actor: CurrentActor) -> list[MembershipRead]:
    """Roles held directly on the organisation."""
    return [_membership(m) for m in members.members_of(session, actor=actor,
                                                                      organisation_id=organisation_id)]


@router.post("/organisations/{organisation_id}/members", response_model=MembershipRead,
             status_code=status.HTTP_201_CREATED)
def add_organisation_member(organisation_id: uuid.UUID, body: MembershipCreate, session: DbSession,
                            actor: CurrentActor) -> MembershipRead:
    """Give a role on the organisation (and its sub-organisations)."""
    m = members.assign_role(session, actor=actor, user_id=body.user_id, role=body.role,
                            organisation_id=organisation_id)
    return _membership(m)


@router.get("/projects/{project_id}/members", response_model=list[MembershipRead])
def project_members(project_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[MembershipRead]:
    """Roles held on the project."""
    return [_membership(m) for m in members.members_of(session, actor=actor, project_id=project_id)]


@router.post("/projects/{project_id}/members", response_model=MembershipRead, status_code=status.HTTP_201_CREATED)
def add_project_member(project_id: uuid.UUID, body: MembershipCreate, session: DbSession,
                       actor: CurrentActor) -> MembershipRead:
    """Give a role on the project."""
    m = members.assign_role(session, actor=actor, user_id=body.user_id, role=body.role, project_id=project_id)
    return _membership(m)


@router.get("/platform/members", response_model=list[MembershipRead])
def platform_members(session: DbSession, actor: CurrentActor) -> list[MembershipRead]:
    """Platform-wide roles (operators, security officers, finance)."""
    return [_membership(m) for m in members.members_of(session, actor=actor)]


@router.post("/platform/members", response_model=MembershipRead, status_code=status.HTTP_201_CREATED)
def add_platform_member(body: MembershipCreate, session: DbSession, actor: CurrentActor) -> MembershipRead:
    """Give a platform-wide role."""
    return _membership(members.assign_role(session, actor=actor, user_id=body.user_id, role=body.role))


@router.delete("/memberships/{membership_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_membership(membership_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> None:
    """Take a role back."""
    members.revoke_role(session, actor=actor, membership_id=membership_id)


def _quota_read(status_: quotas.QuotaStatus) -> QuotaRead:
    return QuotaRead(limits=QuotaValues(**asdict(status_.limits)), allocated=QuotaValues(**asdict(status_.allocated)))


@router.get("/organisations/{organisation_id}/quota", response_model=QuotaRead)
def organisation_quota(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> QuotaRead:
    """The organisation's limits and how much it has shared out."""
    return _quota_read(quotas.quota_status(session, actor=actor, organisation_id=organisation_id))


@router.put("/organisations/{organisation_id}/quota", response_model=QuotaRead)
def set_organisation_quota(organisation_id: uuid.UUID, body: QuotaValues, session: DbSession,
                           actor: CurrentActor) -> QuotaRead:
    """Set the organisation's limits (decided by the level above)."""
    quotas.set_quota(session, actor=actor, limits=quotas.Limits(**body.model_dump()), organisation_id=organisation_id)
    return _quota_read(quotas.quota_status(session, actor=actor, organisation_id=organisation_id))


@router.get("/projects/{project_id}/quota", response_model=QuotaRead)
def project_quota(project_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> QuotaRead:
    """The project's limits."""
    return _quota_read(quotas.quota_status(session, actor=actor, project_id=project_id))


@router.put("/projects/{project_id}/quota", response_model=QuotaRead)
def set_project_quota(project_id: uuid.UUID, body: QuotaValues, session: DbSession, actor: CurrentActor) -> QuotaRead:
    """Set the project's limits, within what its organisation has left."""
    quotas.set_quota(session, actor=actor, limits=quotas.Limits(**body.model_dump()), project_id=project_id)
    return _quota_read(quotas.quota_status(session, actor=actor, project_id=project_id))
