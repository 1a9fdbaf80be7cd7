"""Tenant quotas: one ``QuotaSet`` spread over Nova, Neutron and Cinder."""

from __future__ import annotations

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

        def v(value: int | None) -> int:
            return -1 if value is None else value

        self.admin.compute.update_quota_set(project, instances=v(limits.instances), cores=v(limits.cores),
                                            ram=v(limits.ram_mib), server_groups=v(limits.server_groups))
        self.admin.block_storage.update_quota_set(project, volumes=v(limits.volumes), gigabytes=v(limits.volume_gb))
        self.admin.network.update_quota(project, floating_ips=v(limits.public_ips), networks=v(limits.networks),
                                        security_groups=v(limits.security_groups))  # fmt: skip
        return self.get_quotas(tenant)
