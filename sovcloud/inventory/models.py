"""Resources as the platform knows them, linked to their order, project and site."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.access.actor import Scope
from sovcloud.db import Base, IdMixin
from sovcloud.tenancy.models import Project


class ResourceState(StrEnum):
    """Lifecycle as the platform sees it (the provider's own status is kept in ``status``)."""

    CREATING = "creating"
    ACTIVE = "active"
    BUSY = "busy"  #: a day-2 action runs on it
    DELETING = "deleting"
    DELETED = "deleted"
    ERROR = "error"
    GONE = "gone"  #: vanished from the cloud outside sovcloud (found by sync)


#: states in which a resource counts against its project's quota
COUNTED: frozenset[ResourceState] = frozenset(
    {ResourceState.CREATING, ResourceState.ACTIVE, ResourceState.BUSY, ResourceState.DELETING, ResourceState.ERROR}
)


class Resource(IdMixin, Base):
    """A server, volume, network, security group or public IP in a project. Its footprint counts against
    the project's quota while it lives, once its order is completed (before that the order's
    reservation covers it)."""

    __tablename__ = "resources"
    __tenant__ = "project_id"
    __label__ = "Ressource"
    __table_args__ = (
        Index("ix_resources_project_state_name", "project_id", "state", "name"),
        Index("ix_resources_state_name_id", "state", "name", "id"),
        Index("ix_resources_name_id", "name", "id"),  # the platform-wide list, by name (keyset)
        Index("ix_resources_created_id", "created_at", "id"),  # the platform-wide list, newest first
        # /metrics: resources per project, kind, state and drift in one index-only scan (supervision/metrics_cloud.py)
        Index("ix_resources_project_kind_state_drift", "project_id", "kind", "state", "drift"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  #: server, volume, network, security_group, public_ip
    name: Mapped[str] = mapped_column(String(63))
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)  #: id in the cloud
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    site: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[ResourceState] = mapped_column(String(20), default=ResourceState.CREATING)
    status: Mapped[str | None] = mapped_column(String(30))  #: provider status, e.g. ACTIVE, SHUTOFF
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog_plans.id"))
    flavor: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(64), index=True)  #: main IP address
    end_date: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    drift: Mapped[str | None] = mapped_column(String(20))  #: missing | changed, set by reconciliation
    vcpus: Mapped[int] = mapped_column(default=0)  #: footprint: virtual CPUs
    ram_mb: Mapped[int] = mapped_column(default=0)  #: footprint: RAM in MiB
    storage_gb: Mapped[int] = mapped_column(default=0)  #: footprint: GB of block storage
    instances: Mapped[int] = mapped_column(default=0)
    public_ips: Mapped[int] = mapped_column(default=0)
    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)

    @property
    def scope(self) -> Scope:
        return self.project.scope

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.project.organisation_id


class UnknownResource(IdMixin, Base):
    """Something the cloud holds that no inventory row knows: found by reconciliation, never adopted
    silently. Confirmed once seen in two passes at least ``reconcile_interval_s`` apart."""

    __tablename__ = "inventory_unknown"

    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    tenant: Mapped[str] = mapped_column(String(64))  #: the provider's tenant (a sovcloud project id)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(30))
    first_seen: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
