"""Capacity reservations: an approved order holds its vCPU, RAM and storage on a site until it is provisioned,
fails or is cancelled, so two large orders are never both promised the last cores.

Free capacity is the provider's last answer (``site_capacity``, refreshed by the workers' periodic job) minus
the open reservations. Reserving locks the candidate sites' rows (``SELECT … FOR UPDATE``, by name: no
deadlock between two approvals), so on PostgreSQL the second of two concurrent approvals waits for the first
and then sees its reservation. A site whose capacity was never measured takes reservations unchecked.
Known gap: between an order's release (provisioned) and the next measure, its servers count in neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.errors import Conflict
from sovcloud.providers.base import CloudProvider
from sovcloud.resilience.models import Site, SiteCapacity, SiteReservation, SiteState


class CapacityExceeded(Conflict):
    """No active site has room for what an approval would promise."""

    code = "capacity-exceeded"
    title = "Capacité insuffisante"


@dataclass(frozen=True)
class Free:
    """What a site can still promise."""

    site: Site
    vcpus: int | None  #: None: never measured
    ram_mb: int | None
    disk_gb: int | None

    def fits(self, vcpus: int, ram_mb: int, disk_gb: int) -> bool:
        return self.vcpus is None or (self.vcpus >= vcpus and (self.ram_mb or 0) >= ram_mb
                                      and (self.disk_gb or 0) >= disk_gb)

    def words(self) -> str:
        if self.vcpus is None:
            return f"{self.site.name} : capacité non mesurée"
        return (f"{self.site.name} : reste {max(self.vcpus, 0)} vCPU, {max(self.ram_mb or 0, 0)} Mio de mémoire, "
                f"{max(self.disk_gb or 0, 0)} Go de stockage")


def free_capacity(session: Session, sites: list[Site]) -> list[Free]:
    """Each site's measured free capacity minus its open reservations."""
    ids = [s.id for s in sites]
    measured = {c.site_id: c for c in session.scalars(select(SiteCapacity).where(SiteCapacity.site_id.in_(ids)))}
    held = {row[0]: row[1:] for row in session.execute(
        select(SiteReservation.site_id, func.sum(SiteReservation.vcpus), func.sum(SiteReservation.ram_mb),
               func.sum(SiteReservation.disk_gb))
        .where(SiteReservation.site_id.in_(ids), SiteReservation.released_at.is_(None))
        .group_by(SiteReservation.site_id))}
    out = []
    for site in sites:
        m = measured.get(site.id)
        h = [int(x or 0) for x in held.get(site.id, (0, 0, 0))]
        out.append(Free(site, None, None, None) if m is None else
                   Free(site, m.vcpus_free - h[0], m.ram_mb_free - h[1], m.disk_gb_free - h[2]))
    return out


def reserve(session: Session, *, order_id: uuid.UUID, site: str | None, vcpus: int, ram_mb: int,
            disk_gb: int) -> SiteReservation | None:
    """Hold capacity for an order being approved: on its site, or on the active site with the most room
    (called by the order state machine, whose caller is authorized). Nothing to hold: None.

    Raises:
        CapacityExceeded: no candidate site has room (the message says how much is left where).
    """
    if vcpus <= 0 and ram_mb <= 0 and disk_gb <= 0:
        return None
    existing = session.scalar(select(SiteReservation).where(SiteReservation.order_id == order_id))
    if existing is not None:
        return existing
    query = select(Site).where(Site.state == SiteState.ACTIVE).order_by(Site.name).with_for_update()
    if site is not None:
        query = query.where(Site.name == site)
    candidates = list(session.scalars(query))  # locked, by name
    if not candidates:
        return None  # no site known (yet): nothing to hold against
    room = free_capacity(session, candidates)
    fitting = [f for f in room if f.fits(vcpus, ram_mb, disk_gb)]
    if not fitting:
        raise CapacityExceeded(f"Capacité insuffisante pour {vcpus} vCPU, {ram_mb} Mio de mémoire et {disk_gb} Go "
                               f"de stockage — {' ; '.join(f.words() for f in room)}.",
                               left={f.site.name: {"vcpus": f.vcpus, "ram_mb": f.ram_mb, "disk_gb": f.disk_gb}
                                     for f in room})
    best = max(fitting, key=lambda f: (f.vcpus is not None, f.vcpus or 0))
    reservation = SiteReservation(order_id=order_id, site_id=best.site.id, vcpus=max(vcpus, 0),
                                  ram_mb=max(ram_mb, 0), disk_gb=max(disk_gb, 0))
    session.add(reservation)
    session.flush()
    return reservation


def release(session: Session, *, order_id: uuid.UUID) -> None:
    """The order no longer holds its reservation (provisioned, failed or cancelled)."""
    reservation = session.scalar(select(SiteReservation).where(SiteReservation.order_id == order_id,
                                                               SiteReservation.released_at.is_(None)))
    if reservation is not None:
        reservation.released_at = now()


def record_capacity(session: Session, *, actor: Actor, free: dict[str, tuple[int, int, int]]) -> int:
    """Store what the provider says each site can still hold ((vCPU, MiB, GB) by site name); returns how many
    sites were measured.

    Raises:
        PermissionDenied: the actor may not read capacity.
    """
    authorize(actor, Permission.CAPACITY_READ)
    at, count = now(), 0
    for site in session.scalars(select(Site).where(Site.name.in_(list(free)))):
        vcpus, ram_mb, disk_gb = free[site.name]
        row = session.get(SiteCapacity, site.id)
        if row is None:
            session.add(SiteCapacity(site_id=site.id, vcpus_free=vcpus, ram_mb_free=ram_mb, disk_gb_free=disk_gb,
                                     measured_at=at))
        else:
            row.vcpus_free, row.ram_mb_free, row.disk_gb_free, row.measured_at = vcpus, ram_mb, disk_gb, at
        count += 1
    return count


def measure(sessions: sessionmaker[Session], provider: CloudProvider) -> int:
    """One round of the workers' periodic job: ask the provider what each site can still hold and store it."""
    from sovcloud.supervision.capacity import report

    actor = Actor.system("capacity-measure")
    sites = report(actor=actor, provider=provider).sites
    free = {s.name: (s.vcpus_capacity - s.vcpus_used, s.ram_mb_capacity - s.ram_mb_used,
                     s.disk_gb_capacity - s.disk_gb_used) for s in sites}
    with transaction(sessions) as session:
        return record_capacity(session, actor=actor, free=free)
