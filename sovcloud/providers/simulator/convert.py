"""Rows of the simulator's tables to provider-neutral DTOs."""

from __future__ import annotations

from datetime import datetime

from sovcloud.providers.dto import (
    Image,
    Network,
    PublicIp,
    SecurityGroup,
    SecurityGroupRule,
    Server,
    ServerAddress,
    ServerGroup,
    ServerGroupPolicy,
    SnapshotStatus,
    Subnet,
    Volume,
    VolumeSnapshot,
    VolumeStatus,
)
from sovcloud.providers.simulator.context import as_list
from sovcloud.providers.simulator.lifecycle import server_view
from sovcloud.providers.simulator.models import (
    SimImage,
    SimNetwork,
    SimPublicIp,
    SimSecurityGroup,
    SimSecurityGroupRule,
    SimServer,
    SimServerGroup,
    SimSubnet,
    SimVolume,
    SimVolumeSnapshot,
)


def server_dto(row: SimServer, now: datetime, host_name: str | None, host_up: bool = True) -> Server:
    """A server as seen at ``now``."""
    view = server_view(row, now, host_up)
    addresses = tuple(
        ServerAddress(network_id=a.get("network_id"), address=a["address"], kind=a.get("kind", "fixed"))
        for a in row.addresses or ()
    )
    return Server(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        status=view.status,
        task_state=view.task_state,
        flavor_id=view.flavor_id,
        image_id=row.image_id,
        site=row.site,
        host=host_name,
        addresses=addresses,
        network_ids=as_list(row.network_ids),
        security_group_ids=as_list(row.security_group_ids),
        server_group_id=row.server_group_id,
        key_name=row.key_name,
        metadata=dict(row.meta or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        fault=row.fault,
        raw_status=view.status.value,
    )


def image_dto(row: SimImage, now: datetime) -> Image:
    """An image; a snapshot is SAVING until it is ready."""
    status = SnapshotStatus.ACTIVE if now >= row.ready_at else SnapshotStatus.SAVING
    return Image(
        id=row.id,
        name=row.name,
        status=status,
        os_distro=row.os_distro,
        min_disk_gb=row.min_disk_gb,
        size_mib=row.size_mib,
        tenant=row.tenant or None,
        source_server_id=row.source_server_id,
        raw_status=status.value.lower(),
    )


def volume_dto(row: SimVolume, now: datetime) -> Volume:
    """A volume; CREATING until ready, then IN_USE when attached."""
    if now < row.ready_at:
        status = VolumeStatus.CREATING
    else:
        status = VolumeStatus.IN_USE if row.server_id else VolumeStatus.AVAILABLE
    return Volume(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        size_gb=row.size_gb,
        status=status,
        site=row.site,
        server_id=row.server_id,
        device=row.device,
        created_at=row.created_at,
        raw_status=status.value.lower().replace("_", "-"),
    )


def volume_snapshot_dto(row: SimVolumeSnapshot, now: datetime) -> VolumeSnapshot:
    """A volume snapshot; CREATING until ready."""
    status = SnapshotStatus.AVAILABLE if now >= row.ready_at else SnapshotStatus.CREATING
    return VolumeSnapshot(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        volume_id=row.volume_id,
        size_gb=row.size_gb,
        status=status,
        created_at=row.created_at,
        raw_status=status.value.lower(),
    )


def network_dto(row: SimNetwork, subnets: list[SimSubnet]) -> Network:
    """A network with its subnets."""
    return Network(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        status="ACTIVE",
        created_at=row.created_at,
        subnets=tuple(
            Subnet(
                id=s.id,
                network_id=s.network_id,
                cidr=s.cidr,
                gateway_ip=s.gateway_ip,
                dns_nameservers=as_list(s.dns_nameservers),
                enable_dhcp=s.enable_dhcp,
            )
            for s in subnets
        ),
    )


def rule_dto(row: SimSecurityGroupRule) -> SecurityGroupRule:
    """A security group rule."""
    return SecurityGroupRule(
        id=row.id,
        direction=row.direction,
        protocol=row.protocol,
        port_min=row.port_min,
        port_max=row.port_max,
        remote_cidr=row.remote_cidr,
        ethertype=row.ethertype,
    )


def security_group_dto(row: SimSecurityGroup, rules: list[SimSecurityGroupRule]) -> SecurityGroup:
    """A security group with its rules."""
    return SecurityGroup(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        description=row.description,
        rules=tuple(rule_dto(r) for r in rules),
        created_at=row.created_at,
    )


def public_ip_dto(row: SimPublicIp) -> PublicIp:
    """A public IP."""
    return PublicIp(
        id=row.id,
        tenant=row.tenant,
        address=row.address,
        site=row.site,
        server_id=row.server_id,
        status="ACTIVE" if row.server_id else "DOWN",
        created_at=row.created_at,
    )


def server_group_dto(row: SimServerGroup, member_ids: list[str]) -> ServerGroup:
    """A server group with its members."""
    return ServerGroup(
        id=row.id,
        tenant=row.tenant,
        name=row.name,
        policy=ServerGroupPolicy(row.policy),
        member_ids=tuple(member_ids),
        created_at=row.created_at,
    )
