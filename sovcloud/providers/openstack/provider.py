"""``OpenStackProvider``: the ``CloudProvider`` contract on a real OpenStack, assembled from one mixin per
resource kind (compute, block storage, network, image, quotas) over the shared tenancy base."""

from __future__ import annotations

from typing import Any

from sovcloud.providers.dto import Capabilities, ResourceKind, ResourceRef
from sovcloud.providers.openstack.block_storage import BlockStorageOps
from sovcloud.providers.openstack.compute import ComputeOps
from sovcloud.providers.openstack.config import OpenStackConfig
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import QuotaSource
from sovcloud.providers.openstack.image import ImageOps
from sovcloud.providers.openstack.network import NetworkOps
from sovcloud.providers.openstack.placement import PlacementOps
from sovcloud.providers.openstack.quotas import QuotaOps


class OpenStackProvider(ComputeOps, BlockStorageOps, NetworkOps, ImageOps, QuotaOps, PlacementOps):
    """sovcloud on OpenStack through openstacksdk. Thread-safe; one instance per worker process is enough.

    Idempotency keys live on the cloud's objects (server/volume/snapshot/image metadata ``sovcloud_key``, a
    server tag ``sk-<digest>`` that Nova filters on, ``[sk-<digest>]`` at the end of Neutron descriptions, a
    name suffix on server groups), so a fresh instance in another process finds what a killed one created —
    by a query filtered on the key, never by listing the tenant. Every list is paged (``page_size``).
    """

    def __init__(self, config: OpenStackConfig, *, quota_source: QuotaSource | None = None) -> None:
        super().__init__(config, quota_source=quota_source)

    def capabilities(self) -> Capabilities:
        """Everything, per-host statistics included (from Placement, with the admin connection)."""
        return Capabilities(hypervisor_stats=True)

    @translated
    def resources(self, tenant: str | None = None) -> list[ResourceRef]:
        """Every object of one tenant (or of every sovcloud tenant), for inventory reconciliation."""
        tenants = [tenant] if tenant is not None else sorted(self._tenant_projects())
        refs: list[ResourceRef] = []
        for name in tenants:
            refs.extend(self._tenant_resources(name))
        return refs

    def _tenant_resources(self, tenant: str) -> list[ResourceRef]:
        refs: list[ResourceRef] = []

        def add(kind: ResourceKind, id_: str, name: str, status: str, site: str | None = None) -> None:
            refs.append(ResourceRef(kind=kind, id=id_, tenant=tenant, name=name, status=status.upper(), site=site))

        for s in self.servers(tenant):
            add(ResourceKind.SERVER, s.id, s.name, s.raw_status, s.site)
        for v in self.volumes(tenant):
            add(ResourceKind.VOLUME, v.id, v.name, v.raw_status, v.site)
        for vs in self.volume_snapshots(tenant):
            add(ResourceKind.VOLUME_SNAPSHOT, vs.id, vs.name, vs.raw_status)
        for n in self.networks(tenant):
            add(ResourceKind.NETWORK, n.id, n.name, n.status)
            for sub in n.subnets:
                add(ResourceKind.SUBNET, sub.id, sub.cidr, "ACTIVE")
        for g in self.security_groups(tenant):
            add(ResourceKind.SECURITY_GROUP, g.id, g.name, "ACTIVE")
        for ip in self.public_ips(tenant):
            add(ResourceKind.PUBLIC_IP, ip.id, ip.address, ip.status)
        for sg in self.server_groups(tenant):
            add(ResourceKind.SERVER_GROUP, sg.id, sg.name, "ACTIVE")
        if self._project_id(tenant, create=False):
            for image in self.images(tenant):
                if image.tenant is not None:
                    add(ResourceKind.IMAGE, image.id, image.name, image.raw_status)
        return refs


def build(*, quota_source: QuotaSource | None = None, **settings: Any) -> OpenStackProvider:
    """Factory for the provider registry: ``build_provider("openstack", cloud="sovdc", ...)``; ``quota_source``
    gives sovcloud's limits of a tenant, pushed to Nova, Cinder and Neutron at its first use by the process."""
    return OpenStackProvider(OpenStackConfig(**settings), quota_source=quota_source)
