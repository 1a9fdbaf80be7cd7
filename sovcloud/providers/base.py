"""The provider contract: one typed Protocol that the simulator and the OpenStack adapter implement.

Rules every implementation follows (the contract tests in ``tests/providers/contract.py`` check them):

* Tenancy: every tenant-scoped call takes ``tenant``, a sovcloud project id; the provider maps it to its
  own notion (a Keystone project). An object of another tenant is reported as :class:`NotFoundError`.
* Idempotency: every ``create_*`` / ``allocate_*`` / ``snapshot_*`` takes ``idempotency_key`` (the
  provisioning step id). Calling it again with the same key returns the *same* object, never a second
  one, even after a timeout or from another process. A key reused by another tenant is a
  :class:`ConflictError`.
* No waiting: creates and actions return at once (a server in ``BUILD``, a volume in ``CREATING``);
  callers poll ``get_*`` for the transition, with a bounded deadline, inside a task.
* Deletes return at once; the object then disappears (``get_*`` raises :class:`NotFoundError`). Deleting
  what is already gone raises :class:`NotFoundError`, which a retried delete step may treat as success.
* Errors: only the :mod:`sovcloud.providers.errors` tree escapes; only :class:`TransientError` is retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sovcloud.providers.dto import (
    Capabilities,
    CloudCapacity,
    Flavor,
    Image,
    Network,
    NetworkSpec,
    PublicIp,
    Quotas,
    QuotaSet,
    ResourceRef,
    SecurityGroup,
    SecurityGroupRule,
    Server,
    ServerGroup,
    ServerGroupPolicy,
    ServerRequest,
    ServerSpec,
    Site,
    Volume,
    VolumeSnapshot,
    VolumeSpec,
)


@runtime_checkable
class CloudProvider(Protocol):
    """A cloud that sovcloud drives. Only workers call it, never a request handler."""

    # -- the cloud as a whole ---------------------------------------------------------------------------
    def capabilities(self) -> Capabilities:
        """What this provider supports."""
        ...

    def sites(self) -> list[Site]:
        """The availability zones, with their availability."""
        ...

    def capacity(self) -> CloudCapacity:
        """Capacity and use per hypervisor (vCPU, RAM, disk: total, reserved, allocation ratio, used) and per
        shared storage pool, with each host's availability zone: the operators' view (admin credentials;
        on OpenStack, Placement's inventories and usages)."""
        ...

    def flavors(self) -> list[Flavor]:
        """The server sizes, smallest first."""
        ...

    def images(self, tenant: str) -> list[Image]:
        """Public images plus the tenant's own snapshots."""
        ...

    def get_image(self, tenant: str, image_id: str) -> Image:
        """One image visible to the tenant. Raises: NotFoundError."""
        ...

    def resources(self, tenant: str | None = None) -> list[ResourceRef]:
        """Every object the cloud holds (for one tenant, or all): inventory reconciliation."""
        ...

    # -- servers ----------------------------------------------------------------------------------------
    def create_server(self, tenant: str, spec: ServerSpec, *, idempotency_key: str) -> Server:
        """Start building a server; returns it in BUILD (or already ACTIVE).

        Raises: BadInputError (unknown flavor/image/network...), QuotaExceededError, CapacityError.
        """
        ...

    def create_servers(self, tenant: str, requests: Sequence[ServerRequest]) -> list[Server]:
        """Start building several servers in one call (as Nova's multi-create), each idempotent by its own
        key; returns them in the order asked. On an error, some may have been created: calling again with
        the same requests returns those and creates the rest.

        Raises: as ``create_server``.
        """
        ...

    def find_servers(self, tenant: str, idempotency_keys: Sequence[str]) -> dict[str, Server]:
        """The tenant's servers created with any of these keys, by key (a key never used is absent). Creates
        nothing; costs what the keys cost, not what the tenant holds: how a compensation learns whether a
        create whose answer was lost took effect."""
        ...

    def get_server(self, tenant: str, server_id: str) -> Server:
        """One server, its status reflecting any finished transition. Raises: NotFoundError."""
        ...

    def servers(self, tenant: str) -> list[Server]:
        """All servers of the tenant."""
        ...

    def delete_server(self, tenant: str, server_id: str) -> None:
        """Delete a server; its volumes are detached and its public IPs disassociated."""
        ...

    def start_server(self, tenant: str, server_id: str) -> Server:
        """Power on a SHUTOFF server. Raises: ConflictError if it is not SHUTOFF."""
        ...

    def stop_server(self, tenant: str, server_id: str) -> Server:
        """Power off an ACTIVE server. Raises: ConflictError if it is not ACTIVE."""
        ...

    def reboot_server(self, tenant: str, server_id: str, *, hard: bool = False) -> Server:
        """Reboot an ACTIVE server (REBOOT, then ACTIVE). Raises: ConflictError."""
        ...

    def resize_server(self, tenant: str, server_id: str, flavor_id: str) -> Server:
        """Change the flavor (RESIZE, then ACTIVE with the new flavor; the resize is confirmed).

        Raises: BadInputError, ConflictError, QuotaExceededError, CapacityError.
        """
        ...

    def snapshot_server(self, tenant: str, server_id: str, name: str, *, idempotency_key: str) -> Image:
        """Snapshot a server to a private image (QUEUED/SAVING, then ACTIVE)."""
        ...

    # -- block storage ----------------------------------------------------------------------------------
    def create_volume(self, tenant: str, spec: VolumeSpec, *, idempotency_key: str) -> Volume:
        """Create a volume (CREATING, then AVAILABLE). Raises: QuotaExceededError, CapacityError."""
        ...

    def get_volume(self, tenant: str, volume_id: str) -> Volume:
        """One volume. Raises: NotFoundError."""
        ...

    def volumes(self, tenant: str) -> list[Volume]:
        """All volumes of the tenant."""
        ...

    def delete_volume(self, tenant: str, volume_id: str) -> None:
        """Delete an unattached volume without snapshots. Raises: ConflictError, NotFoundError."""
        ...

    def attach_volume(self, tenant: str, volume_id: str, server_id: str) -> Volume:
        """Attach an AVAILABLE volume to a server of the same site (then IN_USE)."""
        ...

    def detach_volume(self, tenant: str, volume_id: str) -> Volume:
        """Detach a volume from its server (then AVAILABLE)."""
        ...

    def snapshot_volume(self, tenant: str, volume_id: str, name: str, *, idempotency_key: str) -> VolumeSnapshot:
        """Snapshot a volume (CREATING, then AVAILABLE)."""
        ...

    def volume_snapshots(self, tenant: str) -> list[VolumeSnapshot]:
        """All volume snapshots of the tenant."""
        ...

    def delete_volume_snapshot(self, tenant: str, snapshot_id: str) -> None:
        """Delete a volume snapshot."""
        ...

    # -- networking -------------------------------------------------------------------------------------
    def create_network(self, tenant: str, spec: NetworkSpec, *, idempotency_key: str) -> Network:
        """Create a network with one subnet. Raises: BadInputError (bad CIDR), QuotaExceededError."""
        ...

    def get_network(self, tenant: str, network_id: str) -> Network:
        """One network. Raises: NotFoundError."""
        ...

    def networks(self, tenant: str) -> list[Network]:
        """All networks of the tenant."""
        ...

    def delete_network(self, tenant: str, network_id: str) -> None:
        """Delete a network no server uses. Raises: ConflictError, NotFoundError."""
        ...

    def create_security_group(
        self,
        tenant: str,
        name: str,
        *,
        rules: Sequence[SecurityGroupRule] = (),
        description: str = "",
        idempotency_key: str,
    ) -> SecurityGroup:
        """Create a security group with its rules."""
        ...

    def get_security_group(self, tenant: str, group_id: str) -> SecurityGroup:
        """One security group. Raises: NotFoundError."""
        ...

    def security_groups(self, tenant: str) -> list[SecurityGroup]:
        """All security groups of the tenant."""
        ...

    def delete_security_group(self, tenant: str, group_id: str) -> None:
        """Delete a security group no server uses. Raises: ConflictError, NotFoundError."""
        ...

    def add_security_group_rule(self, tenant: str, group_id: str, rule: SecurityGroupRule) -> SecurityGroup:
        """Add a rule; adding an identical rule again is a no-op."""
        ...

    def remove_security_group_rule(self, tenant: str, group_id: str, rule_id: str) -> SecurityGroup:
        """Remove a rule. Raises: NotFoundError."""
        ...

    def allocate_public_ip(self, tenant: str, *, site: str | None = None, idempotency_key: str) -> PublicIp:
        """Reserve a public IP from a site's pool. Raises: QuotaExceededError, CapacityError."""
        ...

    def public_ips(self, tenant: str) -> list[PublicIp]:
        """All public IPs of the tenant."""
        ...

    def associate_public_ip(self, tenant: str, ip_id: str, server_id: str) -> PublicIp:
        """Route a public IP to a server (re-associating moves it). Raises: NotFoundError, BadInputError."""
        ...

    def disassociate_public_ip(self, tenant: str, ip_id: str) -> PublicIp:
        """Unroute a public IP, keeping it reserved."""
        ...

    def release_public_ip(self, tenant: str, ip_id: str) -> None:
        """Give a public IP back to the pool."""
        ...

    # -- server groups ----------------------------------------------------------------------------------
    def create_server_group(
        self, tenant: str, name: str, policy: ServerGroupPolicy, *, idempotency_key: str
    ) -> ServerGroup:
        """Create a server group with an affinity or anti-affinity policy."""
        ...

    def get_server_group(self, tenant: str, group_id: str) -> ServerGroup:
        """One server group with its members. Raises: NotFoundError."""
        ...

    def server_groups(self, tenant: str) -> list[ServerGroup]:
        """All server groups of the tenant."""
        ...

    def delete_server_group(self, tenant: str, group_id: str) -> None:
        """Delete a server group (its servers stay)."""
        ...

    # -- quotas -----------------------------------------------------------------------------------------
    def get_quotas(self, tenant: str) -> Quotas:
        """The tenant's limits and usage."""
        ...

    def set_quotas(self, tenant: str, limits: QuotaSet) -> Quotas:
        """Replace the tenant's limits (None = unlimited). Lowering below usage is allowed: it only blocks
        further creates."""
        ...
