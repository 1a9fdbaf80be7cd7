"""Sites: the physical places (availability zones) the platform runs in, as operators describe them.

A site is data, never a name in code: orders and approval rules name a site that must be in this table, and
only an *active* site takes new orders. A site is never deleted (resources and the journal keep naming it);
an operator drains it (no new orders, existing resources stay) or marks it down.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sovcloud.clock import now
from sovcloud.db import Base, IdMixin

#: the longest site name (the width of ``orders.site_preference`` and ``resources.site``)
NAME_MAX = 40


class SiteState(StrEnum):
    """What a site accepts."""

    ACTIVE = "active"  #: takes new orders
    DRAINING = "draining"  #: no new orders; what runs there stays
    DOWN = "down"  #: unavailable (incident, maintenance)


#: French labels of the states (the API and the portal show them in refusals)
STATE_LABELS: dict[SiteState, str] = {SiteState.ACTIVE: "actif", SiteState.DRAINING: "en cours de vidage",
                                      SiteState.DOWN: "hors service"}


class Site(IdMixin, Base):
    """A site of the cloud: where data and servers physically are (SecNumCloud 19.2: the location is shown
    on every resource). ``name`` is the provider's availability zone name by default and never changes."""

    __tablename__ = "sites"
    __label__ = "Site"

    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)  #: stable name, as orders and resources say
    label: Mapped[str] = mapped_column(String(120))  #: display name, e.g. "Site A — Paris"
    region: Mapped[str] = mapped_column(String(80), default="")  #: French region, e.g. "Île-de-France"
    location: Mapped[str] = mapped_column(String(120), default="")  #: town or datacentre, in France
    availability_zone: Mapped[str] = mapped_column(String(64))  #: the provider's zone for this site
    storage_backend: Mapped[str] = mapped_column(String(64), default="")  #: e.g. "ceph-a"
    state: Mapped[str] = mapped_column(String(20), default=SiteState.ACTIVE.value)  #: a SiteState
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)  #: last change


class SiteCapacity(Base):
    """What a site could still hold when the provider was last asked (a periodic job of the workers): the
    allocatable amount left, before the reservations of approved orders not yet provisioned."""

    __tablename__ = "site_capacity"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    vcpus_free: Mapped[int]  #: allocatable vCPUs left (count)
    ram_mb_free: Mapped[int]  #: allocatable RAM left, in MiB
    disk_gb_free: Mapped[int]  #: allocatable storage left, in GB
    measured_at: Mapped[datetime]  #: when the provider said so


class SiteReservation(IdMixin, Base):
    """Capacity promised to an approved order on a site, held until the order is provisioned, fails or is
    cancelled (``released_at``). Taken under a row lock on the site, so two approvals cannot both be promised
    the last cores."""

    __tablename__ = "site_reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)  #: the order (one reservation per order)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    vcpus: Mapped[int]  #: count
    ram_mb: Mapped[int]  #: MiB
    disk_gb: Mapped[int]  #: GB
    released_at: Mapped[datetime | None]  #: when the order stopped holding it
