"""Block storage: volumes in a site's pool, attachments, volume snapshots."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud.providers.dto import ServerStatus, Volume, VolumeSnapshot, VolumeSpec
from sovcloud.providers.errors import BadInputError, ConflictError
from sovcloud.providers.simulator import scheduler
from sovcloud.providers.simulator.context import SimContext, api_call, create_once, new_id, owned
from sovcloud.providers.simulator.convert import volume_dto, volume_snapshot_dto
from sovcloud.providers.simulator.lifecycle import server_view
from sovcloud.providers.simulator.models import SimServer, SimSite, SimVolume, SimVolumeSnapshot
from sovcloud.providers.simulator.quotas import charge, refund


class StorageOps:
    """Volume operations of the simulator (mixed into ``SimulatorProvider``)."""

    _ctx: SimContext

    def _ready(self, row: SimVolume) -> None:
        if self._ctx.now() < row.ready_at:
            raise ConflictError(f"volume {row.id} is still being created")

    @api_call
    def create_volume(self, tenant: str, spec: VolumeSpec, *, idempotency_key: str) -> Volume:
        """Create a volume in the requested site (or the one with most free storage)."""
        ctx = self._ctx
        if spec.size_gb <= 0:
            raise BadInputError("a volume size is a positive number of GB")
        if spec.site is not None and spec.site not in ctx.site_names:
            raise BadInputError(f"unknown availability zone {spec.site!r}")

        def build(session: Session) -> SimVolume:
            if spec.source_snapshot_id is not None:
                source = owned(session, SimVolumeSnapshot, tenant, spec.source_snapshot_id)
                if spec.size_gb < source.size_gb:
                    raise BadInputError("a volume is at least as large as its source snapshot")
            charge(session, tenant, ctx.config.default_quotas, volumes=1, volume_gb=spec.size_gb)
            site = spec.site or scheduler.pick_storage_site(session, ctx.config, spec.size_gb)
            scheduler.claim_storage(session, ctx.config, site, spec.size_gb)
            row = SimVolume(
                id=new_id(),
                tenant=tenant,
                name=spec.name,
                idempotency_key=idempotency_key,
                size_gb=spec.size_gb,
                site=site,
                server_id=None,
                device=None,
                source_snapshot_id=spec.source_snapshot_id,
                created_at=ctx.now(),
                ready_at=ctx.after(ctx.config.build_delay_s),
            )
            session.add(row)
            return row

        return create_once(ctx, SimVolume, tenant, idempotency_key, build, lambda _s, v: volume_dto(v, ctx.now()))

    @api_call
    def get_volume(self, tenant: str, volume_id: str) -> Volume:
        """One volume."""
        with self._ctx.db.read() as session:
            return volume_dto(owned(session, SimVolume, tenant, volume_id), self._ctx.now())

    @api_call
    def volumes(self, tenant: str) -> list[Volume]:
        """The tenant's volumes, oldest first."""
        now = self._ctx.now()
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimVolume).where(SimVolume.tenant == tenant).order_by(SimVolume.created_at, SimVolume.id)
            )
            return [volume_dto(row, now) for row in rows]

    @api_call
    def delete_volume(self, tenant: str, volume_id: str) -> None:
        """Delete an unattached volume that has no snapshot."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimVolume, tenant, volume_id, lock=True)
            if row.server_id is not None:
                raise ConflictError(f"volume {volume_id} is attached to server {row.server_id}")
            snapshots = session.scalar(
                select(func.count()).select_from(SimVolumeSnapshot).where(SimVolumeSnapshot.volume_id == row.id)
            )
            if snapshots:
                raise ConflictError(f"volume {volume_id} has {snapshots} snapshot(s)")
            refund(session, tenant, volumes=1, volume_gb=row.size_gb)
            scheduler.release_storage(session, row.site, row.size_gb)
            session.delete(row)

    @api_call
    def attach_volume(self, tenant: str, volume_id: str, server_id: str) -> Volume:
        """Attach an available volume to an ACTIVE or SHUTOFF server of the same site."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimVolume, tenant, volume_id, lock=True)
            self._ready(row)
            server = owned(session, SimServer, tenant, server_id)
            if row.server_id is not None:
                raise ConflictError(f"volume {volume_id} is already attached to {row.server_id}")
            if server.site != row.site:
                raise ConflictError(f"volume in {row.site} cannot attach to a server in {server.site}")
            if session.get(SimSite, row.site) is None or session.get_one(SimSite, row.site).down:
                raise ConflictError(f"site {row.site} is down")
            status = server_view(server, ctx.now()).status
            if status not in (ServerStatus.ACTIVE, ServerStatus.SHUTOFF):
                raise ConflictError(f"cannot attach a volume to server {server_id} in {status}")
            used = session.scalar(select(func.count()).select_from(SimVolume).where(SimVolume.server_id == server.id))
            row.server_id, row.device = server.id, f"/dev/vd{chr(ord('b') + int(used or 0))}"
            return volume_dto(row, ctx.now())

    @api_call
    def detach_volume(self, tenant: str, volume_id: str) -> Volume:
        """Detach a volume from its server."""
        with self._ctx.db.write() as session:
            row = owned(session, SimVolume, tenant, volume_id, lock=True)
            if row.server_id is None:
                raise ConflictError(f"volume {volume_id} is not attached")
            row.server_id, row.device = None, None
            return volume_dto(row, self._ctx.now())

    @api_call
    def snapshot_volume(self, tenant: str, volume_id: str, name: str, *, idempotency_key: str) -> VolumeSnapshot:
        """Snapshot a volume (counts in the tenant's volume_gb quota)."""
        ctx = self._ctx

        def build(session: Session) -> SimVolumeSnapshot:
            volume = owned(session, SimVolume, tenant, volume_id)
            self._ready(volume)
            charge(session, tenant, ctx.config.default_quotas, volume_gb=volume.size_gb)
            row = SimVolumeSnapshot(
                id=new_id(),
                tenant=tenant,
                name=name,
                idempotency_key=idempotency_key,
                volume_id=volume.id,
                size_gb=volume.size_gb,
                created_at=ctx.now(),
                ready_at=ctx.after(ctx.config.build_delay_s),
            )
            session.add(row)
            return row

        return create_once(
            ctx, SimVolumeSnapshot, tenant, idempotency_key, build, lambda _s, v: volume_snapshot_dto(v, ctx.now())
        )

    @api_call
    def volume_snapshots(self, tenant: str) -> list[VolumeSnapshot]:
        """The tenant's volume snapshots, oldest first."""
        now = self._ctx.now()
        with self._ctx.db.read() as session:
            rows = session.scalars(
                select(SimVolumeSnapshot)
                .where(SimVolumeSnapshot.tenant == tenant)
                .order_by(SimVolumeSnapshot.created_at, SimVolumeSnapshot.id)
            )
            return [volume_snapshot_dto(row, now) for row in rows]

    @api_call
    def delete_volume_snapshot(self, tenant: str, snapshot_id: str) -> None:
        """Delete a volume snapshot."""
        ctx = self._ctx
        with ctx.db.write() as session:
            row = owned(session, SimVolumeSnapshot, tenant, snapshot_id, lock=True)
            refund(session, tenant, volume_gb=row.size_gb)
            session.delete(row)
