"""Volumes and volume snapshots on Cinder; attachments through Nova."""

from __future__ import annotations

import json
from typing import Any

from sovcloud.providers.dto import SnapshotStatus, Volume, VolumeSnapshot, VolumeSpec, VolumeStatus
from sovcloud.providers.errors import ConflictError, NotFoundError
from sovcloud.providers.openstack.compute import parse_time
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import KEY_META, OpenStackBase


def _volume(tenant: str, raw: Any) -> Volume:
    attachment = (raw.attachments or [{}])[0]
    status = raw.status or ""
    return Volume(id=raw.id, tenant=tenant, name=raw.name or "", size_gb=int(raw.size or 0),
                  status=VolumeStatus.from_upstream(status), site=raw.availability_zone,  # type: ignore[arg-type]
                  server_id=attachment.get("server_id"), device=attachment.get("device"),
                  created_at=parse_time(raw.created_at), raw_status=status)  # fmt: skip


def _snapshot(tenant: str, raw: Any) -> VolumeSnapshot:
    status = raw.status or ""
    return VolumeSnapshot(id=raw.id, tenant=tenant, name=raw.name or "", volume_id=raw.volume_id,
                          size_gb=int(raw.size or 0), status=SnapshotStatus.from_upstream(status),  # type: ignore[arg-type]
                          created_at=parse_time(raw.created_at), raw_status=status)  # fmt: skip


def _by_key(idempotency_key: str) -> dict[str, str]:
    """Cinder's metadata filter for the objects stamped with ``idempotency_key`` (``?metadata={...}``)."""
    return {"properties": json.dumps({KEY_META: idempotency_key})}


class BlockStorageOps(OpenStackBase):
    """Cinder volumes, their attachments and snapshots."""

    @translated
    def create_volume(self, tenant: str, spec: VolumeSpec, *, idempotency_key: str) -> Volume:
        """Create a volume stamped with ``sovcloud_key``, or return the one a previous try created."""
        conn = self._conn(tenant)
        for raw in self._paged(conn.block_storage.volumes, details=True, **_by_key(idempotency_key)):
            if (raw.metadata or {}).get(KEY_META) == idempotency_key:
                return _volume(tenant, raw)
        attrs: dict[str, Any] = {"name": spec.name, "size": spec.size_gb, "metadata": {KEY_META: idempotency_key}}
        if spec.site:
            attrs["availability_zone"] = spec.site
        if spec.source_snapshot_id:
            attrs["snapshot_id"] = spec.source_snapshot_id
        return _volume(tenant, conn.block_storage.create_volume(**attrs))

    @translated
    def get_volume(self, tenant: str, volume_id: str) -> Volume:
        """One volume of the tenant."""
        return _volume(tenant, self._conn(tenant, create=False).block_storage.get_volume(volume_id))

    @translated
    def volumes(self, tenant: str) -> list[Volume]:
        """All volumes of the tenant."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        return [_volume(tenant, raw) for raw in self._paged(conn.block_storage.volumes, details=True)]

    @translated
    def delete_volume(self, tenant: str, volume_id: str) -> None:
        """Delete an unattached volume."""
        conn = self._conn(tenant, create=False)
        raw = conn.block_storage.get_volume(volume_id)
        if raw.attachments or raw.status not in ("available", "error", "error_restoring", "error_extending"):
            raise ConflictError(f"volume {volume_id} is {raw.status}: detach it first")
        conn.block_storage.delete_volume(raw, ignore_missing=False)

    @translated
    def attach_volume(self, tenant: str, volume_id: str, server_id: str) -> Volume:
        """Attach an available volume to a server (then IN_USE)."""
        conn = self._conn(tenant, create=False)
        raw = conn.block_storage.get_volume(volume_id)
        if raw.status != "available":
            raise ConflictError(f"volume {volume_id} is {raw.status}, not available")
        conn.compute.create_volume_attachment(server_id, volume_id=volume_id)
        return _volume(tenant, conn.block_storage.get_volume(volume_id))

    @translated
    def detach_volume(self, tenant: str, volume_id: str) -> Volume:
        """Detach a volume from its server (then AVAILABLE)."""
        conn = self._conn(tenant, create=False)
        raw = conn.block_storage.get_volume(volume_id)
        if not raw.attachments:
            raise ConflictError(f"volume {volume_id} is not attached")
        conn.compute.delete_volume_attachment(raw.attachments[0]["server_id"], volume_id, ignore_missing=False)
        return _volume(tenant, conn.block_storage.get_volume(volume_id))

    @translated
    def snapshot_volume(self, tenant: str, volume_id: str, name: str, *, idempotency_key: str) -> VolumeSnapshot:
        """Snapshot a volume (attached ones too), stamped with ``sovcloud_key``."""
        conn = self._conn(tenant)
        for raw in self._paged(conn.block_storage.snapshots, details=True, **_by_key(idempotency_key)):
            if (raw.metadata or {}).get(KEY_META) == idempotency_key:
                return _snapshot(tenant, raw)
        raw = conn.block_storage.create_snapshot(volume_id=volume_id, name=name, force=True,
                                                 metadata={KEY_META: idempotency_key})  # fmt: skip
        return _snapshot(tenant, raw)

    @translated
    def volume_snapshots(self, tenant: str) -> list[VolumeSnapshot]:
        """All volume snapshots of the tenant."""
        try:
            conn = self._conn(tenant, create=False)
        except NotFoundError:
            return []
        return [_snapshot(tenant, raw)
                for raw in self._paged(conn.block_storage.snapshots, details=True)]

    @translated
    def delete_volume_snapshot(self, tenant: str, snapshot_id: str) -> None:
        """Delete a volume snapshot."""
        self._conn(tenant, create=False).block_storage.delete_snapshot(snapshot_id, ignore_missing=False)
