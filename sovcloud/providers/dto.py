"""Provider-neutral data transfer objects.

Frozen dataclasses, one per resource kind, each field commented with its unit. Status enums carry an
``OTHER`` member and a ``from_upstream`` mapping, so a state the provider reports and sovcloud does not
know yet (``PAUSED``, ``SHELVED_OFFLOADED``...) is shown as ``OTHER`` instead of crashing a worker;
the raw value stays available in ``raw_status``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sovcloud.providers.errors import BadInputError


class _UpstreamEnum(StrEnum):
    """A status enum tolerant to unknown upstream values."""

    @classmethod
    def from_upstream(cls, value: str | None) -> _UpstreamEnum:
        """Map an upstream status string (any case) to a member, ``OTHER`` when unknown."""
        key = (value or "").strip().upper().replace("-", "_")
        return cls.__members__.get(key, cls.__members__["OTHER"])


class ServerStatus(_UpstreamEnum):
    """Lifecycle state of a server, as Nova names it."""

    BUILD = "BUILD"
    ACTIVE = "ACTIVE"
    SHUTOFF = "SHUTOFF"
    REBOOT = "REBOOT"
    HARD_REBOOT = "HARD_REBOOT"
    RESIZE = "RESIZE"
    VERIFY_RESIZE = "VERIFY_RESIZE"
    ERROR = "ERROR"
    DELETED = "DELETED"
    UNKNOWN = "UNKNOWN"  # its host cannot be reached (host or site down)
    OTHER = "OTHER"


class VolumeStatus(_UpstreamEnum):
    """Lifecycle state of a block volume, as Cinder names it."""

    CREATING = "CREATING"
    AVAILABLE = "AVAILABLE"
    ATTACHING = "ATTACHING"
    IN_USE = "IN_USE"
    DETACHING = "DETACHING"
    DELETING = "DELETING"
    ERROR = "ERROR"
    OTHER = "OTHER"


class SnapshotStatus(_UpstreamEnum):
    """State of a volume snapshot or of an image (server snapshot)."""

    QUEUED = "QUEUED"
    CREATING = "CREATING"
    SAVING = "SAVING"
    AVAILABLE = "AVAILABLE"
    ACTIVE = "ACTIVE"
    ERROR = "ERROR"
    OTHER = "OTHER"


class ServerGroupPolicy(StrEnum):
    """Placement policy of a server group."""

    AFFINITY = "affinity"  # all members on one host
    ANTI_AFFINITY = "anti-affinity"  # every member on a different host


class ResourceKind(StrEnum):
    """Kinds of objects a provider holds for tenants (see ``CloudProvider.resources``)."""

    SERVER = "server"
    VOLUME = "volume"
    VOLUME_SNAPSHOT = "volume_snapshot"
    IMAGE = "image"
    NETWORK = "network"
    SUBNET = "subnet"
    SECURITY_GROUP = "security_group"
    PUBLIC_IP = "public_ip"
    SERVER_GROUP = "server_group"


@dataclass(frozen=True, kw_only=True)
class Site:
    """An availability zone (a physical site) of the cloud."""

    name: str  #: zone name, e.g. "site-a"
    available: bool  #: False while the whole site is unreachable


@dataclass(frozen=True, kw_only=True)
class Flavor:
    """A server size offered by the cloud."""

    id: str  #: provider id
    name: str  #: display name, e.g. "s1.small"
    vcpus: int  #: virtual CPUs (count)
    ram_mib: int  #: RAM in MiB
    disk_gb: int  #: root disk in GB


@dataclass(frozen=True, kw_only=True)
class Image:
    """A bootable image: public, or a tenant's server snapshot."""

    id: str  #: provider id
    name: str  #: display name, e.g. "debian-12"
    status: SnapshotStatus  #: ACTIVE when usable
    os_distro: str | None  #: OS family, e.g. "debian", "windows"
    min_disk_gb: int  #: smallest root disk it boots on, in GB
    size_mib: int  #: image size in MiB
    tenant: str | None = None  #: owning tenant, None for public images
    source_server_id: str | None = None  #: server this snapshot was taken from
    raw_status: str = ""  #: status exactly as the provider reported it


@dataclass(frozen=True, kw_only=True)
class ServerAddress:
    """One IP address of a server."""

    network_id: str | None  #: network it belongs to, None for a public (floating) IP
    address: str  #: IPv4/IPv6 text form
    kind: str = "fixed"  #: "fixed" or "floating"


@dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """What to create: the provider-neutral input of ``create_server``."""

    name: str  #: display name
    flavor_id: str  #: a ``Flavor.id``
    image_id: str  #: an ``Image.id``
    network_ids: tuple[str, ...] = ()  #: networks to plug a port into, in order
    security_group_ids: tuple[str, ...] = ()  #: security groups applied to every port
    site: str | None = None  #: availability zone, None to let the scheduler choose
    server_group_id: str | None = None  #: server group whose policy constrains placement
    key_name: str | None = None  #: name of the SSH key, for display
    ssh_public_key: str | None = None  #: OpenSSH public key injected at boot
    user_data: str | None = None  #: cloud-init user data (text)
    metadata: Mapping[str, str] = field(default_factory=dict)  #: free key/value tags


@dataclass(frozen=True)
class ServerRequest:
    """One server of a ``create_servers`` call: what to build and the key that makes it happen once."""

    spec: ServerSpec
    idempotency_key: str


def distinct_keys(requests: Sequence[ServerRequest]) -> list[str]:
    """The requests' keys, each present and used once. Raises: BadInputError."""
    keys = [r.idempotency_key for r in requests]
    if not all(keys) or len(set(keys)) != len(keys):
        raise BadInputError("each server needs its own idempotency key")
    return keys


@dataclass(frozen=True, kw_only=True)
class Server:
    """A virtual machine as the provider reports it."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    status: ServerStatus  #: lifecycle state
    task_state: str | None  #: operation in progress ("powering-off"...), None when idle
    flavor_id: str  #: current flavor (the new one only once a resize is done)
    image_id: str  #: image it was booted from
    site: str | None  #: availability zone it runs in
    host: str | None  #: hypervisor name (admin information), None while unscheduled
    addresses: tuple[ServerAddress, ...]  #: fixed and floating IPs
    network_ids: tuple[str, ...]  #: networks it is plugged into
    security_group_ids: tuple[str, ...]  #: security groups applied
    server_group_id: str | None  #: server group it belongs to
    key_name: str | None  #: SSH key name
    metadata: Mapping[str, str]  #: free key/value tags
    created_at: datetime  #: creation time, UTC
    updated_at: datetime  #: last change, UTC
    fault: str | None = None  #: last error message, when status is ERROR
    raw_status: str = ""  #: status exactly as the provider reported it


@dataclass(frozen=True, kw_only=True)
class VolumeSpec:
    """Input of ``create_volume``."""

    name: str  #: display name
    size_gb: int  #: size in GB
    site: str | None = None  #: availability zone, None to let the provider choose
    source_snapshot_id: str | None = None  #: create from this volume snapshot


@dataclass(frozen=True, kw_only=True)
class Volume:
    """A block storage volume."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    size_gb: int  #: size in GB
    status: VolumeStatus  #: lifecycle state
    site: str | None  #: availability zone
    server_id: str | None  #: server it is attached to
    device: str | None  #: device path in the guest, e.g. "/dev/vdb"
    created_at: datetime  #: creation time, UTC
    raw_status: str = ""  #: status exactly as the provider reported it


@dataclass(frozen=True, kw_only=True)
class VolumeSnapshot:
    """A point-in-time copy of a volume."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    volume_id: str  #: source volume
    size_gb: int  #: size in GB
    status: SnapshotStatus  #: AVAILABLE when usable
    created_at: datetime  #: creation time, UTC
    raw_status: str = ""  #: status exactly as the provider reported it


@dataclass(frozen=True, kw_only=True)
class NetworkSpec:
    """Input of ``create_network``: a tenant network with one IPv4 subnet."""

    name: str  #: display name
    cidr: str  #: subnet range, e.g. "10.0.0.0/24"
    gateway_ip: str | None = None  #: None means the first host address
    dns_nameservers: tuple[str, ...] = ()  #: resolvers handed out by DHCP
    enable_dhcp: bool = True  #: whether DHCP serves the subnet


@dataclass(frozen=True, kw_only=True)
class Subnet:
    """An IP range of a network."""

    id: str  #: provider id
    network_id: str  #: owning network
    cidr: str  #: range, e.g. "10.0.0.0/24"
    gateway_ip: str | None  #: gateway address
    dns_nameservers: tuple[str, ...]  #: resolvers
    enable_dhcp: bool  #: DHCP on


@dataclass(frozen=True, kw_only=True)
class Network:
    """A tenant network and its subnets."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    subnets: tuple[Subnet, ...]  #: its IP ranges
    status: str  #: "ACTIVE" when usable
    created_at: datetime  #: creation time, UTC


@dataclass(frozen=True, kw_only=True)
class SecurityGroupRule:
    """One firewall rule. ``id`` is None in the input of a create or an add."""

    direction: str = "ingress"  #: "ingress" or "egress"
    protocol: str | None = "tcp"  #: "tcp", "udp", "icmp" or None for any
    port_min: int | None = None  #: first port (inclusive), None for all
    port_max: int | None = None  #: last port (inclusive), None for all
    remote_cidr: str | None = None  #: source/destination range, None for any
    ethertype: str = "IPv4"  #: "IPv4" or "IPv6"
    id: str | None = None  #: provider id once created


@dataclass(frozen=True, kw_only=True)
class SecurityGroup:
    """A named set of firewall rules applied to server ports."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    description: str  #: free text
    rules: tuple[SecurityGroupRule, ...]  #: its rules, each with an id
    created_at: datetime  #: creation time, UTC


@dataclass(frozen=True, kw_only=True)
class PublicIp:
    """A public (floating) IP address."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    address: str  #: the public address
    site: str | None  #: zone whose pool it comes from
    server_id: str | None  #: server it is associated with
    status: str  #: "ACTIVE" when associated, "DOWN" otherwise
    created_at: datetime  #: allocation time, UTC


@dataclass(frozen=True, kw_only=True)
class ServerGroup:
    """A placement constraint shared by servers."""

    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    policy: ServerGroupPolicy  #: affinity or anti-affinity
    member_ids: tuple[str, ...]  #: servers in the group
    created_at: datetime  #: creation time, UTC


@dataclass(frozen=True, kw_only=True)
class QuotaSet:
    """Limits (or usage) of one tenant. ``None`` means unlimited (in a limit) or unknown."""

    instances: int | None = None  #: servers (count)
    cores: int | None = None  #: vCPUs (count)
    ram_mib: int | None = None  #: RAM in MiB
    volumes: int | None = None  #: volumes (count)
    volume_gb: int | None = None  #: volume storage in GB
    public_ips: int | None = None  #: public IPs (count)
    networks: int | None = None  #: networks (count)
    security_groups: int | None = None  #: security groups (count)
    server_groups: int | None = None  #: server groups (count)


@dataclass(frozen=True, kw_only=True)
class Quotas:
    """A tenant's limits and what it uses of them."""

    tenant: str  #: sovcloud project id
    limits: QuotaSet  #: maxima, None = unlimited
    usage: QuotaSet  #: current consumption


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What a provider can do, so the portal hides what it cannot."""

    resize: bool = True  #: servers can change flavor
    server_snapshots: bool = True  #: servers can be snapshotted to an image
    volumes: bool = True  #: block storage
    volume_snapshots: bool = True  #: volume snapshots
    public_ips: bool = True  #: floating IPs
    security_groups: bool = True  #: firewall rules
    server_groups: bool = True  #: affinity policies
    multi_site: bool = True  #: more than one availability zone
    hypervisor_stats: bool = False  #: per-host capacity figures are readable


@dataclass(frozen=True, kw_only=True)
class ResourceRef:
    """One object held by the cloud, whatever its kind (for inventory reconciliation)."""

    kind: ResourceKind  #: resource kind
    id: str  #: provider id
    tenant: str  #: owning sovcloud project id
    name: str  #: display name
    status: str  #: provider status, upper-case
    site: str | None = None  #: availability zone, when it has one


@dataclass(frozen=True, kw_only=True)
class Hypervisor:
    """Capacity of one compute host (admin view, when ``capabilities().hypervisor_stats``)."""

    name: str  #: host name
    site: str  #: availability zone
    cores: int  #: physical cores (count)
    ram_mib: int  #: physical RAM in MiB
    vcpus_used: int  #: vCPUs allocated to servers (count)
    ram_used_mib: int  #: RAM allocated to servers, in MiB
    servers: int  #: servers placed on it (count)
    up: bool  #: False while the host (or its site) is down


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """One resource class of a host or a storage pool, counted as Placement counts it."""

    total: int  #: physical amount: vCPU in cores, RAM in MiB, disk in GB
    reserved: int = 0  #: kept for the host itself, same unit
    allocation_ratio: float = 1.0  #: overcommit factor applied to ``total - reserved``
    used: int = 0  #: allocated to servers (or volumes), same unit

    @property
    def capacity(self) -> int:
        """What may be allocated in all: ``(total - reserved) × allocation_ratio``, same unit."""
        return int((self.total - self.reserved) * self.allocation_ratio)

    @property
    def free(self) -> int:
        """What is left to allocate (never negative), same unit."""
        return max(0, self.capacity - self.used)


@dataclass(frozen=True, kw_only=True)
class HostCapacity:
    """Capacity and use of one hypervisor (admin view)."""

    name: str  #: host name
    site: str | None  #: availability zone, None when the host is in none
    up: bool  #: False while the host (or its site) is down or disabled
    vcpus: Inventory  #: vCPU (total in physical cores)
    ram_mib: Inventory  #: RAM in MiB
    disk_gb: Inventory | None = None  #: local disk in GB, None when disks are on a shared pool of the site
    servers: int = 0  #: servers placed on it (count)


@dataclass(frozen=True, kw_only=True)
class StoragePool:
    """A storage pool shared by a site's hosts (a Ceph-like backend for root disks and volumes)."""

    site: str  #: availability zone
    disk_gb: Inventory  #: capacity and use in GB


@dataclass(frozen=True, kw_only=True)
class CloudCapacity:
    """What the cloud can still hold: per hypervisor and per shared storage pool."""

    hosts: tuple[HostCapacity, ...]  #: every compute host, by name
    storage: tuple[StoragePool, ...] = ()  #: shared pools per site; empty when disk is per host
