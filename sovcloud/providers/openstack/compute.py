"""Servers and server groups on Nova."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from openstack import exceptions as sdk

from sovcloud.providers.dto import (
    Flavor,
    Image,
    Server,
    ServerAddress,
    ServerGroup,
    ServerGroupPolicy,
    ServerRequest,
    ServerSpec,
    ServerStatus,
    distinct_keys,
)
from sovcloud.providers.errors import BadInputError, ConflictError, NotFoundError
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import KEY_META, OpenStackBase, key_tag

#: Metadata keys sovcloud sets for itself, hidden from ``Server.metadata``.
_INTERNAL = (KEY_META, "sovcloud_tenant")
#: Server groups carry no metadata: the key's digest is a name suffix, hidden from ``ServerGroup.name``.
_GROUP_SEP = "~"
#: keys looked up per ``tags-any`` query: 40 tags of 43 characters keep the request line near 1.8 kB
_TAGS_PER_QUERY = 40


def parse_time(value: str | None) -> datetime:
    """An OpenStack timestamp (with or without zone) as aware UTC."""
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ComputeOps(OpenStackBase):
    """Nova: flavors, servers, their actions, server groups."""

    _flavor_cache: tuple[float, list[Flavor]] | None = None

    # -- flavors ----------------------------------------------------------------------------------------
    @translated
    def flavors(self) -> list[Flavor]:
        """Public flavors, smallest first (read again after ``catalogue_ttl_s``: the catalogue rarely changes)."""
        cached = self._flavor_cache
        if cached is None or time.monotonic() - cached[0] > self.config.catalogue_ttl_s:
            rows = [Flavor(id=f.id, name=f.name, vcpus=f.vcpus, ram_mib=f.ram, disk_gb=f.disk)
                    for f in self._paged(self.admin.compute.flavors, details=True)]  # fmt: skip
            cached = (time.monotonic(), sorted(rows, key=lambda f: (f.vcpus, f.ram_mib, f.disk_gb, f.name)))
            self._flavor_cache = cached
        return cached[1]

    def _flavor_id(self, flavor: Any) -> str:
        if flavor is None:
            return ""
        # since microversion 2.47 the server embeds its flavor by name (the SDK may put that name in ``id``)
        name = getattr(flavor, "original_name", None) or getattr(flavor, "name", None)
        known = {f.id for f in self.flavors()}
        if getattr(flavor, "id", None) in known:
            return str(flavor.id)
        return next((f.id for f in self.flavors() if f.name in (name, getattr(flavor, "id", None))), name or "")

    # -- conversion -------------------------------------------------------------------------------------
    def _network_ids(self, conn: Any, raws: Iterable[Any]) -> dict[str, str]:
        """Network id by name for the networks the servers ``raws`` are plugged into: one filtered, paged
        Neutron query for the names of the whole call (Nova reports addresses by network name)."""
        names = sorted({name for raw in raws for name in (raw.addresses or {})})
        if not names:
            return {}
        return {n.name: n.id for n in self._paged(conn.network.networks, name=names)}

    def _server(self, tenant: str, raw: Any, conn: Any | None = None, networks: dict[str, str] | None = None) -> Server:
        addresses: list[ServerAddress] = []
        network_ids: list[str] = []
        if raw.addresses:
            by_name = networks if networks is not None else self._network_ids(conn or self._conn(tenant), [raw])
            for net_name, entries in raw.addresses.items():
                net_id = by_name.get(net_name)
                if net_id and net_id not in network_ids:
                    network_ids.append(net_id)
                for entry in entries:
                    floating = entry.get("OS-EXT-IPS:type") == "floating"
                    addresses.append(ServerAddress(network_id=None if floating else net_id, address=entry["addr"],
                                                   kind="floating" if floating else "fixed"))  # fmt: skip
        groups = getattr(raw, "server_groups", None) or []
        metadata = {k: str(v) for k, v in (raw.metadata or {}).items() if k not in _INTERNAL}
        status = raw.status or ""
        return Server(
            id=raw.id, tenant=tenant, name=raw.name, status=ServerStatus.from_upstream(status),  # type: ignore[arg-type]
            task_state=raw.task_state or None, flavor_id=self._flavor_id(raw.flavor),
            image_id=(raw.image or {}).get("id", "") if isinstance(raw.image, dict) else getattr(raw.image, "id", ""),
            site=raw.availability_zone or None, host=raw.compute_host or None, addresses=tuple(addresses),
            network_ids=tuple(network_ids),
            security_group_ids=tuple(sorted({g["name"] for g in raw.security_groups or [] if "name" in g})),
            server_group_id=groups[0] if groups else None, key_name=raw.key_name, metadata=metadata,
            created_at=parse_time(raw.created_at), updated_at=parse_time(raw.updated_at),
            fault=(raw.fault or {}).get("message") if raw.fault else None, raw_status=status,
        )  # fmt: skip

    # -- servers ----------------------------------------------------------------------------------------
    def _find_by_keys(self, conn: Any, keys: Sequence[str]) -> dict[str, Any]:
        """The servers stamped with any of ``keys``, by key: Nova filters on the key's tag (``tags-any``),
        so the cost follows the number of keys asked, never the number of servers in the tenant."""
        found: dict[str, Any] = {}
        for start in range(0, len(keys), _TAGS_PER_QUERY):
            chunk = set(keys[start:start + _TAGS_PER_QUERY])
            tags = ",".join(sorted(key_tag(k) for k in chunk))
            for raw in self._paged(conn.compute.servers, details=True, any_tags=tags):
                key = (raw.metadata or {}).get(KEY_META)
                if key in chunk:
                    found[key] = raw
        return found

    def _keypair(self, conn: Any, spec: ServerSpec, known: set[str] | None = None) -> str | None:
        if not spec.ssh_public_key:
            return spec.key_name
        name = spec.key_name or "sovcloud"
        name = f"{name}-{hashlib.sha256(spec.ssh_public_key.encode()).hexdigest()[:12]}"
        if known is not None and name in known:
            return name
        if conn.compute.find_keypair(name) is None:
            conn.compute.create_keypair(name=name, public_key=spec.ssh_public_key)
        if known is not None:
            known.add(name)
        return name

    @translated
    def create_server(self, tenant: str, spec: ServerSpec, *, idempotency_key: str) -> Server:
        """Create a server stamped with ``sovcloud_key`` (and its tag), or return the one a previous try created."""
        return self.create_servers(tenant, [ServerRequest(spec, idempotency_key)])[0]

    @translated
    def create_servers(self, tenant: str, requests: Sequence[ServerRequest]) -> list[Server]:
        """One ``create_server`` per request not created yet, in order, after one tag-filtered lookup of the
        batch's keys (Nova's multi-create takes one name and no per-server key). The calls depend on the
        batch only: no listing of the tenant, flavors cached, one keypair check per distinct key."""
        keys = distinct_keys(requests)
        conn = self._conn(tenant)
        stamped = self._find_by_keys(conn, keys)
        networks = self._network_ids(conn, stamped.values())
        flavors = {f.id for f in self.flavors()}
        keypairs: set[str] = set()
        return [self._server(tenant, stamped[r.idempotency_key], conn, networks) if r.idempotency_key in stamped
                else self._create(tenant, conn, r.spec, r.idempotency_key, flavors, keypairs) for r in requests]

    def _create(self, tenant: str, conn: Any, spec: ServerSpec, idempotency_key: str, flavors: set[str],
                keypairs: set[str]) -> Server:  # fmt: skip
        if spec.flavor_id not in flavors:
            raise BadInputError(f"unknown flavor {spec.flavor_id!r}")
        metadata = {**spec.metadata, KEY_META: idempotency_key, "sovcloud_tenant": tenant[:255]}
        attrs: dict[str, Any] = {
            "name": spec.name, "flavor_id": spec.flavor_id, "image_id": spec.image_id, "metadata": metadata,
            "tags": [key_tag(idempotency_key)],  # what a replay looks the server up by (microversion >= 2.52)
            "networks": [{"uuid": n} for n in spec.network_ids] if spec.network_ids else "none",
        }  # fmt: skip
        if spec.security_group_ids:
            attrs["security_groups"] = [{"name": g} for g in spec.security_group_ids]
        if spec.site:
            attrs["availability_zone"] = spec.site
        if spec.server_group_id:
            attrs["scheduler_hints"] = {"group": spec.server_group_id}
        if spec.user_data:
            attrs["user_data"] = base64.b64encode(spec.user_data.encode()).decode()
        key_name = self._keypair(conn, spec, keypairs)
        if key_name:
            attrs["key_name"] = key_name
        raw = conn.compute.create_server(**attrs)
        if spec.server_group_id:  # Nova records membership once the server is scheduled: wait, bounded
            self._wait(lambda: conn.compute.get_server_group(spec.server_group_id).member_ids or [],
                       lambda members: raw.id in members, what="server group membership")  # fmt: skip
            return self._server(tenant, conn.compute.get_server(raw.id), conn)
        # Nova's answer holds the id only; the server is in BUILD: no second call to say so
        at = datetime.now(UTC)
        return Server(id=raw.id, tenant=tenant, name=spec.name, status=ServerStatus.BUILD, task_state="scheduling",
                      flavor_id=spec.flavor_id, image_id=spec.image_id, site=spec.site, host=None, addresses=(),
                      network_ids=tuple(spec.network_ids), security_group_ids=tuple(sorted(spec.security_group_ids)),
                      server_group_id=None, key_name=key_name, metadata=dict(spec.metadata), created_at=at,
                      updated_at=at, raw_status="BUILD")  # fmt: skip

    @translated
    def find_servers(self, tenant: str, idempotency_keys: Sequence[str]) -> dict[str, Server]:
        """The tenant's servers stamped with these keys, by key: tag-filtered queries, nothing created."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return {}
        stamped = self._find_by_keys(conn, list(dict.fromkeys(idempotency_keys)))
        networks = self._network_ids(conn, stamped.values())
        return {k: self._server(tenant, raw, conn, networks) for k, raw in stamped.items()}

    @translated
    def get_server(self, tenant: str, server_id: str) -> Server:
        """One server of the tenant."""
        conn = self._conn(tenant, create=False)
        raw = conn.compute.get_server(server_id)
        if raw.status == "VERIFY_RESIZE" and raw.task_state is None:  # a resize whose confirm was lost
            with contextlib.suppress(sdk.BadRequestException, sdk.ConflictException):  # confirming already
                conn.compute.confirm_server_resize(raw)
            raw = conn.compute.get_server(server_id)
        return self._server(tenant, raw, conn)

    @translated
    def servers(self, tenant: str) -> list[Server]:
        """All servers of the tenant."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        raws = list(self._paged(conn.compute.servers, details=True))
        networks = self._network_ids(conn, raws)
        return [self._server(tenant, raw, conn, networks) for raw in raws]

    @translated
    def delete_server(self, tenant: str, server_id: str) -> None:
        """Delete a server (Nova detaches its volumes and unbinds its floating IPs)."""
        conn = self._conn(tenant, create=False)
        conn.compute.delete_server(server_id, ignore_missing=False)

    def _action(self, tenant: str, server_id: str, expected: tuple[str, ...], verb: str) -> Any:
        conn = self._conn(tenant, create=False)
        raw = conn.compute.get_server(server_id)
        if raw.status not in expected or raw.task_state:
            raise ConflictError(f"cannot {verb} server {server_id} in state {raw.status}/{raw.task_state}")
        return conn, raw

    @translated
    def start_server(self, tenant: str, server_id: str) -> Server:
        """Power on a SHUTOFF server."""
        conn, raw = self._action(tenant, server_id, ("SHUTOFF",), "start")
        conn.compute.start_server(raw)
        return self._server(tenant, conn.compute.get_server(server_id), conn)

    @translated
    def stop_server(self, tenant: str, server_id: str) -> Server:
        """Power off an ACTIVE server."""
        conn, raw = self._action(tenant, server_id, ("ACTIVE",), "stop")
        conn.compute.stop_server(raw)
        return self._server(tenant, conn.compute.get_server(server_id), conn)

    @translated
    def reboot_server(self, tenant: str, server_id: str, *, hard: bool = False) -> Server:
        """Reboot; the caller waits for ACTIVE *and* an empty task_state."""
        conn, raw = self._action(tenant, server_id, ("ACTIVE",), "reboot")
        conn.compute.reboot_server(raw, "HARD" if hard else "SOFT")
        return self._server(tenant, conn.compute.get_server(server_id), conn)

    @translated
    def resize_server(self, tenant: str, server_id: str, flavor_id: str) -> Server:
        """Resize, wait (bounded) for VERIFY_RESIZE, confirm. ``get_server`` confirms if this wait timed out."""
        if flavor_id not in {f.id for f in self.flavors()}:
            raise BadInputError(f"unknown flavor {flavor_id!r}")
        conn, raw = self._action(tenant, server_id, ("ACTIVE", "SHUTOFF"), "resize")
        conn.compute.resize_server(raw, flavor_id)

        def settled(s: Any) -> bool:
            done = s.status == "ACTIVE" and not s.task_state and self._flavor_id(s.flavor) == flavor_id
            return bool(s.status in ("VERIFY_RESIZE", "ERROR") or done)

        raw = self._wait(lambda: conn.compute.get_server(server_id), settled, what="resize to finish")
        if raw.status == "VERIFY_RESIZE":
            conn.compute.confirm_server_resize(raw)
        return self._server(tenant, conn.compute.get_server(server_id), conn)

    @translated
    def snapshot_server(self, tenant: str, server_id: str, name: str, *, idempotency_key: str) -> Image:
        """Snapshot to a private image stamped with ``sovcloud_key``."""
        conn = self._conn(tenant)
        for image in self._paged(conn.image.images, owner=self._project_id(tenant, create=False)):
            if (image.properties or {}).get(KEY_META) == idempotency_key or getattr(image, KEY_META, None) == (
                idempotency_key
            ):
                return self._image(tenant, image)
        image = conn.compute.create_server_image(server_id, name, metadata={KEY_META: idempotency_key})
        return self._image(tenant, conn.image.get_image(image.id))


    # -- server groups ----------------------------------------------------------------------------------
    def _group(self, tenant: str, raw: Any) -> ServerGroup:
        policy = raw.policy or (raw.policies or ["anti-affinity"])[0]
        return ServerGroup(id=raw.id, tenant=tenant, name=(raw.name or "").split(_GROUP_SEP)[0],
                           policy=ServerGroupPolicy(policy), member_ids=tuple(raw.member_ids or ()),
                           created_at=datetime.now(UTC))  # fmt: skip

    @translated
    def create_server_group(self, tenant: str, name: str, policy: ServerGroupPolicy, *,
                            idempotency_key: str) -> ServerGroup:  # fmt: skip
        """Create a server group; its name carries a digest of the key (Nova groups have no metadata)."""
        conn = self._conn(tenant)
        stamped = f"{name}{_GROUP_SEP}{key_tag(idempotency_key)}"
        # Nova's server groups have neither a name filter nor a marker (limit/offset, which openstacksdk does
        # not send): one request, up to Nova's max_limit (1000) — a tenant holds a few, and no Neutron call
        for raw in conn.compute.server_groups():
            if raw.name == stamped:
                return self._group(tenant, raw)
        return self._group(tenant, conn.compute.create_server_group(name=stamped, policy=policy.value))

    @translated
    def get_server_group(self, tenant: str, group_id: str) -> ServerGroup:
        """One server group with its members."""
        return self._group(tenant, self._conn(tenant, create=False).compute.get_server_group(group_id))

    @translated
    def server_groups(self, tenant: str) -> list[ServerGroup]:
        """All server groups of the tenant."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        return [self._group(tenant, raw) for raw in conn.compute.server_groups()]  # see create_server_group

    @translated
    def delete_server_group(self, tenant: str, group_id: str) -> None:
        """Delete a server group (its servers stay)."""
        self._conn(tenant, create=False).compute.delete_server_group(group_id, ignore_missing=False)
