"""Images on Glance and the catalogue-wide views (sites)."""

from __future__ import annotations

from typing import Any

from sovcloud.providers.dto import Image, Site, SnapshotStatus
from sovcloud.providers.openstack.errors import translated
from sovcloud.providers.openstack.identity import OpenStackBase


class ImageOps(OpenStackBase):
    """Glance images (public ones and the tenant's snapshots) and Nova availability zones."""

    def _image(self, tenant: str, raw: Any) -> Image:
        properties = raw.properties or {}
        status = raw.status or ""
        public = raw.visibility in ("public", "community")
        return Image(
            id=raw.id, name=raw.name or "", status=SnapshotStatus.from_upstream(status),  # type: ignore[arg-type]
            os_distro=raw.os_distro or properties.get("os_distro"), min_disk_gb=int(raw.min_disk or 0),
            size_mib=int((raw.size or 0) // (1024 * 1024)), tenant=None if public else tenant,
            source_server_id=properties.get("instance_uuid") or getattr(raw, "instance_uuid", None),
            raw_status=status,
        )  # fmt: skip

    @translated
    def images(self, tenant: str) -> list[Image]:
        """Public images plus the tenant's own."""
        conn = self._conn(tenant)
        return [self._image(tenant, raw) for raw in self._paged(conn.image.images)]

    @translated
    def get_image(self, tenant: str, image_id: str) -> Image:
        """One image visible to the tenant."""
        return self._image(tenant, self._conn(tenant, create=False).image.get_image(image_id))

    @translated
    def sites(self) -> list[Site]:
        """Nova's availability zones (one per site)."""
        zones = self.admin.compute.availability_zones(details=False)
        return sorted((Site(name=z.name, available=bool((z.state or {}).get("available", True))) for z in zones),
                      key=lambda s: s.name)  # fmt: skip
