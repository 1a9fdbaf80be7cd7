"""The sites at first start: one per availability zone the provider reports, described when the demo knows it.

Seeds are the one place besides tests where a site's name may be written (DESIGN.md): the demo's two
simulated zones (and the devcloud's, named the same) get a label, a region and a location in France.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sovcloud.access.actor import Actor
from sovcloud.config import Settings
from sovcloud.logs import get_logger
from sovcloud.providers.base import CloudProvider
from sovcloud.providers.errors import ProviderError
from sovcloud.resilience.models import Site
from sovcloud.resilience.service import SiteDetails, seed_sites

#: how the demo describes the simulator's (and the devcloud's) two zones
DEMO_SITES: dict[str, SiteDetails] = {
    "site-a": SiteDetails(label="Site A — Paris", region="Île-de-France", location="Paris (75)",
                          storage_backend="ceph-a"),
    "site-b": SiteDetails(label="Site B — Lyon", region="Auvergne-Rhône-Alpes", location="Lyon (69)",
                          storage_backend="ceph-b"),
}
log = get_logger(__name__)


def seed_demo_sites(session: Session, *, actor: Actor) -> list[Site]:
    """The demo's two sites (tests and ``demo seed`` without a provider at hand)."""
    return seed_sites(session, actor=actor, zones=list(DEMO_SITES), details=DEMO_SITES)


def seed_from_provider(session: Session, *, actor: Actor, provider: CloudProvider) -> list[Site]:
    """A site for each zone of ``provider`` not yet known (idempotent); raises the provider's errors."""
    return seed_sites(session, actor=actor, zones=[s.name for s in provider.sites()], details=DEMO_SITES)


def seed_at_first_start(session: Session, *, zones: Callable[[], list[str] | None]) -> list[Site]:
    """While the table is empty, a site for each of the provider's ``zones()`` (None: not reachable now)."""
    if session.scalar(select(Site.id).limit(1)) is not None:
        return []
    names = zones()
    if not names:
        return []
    return seed_sites(session, actor=Actor.system("first-start"), zones=names, details=DEMO_SITES)


def provider_zones(settings: Settings) -> list[str] | None:
    """The configured provider's zone names, or None (logged) when it cannot be asked now."""
    from sovcloud.provisioning.runtime import make_provider

    try:
        provider = make_provider(settings)
        try:
            return [s.name for s in provider.sites()]
        finally:
            close = getattr(provider, "close", None)
            if close is not None:
                close()
    except (ProviderError, SQLAlchemyError, OSError) as exc:  # the simulator's database is the provider's too
        log.warning("sites.provider_unreachable", error=str(exc)[:300])
        return None
