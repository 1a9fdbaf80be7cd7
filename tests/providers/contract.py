"""The provider contract, as tests any ``CloudProvider`` must pass (simulator now, OpenStack later).

Use: subclass :class:`ProviderContract` in a test module and supply two fixtures, ``provider`` (a
``CloudProvider``) and ``tenant`` (a project id with room for a few small servers). The tests rely only on
behaviour both a simulator and a real OpenStack have: they poll with a bounded deadline instead of
assuming timing, and they never look at a provider's internals.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest

from sovcloud.providers import BadInputError, CloudProvider, ConflictError, NotFoundError
from sovcloud.providers.dto import (
    CloudCapacity,
    NetworkSpec,
    ResourceKind,
    SecurityGroupRule,
    Server,
    ServerGroupPolicy,
    ServerRequest,
    ServerSpec,
    ServerStatus,
    VolumeSpec,
    VolumeStatus,
)

T = TypeVar("T")

#: Longest a transition may take in the contract (OpenStack's fake driver: ~3 s for a resize).
DEADLINE_S = 60.0


def eventually(probe: Callable[[], T], accept: Callable[[T], bool], *, what: str, timeout: float = DEADLINE_S) -> T:
    """Call ``probe`` until ``accept`` holds for its result, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        value = probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def wait_server(provider: CloudProvider, tenant: str, server_id: str, status: ServerStatus) -> Server:
    """Poll until the server is idle in ``status``; fail at once if it goes ERROR."""

    def accept(server: Server) -> bool:
        assert server.status is not ServerStatus.ERROR, f"server went ERROR: {server.fault}"
        return server.status is status and server.task_state is None

    return eventually(lambda: provider.get_server(tenant, server_id), accept, what=f"server {status}")


def wait_gone(probe: Callable[[], object]) -> None:
    """Poll until ``probe`` raises NotFoundError."""

    def gone() -> bool:
        try:
            probe()
        except NotFoundError:
            return True
        return False

    eventually(gone, bool, what="deletion")


def key() -> str:
    """A fresh idempotency key."""
    return f"contract-{uuid.uuid4()}"


class ProviderContract:
    """Tests every provider passes. Needs fixtures ``provider`` and ``tenant``."""

    # -- helpers --------------------------------------------------------------------------------------
    def small_spec(self, provider: CloudProvider, tenant: str, **overrides: object) -> ServerSpec:
        flavor = provider.flavors()[0]
        image = next(i for i in provider.images(tenant) if i.tenant is None and i.min_disk_gb <= flavor.disk_gb)
        values: dict[str, object] = {"name": f"vm-{uuid.uuid4().hex[:6]}", "flavor_id": flavor.id, "image_id": image.id}
        values.update(overrides)
        return ServerSpec(**values)  # type: ignore[arg-type]

    # -- catalogue ------------------------------------------------------------------------------------
    def test_catalogue(self, provider: CloudProvider, tenant: str) -> None:
        flavors = provider.flavors()
        assert flavors and all(f.vcpus > 0 and f.ram_mib > 0 for f in flavors)
        assert [f.vcpus for f in flavors] == sorted(f.vcpus for f in flavors)
        assert any(i.tenant is None for i in provider.images(tenant))
        assert provider.sites() and all(s.name for s in provider.sites())
        assert provider.capabilities() is not None

    def test_capacity_per_zone_and_host_follows_a_server(self, provider: CloudProvider, tenant: str) -> None:
        zones = {s.name for s in provider.sites()}
        before = provider.capacity()
        assert before.hosts and {h.site for h in before.hosts} == zones  # every zone has its hosts
        for host in before.hosts:
            for inventory in (host.vcpus, host.ram_mib):
                assert inventory.total > 0 and 0 <= inventory.reserved < inventory.total
                assert inventory.allocation_ratio > 0 and inventory.used >= 0
                assert inventory.capacity == int((inventory.total - inventory.reserved) * inventory.allocation_ratio)
        assert all(p.site in zones and p.disk_gb.total > 0 for p in before.storage)
        assert all(h.disk_gb is not None for h in before.hosts) or before.storage  # disk: per host or pooled
        flavor = provider.flavors()[0]

        def used(c: CloudCapacity) -> tuple[int, int, int]:
            return (sum(h.vcpus.used for h in c.hosts), sum(h.ram_mib.used for h in c.hosts),
                    sum(h.servers for h in c.hosts))

        vcpus0, ram0, servers0 = used(before)
        server = provider.create_server(tenant, self.small_spec(provider, tenant), idempotency_key=key())
        server = wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        after = eventually(provider.capacity, lambda c: used(c)[0] >= vcpus0 + flavor.vcpus, what="vCPUs used")
        assert used(after)[1] >= ram0 + flavor.ram_mib and used(after)[2] >= servers0 + 1
        # its host (when the tenant may see it; OpenStack hides it) is one of its zone's, which holds its vCPUs
        where = [h for h in after.hosts if h.site == server.site and server.host in (None, h.name)]
        assert where and sum(h.vcpus.used for h in where) >= flavor.vcpus and all(h.vcpus.free >= 0 for h in where)
        provider.delete_server(tenant, server.id)
        wait_gone(lambda: provider.get_server(tenant, server.id))

    # -- servers --------------------------------------------------------------------------------------
    def test_server_lifecycle(self, provider: CloudProvider, tenant: str) -> None:
        spec = self.small_spec(provider, tenant, metadata={"owner": "contract"})
        created = provider.create_server(tenant, spec, idempotency_key=key())
        assert created.status in (ServerStatus.BUILD, ServerStatus.ACTIVE)
        assert created.tenant == tenant and created.name == spec.name
        server = wait_server(provider, tenant, created.id, ServerStatus.ACTIVE)
        assert server.flavor_id == spec.flavor_id and server.metadata["owner"] == "contract"
        assert created.id in {s.id for s in provider.servers(tenant)}

        provider.stop_server(tenant, server.id)
        wait_server(provider, tenant, server.id, ServerStatus.SHUTOFF)
        with pytest.raises(ConflictError):
            provider.stop_server(tenant, server.id)
        provider.start_server(tenant, server.id)
        wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        provider.reboot_server(tenant, server.id)
        wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)

        provider.delete_server(tenant, server.id)
        wait_gone(lambda: provider.get_server(tenant, server.id))
        assert server.id not in {s.id for s in provider.servers(tenant)}

    def test_resize(self, provider: CloudProvider, tenant: str) -> None:
        flavors = provider.flavors()
        spec = self.small_spec(provider, tenant)
        server = provider.create_server(tenant, spec, idempotency_key=key())
        wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        provider.resize_server(tenant, server.id, flavors[1].id)
        resized = wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        assert resized.flavor_id == flavors[1].id
        provider.delete_server(tenant, server.id)

    def test_create_is_idempotent(self, provider: CloudProvider, tenant: str) -> None:
        spec, k = self.small_spec(provider, tenant), key()
        first = provider.create_server(tenant, spec, idempotency_key=k)
        again = provider.create_server(tenant, spec, idempotency_key=k)
        assert again.id == first.id
        assert [s.id for s in provider.servers(tenant)].count(first.id) == 1
        assert sum(1 for s in provider.servers(tenant) if s.name == spec.name) == 1
        provider.delete_server(tenant, first.id)

    def test_create_servers_is_idempotent_per_key(self, provider: CloudProvider, tenant: str) -> None:
        specs = [self.small_spec(provider, tenant) for _ in range(3)]
        keys = [key() for _ in specs]
        first = provider.create_servers(tenant, [ServerRequest(s, k) for s, k in zip(specs[:2], keys[:2], strict=True)])
        assert [s.name for s in first] == [specs[0].name, specs[1].name]
        # a replay after a partial failure: the first two come back as they are, the third is created
        again = provider.create_servers(tenant, [ServerRequest(s, k) for s, k in zip(specs, keys, strict=True)])
        assert [s.id for s in again[:2]] == [s.id for s in first]
        assert again[2].name == specs[2].name and again[2].id not in {s.id for s in first}
        names = [s.name for s in provider.servers(tenant)]
        assert all(names.count(s.name) == 1 for s in specs)
        with pytest.raises(BadInputError, match="own idempotency key"):
            provider.create_servers(tenant, [ServerRequest(specs[0], "dup"), ServerRequest(specs[1], "dup")])
        for server in again:
            wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
            provider.delete_server(tenant, server.id)

    def test_find_servers_by_key_creates_nothing(self, provider: CloudProvider, tenant: str) -> None:
        specs, keys = [self.small_spec(provider, tenant) for _ in range(2)], [key(), key()]
        created = provider.create_servers(tenant, [ServerRequest(specs[0], keys[0])])
        never = keys[1]
        found = provider.find_servers(tenant, [keys[0], never])
        assert set(found) == {keys[0]} and found[keys[0]].id == created[0].id
        assert found[keys[0]].name == specs[0].name
        assert provider.find_servers(f"other-{uuid.uuid4().hex[:8]}", keys) == {}  # another tenant sees nothing
        assert provider.find_servers(tenant, []) == {}
        assert [s.id for s in provider.servers(tenant)] == [created[0].id]  # the lookup created nothing
        wait_server(provider, tenant, created[0].id, ServerStatus.ACTIVE)
        provider.delete_server(tenant, created[0].id)

    def test_tenants_are_isolated(self, provider: CloudProvider, tenant: str) -> None:
        server = provider.create_server(tenant, self.small_spec(provider, tenant), idempotency_key=key())
        other = f"other-{uuid.uuid4().hex[:8]}"
        with pytest.raises(NotFoundError):
            provider.get_server(other, server.id)
        with pytest.raises(NotFoundError):
            provider.delete_server(other, server.id)
        assert server.id not in {s.id for s in provider.servers(other)}
        provider.delete_server(tenant, server.id)

    def test_unknown_objects(self, provider: CloudProvider, tenant: str) -> None:
        with pytest.raises(NotFoundError):
            provider.get_server(tenant, str(uuid.uuid4()))
        with pytest.raises(NotFoundError):
            provider.get_volume(tenant, str(uuid.uuid4()))
        with pytest.raises(BadInputError):
            provider.create_server(
                tenant, self.small_spec(provider, tenant, flavor_id="no-such-flavor"), idempotency_key=key()
            )

    # -- storage --------------------------------------------------------------------------------------
    def test_volume_attach_detach(self, provider: CloudProvider, tenant: str) -> None:
        server = provider.create_server(tenant, self.small_spec(provider, tenant), idempotency_key=key())
        server = wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        k = key()
        volume = provider.create_volume(tenant, VolumeSpec(name="data", size_gb=1, site=server.site), idempotency_key=k)
        assert provider.create_volume(tenant, VolumeSpec(name="data", size_gb=1), idempotency_key=k).id == volume.id
        eventually(lambda: provider.get_volume(tenant, volume.id), lambda v: v.status is VolumeStatus.AVAILABLE,
                   what="volume available")  # fmt: skip
        provider.attach_volume(tenant, volume.id, server.id)
        attached = eventually(lambda: provider.get_volume(tenant, volume.id),
                              lambda v: v.status is VolumeStatus.IN_USE, what="volume in use")  # fmt: skip
        assert attached.server_id == server.id
        with pytest.raises(ConflictError):
            provider.delete_volume(tenant, volume.id)
        provider.detach_volume(tenant, volume.id)
        eventually(lambda: provider.get_volume(tenant, volume.id), lambda v: v.status is VolumeStatus.AVAILABLE,
                   what="volume detached")  # fmt: skip
        provider.delete_volume(tenant, volume.id)
        wait_gone(lambda: provider.get_volume(tenant, volume.id))
        provider.delete_server(tenant, server.id)

    # -- networking -----------------------------------------------------------------------------------
    def test_network_security_group_public_ip(self, provider: CloudProvider, tenant: str) -> None:
        k = key()
        network = provider.create_network(tenant, NetworkSpec(name="net", cidr="10.20.0.0/24"), idempotency_key=k)
        assert provider.create_network(tenant, NetworkSpec(name="net", cidr="10.20.0.0/24"), idempotency_key=k).id == (
            network.id
        )
        assert network.subnets and network.subnets[0].cidr == "10.20.0.0/24"
        ssh = SecurityGroupRule(direction="ingress", protocol="tcp", port_min=22, port_max=22, remote_cidr="0.0.0.0/0")
        group = provider.create_security_group(tenant, "ssh", rules=[ssh], idempotency_key=key())
        assert any(r.port_min == 22 and r.id for r in group.rules)
        spec = self.small_spec(provider, tenant, network_ids=(network.id,), security_group_ids=(group.id,))
        server = provider.create_server(tenant, spec, idempotency_key=key())
        server = wait_server(provider, tenant, server.id, ServerStatus.ACTIVE)
        assert any(a.network_id == network.id and a.address.startswith("10.20.0.") for a in server.addresses)
        with pytest.raises(ConflictError):
            provider.delete_network(tenant, network.id)

        ip = provider.allocate_public_ip(tenant, idempotency_key=key())
        assert provider.associate_public_ip(tenant, ip.id, server.id).server_id == server.id
        assert provider.disassociate_public_ip(tenant, ip.id).server_id is None
        provider.release_public_ip(tenant, ip.id)
        assert ip.id not in {p.id for p in provider.public_ips(tenant)}

        provider.delete_server(tenant, server.id)
        wait_gone(lambda: provider.get_server(tenant, server.id))
        provider.delete_security_group(tenant, group.id)
        provider.delete_network(tenant, network.id)
        wait_gone(lambda: provider.get_network(tenant, network.id))

    def test_server_group_anti_affinity_membership(self, provider: CloudProvider, tenant: str) -> None:
        group = provider.create_server_group(tenant, "ha", ServerGroupPolicy.ANTI_AFFINITY, idempotency_key=key())
        server = provider.create_server(
            tenant, self.small_spec(provider, tenant, server_group_id=group.id), idempotency_key=key()
        )
        assert server.id in provider.get_server_group(tenant, group.id).member_ids
        assert group.policy is ServerGroupPolicy.ANTI_AFFINITY
        provider.delete_server(tenant, server.id)
        wait_gone(lambda: provider.get_server(tenant, server.id))
        provider.delete_server_group(tenant, group.id)

    # -- quotas and holdings --------------------------------------------------------------------------
    def test_quotas_round_trip(self, provider: CloudProvider, tenant: str) -> None:
        before = provider.get_quotas(tenant)
        limits = before.limits.__class__(instances=50, cores=100, ram_mib=200 * 1024)
        after = provider.set_quotas(tenant, limits)
        assert after.limits.instances == 50 and after.limits.cores == 100
        assert provider.get_quotas(tenant).limits.ram_mib == 200 * 1024

    def test_resources_lists_what_was_created(self, provider: CloudProvider, tenant: str) -> None:
        server = provider.create_server(tenant, self.small_spec(provider, tenant), idempotency_key=key())
        refs = provider.resources(tenant)
        assert any(r.kind is ResourceKind.SERVER and r.id == server.id for r in refs)
        assert all(r.tenant == tenant for r in refs)
        provider.delete_server(tenant, server.id)
        wait_gone(lambda: provider.get_server(tenant, server.id))
        assert not any(r.id == server.id for r in provider.resources(tenant))
