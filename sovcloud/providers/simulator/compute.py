"""Servers: create (scheduling, quotas, ports), alone or in a batch, read, delete. Actions: `server_actions.py`."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sovcloud.providers.dto import (
    Server,
    ServerGroupPolicy,
    ServerRequest,
    ServerSpec,
    ServerStatus,
    distinct_keys,
)
from sovcloud.providers.errors import BadInputError, ConflictError, NotFoundError
from sovcloud.providers.simulator import scheduler
from sovcloud.providers.simulator.context import SimContext, api_call, create_once, new_id
from sovcloud.providers.simulator.convert import server_dto
from sovcloud.providers.simulator.lifecycle import start_task
from sovcloud.providers.simulator.models import (
    SimFlavor,
    SimHost,
    SimImage,
    SimNetwork,
    SimPublicIp,
    SimSecurityGroup,
    SimServer,
    SimServerGroup,
    SimSite,
    SimSubnet,
    SimVolume,
)
from sovcloud.providers.simulator.quotas import charge, refund

_WITH_HOST = (
    select(SimServer, SimHost.down, SimSite.down)
    .outerjoin(SimHost, SimHost.id == SimServer.host_id)
    .outerjoin(SimSite, SimSite.name == SimHost.site)
)

_SERVERS = cast(Table, SimServer.__table__)
_SERVER_COLUMNS = tuple(c.key for c in _SERVERS.columns)
_BY_ID = _WITH_HOST.where(SimServer.id == bindparam("id"))
_BY_ID_LOCKED = _BY_ID.with_for_update(of=SimServer)


def _up(host_down: bool | None, site_down: bool | None) -> bool:
    return not host_down and not site_down


class ComputeOps:
    """Server operations of the simulator (mixed into ``SimulatorProvider``)."""

    _ctx: SimContext

    # -- helpers --------------------------------------------------------------------------------------
    def _present(self, row: SimServer, now: datetime, up: bool = True) -> Server:
        return server_dto(row, now, self._ctx.host_names.get(row.host_id or 0), up)

    def _load(self, session: Session, tenant: str, server_id: str, *, lock: bool = False) -> tuple[SimServer, bool]:
        found = session.execute(_BY_ID_LOCKED if lock else _BY_ID, {"id": server_id}).first()
        if found is None or found[0].tenant != tenant:
            raise NotFoundError(f"server {server_id} not found")
        return found[0], _up(found[1], found[2])

    def _host_up(self, session: Session, host_id: int | None) -> bool:
        found = session.execute(
            select(SimHost.down, SimSite.down).join(SimSite, SimSite.name == SimHost.site).where(SimHost.id == host_id)
        ).first()
        return found is None or _up(found[0], found[1])

    def _image(self, session: Session, tenant: str, image_id: str) -> SimImage:
        image = self._ctx.public_images.get(image_id) or session.get(SimImage, image_id)
        if image is None or image.tenant not in ("", tenant):
            raise BadInputError(f"unknown image {image_id!r}")
        if image.ready_at > self._ctx.now():
            raise BadInputError(f"image {image_id} is not active yet")
        return image

    def _group_policy(self, session: Session, tenant: str, group_id: str | None) -> ServerGroupPolicy | None:
        if group_id is None:
            return None
        group = session.scalar(select(SimServerGroup).where(SimServerGroup.id == group_id).with_for_update())
        if group is None or group.tenant != tenant:
            raise BadInputError(f"unknown server group {group_id!r}")
        return ServerGroupPolicy(group.policy)

    def _plug(self, session: Session, tenant: str, network_ids: tuple[str, ...]) -> list[dict[str, str]]:
        """Take one fixed IP on each network (first subnet), in order."""
        if not network_ids:
            return []
        networks = {
            n.id: n for n in session.scalars(select(SimNetwork).where(SimNetwork.id.in_(network_ids)).with_for_update())
        }
        subnets = {
            s.network_id: s
            for s in session.scalars(select(SimSubnet).where(SimSubnet.network_id.in_(network_ids)).with_for_update())
        }
        addresses = []
        for network_id in network_ids:
            network, subnet = networks.get(network_id), subnets.get(network_id)
            if network is None or network.tenant != tenant or subnet is None:
                raise BadInputError(f"unknown network {network_id!r}")
            cidr = ipaddress.ip_network(subnet.cidr)
            if subnet.next_host >= cidr.num_addresses - 1:
                raise ConflictError(f"no free IP address left in subnet {subnet.cidr}")
            addresses.append({"network_id": network_id, "address": str(cidr[subnet.next_host]), "kind": "fixed"})
            subnet.next_host += 1
            network.ports += 1
        return addresses

    def _apply_groups(self, session: Session, tenant: str, group_ids: tuple[str, ...], delta: int) -> None:
        if not group_ids:
            return
        if delta > 0:
            found = session.scalars(
                select(SimSecurityGroup.id).where(SimSecurityGroup.id.in_(group_ids), SimSecurityGroup.tenant == tenant)
            ).all()
            if len(set(found)) != len(set(group_ids)):
                raise BadInputError(f"unknown security group in {list(group_ids)}")
        session.execute(
            update(SimSecurityGroup)
            .where(SimSecurityGroup.id.in_(group_ids))
            .values(in_use=SimSecurityGroup.in_use + delta)
            .execution_options(synchronize_session=False)
        )

    def _build_server(self, session: Session, tenant: str, spec: ServerSpec, key: str, flavor: SimFlavor,
                      host: scheduler.Placement | None = None) -> SimServer:
        """One server whose quota the caller has charged, placed here unless ``host`` was chosen already (the
        per-server part of a create; the caller inserts the row)."""
        ctx = self._ctx
        now = ctx.now()
        image = self._image(session, tenant, spec.image_id)
        if image.min_disk_gb > flavor.disk_gb:
            raise BadInputError(f"flavor {flavor.name} disk is smaller than image {image.name} needs")
        policy = self._group_policy(session, tenant, spec.server_group_id)
        addresses = self._plug(session, tenant, tuple(spec.network_ids))
        self._apply_groups(session, tenant, tuple(spec.security_group_ids), +1)
        if host is None:
            host = scheduler.place(session, ctx.config, flavor, site=spec.site, group_id=spec.server_group_id,
                                   policy=policy, postgres=ctx.db.is_postgres)  # fmt: skip
            scheduler.claim_storage(session, ctx.config, host.site, flavor.disk_gb)
        row = SimServer(
            id=new_id(),
            tenant=tenant,
            name=spec.name,
            idempotency_key=key,
            flavor_id=flavor.id,
            image_id=image.id,
            host_id=host.host_id,
            site=host.site,
            network_ids=list(spec.network_ids),
            addresses=addresses,
            security_group_ids=list(spec.security_group_ids),
            server_group_id=spec.server_group_id,
            key_name=spec.key_name,
            ssh_public_key=spec.ssh_public_key,
            user_data=spec.user_data,
            meta=dict(spec.metadata),
            created_at=now,
            fault=None,
        )
        start_task(row, "build", ServerStatus.ACTIVE, now, ctx.config.build_delay_s)
        return row

    def _checked_flavor(self, spec: ServerSpec) -> SimFlavor:
        if spec.site is not None and spec.site not in self._ctx.site_names:
            raise BadInputError(f"unknown availability zone {spec.site!r}")
        return self._ctx.flavor(spec.flavor_id)

    # -- create / read / delete -----------------------------------------------------------------------
    @api_call
    def create_server(self, tenant: str, spec: ServerSpec, *, idempotency_key: str) -> Server:
        """Schedule and start building a server (see ``CloudProvider.create_server``)."""
        return self._create_one(tenant, spec, idempotency_key)

    def _create_one(self, tenant: str, spec: ServerSpec, idempotency_key: str) -> Server:
        ctx = self._ctx
        flavor = self._checked_flavor(spec)

        def build(session: Session) -> SimServer:
            charge(session, tenant, ctx.config.default_quotas, instances=1, cores=flavor.vcpus, ram_mib=flavor.ram_mib)
            row = self._build_server(session, tenant, spec, idempotency_key, flavor)
            # a Core INSERT: the ORM unit of work would triple the cost of this hot path
            session.connection().execute(insert(_SERVERS), {c: getattr(row, c) for c in _SERVER_COLUMNS})
            fresh.add(row.id)
            return row

        fresh: set[str] = set()

        def present(session: Session, row: SimServer) -> Server:
            return self._present(row, ctx.now(), row.id in fresh or self._host_up(session, row.host_id))

        return create_once(ctx, SimServer, tenant, idempotency_key, build, present, optimistic=True)

    @api_call
    def create_servers(self, tenant: str, requests: Sequence[ServerRequest]) -> list[Server]:
        """Several servers in one transaction (see ``CloudProvider.create_servers``): those whose key exists
        are returned as they are; the others are charged to the quota together, then placed one by one.
        All or nothing: if one cannot be built, none of the new ones is."""
        ctx = self._ctx
        keys = distinct_keys(requests)
        flavors = [self._checked_flavor(r.spec) for r in requests]
        try:
            with ctx.db.write() as session:
                found: dict[str, tuple[SimServer, bool]] = {}
                for row, host_down, site_down in session.execute(_WITH_HOST.where(SimServer.idempotency_key.in_(keys))):
                    if row.tenant != tenant:
                        raise ConflictError(f"idempotency key {row.idempotency_key!r} already used by another tenant")
                    found[str(row.idempotency_key)] = (row, _up(host_down, site_down))
                todo = [(r, f) for r, f in zip(requests, flavors, strict=True) if r.idempotency_key not in found]
                if todo:
                    charge(session, tenant, ctx.config.default_quotas, instances=len(todo),
                           cores=sum(f.vcpus for _r, f in todo), ram_mib=sum(f.ram_mib for _r, f in todo))
                    hosts: list[scheduler.Placement | None] = [None] * len(todo)
                    if not any(r.spec.server_group_id for r, _f in todo):  # group policies: placed one by one
                        hosts = list(scheduler.place_many(session, ctx.config, [(f, r.spec.site) for r, f in todo],
                                                          postgres=ctx.db.is_postgres))  # fmt: skip
                    built = [self._build_server(session, tenant, r.spec, r.idempotency_key, f, h)
                             for (r, f), h in zip(todo, hosts, strict=True)]
                    session.connection().execute(insert(_SERVERS),
                                                 [{c: getattr(row, c) for c in _SERVER_COLUMNS} for row in built])
                    found.update((r.idempotency_key, (row, True)) for (r, _f), row in zip(todo, built, strict=True))
                now = ctx.now()
                return [self._present(found[k][0], now, found[k][1]) for k in keys]
        except IntegrityError:  # a concurrent call created some of them: one at a time, each idempotent
            return [self._create_one(tenant, r.spec, r.idempotency_key) for r in requests]

    @api_call
    def get_server(self, tenant: str, server_id: str) -> Server:
        """One server at the current time."""
        with self._ctx.db.read() as session:
            row, up = self._load(session, tenant, server_id)
            return self._present(row, self._ctx.now(), up)

    @api_call
    def find_servers(self, tenant: str, idempotency_keys: Sequence[str]) -> dict[str, Server]:
        """The tenant's servers created with these keys, by key (see ``CloudProvider.find_servers``)."""
        now = self._ctx.now()
        with self._ctx.db.read() as session:
            rows = session.execute(_WITH_HOST.where(SimServer.idempotency_key.in_(list(idempotency_keys)),
                                                    SimServer.tenant == tenant)).all()
            return {str(row.idempotency_key): self._present(row, now, _up(hd, sd)) for row, hd, sd in rows}

    @api_call
    def servers(self, tenant: str) -> list[Server]:
        """The tenant's servers, oldest first."""
        now = self._ctx.now()
        with self._ctx.db.read() as session:
            rows = session.execute(
                _WITH_HOST.where(SimServer.tenant == tenant).order_by(SimServer.created_at, SimServer.id)
            ).all()
            return [self._present(row, now, _up(hd, sd)) for row, hd, sd in rows]

    @api_call
    def delete_server(self, tenant: str, server_id: str) -> None:
        """Delete a server now, releasing its capacity, quota, ports, volumes and public IPs."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row, _ = self._load(session, tenant, server_id, lock=True)
            flavor = ctx.flavors[row.flavor_id]
            refund(
                session,
                tenant,
                instances=1,
                cores=flavor.vcpus,
                ram_mib=flavor.ram_mib,
            )
            for network_id in row.network_ids or ():
                session.execute(
                    update(SimNetwork).where(SimNetwork.id == network_id).values(ports=SimNetwork.ports - 1)
                )
            self._apply_groups(session, tenant, tuple(row.security_group_ids or ()), -1)
            if row.host_id is not None:
                scheduler.charge_host(session, row.host_id, -flavor.vcpus, -flavor.ram_mib, -1)
            if row.site is not None:
                scheduler.release_storage(session, row.site, flavor.disk_gb)
            session.execute(update(SimVolume).where(SimVolume.server_id == row.id).values(server_id=None, device=None))
            session.execute(update(SimPublicIp).where(SimPublicIp.server_id == row.id).values(server_id=None))
            session.delete(row)
