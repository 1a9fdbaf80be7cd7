"""Tables of the simulated cloud, in their own metadata (never sovcloud's control-plane ``Base``).

Idempotency: every table of a tenant-created object has a unique ``idempotency_key``; since there is
one table per kind this is the unique constraint on (kind, idempotency_key) that makes a concurrent
retry of a create find the first one instead of creating a second.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC without tzinfo."""
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


class SimBase(DeclarativeBase):
    """Declarative base of the simulator's tables only."""

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class TenantOwned:
    """Columns shared by every object a tenant creates."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]


class SimSite(SimBase):
    """An availability zone with its storage pool, its public IP pool and its up/down switch."""

    __tablename__ = "sim_site"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    storage_gb: Mapped[int]
    storage_used_gb: Mapped[int] = mapped_column(default=0)
    public_cidr: Mapped[str] = mapped_column(String(64))
    public_next: Mapped[int] = mapped_column(default=1)  # next host index in public_cidr
    down: Mapped[bool] = mapped_column(default=False)


class SimHost(SimBase):
    """A hypervisor; usage counters are updated under a row lock by the scheduler."""

    __tablename__ = "sim_host"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    site: Mapped[str] = mapped_column(ForeignKey("sim_site.name"), index=True)
    cores: Mapped[int]
    ram_mib: Mapped[int]
    vcpus_used: Mapped[int] = mapped_column(default=0)
    ram_used_mib: Mapped[int] = mapped_column(default=0)
    servers: Mapped[int] = mapped_column(default=0)
    down: Mapped[bool] = mapped_column(default=False)


class SimFlavor(SimBase):
    """A server size (static once seeded)."""

    __tablename__ = "sim_flavor"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    vcpus: Mapped[int]
    ram_mib: Mapped[int]
    disk_gb: Mapped[int]


class SimImage(TenantOwned, SimBase):
    """A public image (``tenant`` is the empty string) or a tenant's server snapshot, SAVING until
    ``ready_at``."""

    __tablename__ = "sim_image"
    os_distro: Mapped[str | None] = mapped_column(String(64))
    min_disk_gb: Mapped[int]
    size_mib: Mapped[int]
    source_server_id: Mapped[str | None] = mapped_column(String(36))
    ready_at: Mapped[datetime]


class SimServer(TenantOwned, SimBase):
    """A server. ``status`` is the state reached once ``task`` ends at ``task_until``: transitions are
    evaluated lazily on read from these timestamps (see ``lifecycle.py``)."""

    __tablename__ = "sim_server"
    flavor_id: Mapped[str] = mapped_column(String(36))
    previous_flavor_id: Mapped[str | None] = mapped_column(String(36))
    image_id: Mapped[str] = mapped_column(String(36))
    host_id: Mapped[int | None] = mapped_column(ForeignKey("sim_host.id"), index=True)
    site: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    task: Mapped[str | None] = mapped_column(String(32))
    task_started_at: Mapped[datetime | None]
    task_until: Mapped[datetime | None]
    network_ids: Mapped[list[Any]]
    addresses: Mapped[list[Any]]
    security_group_ids: Mapped[list[Any]]
    server_group_id: Mapped[str | None] = mapped_column(String(36), index=True)
    key_name: Mapped[str | None] = mapped_column(String(255))
    ssh_public_key: Mapped[str | None] = mapped_column(Text)
    user_data: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    fault: Mapped[str | None] = mapped_column(Text)


class SimVolume(TenantOwned, SimBase):
    """A volume in a site's storage pool; CREATING until ``ready_at``."""

    __tablename__ = "sim_volume"
    size_gb: Mapped[int]
    site: Mapped[str] = mapped_column(ForeignKey("sim_site.name"))
    server_id: Mapped[str | None] = mapped_column(String(36), index=True)
    device: Mapped[str | None] = mapped_column(String(32))
    source_snapshot_id: Mapped[str | None] = mapped_column(String(36))
    ready_at: Mapped[datetime]


class SimVolumeSnapshot(TenantOwned, SimBase):
    """A volume snapshot (copy-on-write: counts in quotas, not in the pool); CREATING until ready."""

    __tablename__ = "sim_volume_snapshot"
    volume_id: Mapped[str] = mapped_column(String(36), index=True)
    size_gb: Mapped[int]
    ready_at: Mapped[datetime]


class SimNetwork(TenantOwned, SimBase):
    """A tenant network; ``ports`` counts server attachments (a network in use cannot be deleted)."""

    __tablename__ = "sim_network"
    ports: Mapped[int] = mapped_column(default=0)


class SimSubnet(SimBase):
    """The IPv4 range of a network; fixed IPs are handed out in order from ``next_host``."""

    __tablename__ = "sim_subnet"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("sim_network.id", ondelete="CASCADE"), index=True)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    dns_nameservers: Mapped[list[Any]]
    enable_dhcp: Mapped[bool]
    next_host: Mapped[int] = mapped_column(default=2)


class SimSecurityGroup(TenantOwned, SimBase):
    """A security group; ``in_use`` counts the servers it is applied to."""

    __tablename__ = "sim_security_group"
    description: Mapped[str] = mapped_column(Text, default="")
    in_use: Mapped[int] = mapped_column(default=0)


class SimSecurityGroupRule(SimBase):
    """One rule of a security group."""

    __tablename__ = "sim_security_group_rule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("sim_security_group.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(16))
    port_min: Mapped[int | None]
    port_max: Mapped[int | None]
    remote_cidr: Mapped[str | None] = mapped_column(String(64))
    ethertype: Mapped[str] = mapped_column(String(8))


class SimPublicIp(TenantOwned, SimBase):
    """A public IP reserved by a tenant, maybe routed to a server."""

    __tablename__ = "sim_public_ip"
    address: Mapped[str] = mapped_column(String(64), unique=True)
    site: Mapped[str] = mapped_column(String(64))
    server_id: Mapped[str | None] = mapped_column(String(36), index=True)


class SimServerGroup(TenantOwned, SimBase):
    """A server group; members are the servers whose ``server_group_id`` points here."""

    __tablename__ = "sim_server_group"
    policy: Mapped[str] = mapped_column(String(32))


class SimQuota(SimBase):
    """A tenant's limits (NULL = unlimited) and usage counters, locked on every create."""

    __tablename__ = "sim_quota"
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit_instances: Mapped[int | None]
    limit_cores: Mapped[int | None]
    limit_ram_mib: Mapped[int | None]
    limit_volumes: Mapped[int | None]
    limit_volume_gb: Mapped[int | None]
    limit_public_ips: Mapped[int | None]
    limit_networks: Mapped[int | None]
    limit_security_groups: Mapped[int | None]
    limit_server_groups: Mapped[int | None]
    used_instances: Mapped[int] = mapped_column(default=0)
    used_cores: Mapped[int] = mapped_column(default=0)
    used_ram_mib: Mapped[int] = mapped_column(default=0)
    used_volumes: Mapped[int] = mapped_column(default=0)
    used_volume_gb: Mapped[int] = mapped_column(default=0)
    used_public_ips: Mapped[int] = mapped_column(default=0)
    used_networks: Mapped[int] = mapped_column(default=0)
    used_security_groups: Mapped[int] = mapped_column(default=0)
    used_server_groups: Mapped[int] = mapped_column(default=0)


class SimFaultState(SimBase):
    """The single row of fault-injection settings, shared by every process."""

    __tablename__ = "sim_fault_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    error_rate: Mapped[float] = mapped_column(Float, default=0.0)
    timeout_rate: Mapped[float] = mapped_column(Float, default=0.0)
