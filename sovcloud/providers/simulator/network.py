"""Networking: tenant networks with one subnet, security groups and their rules, public IPs."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sovcloud.providers.dto import Network, NetworkSpec, PublicIp, SecurityGroup, SecurityGroupRule
from sovcloud.providers.errors import BadInputError, CapacityError, ConflictError, NotFoundError
from sovcloud.providers.simulator.context import SimContext, api_call, create_once, new_id, owned
from sovcloud.providers.simulator.convert import network_dto, public_ip_dto, security_group_dto
from sovcloud.providers.simulator.models import (
    SimNetwork,
    SimPublicIp,
    SimSecurityGroup,
    SimSecurityGroupRule,
    SimServer,
    SimSite,
    SimSubnet,
)
from sovcloud.providers.simulator.quotas import charge, refund

_DIRECTIONS = ("ingress", "egress")


def _rule_row(group_id: str, rule: SecurityGroupRule) -> SimSecurityGroupRule:
    if rule.direction not in _DIRECTIONS:
        raise BadInputError(f"rule direction is one of {_DIRECTIONS}, not {rule.direction!r}")
    if rule.port_min is not None and rule.port_max is not None and rule.port_min > rule.port_max:
        raise BadInputError("port_min is greater than port_max")
    if rule.remote_cidr is not None:
        try:
            ipaddress.ip_network(rule.remote_cidr, strict=False)
        except ValueError as exc:
            raise BadInputError(f"bad remote CIDR {rule.remote_cidr!r}") from exc
    return SimSecurityGroupRule(
        id=new_id(),
        group_id=group_id,
        direction=rule.direction,
        protocol=rule.protocol,
        port_min=rule.port_min,
        port_max=rule.port_max,
        remote_cidr=rule.remote_cidr,
        ethertype=rule.ethertype,
    )


def _same(row: SimSecurityGroupRule, rule: SecurityGroupRule) -> bool:
    return (row.direction, row.protocol, row.port_min, row.port_max, row.remote_cidr, row.ethertype) == (
        rule.direction,
        rule.protocol,
        rule.port_min,
        rule.port_max,
        rule.remote_cidr,
        rule.ethertype,
    )


class NetworkOps:
    """Network operations of the simulator (mixed into ``SimulatorProvider``)."""

    _ctx: SimContext

    # -- networks -------------------------------------------------------------------------------------
    def _network(self, session: Session, row: SimNetwork) -> Network:
        subnets = list(session.scalars(select(SimSubnet).where(SimSubnet.network_id == row.id)))
        return network_dto(row, subnets)

    @api_call
    def create_network(self, tenant: str, spec: NetworkSpec, *, idempotency_key: str) -> Network:
        """Create a network and its subnet."""
        ctx = self._ctx
        try:
            cidr = ipaddress.ip_network(spec.cidr)
        except ValueError as exc:
            raise BadInputError(f"bad CIDR {spec.cidr!r}: {exc}") from exc
        if cidr.num_addresses < 4:
            raise BadInputError(f"subnet {spec.cidr} is too small")
        gateway = spec.gateway_ip or str(cidr[1])
        if ipaddress.ip_address(gateway) not in cidr:
            raise BadInputError(f"gateway {gateway} is outside {spec.cidr}")

        def build(session: Session) -> SimNetwork:
            charge(session, tenant, ctx.config.default_quotas, networks=1)
            row = SimNetwork(
                id=new_id(),
                tenant=tenant,
                name=spec.name,
                idempotency_key=idempotency_key,
                created_at=ctx.now(),
                ports=0,
            )
            session.add(row)
            session.add(
                SimSubnet(
                    id=new_id(),
                    network_id=row.id,
                    cidr=str(cidr),
                    gateway_ip=gateway,
                    dns_nameservers=list(spec.dns_nameservers),
                    enable_dhcp=spec.enable_dhcp,
                    next_host=2 if gateway == str(cidr[1]) else 1,
                )
            )
            return row

        return create_once(ctx, SimNetwork, tenant, idempotency_key, build, self._network)

    @api_call
    def get_network(self, tenant: str, network_id: str) -> Network:
        """One network."""
        with self._ctx.db.read() as session:
            return self._network(session, owned(session, SimNetwork, tenant, network_id))

    @api_call
    def networks(self, tenant: str) -> list[Network]:
        """The tenant's networks, oldest first."""
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimNetwork).where(SimNetwork.tenant == tenant).order_by(SimNetwork.created_at, SimNetwork.id)
            )
            return [self._network(session, row) for row in rows]

    @api_call
    def delete_network(self, tenant: str, network_id: str) -> None:
        """Delete a network no server is plugged into."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimNetwork, tenant, network_id, lock=True)
            if row.ports > 0:
                raise ConflictError(f"network {network_id} has {row.ports} port(s) in use")
            refund(session, tenant, networks=1)
            session.execute(delete(SimSubnet).where(SimSubnet.network_id == row.id))
            session.delete(row)

    # -- security groups ------------------------------------------------------------------------------
    def _group(self, session: Session, row: SimSecurityGroup) -> SecurityGroup:
        rules = session.scalars(
            select(SimSecurityGroupRule)
            .where(SimSecurityGroupRule.group_id == row.id)
            .order_by(SimSecurityGroupRule.id)
        )
        return security_group_dto(row, list(rules))

    @api_call
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
        ctx = self._ctx

        def build(session: Session) -> SimSecurityGroup:
            charge(session, tenant, ctx.config.default_quotas, security_groups=1)
            row = SimSecurityGroup(
                id=new_id(),
                tenant=tenant,
                name=name,
                idempotency_key=idempotency_key,
                description=description,
                created_at=ctx.now(),
                in_use=0,
            )
            session.add(row)
            session.add_all([_rule_row(row.id, rule) for rule in rules])
            return row

        return create_once(ctx, SimSecurityGroup, tenant, idempotency_key, build, self._group)

    @api_call
    def get_security_group(self, tenant: str, group_id: str) -> SecurityGroup:
        """One security group with its rules."""
        with self._ctx.db.read() as session:
            return self._group(session, owned(session, SimSecurityGroup, tenant, group_id))

    @api_call
    def security_groups(self, tenant: str) -> list[SecurityGroup]:
        """The tenant's security groups, oldest first."""
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimSecurityGroup)
                .where(SimSecurityGroup.tenant == tenant)
                .order_by(SimSecurityGroup.created_at, SimSecurityGroup.id)
            )
            return [self._group(session, row) for row in rows]

    @api_call
    def delete_security_group(self, tenant: str, group_id: str) -> None:
        """Delete a security group no server uses."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimSecurityGroup, tenant, group_id, lock=True)
            if row.in_use > 0:
                raise ConflictError(f"security group {group_id} is used by {row.in_use} server(s)")
            refund(session, tenant, security_groups=1)
            session.execute(delete(SimSecurityGroupRule).where(SimSecurityGroupRule.group_id == row.id))
            session.delete(row)

    @api_call
    def add_security_group_rule(self, tenant: str, group_id: str, rule: SecurityGroupRule) -> SecurityGroup:
        """Add a rule unless an identical one exists."""
        with self._ctx.db.write() as session:
            row = owned(session, SimSecurityGroup, tenant, group_id, lock=True)
            existing = session.scalars(select(SimSecurityGroupRule).where(SimSecurityGroupRule.group_id == row.id))
            if not any(_same(r, rule) for r in existing):
                session.add(_rule_row(row.id, rule))
                session.flush()
            return self._group(session, row)

    @api_call
    def remove_security_group_rule(self, tenant: str, group_id: str, rule_id: str) -> SecurityGroup:
        """Remove a rule."""
        with self._ctx.db.write() as session:
            row = owned(session, SimSecurityGroup, tenant, group_id, lock=True)
            result = session.execute(
                delete(SimSecurityGroupRule).where(
                    SimSecurityGroupRule.id == rule_id, SimSecurityGroupRule.group_id == row.id
                )
            )
            if getattr(result, "rowcount", 0) == 0:
                raise NotFoundError(f"rule {rule_id} not found in security group {group_id}")
            return self._group(session, row)

    # -- public IPs -----------------------------------------------------------------------------------
    @api_call
    def allocate_public_ip(self, tenant: str, *, site: str | None = None, idempotency_key: str) -> PublicIp:
        """Reserve the next address of a site's public pool (the first site up when none is given)."""
        ctx = self._ctx
        if site is not None and site not in ctx.site_names:
            raise BadInputError(f"unknown availability zone {site!r}")

        def build(session: Session) -> SimPublicIp:
            charge(session, tenant, ctx.config.default_quotas, public_ips=1)
            query = select(SimSite).where(SimSite.down.is_(False)).order_by(SimSite.name).limit(1)
            pool = session.scalar((query.where(SimSite.name == site) if site else query).with_for_update())
            if pool is None:
                raise CapacityError(f"no public IP pool available{f' in {site}' if site else ''}")
            cidr = ipaddress.ip_network(pool.public_cidr)
            if pool.public_next >= cidr.num_addresses - 1:
                raise CapacityError(f"public IP pool of {pool.name} is exhausted")
            address = str(cidr[pool.public_next])
            pool.public_next += 1
            row = SimPublicIp(
                id=new_id(),
                tenant=tenant,
                name=address,
                idempotency_key=idempotency_key,
                address=address,
                site=pool.name,
                server_id=None,
                created_at=ctx.now(),
            )
            session.add(row)
            return row

        return create_once(ctx, SimPublicIp, tenant, idempotency_key, build, lambda _s, r: public_ip_dto(r))

    @api_call
    def public_ips(self, tenant: str) -> list[PublicIp]:
        """The tenant's public IPs, oldest first."""
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimPublicIp).where(SimPublicIp.tenant == tenant).order_by(SimPublicIp.created_at, SimPublicIp.id)
            )
            return [public_ip_dto(row) for row in rows]

    @api_call
    def associate_public_ip(self, tenant: str, ip_id: str, server_id: str) -> PublicIp:
        """Route the address to a server plugged into at least one network."""
        with self._ctx.db.write() as session:
            row = owned(session, SimPublicIp, tenant, ip_id, lock=True)
            server = owned(session, SimServer, tenant, server_id)
            if not server.network_ids:
                raise BadInputError(f"server {server_id} has no network port to route a public IP to")
            row.server_id = server.id
            return public_ip_dto(row)

    @api_call
    def disassociate_public_ip(self, tenant: str, ip_id: str) -> PublicIp:
        """Unroute the address, keeping it reserved."""
        with self._ctx.db.write() as session:
            row = owned(session, SimPublicIp, tenant, ip_id, lock=True)
            row.server_id = None
            return public_ip_dto(row)

    @api_call
    def release_public_ip(self, tenant: str, ip_id: str) -> None:
        """Give the address back (addresses are not reused by this simple pool)."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimPublicIp, tenant, ip_id, lock=True)
            refund(session, tenant, public_ips=1)
            session.delete(row)
