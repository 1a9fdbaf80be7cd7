"""The catalogue and hardware a fresh simulated cloud starts with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.providers.simulator.config import GIB, SimulatorConfig
from sovcloud.providers.simulator.models import SimFaultState, SimFlavor, SimHost, SimImage, SimSite

#: ``SimImage.tenant`` of public images.
PUBLIC = ""

_NS = uuid.UUID("5f0c2c1e-6c4b-4f5e-9d3a-2b7f7d1e0a11")

#: (name, vCPUs, RAM in GiB, root disk in GB)
FLAVORS: tuple[tuple[str, int, int, int], ...] = (
    ("s1.small", 1, 2, 20),
    ("s1.medium", 2, 4, 40),
    ("s1.large", 4, 8, 80),
    ("s1.xlarge", 8, 16, 160),
    ("m1.2xlarge", 16, 64, 160),
)

#: (name, os_distro, minimum disk in GB, size in MiB)
IMAGES: tuple[tuple[str, str, int, int], ...] = (
    ("debian-12", "debian", 2, 400),
    ("ubuntu-24.04", "ubuntu", 3, 600),
    ("rocky-9", "rocky", 10, 1_100),
    ("windows-2022", "windows", 40, 12_000),
)


def stable_id(kind: str, name: str) -> str:
    """A UUID derived from a name, identical in every simulator database."""
    return str(uuid.uuid5(_NS, f"{kind}:{name}"))


def seed_cloud(session: Session, config: SimulatorConfig, now: datetime) -> None:
    """Fill an empty simulator database: sites, hosts, flavors, public images, fault row."""
    if session.scalar(select(SimSite.name).limit(1)) is not None:
        return
    for site in config.sites:
        session.add(SimSite(name=site.name, storage_gb=site.storage_gb, public_cidr=site.public_cidr))
    session.flush()
    for site in config.sites:
        number = 0
        for group in site.hosts:
            for _ in range(group.count):
                number += 1
                session.add(
                    SimHost(
                        name=f"{site.name}-{group.prefix}{number:03d}",
                        site=site.name,
                        cores=group.cores,
                        ram_mib=group.ram_mib,
                    )
                )
    for name, vcpus, ram_gib, disk in FLAVORS:
        session.add(
            SimFlavor(id=stable_id("flavor", name), name=name, vcpus=vcpus, ram_mib=ram_gib * GIB, disk_gb=disk)
        )
    for name, distro, min_disk, size in IMAGES:
        session.add(
            SimImage(
                id=stable_id("image", name),
                tenant=PUBLIC,
                name=name,
                os_distro=distro,
                min_disk_gb=min_disk,
                size_mib=size,
                created_at=now,
                ready_at=now,
            )
        )
    session.add(SimFaultState(id=1, error_rate=0.0, timeout_rate=0.0))
