"""Server actions: start, stop, reboot, resize (on the same host when it fits, else re-placed), snapshot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.providers.dto import (
    Image,
    Server,
    ServerGroupPolicy,
    ServerStatus,
)
from sovcloud.providers.errors import BadInputError, CapacityError, ConflictError
from sovcloud.providers.simulator import scheduler
from sovcloud.providers.simulator.compute import ComputeOps
from sovcloud.providers.simulator.context import api_call, create_once, new_id
from sovcloud.providers.simulator.convert import image_dto
from sovcloud.providers.simulator.lifecycle import ServerView, server_view, settle_server, start_task
from sovcloud.providers.simulator.models import (
    SimFlavor,
    SimHost,
    SimImage,
    SimServer,
)
from sovcloud.providers.simulator.quotas import charge


class ServerActionOps(ComputeOps):
    """Actions on existing servers (mixed into ``SimulatorProvider``)."""

    def _settled(self, session: Session, tenant: str, server_id: str) -> tuple[SimServer, ServerView, datetime]:
        """The server locked for an action, its finished transition applied; refused if its host is down."""
        row, up = self._load(session, tenant, server_id, lock=True)
        now = self._ctx.now()
        if not up:
            raise ConflictError(f"server {server_id}: its compute host is down")
        settle_server(row, now)
        return row, server_view(row, now), now

    def _act(
        self, tenant: str, server_id: str, allowed: set[ServerStatus], task: str, target: ServerStatus | None
    ) -> Server:
        ctx = self._ctx
        with ctx.db.write() as session:
            row, view, now = self._settled(session, tenant, server_id)
            if view.busy:
                raise ConflictError(f"server {server_id}: task {row.task} in progress")
            if view.status not in allowed:
                raise ConflictError(f"cannot {task.replace('_', ' ')} server {server_id} in {view.status}")
            start_task(row, task, target or view.status, now, ctx.config.action_delay_s)
            return self._present(row, now)

    @api_call
    def start_server(self, tenant: str, server_id: str) -> Server:
        """SHUTOFF → ACTIVE."""
        return self._act(tenant, server_id, {ServerStatus.SHUTOFF}, "start", ServerStatus.ACTIVE)

    @api_call
    def stop_server(self, tenant: str, server_id: str) -> Server:
        """ACTIVE → SHUTOFF."""
        return self._act(tenant, server_id, {ServerStatus.ACTIVE}, "stop", ServerStatus.SHUTOFF)

    @api_call
    def reboot_server(self, tenant: str, server_id: str, *, hard: bool = False) -> Server:
        """ACTIVE → REBOOT → ACTIVE (a hard reboot also starts a SHUTOFF server)."""
        allowed = {ServerStatus.ACTIVE, ServerStatus.SHUTOFF} if hard else {ServerStatus.ACTIVE}
        return self._act(tenant, server_id, allowed, "hard_reboot" if hard else "reboot", ServerStatus.ACTIVE)

    @api_call
    def resize_server(self, tenant: str, server_id: str, flavor_id: str) -> Server:
        """Move to another flavor: on the same host if it fits, else on another host of the same site."""
        ctx = self._ctx
        new = ctx.flavor(flavor_id)
        with ctx.db.write() as session:
            row, view, now = self._settled(session, tenant, server_id)
            if view.busy or view.status not in (ServerStatus.ACTIVE, ServerStatus.SHUTOFF):
                raise ConflictError(f"cannot resize server {server_id} in {view.status} ({row.task})")
            old = ctx.flavors[row.flavor_id]
            if new.id == old.id:
                raise BadInputError("the server already has this flavor")
            charge(
                session,
                tenant,
                ctx.config.default_quotas,
                cores=new.vcpus - old.vcpus,
                ram_mib=new.ram_mib - old.ram_mib,
            )
            self._move(session, row, old, new)
            row.previous_flavor_id, row.flavor_id = old.id, new.id
            start_task(row, "resize", view.status, now, 2 * ctx.config.action_delay_s)
            return self._present(row, now)

    def _move(self, session: Session, row: SimServer, old: SimFlavor, new: SimFlavor) -> None:
        """Re-claim capacity for ``new``: same host if the difference fits, else another host."""
        config = self._ctx.config
        host = session.scalar(select(SimHost).where(SimHost.id == row.host_id).with_for_update())
        if host is None:
            raise ConflictError(f"server {row.id} has no host")
        fits = (
            host.cores * config.cpu_ratio - (host.vcpus_used - old.vcpus) >= new.vcpus
            and host.ram_mib * config.ram_ratio - (host.ram_used_mib - old.ram_mib) >= new.ram_mib
        )
        scheduler.charge_host(session, host.id, -old.vcpus, -old.ram_mib, -1)
        if fits:
            scheduler.charge_host(session, host.id, new.vcpus, new.ram_mib)
        else:
            group = row.server_group_id
            policy = self._group_policy(session, row.tenant, group) if group else None
            if policy is ServerGroupPolicy.AFFINITY:
                raise CapacityError(f"No valid host was found: {new.name} does not fit on the group's host")
            target = scheduler.place(
                session,
                config,
                new,
                site=row.site,
                group_id=group,
                policy=policy,
                exclude_host=host.id,
                postgres=self._ctx.db.is_postgres,
            )
            row.host_id = target.host_id
        scheduler.release_storage(session, host.site, old.disk_gb)
        scheduler.claim_storage(session, config, host.site, new.disk_gb)

    @api_call
    def snapshot_server(self, tenant: str, server_id: str, name: str, *, idempotency_key: str) -> Image:
        """Snapshot a server to a private image, SAVING for ``build_delay_s``."""
        ctx = self._ctx

        def build(session: Session) -> SimImage:
            row, up = self._load(session, tenant, server_id)
            status = server_view(row, ctx.now(), up).status
            if status not in (ServerStatus.ACTIVE, ServerStatus.SHUTOFF):
                raise ConflictError(f"cannot snapshot server {server_id} in {status}")
            source = ctx.public_images.get(row.image_id) or session.get(SimImage, row.image_id)
            image = SimImage(
                id=new_id(),
                tenant=tenant,
                name=name,
                idempotency_key=idempotency_key,
                os_distro=source.os_distro if source else None,
                min_disk_gb=ctx.flavors[row.flavor_id].disk_gb,
                size_mib=source.size_mib if source else 0,
                source_server_id=row.id,
                created_at=ctx.now(),
                ready_at=ctx.after(ctx.config.build_delay_s),
            )
            session.add(image)
            return image

        return create_once(ctx, SimImage, tenant, idempotency_key, build, lambda _s, i: image_dto(i, ctx.now()))
