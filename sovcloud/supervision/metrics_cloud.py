"""Cloud metrics at scrape time: capacity per site and hypervisor (from the provider's admin view), resources
per organisation and kind, drift and public IPs left.

Capacity comes from the provider's neutral ``capacity()`` (the simulator's model, Placement on OpenStack), as
the operators' capacity page reads it. Resources and drift are aggregates of the inventory (one ``GROUP BY``
each).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud.inventory.models import Resource, ResourceState, UnknownResource
from sovcloud.providers.base import CloudProvider
from sovcloud.tenancy.models import Organisation, Project

MIB = 1024 * 1024
GB = 1000**3  #: the storage pools are sized in decimal GB


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def capacity_metrics(provider: CloudProvider) -> Iterator[Metric]:
    """Allocated against allocatable vCPU, RAM and storage per site and hypervisor — the provider-neutral
    :meth:`CloudProvider.capacity` that the operators' capacity page reads too (the simulator's model, or
    Placement on OpenStack: allocatable = (total − reserved) × allocation ratio) —, sites up, public IPs
    left (where the provider counts them)."""
    sites = provider.sites()
    site_up = _gauge("sovcloud_site_up", "1 while the site (availability zone) is reachable.", ["site"])
    for site in sites:
        site_up.add_metric([site.name], 1.0 if site.available else 0.0)
    yield site_up
    cloud = provider.capacity()
    host = ["site", "hypervisor"]
    families = {
        "up": _gauge("sovcloud_hypervisor_up", "1 while the hypervisor (and its site) is up.", host),
        "servers": _gauge("sovcloud_hypervisor_servers", "Servers placed on the hypervisor.", host),
        "vcpus": _gauge("sovcloud_hypervisor_vcpus_allocated", "vCPUs allocated to servers.", host),
        "vcpus_cap": _gauge("sovcloud_hypervisor_vcpus_available",
                            "vCPUs the hypervisor may allocate: (cores − reserved) × allocation ratio.", host),
        "ram": _gauge("sovcloud_hypervisor_ram_allocated_bytes", "RAM allocated to servers.", host),
        "ram_cap": _gauge("sovcloud_hypervisor_ram_available_bytes",
                          "RAM the hypervisor may allocate: (total − reserved) × allocation ratio.", host),
    }
    per_site: dict[str, list[float]] = {}
    disk: dict[str, list[float]] = {}
    for h in cloud.hosts:
        site_name = h.site or ""
        values = {"up": 1.0 if h.up else 0.0, "servers": h.servers, "vcpus": h.vcpus.used,
                  "vcpus_cap": h.vcpus.capacity, "ram": h.ram_mib.used * MIB, "ram_cap": h.ram_mib.capacity * MIB}
        for key, value in values.items():
            families[key].add_metric([site_name, h.name], float(value))
        totals = per_site.setdefault(site_name, [0.0, 0.0, 0.0, 0.0])
        for i, key in enumerate(("vcpus", "vcpus_cap", "ram", "ram_cap")):
            totals[i] += float(values[key])
        if h.disk_gb is not None:  # local disks; a site with a shared pool is counted by its pool below
            used_size = disk.setdefault(site_name, [0.0, 0.0])
            used_size[0] += h.disk_gb.used
            used_size[1] += h.disk_gb.capacity
    for pool in cloud.storage:
        disk[pool.site] = [float(pool.disk_gb.used), float(pool.disk_gb.capacity)]
    yield from families.values()
    site_families = [
        _gauge("sovcloud_site_vcpus_allocated", "vCPUs allocated on the site's hypervisors.", ["site"]),
        _gauge("sovcloud_site_vcpus_available", "vCPUs the site's hypervisors may allocate.", ["site"]),
        _gauge("sovcloud_site_ram_allocated_bytes", "RAM allocated on the site's hypervisors.", ["site"]),
        _gauge("sovcloud_site_ram_available_bytes", "RAM the site's hypervisors may allocate.", ["site"]),
    ]
    for site_name, totals in sorted(per_site.items()):
        for family, value in zip(site_families, totals, strict=True):
            family.add_metric([site_name], value)
    yield from site_families
    used = _gauge("sovcloud_site_storage_allocated_bytes", "Storage allocated on the site (shared pool or local "
                  "disks).", ["site"])
    size = _gauge("sovcloud_site_storage_available_bytes", "Storage the site may allocate.", ["site"])
    for site_name, (used_gb, size_gb) in sorted(disk.items()):
        used.add_metric([site_name], used_gb * GB)
        size.add_metric([site_name], size_gb * GB)
    yield from (used, size)
    free_ips = getattr(provider, "public_ips_free", None)
    if free_ips is not None:
        left = _gauge("sovcloud_site_public_ips_free", "Public IP addresses left in the site's pool.", ["site"])
        for site_name, n in sorted(free_ips().items()):
            left.add_metric([site_name], float(n))
        yield left


def inventory_metrics(session: Session) -> Iterator[Metric]:
    """Resources per organisation, kind and state (deleted ones left out); drift; unknown cloud objects.

    One scan of the resources grouped by project (a few hundred groups), folded into organisations here
    through the small projects table."""
    organisation_of = dict(session.execute(select(Project.id, Organisation.code)
                                           .join(Organisation, Organisation.id == Project.organisation_id)).all())
    rows = session.execute(
        select(Resource.project_id, Resource.kind, Resource.state, Resource.drift, func.count())
        .where(Resource.state != ResourceState.DELETED)
        .group_by(Resource.project_id, Resource.kind, Resource.state, Resource.drift))
    per_org: dict[tuple[str, str, str], int] = {}
    drifted: dict[str, int] = {"missing": 0, "changed": 0}
    for project_id, kind, state, drift, n in rows:
        key = (str(organisation_of.get(project_id, "?")), str(kind), str(state))
        per_org[key] = per_org.get(key, 0) + int(n)
        if drift is not None:
            drifted[str(drift)] = drifted.get(str(drift), 0) + int(n)
    resources = _gauge("sovcloud_resources", "Resources by organisation (code), kind and state.",
                       ["organisation", "kind", "state"])
    for labels, n in sorted(per_org.items()):
        resources.add_metric(list(labels), float(n))
    yield resources
    drift_family = _gauge("sovcloud_resources_drift", "Resources whose cloud object differs from the inventory "
                          "(missing or changed), by kind of drift.", ["drift"])
    for kind, n in drifted.items():
        drift_family.add_metric([kind], float(n))
    yield drift_family
    yield GaugeMetricFamily("sovcloud_unknown_resources", "Cloud objects in sovcloud's projects that the inventory "
                            "does not know.", value=float(session.scalar(select(func.count(UnknownResource.id))) or 0))
