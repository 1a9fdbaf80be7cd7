"""Provider work for each kind of resource: bring one resource a step closer to ready, or delete it.

Each function is called outside any database transaction with a plain snapshot, and returns what to
write back. Every create carries the resource's idempotency key, so replaying a call never creates twice.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sovcloud.providers import errors as perr
from sovcloud.providers.base import CloudProvider
from sovcloud.providers.dto import (
    NetworkSpec,
    SecurityGroupRule,
    Server,
    ServerRequest,
    ServerSpec,
    ServerStatus,
    VolumeSpec,
    VolumeStatus,
)


@dataclass
class Snapshot:
    """What a handler needs to know of one resource."""

    id: str
    key: str
    kind: str
    name: str
    tenant: str
    provider_id: str | None
    site: str | None
    plan_code: str | None
    params: dict[str, Any]
    attributes: dict[str, Any]


@dataclass
class Progress:
    """What a handler learned: written back to the resource row."""

    done: bool = False
    provider_id: str | None = None
    status: str | None = None
    site: str | None = None
    address: str | None = None
    flavor: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Wait:
    """Not finished: look again after ``delay`` seconds."""

    delay: float


class Lookups:
    """Flavor and image ids by name, read once and kept a while: the flavors for ``ttl_s``, each tenant's
    images for ``ttl_s`` and for at most ``max_tenants`` tenants (the least recently used go first), so a
    worker serving thousands of projects keeps a bounded cache. A name not found re-reads the listing once
    (it may be new). Shared by a worker's threads."""

    def __init__(self, provider: CloudProvider, *, ttl_s: float = 300.0, max_tenants: int = 256,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.provider = provider
        self.ttl_s, self.max_tenants, self._clock = ttl_s, max_tenants, clock
        self._lock = threading.Lock()
        self._flavors: tuple[float, dict[str, str]] = (float("-inf"), {})
        self._images: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()

    def flavor(self, name: str) -> str:
        with self._lock:
            read_at, flavors = self._flavors
        if name not in flavors or self._clock() - read_at > self.ttl_s:
            flavors = {f.name: f.id for f in self.provider.flavors()}
            with self._lock:
                self._flavors = (self._clock(), flavors)
        if name not in flavors:
            raise perr.BadInputError(f"gabarit inconnu du cloud : {name}")
        return flavors[name]

    def image(self, tenant: str, name: str) -> str:
        with self._lock:
            read_at, images = self._images.get(tenant, (float("-inf"), {}))
        if name not in images or self._clock() - read_at > self.ttl_s:
            images = {}
            for image in self.provider.images(tenant):
                images[image.name] = image.id
                images[image.id] = image.id
            with self._lock:
                self._images[tenant] = (self._clock(), images)
                self._images.move_to_end(tenant)
                while len(self._images) > self.max_tenants:
                    self._images.popitem(last=False)
        else:
            with self._lock:
                if tenant in self._images:
                    self._images.move_to_end(tenant)
        if name not in images:
            raise perr.BadInputError(f"image inconnue du cloud : {name}")
        return images[name]

    @property
    def tenants_cached(self) -> int:
        """How many tenants' images are kept now."""
        return len(self._images)


def advance(p: CloudProvider, lookups: Lookups, r: Snapshot, peers: dict[str, Progress]) -> Progress:
    """Create ``r`` if needed and report whether it is ready. ``peers`` holds the progress of the other
    resources of the same step (a data volume waits for its server)."""
    return _ADVANCE[r.kind](p, lookups, r, peers)


def will_create(r: Snapshot, peers: dict[str, Progress]) -> bool:
    """Whether ``advance`` would send ``r``'s create now (a data volume waits until its server is ready)."""
    if r.provider_id is not None:
        return False
    attach_to = r.attributes.get("attach_to")
    return not attach_to or bool((server := peers.get(attach_to)) and server.done)


def _server_spec(lookups: Lookups, r: Snapshot) -> ServerSpec:
    return ServerSpec(name=r.name, flavor_id=lookups.flavor(r.plan_code or ""),
                      image_id=lookups.image(r.tenant, r.params.get("image", "")),
                      network_ids=tuple(r.attributes.get("network_ids", ())),
                      security_group_ids=tuple(r.attributes.get("security_group_ids", ())),
                      site=r.site, ssh_public_key=r.params.get("ssh_key"), user_data=r.params.get("user_data"),
                      metadata={"sovcloud_resource": r.id})


def _server_progress(r: Snapshot, server: Server) -> Progress:
    if server.status == ServerStatus.ERROR:
        raise perr.ProviderError(f"le serveur {r.name} est en erreur : {server.fault or 'cause inconnue'}")
    fixed = next((a.address for a in server.addresses if a.kind == "fixed"), None)
    return Progress(done=server.status == ServerStatus.ACTIVE and not server.task_state, provider_id=server.id,
                    status=server.status.value, site=server.site, address=fixed, flavor=r.plan_code)


def _server(p: CloudProvider, lookups: Lookups, r: Snapshot, _peers: dict[str, Progress]) -> Progress:
    if r.provider_id is None:
        server = p.create_server(r.tenant, _server_spec(lookups, r), idempotency_key=r.key)
    else:
        server = p.get_server(r.tenant, r.provider_id)
    return _server_progress(r, server)


def create_servers(p: CloudProvider, lookups: Lookups, snaps: list[Snapshot]) -> dict[str, Progress]:
    """Create the servers among ``snaps`` not created yet, in one provider call, and report their progress
    by resource id. Raises as ``advance`` (nothing is reported then: the step replays the same keys)."""
    todo = [r for r in snaps if r.kind == "server" and r.provider_id is None]
    if not todo:
        return {}
    by_tenant: dict[str, list[Snapshot]] = {}
    for r in todo:
        by_tenant.setdefault(r.tenant, []).append(r)
    progress: dict[str, Progress] = {}
    for tenant, group in by_tenant.items():
        servers = p.create_servers(tenant, [ServerRequest(_server_spec(lookups, r), r.key) for r in group])
        progress.update((r.id, _server_progress(r, s)) for r, s in zip(group, servers, strict=True))
    return progress


def poll_servers(p: CloudProvider, snaps: list[Snapshot]) -> dict[str, Progress]:
    """The progress of the servers among ``snaps`` already created, from one ``find_servers`` call per
    tenant (by key: a page of 50 servers in one or two requests, not one ``get_server`` each). A server the
    lookup misses is left out: ``advance`` reads it by id (and reports it gone if it is)."""
    by_tenant: dict[str, list[Snapshot]] = {}
    for r in snaps:
        if r.kind == "server" and r.provider_id is not None:
            by_tenant.setdefault(r.tenant, []).append(r)
    progress: dict[str, Progress] = {}
    for tenant, group in by_tenant.items():
        found = p.find_servers(tenant, [r.key for r in group])
        progress.update((r.id, _server_progress(r, found[r.key])) for r in group
                        if r.key in found and found[r.key].id == r.provider_id)
    return progress


def _volume(p: CloudProvider, _lookups: Lookups, r: Snapshot, peers: dict[str, Progress]) -> Progress:
    attach_to = r.attributes.get("attach_to")
    server = peers.get(attach_to) if attach_to else None
    if attach_to and (server is None or not server.done):
        return Progress(done=False, provider_id=r.provider_id)  # wait for the server, then follow its site
    size = int(r.attributes.get("size_gb") or r.params.get("size_gb") or r.params.get("data_volume_gb") or 1)
    if r.provider_id is None:
        volume = p.create_volume(r.tenant, VolumeSpec(name=r.name, size_gb=size,
                                                      site=server.site if server else r.site),
                                 idempotency_key=r.key)
    else:
        volume = p.get_volume(r.tenant, r.provider_id)
    if volume.status == VolumeStatus.ERROR:
        raise perr.ProviderError(f"le volume {r.name} est en erreur")
    if server is not None and server.provider_id and volume.server_id != server.provider_id:
        if volume.status == VolumeStatus.AVAILABLE:
            volume = p.attach_volume(r.tenant, volume.id, server.provider_id)
        return Progress(done=False, provider_id=volume.id, status=volume.status.value, site=volume.site)
    ready = volume.status in (VolumeStatus.AVAILABLE, VolumeStatus.IN_USE)
    return Progress(done=ready, provider_id=volume.id, status=volume.status.value, site=volume.site,
                    attributes={"device": volume.device} if volume.device else {})


def _network(p: CloudProvider, _lookups: Lookups, r: Snapshot, _peers: dict[str, Progress]) -> Progress:
    if r.provider_id is None:
        network = p.create_network(r.tenant, NetworkSpec(name=r.name, cidr=r.params.get("cidr", "10.0.0.0/24")),
                                   idempotency_key=r.key)
    else:
        network = p.get_network(r.tenant, r.provider_id)
    return Progress(done=network.status.upper() == "ACTIVE", provider_id=network.id, status=network.status,
                    address=network.subnets[0].cidr if network.subnets else None)


def _security_group(p: CloudProvider, _lookups: Lookups, r: Snapshot, _peers: dict[str, Progress]) -> Progress:
    if r.provider_id is None:
        rules = tuple(SecurityGroupRule(direction=x.get("direction", "ingress"),
                                        protocol=None if x.get("protocol") == "any" else x.get("protocol", "tcp"),
                                        port_min=x.get("port_min"), port_max=x.get("port_max"),
                                        remote_cidr=x.get("remote_cidr")) for x in r.params.get("rules", []))
        group = p.create_security_group(r.tenant, r.name, rules=rules, idempotency_key=r.key)
    else:
        group = p.get_security_group(r.tenant, r.provider_id)
    return Progress(done=True, provider_id=group.id, status="ACTIVE")


def _public_ip(p: CloudProvider, _lookups: Lookups, r: Snapshot, _peers: dict[str, Progress]) -> Progress:
    ip = p.allocate_public_ip(r.tenant, site=r.site, idempotency_key=r.key)
    return Progress(done=True, provider_id=ip.id, status=ip.status, site=ip.site, address=ip.address)


_ADVANCE = {"server": _server, "volume": _volume, "network": _network, "security_group": _security_group,
            "public_ip": _public_ip}


def recover_id(p: CloudProvider, lookups: Lookups, r: Snapshot) -> str | None:
    """The cloud id of a resource whose create may have happened without being recorded (the worker died,
    or the call timed out after taking effect): replay the create with the same key — it returns the
    existing resource, or creates one that the caller then deletes."""
    try:
        if r.kind == "volume":
            size = int(r.attributes.get("size_gb") or 1)
            return p.create_volume(r.tenant, VolumeSpec(name=r.name, size_gb=size), idempotency_key=r.key).id
        return advance(p, lookups, r, {}).provider_id
    except perr.BadInputError:
        return None


def delete(p: CloudProvider, r: Snapshot) -> None:
    """Delete ``r`` from the cloud; an already-missing resource is fine."""
    if r.provider_id is None:
        return
    try:
        if r.kind == "server":
            p.delete_server(r.tenant, r.provider_id)
        elif r.kind == "volume":
            volume = p.get_volume(r.tenant, r.provider_id)
            if volume.server_id:
                p.detach_volume(r.tenant, r.provider_id)
            p.delete_volume(r.tenant, r.provider_id)
        elif r.kind == "network":
            p.delete_network(r.tenant, r.provider_id)
        elif r.kind == "security_group":
            p.delete_security_group(r.tenant, r.provider_id)
        elif r.kind == "public_ip":
            p.release_public_ip(r.tenant, r.provider_id)
    except perr.NotFoundError:
        return
    except perr.ConflictError as exc:  # busy (detaching, task in progress): try again shortly
        raise perr.TransientError(f"{r.kind} {r.name} occupé : {exc}") from exc


def gone(p: CloudProvider, r: Snapshot) -> bool:
    """Whether the cloud confirms ``r`` no longer exists (asked by its id; a resource without one cannot be
    confirmed gone, except a server that its idempotency key finds nowhere)."""
    try:
        if r.provider_id is None:
            return r.kind == "server" and r.key not in p.find_servers(r.tenant, [r.key])
        if r.kind == "server":
            return p.get_server(r.tenant, r.provider_id).status == ServerStatus.DELETED
        if r.kind == "volume":
            p.get_volume(r.tenant, r.provider_id)
        elif r.kind == "network":
            p.get_network(r.tenant, r.provider_id)
        elif r.kind == "security_group":
            p.get_security_group(r.tenant, r.provider_id)
        elif r.kind == "public_ip":
            return all(ip.id != r.provider_id for ip in p.public_ips(r.tenant))
        else:
            return False
    except perr.NotFoundError:
        return True
    return False
