"""Capacity per site and per hypervisor, as the provider reports it (the simulator's model, or Placement's
inventories and usages on OpenStack): what is allocated against what may be (total − reserved) × ratio."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.errors import DomainError
from sovcloud.providers.base import CloudProvider
from sovcloud.providers.dto import HostCapacity, Inventory
from sovcloud.providers.errors import ProviderError


class HostUse(BaseModel):
    name: str
    site: str | None = Field(description="Availability zone (none when the host is in no zone)")
    up: bool
    cores: int  #: physical cores (vCPU inventory's total)
    vcpus_used: int  #: vCPUs allocated to servers
    ram_mb_total: int  #: physical RAM in MiB
    ram_mb_used: int  #: RAM allocated to servers in MiB
    servers: int
    vcpus_reserved: int = 0  #: cores kept for the host
    vcpu_ratio: float = 1.0  #: vCPU overcommit
    vcpus_capacity: int = 0  #: allocatable vCPUs: (cores − reserved) × ratio
    ram_mb_reserved: int = 0  #: MiB kept for the host
    ram_ratio: float = 1.0  #: RAM overcommit
    ram_mb_capacity: int = 0  #: allocatable MiB
    disk_gb_total: int | None = None  #: local disk in GB (none: the site's shared pool)
    disk_gb_used: int | None = None
    disk_gb_capacity: int | None = None


class SiteUse(BaseModel):
    name: str
    available: bool
    hosts: int
    cores: int
    vcpus_used: int
    ram_mb_used: int
    ram_mb_total: int
    vcpus_capacity: int = 0  #: allocatable vCPUs of its hosts that are up
    ram_mb_capacity: int = 0  #: allocatable MiB of its hosts that are up
    disk_gb_capacity: int = 0  #: allocatable GB (shared pool, or local disks of its hosts that are up)
    disk_gb_used: int = 0


class CapacityReport(BaseModel):
    sites: list[SiteUse]
    hypervisors: list[HostUse]


class CapacityUnavailable(DomainError):
    status = 503
    code = "capacity-unavailable"
    title = "Capacité indisponible"


def _host(h: HostCapacity) -> HostUse:
    disk: Inventory | None = h.disk_gb
    return HostUse(name=h.name, site=h.site, up=h.up, cores=h.vcpus.total, vcpus_used=h.vcpus.used,
                   ram_mb_total=h.ram_mib.total, ram_mb_used=h.ram_mib.used, servers=h.servers,
                   vcpus_reserved=h.vcpus.reserved, vcpu_ratio=h.vcpus.allocation_ratio,
                   vcpus_capacity=h.vcpus.capacity, ram_mb_reserved=h.ram_mib.reserved,
                   ram_ratio=h.ram_mib.allocation_ratio, ram_mb_capacity=h.ram_mib.capacity,
                   disk_gb_total=disk.total if disk else None, disk_gb_used=disk.used if disk else None,
                   disk_gb_capacity=disk.capacity if disk else None)


def report(*, actor: Actor, provider: CloudProvider) -> CapacityReport:
    """Per-site and per-hypervisor use.

    Raises:
        PermissionDenied: the actor may not read capacity.
        CapacityUnavailable: the provider could not be asked now.
    """
    authorize(actor, Permission.CAPACITY_READ)
    try:
        cloud = provider.capacity()
        zones = provider.sites()
    except ProviderError as exc:
        raise CapacityUnavailable(f"Le fournisseur ne répond pas : {str(exc)[:200]}") from exc
    hosts = [_host(h) for h in cloud.hosts]
    pools = {p.site: p.disk_gb for p in cloud.storage}
    sites = []
    for site in zones:
        mine = [h for h in hosts if h.site == site.name]
        live = [h for h in mine if h.up]
        pool = pools.get(site.name)
        sites.append(SiteUse(
            name=site.name, available=site.available, hosts=len(mine), cores=sum(h.cores for h in mine),
            vcpus_used=sum(h.vcpus_used for h in mine), ram_mb_used=sum(h.ram_mb_used for h in mine),
            ram_mb_total=sum(h.ram_mb_total for h in mine),
            vcpus_capacity=sum(h.vcpus_capacity for h in live) if site.available else 0,
            ram_mb_capacity=sum(h.ram_mb_capacity for h in live) if site.available else 0,
            disk_gb_capacity=pool.capacity if pool else sum(h.disk_gb_capacity or 0 for h in live),
            disk_gb_used=pool.used if pool else sum(h.disk_gb_used or 0 for h in mine)))  # fmt: skip
    return CapacityReport(sites=sites, hypervisors=hosts)
