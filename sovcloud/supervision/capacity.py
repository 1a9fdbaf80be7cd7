"""Capacity per site and per hypervisor, as the provider reports it."""

from __future__ import annotations

from pydantic import BaseModel

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.errors import DomainError
from sovcloud.providers.base import CloudProvider


class HostUse(BaseModel):
    name: str
    site: str
    up: bool
    cores: int  #: physical cores
    vcpus_used: int  #: vCPUs allocated to servers
    ram_mb_total: int  #: physical RAM in MiB
    ram_mb_used: int  #: RAM allocated to servers in MiB
    servers: int


class SiteUse(BaseModel):
    name: str
    available: bool
    hosts: int
    cores: int
    vcpus_used: int
    ram_mb_used: int
    ram_mb_total: int


class CapacityReport(BaseModel):
    sites: list[SiteUse]
    hypervisors: list[HostUse]


class CapacityUnavailable(DomainError):
    status = 501
    code = "capacity-unavailable"
    title = "Capacité indisponible"


def report(*, actor: Actor, provider: CloudProvider) -> CapacityReport:
    """Per-site and per-hypervisor use.

    Raises:
        PermissionDenied: the actor may not read capacity.
        CapacityUnavailable: the provider does not expose hypervisors.
    """
    authorize(actor, Permission.CAPACITY_READ)
    hypervisors = getattr(provider, "hypervisors", None)
    if hypervisors is None:
        raise CapacityUnavailable("Ce fournisseur n'expose pas ses hyperviseurs.")
    hosts = [HostUse(name=h.name, site=h.site, up=h.up, cores=h.cores, vcpus_used=h.vcpus_used,
                     ram_mb_total=h.ram_mib, ram_mb_used=h.ram_used_mib, servers=h.servers)
             for h in hypervisors()]
    sites = []
    for site in provider.sites():
        mine = [h for h in hosts if h.site == site.name]
        sites.append(SiteUse(name=site.name, available=site.available, hosts=len(mine),
                             cores=sum(h.cores for h in mine), vcpus_used=sum(h.vcpus_used for h in mine),
                             ram_mb_used=sum(h.ram_mb_used for h in mine),
                             ram_mb_total=sum(h.ram_mb_total for h in mine)))
    return CapacityReport(sites=sites, hypervisors=hosts)
