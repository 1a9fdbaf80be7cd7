"""Capacity from Placement: each compute node's inventories (total, reserved, allocation ratio) and usages,
with its availability zone and state from Nova — the operators' view, read with the admin connection.

Placement speaks of resource providers and resource classes; what leaves this module is provider-neutral
(:class:`~sovcloud.providers.dto.CloudCapacity`). A compute node's resource provider has the uuid of its
Nova hypervisor (compute API ≥ 2.53), which gives its host, and the host gives its zone.
"""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk

from sovcloud.providers.dto import CloudCapacity, HostCapacity, Inventory
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import OpenStackBase

#: Placement's resource classes, as the DTO's fields name them
VCPU, MEMORY_MB, DISK_GB = "VCPU", "MEMORY_MB", "DISK_GB"


def _inventory(inventories: dict[str, Any], usages: dict[str, Any], resource_class: str) -> Inventory | None:
    raw = inventories.get(resource_class)
    if raw is None:
        return None
    return Inventory(total=int(raw.get("total", 0)), reserved=int(raw.get("reserved", 0)),
                     allocation_ratio=float(raw.get("allocation_ratio", 1.0)),
                     used=int(usages.get(resource_class, 0)))


class PlacementOps(OpenStackBase):
    """``capacity()`` from Placement's resource providers, inventories, usages and allocations."""

    def _placement(self, path: str) -> Any:
        """The JSON body of a Placement GET (its errors raised as openstacksdk's)."""
        response = self.admin.placement.get(path, raise_exc=False)
        sdk.raise_from_response(response)
        return response.json()

    def _zones_of_hosts(self) -> dict[str, str]:
        """Compute host → availability zone (only hosts running nova-compute: the "internal" zone lists the
        control services, possibly on a host of the same name)."""
        zones: dict[str, str] = {}
        for zone in self.admin.compute.availability_zones(details=True):
            for host, services in (zone.hosts or {}).items():
                if "nova-compute" in (services or {}):
                    zones[host] = zone.name
        return zones

    @translated
    def capacity(self) -> CloudCapacity:
        """Every compute node Placement knows: vCPU, RAM and local disk (total, reserved, ratio, used), its
        zone, whether its hypervisor is up and enabled, and how many servers hold allocations on it."""
        zones = self._zones_of_hosts()
        hypervisors = {h.id: h for h in self._paged(self.admin.compute.hypervisors, details=True)}
        hosts: list[HostCapacity] = []
        for provider in self._placement("/resource_providers")["resource_providers"]:
            uuid = provider["uuid"]
            inventories = self._placement(f"/resource_providers/{uuid}/inventories")["inventories"]
            if VCPU not in inventories and MEMORY_MB not in inventories:
                continue  # not a compute node (a sharing pool, a nested device...)
            usages = self._placement(f"/resource_providers/{uuid}/usages")["usages"]
            allocations = self._placement(f"/resource_providers/{uuid}/allocations")["allocations"]
            hypervisor = hypervisors.get(uuid)
            host = (hypervisor.service_details or {}).get("host") if hypervisor is not None else None
            host = host or provider["name"]
            up = hypervisor is None or (hypervisor.state == "up" and hypervisor.status == "enabled")
            hosts.append(HostCapacity(
                name=host, site=zones.get(host), up=up, servers=len(allocations),
                vcpus=_inventory(inventories, usages, VCPU) or Inventory(total=0),
                ram_mib=_inventory(inventories, usages, MEMORY_MB) or Inventory(total=0),
                disk_gb=_inventory(inventories, usages, DISK_GB)))  # fmt: skip
        return CloudCapacity(hosts=tuple(sorted(hosts, key=lambda h: h.name)))
