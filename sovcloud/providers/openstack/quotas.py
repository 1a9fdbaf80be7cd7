"""Tenant quotas: one ``QuotaSet`` spread over Nova, Neutron and Cinder."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sovcloud.providers.dto import Quotas, QuotaSet
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import OpenStackBase


def _limit(value: Any) -> int | None:
    return None if value is None or int(value) < 0 else int(value)


def _used(details: Any, name: str) -> int | None:
    if isinstance(details, dict):
        return int(details.get("in_use", details.get("used", 0)) or 0)
    return None


class QuotaOps(OpenStackBase):
    """Reads and pushes quotas with the admin connection."""

    @translated
    def get_quotas(self, tenant: str) -> Quotas:
        """Limits and usage of the tenant's project."""
        project = self._project_id(tenant, create=True)
        nova = self.admin.compute.get_quota_set(project, usage=True)
        cinder = self.admin.block_storage.get_quota_set(project, usage=True)
        neutron = self.admin.network.get_quota(project, details=True)

        def nova_pair(name: str) -> tuple[int | None, int | None]:
            usage = getattr(nova, "usage", None) or {}
            return _limit(getattr(nova, name, None)), usage.get(name)

        def cinder_pair(name: str) -> tuple[int | None, int | None]:
            usage = getattr(cinder, "usage", None) or {}
            return _limit(getattr(cinder, name, None)), usage.get(name)

        def neutron_pair(name: str) -> tuple[int | None, int | None]:
            details = getattr(neutron, name, None)
            if isinstance(details, dict):
                return _limit(details.get("limit")), _used(details, name)
            return _limit(details), None

        pairs = {
            "instances": nova_pair("instances"), "cores": nova_pair("cores"), "ram_mib": nova_pair("ram"),
            "server_groups": nova_pair("server_groups"), "volumes": cinder_pair("volumes"),
            "volume_gb": cinder_pair("gigabytes"), "public_ips": neutron_pair("floating_ips"),
            "networks": neutron_pair("networks"), "security_groups": neutron_pair("security_groups"),
        }  # fmt: skip
        return Quotas(tenant=tenant, limits=QuotaSet(**{k: v[0] for k, v in pairs.items()}),
                      usage=QuotaSet(**{k: v[1] for k, v in pairs.items()}))  # fmt: skip

    @translated
    def set_quotas(self, tenant: str, limits: QuotaSet) -> Quotas:
        """Push the limits to the three services (None = unlimited, -1 upstream)."""
        project = self._project_id(tenant, create=True)
        assert project is not None
        unlimited = {f.name: -1 for f in fields(QuotaSet)}
        self._apply(project, {**unlimited, **{k: v for k, v in asdict(limits).items() if v is not None}})
        return self.get_quotas(tenant)

    def _push_quotas(self, project_id: str, limits: QuotaSet) -> None:
        """Push only the limits sovcloud governs (the others keep the cloud's defaults)."""
        self._apply(project_id, {k: v for k, v in asdict(limits).items() if v is not None})

    def _apply(self, project: str, values: dict[str, int]) -> None:
        for service, names in _SERVICES.items():
            update = {upstream: values[ours] for ours, upstream in names.items() if ours in values}
            if not update:
                continue
            if service == "compute":
                self.admin.compute.update_quota_set(project, **update)
            elif service == "block_storage":
                self.admin.block_storage.update_quota_set(project, **update)
            else:
                self.admin.network.update_quota(project, **update)


#: QuotaSet field → upstream quota name, per service
_SERVICES = {
    "compute": {"instances": "instances", "cores": "cores", "ram_mib": "ram", "server_groups": "server_groups"},
    "block_storage": {"volumes": "volumes", "volume_gb": "gigabytes"},
    "network": {"public_ips": "floating_ips", "networks": "networks", "security_groups": "security_groups"},
}
