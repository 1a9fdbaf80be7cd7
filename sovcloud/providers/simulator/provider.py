"""``SimulatorProvider``: the simulated two-site cloud behind the ``CloudProvider`` contract."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.clock import Clock, system_clock
from sovcloud.providers.dto import (
    Capabilities,
    CloudCapacity,
    Flavor,
    HostCapacity,
    Hypervisor,
    Image,
    Inventory,
    Quotas,
    QuotaSet,
    ResourceRef,
    ServerGroup,
    ServerGroupPolicy,
    Site,
    StoragePool,
)
from sovcloud.providers.errors import BadInputError, NotFoundError
from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.context import SimContext, api_call, create_once, new_id, owned
from sovcloud.providers.simulator.convert import image_dto, server_group_dto
from sovcloud.providers.simulator.faults import FaultController
from sovcloud.providers.simulator.holdings import list_resources
from sovcloud.providers.simulator.models import (
    SimHost,
    SimImage,
    SimServer,
    SimServerGroup,
    SimSite,
)
from sovcloud.providers.simulator.network import NetworkOps
from sovcloud.providers.simulator.quotas import charge, quota_row, refund, set_limits, to_quotas
from sovcloud.providers.simulator.server_actions import ServerActionOps
from sovcloud.providers.simulator.storage import StorageOps


class SimulatorProvider(ServerActionOps, StorageOps, NetworkOps):
    """A simulated OpenStack-like cloud whose state lives in its own SQL database.

    Several instances (in several processes) built with the same :class:`SimulatorConfig` share one
    cloud. ``faults`` switches injected failures on and off for all of them.
    """

    def __init__(self, config: SimulatorConfig, *, clock: Clock = system_clock) -> None:
        self._ctx = SimContext(config, clock)

    @property
    def config(self) -> SimulatorConfig:
        """The configuration this instance was built with."""
        return self._ctx.config

    @property
    def faults(self) -> FaultController:
        """Fault injection controls (error rate, timeouts, hosts and sites down)."""
        return self._ctx.faults

    def close(self) -> None:
        """Release database connections."""
        self._ctx.db.dispose()

    # -- the cloud as a whole -------------------------------------------------------------------------
    def capabilities(self) -> Capabilities:
        """Everything, including hypervisor statistics."""
        return Capabilities(hypervisor_stats=True)

    @api_call
    def sites(self) -> list[Site]:
        """The two availability zones and whether they are up."""
        with self._ctx.db.read() as session:
            rows = session.execute(select(SimSite.name, SimSite.down).order_by(SimSite.name)).all()
            return [Site(name=name, available=not down) for name, down in rows]

    @api_call
    def flavors(self) -> list[Flavor]:
        """The flavor catalogue, smallest first (cached: flavors never change)."""
        rows = sorted(self._ctx.flavors.values(), key=lambda f: (f.vcpus, f.ram_mib, f.name))
        return [Flavor(id=f.id, name=f.name, vcpus=f.vcpus, ram_mib=f.ram_mib, disk_gb=f.disk_gb) for f in rows]

    @api_call
    def images(self, tenant: str) -> list[Image]:
        """Public images and the tenant's snapshots."""
        now = self._ctx.now()
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimImage).where(SimImage.tenant.in_(("", tenant))).order_by(SimImage.tenant, SimImage.name)
            )
            return [image_dto(row, now) for row in rows]

    @api_call
    def get_image(self, tenant: str, image_id: str) -> Image:
        """One image visible to the tenant."""
        with self._ctx.db.read() as session:
            row = session.get(SimImage, image_id)
            if row is None or row.tenant not in ("", tenant):
                raise NotFoundError(f"image {image_id} not found")
            return image_dto(row, self._ctx.now())

    @api_call
    def resources(self, tenant: str | None = None) -> list[ResourceRef]:
        """Every tenant object of the simulated cloud (public images excluded)."""
        with self._ctx.db.read() as session:
            return list_resources(session, tenant, self._ctx.now())

    def hypervisors(self) -> list[Hypervisor]:
        """Per-host capacity and usage (admin view; not part of the tenant contract)."""
        with self._ctx.db.read() as session:
            rows = session.execute(
                select(SimHost, SimSite.down).join(SimSite, SimSite.name == SimHost.site).order_by(SimHost.name)
            ).all()
            return [
                Hypervisor(
                    name=h.name,
                    site=h.site,
                    cores=h.cores,
                    ram_mib=h.ram_mib,
                    vcpus_used=h.vcpus_used,
                    ram_used_mib=h.ram_used_mib,
                    servers=h.servers,
                    up=not (h.down or site_down),
                )
                for h, site_down in rows
            ]

    @api_call
    def capacity(self) -> CloudCapacity:
        """Every host's vCPU and RAM (cores and RAM × the configured ratios) and each site's shared pool."""
        config = self._ctx.config
        with self._ctx.db.read() as session:
            rows = session.execute(
                select(SimHost, SimSite.down).join(SimSite, SimSite.name == SimHost.site).order_by(SimHost.name)
            ).all()
            hosts = tuple(
                HostCapacity(name=h.name, site=h.site, up=not (h.down or site_down), servers=h.servers,
                             vcpus=Inventory(total=h.cores, allocation_ratio=config.cpu_ratio, used=h.vcpus_used),
                             ram_mib=Inventory(total=h.ram_mib, allocation_ratio=config.ram_ratio,
                                               used=h.ram_used_mib))
                for h, site_down in rows
            )  # fmt: skip
            pools = session.execute(select(SimSite.name, SimSite.storage_gb, SimSite.storage_used_gb)
                                    .order_by(SimSite.name)).all()
            storage = tuple(StoragePool(site=name, disk_gb=Inventory(total=size, allocation_ratio=config.disk_ratio,
                                                                     used=used))
                            for name, size, used in pools)
        return CloudCapacity(hosts=hosts, storage=storage)

    def storage_used_gb(self) -> dict[str, tuple[int, int]]:
        """(used, capacity) of each site's storage pool, in GB (admin view)."""
        with self._ctx.db.read() as session:
            rows = session.execute(select(SimSite.name, SimSite.storage_used_gb, SimSite.storage_gb)).all()
            return {name: (used, size) for name, used, size in rows}

    def public_ips_free(self) -> dict[str, int]:
        """Addresses still to be handed out from each site's public pool (admin view; the pool's network and
        broadcast addresses excluded)."""
        import ipaddress

        with self._ctx.db.read() as session:
            rows = session.execute(select(SimSite.name, SimSite.public_cidr, SimSite.public_next)).all()
            return {name: max(0, ipaddress.ip_network(cidr).num_addresses - 1 - nxt) for name, cidr, nxt in rows}

    # -- server groups --------------------------------------------------------------------------------
    def _server_group(self, session: Session, row: SimServerGroup) -> ServerGroup:
        members = session.scalars(
            select(SimServer.id).where(SimServer.server_group_id == row.id).order_by(SimServer.created_at)
        )
        return server_group_dto(row, list(members))

    @api_call
    def create_server_group(
        self, tenant: str, name: str, policy: ServerGroupPolicy, *, idempotency_key: str
    ) -> ServerGroup:
        """Create a server group."""
        ctx = self._ctx
        try:
            policy = ServerGroupPolicy(policy)
        except ValueError as exc:
            raise BadInputError(f"unknown server group policy {policy!r}") from exc

        def build(session: Session) -> SimServerGroup:
            charge(session, tenant, ctx.config.default_quotas, server_groups=1)
            row = SimServerGroup(
                id=new_id(),
                tenant=tenant,
                name=name,
                idempotency_key=idempotency_key,
                policy=policy.value,
                created_at=ctx.now(),
            )
            session.add(row)
            return row

        return create_once(ctx, SimServerGroup, tenant, idempotency_key, build, self._server_group)

    @api_call
    def get_server_group(self, tenant: str, group_id: str) -> ServerGroup:
        """One server group with its members."""
        with self._ctx.db.read() as session:
            return self._server_group(session, owned(session, SimServerGroup, tenant, group_id))

    @api_call
    def server_groups(self, tenant: str) -> list[ServerGroup]:
        """The tenant's server groups, oldest first."""
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimServerGroup)
                .where(SimServerGroup.tenant == tenant)
                .order_by(SimServerGroup.created_at, SimServerGroup.id)
            )
            return [self._server_group(session, row) for row in rows]

    @api_call
    def delete_server_group(self, tenant: str, group_id: str) -> None:
        """Delete a server group; its members stay, unconstrained."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimServerGroup, tenant, group_id, lock=True)
            refund(session, tenant, server_groups=1)
            for server in session.scalars(select(SimServer).where(SimServer.server_group_id == row.id)):
                server.server_group_id = None
            session.delete(row)

    # -- quotas ---------------------------------------------------------------------------------------
    @api_call
    def get_quotas(self, tenant: str) -> Quotas:
        """The tenant's limits and usage."""
        with self._ctx.db.read() as session:
            return to_quotas(quota_row(session, tenant, self._ctx.config.default_quotas, lock=False))

    @api_call
    def set_quotas(self, tenant: str, limits: QuotaSet) -> Quotas:
        """Replace the tenant's limits."""
        with self._ctx.db.write() as session:
            row = quota_row(session, tenant, self._ctx.config.default_quotas)
            set_limits(row, limits)
            session.flush()
            return to_quotas(row)
