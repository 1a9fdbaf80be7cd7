"""Site routes: every authenticated user reads them; operators add and change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.resilience import service
from sovcloud.resilience.models import NAME_MAX, Site
from sovcloud.resilience.schemas import SiteCreate, SiteRead, SiteUpdate

router = APIRouter(prefix="/sites", tags=["sites"])
SiteName = Annotated[str, Path(min_length=1, max_length=NAME_MAX, pattern=r"^[A-Za-z0-9_-]+$",
                               description="The site's name")]


@router.get("", response_model=list[SiteRead])
def list_sites(session: DbSession, actor: CurrentActor) -> list[Site]:
    """Every site: where it is and whether it takes orders."""
    return service.list_sites(session, actor=actor)


@router.post("", response_model=SiteRead, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, session: DbSession, actor: CurrentActor) -> Site:
    """Add a site (operators)."""
    return service.create_site(session, actor=actor, **body.model_dump())


@router.get("/{site}", response_model=SiteRead)
def get_site(site: SiteName, session: DbSession, actor: CurrentActor) -> Site:
    """One site."""
    return service.get_site(session, actor=actor, name=site)


@router.patch("/{site}", response_model=SiteRead)
def update_site(site: SiteName, body: SiteUpdate, session: DbSession, actor: CurrentActor) -> Site:
    """Describe a site again, or drain it, put it down or back in service (operators)."""
    return service.update_site(session, actor=actor, name=site, **body.model_dump(exclude_unset=True))
