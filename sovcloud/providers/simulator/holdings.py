"""Everything the simulated cloud holds, as :class:`ResourceRef` rows (for inventory reconciliation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sovcloud.providers.dto import ResourceKind, ResourceRef
from sovcloud.providers.simulator.convert import image_dto, volume_dto, volume_snapshot_dto
from sovcloud.providers.simulator.lifecycle import server_view
from sovcloud.providers.simulator.models import (
    SimImage,
    SimNetwork,
    SimPublicIp,
    SimSecurityGroup,
    SimServer,
    SimServerGroup,
    SimSubnet,
    SimVolume,
    SimVolumeSnapshot,
    TenantOwned,
)


def _rows(session: Session, model: type[Any], tenant: str | None) -> list[Any]:
    query: Select[Any] = select(model).where(model.tenant != "").order_by(model.created_at, model.id)
    if tenant is not None:
        query = query.where(model.tenant == tenant)
    return list(session.scalars(query))


def _ref(kind: ResourceKind, row: TenantOwned, status: str, site: str | None = None) -> ResourceRef:
    return ResourceRef(kind=kind, id=row.id, tenant=row.tenant, name=row.name, status=status, site=site)


def list_resources(session: Session, tenant: str | None, now: datetime) -> list[ResourceRef]:
    """Every tenant-owned object (public images excluded), of one tenant or of all."""
    refs: list[ResourceRef] = []
    for server in _rows(session, SimServer, tenant):
        refs.append(_ref(ResourceKind.SERVER, server, server_view(server, now).status.value, server.site))
    for volume in _rows(session, SimVolume, tenant):
        refs.append(_ref(ResourceKind.VOLUME, volume, volume_dto(volume, now).status.value, volume.site))
    for snap in _rows(session, SimVolumeSnapshot, tenant):
        refs.append(_ref(ResourceKind.VOLUME_SNAPSHOT, snap, volume_snapshot_dto(snap, now).status.value))
    for image in _rows(session, SimImage, tenant):
        refs.append(_ref(ResourceKind.IMAGE, image, image_dto(image, now).status.value))
    for network in _rows(session, SimNetwork, tenant):
        refs.append(_ref(ResourceKind.NETWORK, network, "ACTIVE"))
    subnets = select(SimSubnet, SimNetwork.tenant).join(SimNetwork, SimNetwork.id == SimSubnet.network_id)
    if tenant is not None:
        subnets = subnets.where(SimNetwork.tenant == tenant)
    for subnet, owner in session.execute(subnets.order_by(SimSubnet.id)):
        refs.append(
            ResourceRef(kind=ResourceKind.SUBNET, id=subnet.id, tenant=owner, name=subnet.cidr, status="ACTIVE")
        )
    for group in _rows(session, SimSecurityGroup, tenant):
        refs.append(_ref(ResourceKind.SECURITY_GROUP, group, "ACTIVE"))
    for ip in _rows(session, SimPublicIp, tenant):
        refs.append(_ref(ResourceKind.PUBLIC_IP, ip, "ACTIVE" if ip.server_id else "DOWN", ip.site))
    for server_group in _rows(session, SimServerGroup, tenant):
        refs.append(_ref(ResourceKind.SERVER_GROUP, server_group, "ACTIVE"))
    return refs
