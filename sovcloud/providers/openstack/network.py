"""Networks (with a subnet and a router to the public network), security groups and floating IPs on Neutron.

Every object created carries ``[sk-<digest of the idempotency key>]`` in its ``description`` from its creation
request on (Neutron accepts no tags in a POST), so a retried step finds it instead of creating a second one.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from typing import Any

from openstack import exceptions as sdk

from sovcloud.providers.dto import Network, NetworkSpec, PublicIp, SecurityGroup, SecurityGroupRule, Subnet
from sovcloud.providers.errors import BadInputError, ConflictError, NotFoundError
from sovcloud.providers.openstack.compute import parse_time
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import OpenStackBase, key_tag

#: ids per filtered query (``?id=...&id=...``: 40 of them keep the request line under 2 kB)
_IDS_PER_QUERY = 40
_STAMP = re.compile(r"\s*\[sk-[0-9a-f]{40}\]$")


def _stamped(tag: str, text: str = "") -> str:
    return f"{text} [{tag}]".strip()


def _find(items: Any, tag: str) -> Any:
    """The first of ``items`` (a query Neutron already filtered on the stamped description) carrying ``tag``."""
    return next((i for i in items if (i.description or "").endswith(f"[{tag}]")), None)


def _unstamp(text: str | None) -> str:
    return _STAMP.sub("", text or "")


def _rule(raw: Any) -> SecurityGroupRule:
    return SecurityGroupRule(direction=raw.direction, protocol=raw.protocol, port_min=raw.port_range_min,
                             port_max=raw.port_range_max, remote_cidr=raw.remote_ip_prefix, ethertype=raw.ether_type,
                             id=raw.id)  # fmt: skip


def _same_rule(a: SecurityGroupRule, b: SecurityGroupRule) -> bool:
    fields = ("direction", "protocol", "port_min", "port_max", "remote_cidr", "ethertype")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


class NetworkOps(OpenStackBase):
    """Neutron: tenant networks, security groups, public IPs."""

    _public_id: str | None = None

    def _public_network(self) -> str:
        if self._public_id is None:
            net = self.admin.network.find_network(self.config.external_network, ignore_missing=False)
            self._public_id = str(net.id)
        return self._public_id

    # -- networks ---------------------------------------------------------------------------------------
    def _network(self, tenant: str, conn: Any, raw: Any, subnets: list[Any] | None = None) -> Network:
        raws = subnets if subnets is not None else self._paged(conn.network.subnets, network_id=raw.id)
        found = tuple(Subnet(id=s.id, network_id=raw.id, cidr=s.cidr, gateway_ip=s.gateway_ip,
                             dns_nameservers=tuple(s.dns_nameservers or ()), enable_dhcp=bool(s.is_dhcp_enabled))
                      for s in raws)  # fmt: skip
        return Network(id=raw.id, tenant=tenant, name=raw.name, subnets=found, status=raw.status or "ACTIVE",
                       created_at=parse_time(raw.created_at))  # fmt: skip

    @translated
    def create_network(self, tenant: str, spec: NetworkSpec, *, idempotency_key: str) -> Network:
        """Create a network, its subnet and a router to the public network; each step resumes a lost try."""
        conn = self._conn(tenant)
        tag = key_tag(idempotency_key)
        project = self._project_id(tenant, create=False)
        net = _find(self._paged(conn.network.networks, project_id=project, description=_stamped(tag)), tag)
        if net is None:
            net = conn.network.create_network(name=spec.name, description=_stamped(tag))
        subnet = next(iter(self._paged(conn.network.subnets, network_id=net.id)), None)
        if subnet is None:
            attrs: dict[str, Any] = {"network_id": net.id, "name": spec.name, "ip_version": 4, "cidr": spec.cidr,
                                     "is_dhcp_enabled": spec.enable_dhcp, "description": _stamped(tag)}  # fmt: skip
            if spec.gateway_ip:
                attrs["gateway_ip"] = spec.gateway_ip
            if spec.dns_nameservers:
                attrs["dns_nameservers"] = list(spec.dns_nameservers)
            try:
                subnet = conn.network.create_subnet(**attrs)
            except sdk.BadRequestException:
                conn.network.delete_network(net)  # a bad CIDR must not leave a half network behind
                raise
        router = _find(self._paged(conn.network.routers, project_id=project, description=_stamped(tag)), tag)
        if router is None:
            router = conn.network.create_router(name=f"{spec.name}-router", description=_stamped(tag),
                                                external_gateway_info={"network_id": self._public_network()})
        if not list(self._paged(conn.network.ports, device_id=router.id, network_id=net.id)):
            conn.network.add_interface_to_router(router, subnet_id=subnet.id)
        return self._network(tenant, conn, net)

    @translated
    def get_network(self, tenant: str, network_id: str) -> Network:
        """One network of the tenant with its subnets."""
        conn = self._conn(tenant, create=False)
        raw = conn.network.get_network(network_id)
        if raw.project_id != self._project_id(tenant, create=False):
            raise NotFoundError(f"network {network_id} not found")
        return self._network(tenant, conn, raw)

    @translated
    def networks(self, tenant: str) -> list[Network]:
        """The tenant's own networks (not the shared or external ones)."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        project = self._project_id(tenant, create=False)
        subnets: dict[str, list[Any]] = {}
        for sub in self._paged(conn.network.subnets, project_id=project):  # one listing, not one per network
            subnets.setdefault(sub.network_id, []).append(sub)
        return [self._network(tenant, conn, raw, subnets.get(raw.id, []))
                for raw in self._paged(conn.network.networks, project_id=project)]

    @translated
    def delete_network(self, tenant: str, network_id: str) -> None:
        """Delete a network no server uses, with the router sovcloud made for it."""
        conn = self._conn(tenant, create=False)
        raw = conn.network.get_network(network_id)
        if raw.project_id != self._project_id(tenant, create=False):
            raise NotFoundError(f"network {network_id} not found")
        ports = list(self._paged(conn.network.ports, network_id=network_id))
        if any((p.device_owner or "").startswith("compute:") for p in ports):
            raise ConflictError(f"network {network_id} still has servers")
        stamp = (raw.description or "").rsplit(" ", 1)[-1]
        for port in ports:
            if port.device_owner == "network:router_interface":
                router = conn.network.get_router(port.device_id)
                conn.network.remove_interface_from_router(router, port_id=port.id)
                if stamp.startswith("[sk-") and (router.description or "").endswith(stamp):
                    conn.network.delete_router(router, ignore_missing=True)
        conn.network.delete_network(raw, ignore_missing=False)

    # -- security groups --------------------------------------------------------------------------------
    def _secgroup(self, tenant: str, raw: Any) -> SecurityGroup:
        return SecurityGroup(id=raw.id, tenant=tenant, name=raw.name, description=_unstamp(raw.description),
                             rules=tuple(_rule(r) for r in conn_rules(raw)), created_at=parse_time(raw.created_at))

    def _add_rule(self, conn: Any, group_id: str, rule: SecurityGroupRule) -> None:
        with contextlib.suppress(sdk.ConflictException):  # the same rule exists: adding it again is a no-op
            conn.network.create_security_group_rule(
                security_group_id=group_id, direction=rule.direction, protocol=rule.protocol,
                port_range_min=rule.port_min, port_range_max=rule.port_max, remote_ip_prefix=rule.remote_cidr,
                ether_type=rule.ethertype,
            )  # fmt: skip

    @translated
    def create_security_group(self, tenant: str, name: str, *, rules: Sequence[SecurityGroupRule] = (),
                              description: str = "", idempotency_key: str) -> SecurityGroup:  # fmt: skip
        """Create a security group and its rules (missing rules are added on a retry)."""
        conn = self._conn(tenant)
        tag = key_tag(idempotency_key)
        project = self._project_id(tenant, create=False)
        raw = _find(self._paged(conn.network.security_groups, project_id=project,
                                description=_stamped(tag, description)), tag)  # fmt: skip
        if raw is None:
            raw = conn.network.create_security_group(name=name, description=_stamped(tag, description))
        existing = [_rule(r) for r in conn_rules(raw)]
        for rule in rules:
            if not any(_same_rule(rule, e) for e in existing):
                self._add_rule(conn, raw.id, rule)
        return self._secgroup(tenant, conn.network.get_security_group(raw.id))

    def _own_group(self, tenant: str, group_id: str) -> tuple[Any, Any]:
        conn = self._conn(tenant, create=False)
        raw = conn.network.get_security_group(group_id)
        if raw.project_id != self._project_id(tenant, create=False):
            raise NotFoundError(f"security group {group_id} not found")
        return conn, raw

    @translated
    def get_security_group(self, tenant: str, group_id: str) -> SecurityGroup:
        """One security group of the tenant."""
        return self._secgroup(tenant, self._own_group(tenant, group_id)[1])

    @translated
    def security_groups(self, tenant: str) -> list[SecurityGroup]:
        """All security groups of the tenant (Neutron's ``default`` one included)."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        project = self._project_id(tenant, create=False)
        return [self._secgroup(tenant, raw)
                for raw in self._paged(conn.network.security_groups, project_id=project)]

    @translated
    def delete_security_group(self, tenant: str, group_id: str) -> None:
        """Delete a security group no port uses (Neutron answers 409 otherwise)."""
        conn, raw = self._own_group(tenant, group_id)
        conn.network.delete_security_group(raw, ignore_missing=False)

    @translated
    def add_security_group_rule(self, tenant: str, group_id: str, rule: SecurityGroupRule) -> SecurityGroup:
        """Add a rule; an identical one makes this a no-op."""
        conn, raw = self._own_group(tenant, group_id)
        if not any(_same_rule(rule, _rule(r)) for r in conn_rules(raw)):
            self._add_rule(conn, group_id, rule)
        return self._secgroup(tenant, conn.network.get_security_group(group_id))

    @translated
    def remove_security_group_rule(self, tenant: str, group_id: str, rule_id: str) -> SecurityGroup:
        """Remove one rule of the group."""
        conn, raw = self._own_group(tenant, group_id)
        if rule_id not in {r.id for r in conn_rules(raw)}:
            raise NotFoundError(f"rule {rule_id} not in security group {group_id}")
        conn.network.delete_security_group_rule(rule_id, ignore_missing=False)
        return self._secgroup(tenant, conn.network.get_security_group(group_id))

    # -- public IPs -------------------------------------------------------------------------------------
    def _ip(self, tenant: str, raw: Any, conn: Any, ports: dict[str, str] | None = None) -> PublicIp:
        server_id = None
        if raw.port_id:
            device = ports.get(raw.port_id) if ports is not None else None
            server_id = (device if device is not None else conn.network.get_port(raw.port_id).device_id) or None
        return PublicIp(id=raw.id, tenant=tenant, address=raw.floating_ip_address, site=None, server_id=server_id,
                        status="ACTIVE" if raw.port_id else "DOWN", created_at=parse_time(raw.created_at))

    @translated
    def allocate_public_ip(self, tenant: str, *, site: str | None = None, idempotency_key: str) -> PublicIp:
        """Reserve a floating IP from the public network (one pool for every site)."""
        conn = self._conn(tenant)
        tag = key_tag(idempotency_key)
        project = self._project_id(tenant, create=False)
        raw = _find(self._paged(conn.network.ips, project_id=project, description=_stamped(tag)), tag)
        if raw is None:
            raw = conn.network.create_ip(floating_network_id=self._public_network(), description=_stamped(tag))
        return self._ip(tenant, raw, conn)

    @translated
    def public_ips(self, tenant: str) -> list[PublicIp]:
        """All floating IPs of the tenant."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        project = self._project_id(tenant, create=False)
        raws = list(self._paged(conn.network.ips, project_id=project))
        port_ids = sorted({r.port_id for r in raws if r.port_id})
        ports: dict[str, str] = {}
        for start in range(0, len(port_ids), _IDS_PER_QUERY):  # the request line stays short
            chunk = port_ids[start:start + _IDS_PER_QUERY]
            ports.update((p.id, p.device_id) for p in self._paged(conn.network.ports, id=chunk))
        return [self._ip(tenant, raw, conn, ports) for raw in raws]

    @translated
    def associate_public_ip(self, tenant: str, ip_id: str, server_id: str) -> PublicIp:
        """Route a floating IP to the first port of a server (re-associating moves it)."""
        conn = self._conn(tenant, create=False)
        conn.compute.get_server(server_id)  # 404 for a server of another tenant
        port = next(iter(self._paged(conn.network.ports, device_id=server_id)), None)
        if port is None:
            raise BadInputError(f"server {server_id} has no network port to route a public IP to")
        raw = conn.network.update_ip(ip_id, port_id=port.id)
        return self._ip(tenant, raw, conn)

    @translated
    def disassociate_public_ip(self, tenant: str, ip_id: str) -> PublicIp:
        """Unroute a floating IP, keeping it reserved."""
        conn = self._conn(tenant, create=False)
        return self._ip(tenant, conn.network.update_ip(ip_id, port_id=None), conn)

    @translated
    def release_public_ip(self, tenant: str, ip_id: str) -> None:
        """Give a floating IP back."""
        self._conn(tenant, create=False).network.delete_ip(ip_id, ignore_missing=False)


def conn_rules(raw: Any) -> list[Any]:
    """The rules embedded in a security group answer, as SDK rule objects."""
    from openstack.network.v2.security_group_rule import SecurityGroupRule as RuleResource

    return [RuleResource.existing(**r) if isinstance(r, dict) else r for r in raw.security_group_rules or []]
