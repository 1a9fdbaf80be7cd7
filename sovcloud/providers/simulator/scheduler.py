"""Placement: choose a hypervisor for a server, and claim storage in a site's pool.

Filters (one SQL query): host and site up; free vCPUs (cores x cpu_ratio - used), free RAM
(RAM x ram_ratio - used) and free pool storage (pool x disk_ratio - used) fit the flavor; the requested
site; the server group policy (anti-affinity: no host already holding a member; affinity: the members'
host). Weigher: most free RAM first, which spreads servers like Nova's default RAM weigher.

Concurrency: placement decisions are taken one transaction at a time, as by a single scheduler. On
PostgreSQL a transaction-level advisory lock (the "scheduler lock") is taken before the first placement
of a transaction and held to its end: a batch create places up to 50 servers and would otherwise hold
most host rows and the site's storage row while another batch waits for them in another order (a
deadlock every few batches, measured). The chosen host row is locked as well (``FOR UPDATE``), for
the moves that do not go through ``place`` (a resize on the same host); the storage claim is a
conditional ``UPDATE`` that cannot overdraw the pool. On SQLite the writer holds the database lock for
the whole transaction.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlalchemy.orm import Session

from sovcloud.providers.dto import ServerGroupPolicy
from sovcloud.providers.errors import CapacityError
from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.models import SimFlavor, SimHost, SimServer, SimSite


@dataclass(frozen=True)
class Placement:
    """Where the scheduler put a server."""

    host_id: int
    site: str


@functools.cache
def _candidates(
    ratios: tuple[float, float, float], *, site: bool, policy: ServerGroupPolicy | None, exclude: bool
) -> Select[int, str]:
    """The filter query, built once per shape; its values are bound parameters."""
    cpu_ratio, ram_ratio, disk_ratio = ratios
    free_ram = SimHost.ram_mib * ram_ratio - SimHost.ram_used_mib
    query = (
        select(SimHost.id, SimHost.site)
        .join(SimSite, SimSite.name == SimHost.site)
        .where(
            SimHost.down.is_(False),
            SimSite.down.is_(False),
            SimHost.cores * cpu_ratio - SimHost.vcpus_used >= bindparam("vcpus"),
            free_ram >= bindparam("ram"),
            SimSite.storage_gb * disk_ratio - SimSite.storage_used_gb >= bindparam("disk"),
        )
        .order_by(free_ram.desc(), SimHost.id)
        .limit(1)
    )
    if site:
        query = query.where(SimHost.site == bindparam("site"))
    if exclude:
        query = query.where(SimHost.id != bindparam("exclude"))
    if policy is not None:
        members = select(SimServer.host_id).where(
            SimServer.server_group_id == bindparam("group"), SimServer.host_id.is_not(None)
        )
        if policy is ServerGroupPolicy.ANTI_AFFINITY:
            query = query.where(SimHost.id.not_in(members))
        else:
            first = members.order_by(SimServer.created_at).limit(1).scalar_subquery()
            query = query.where((SimHost.id == first) | (first.is_(None)))
    return query


def place(
    session: Session,
    config: SimulatorConfig,
    flavor: SimFlavor,
    *,
    site: str | None = None,
    group_id: str | None = None,
    policy: ServerGroupPolicy | None = None,
    exclude_host: int | None = None,
    postgres: bool = False,
) -> Placement:
    """Pick and lock a host that fits ``flavor``, and charge its vCPUs and RAM. Raises: CapacityError."""
    query = _candidates(
        (config.cpu_ratio, config.ram_ratio, config.disk_ratio),
        site=site is not None,
        policy=policy if group_id is not None else None,
        exclude=exclude_host is not None,
    )
    params = {
        "vcpus": flavor.vcpus,
        "ram": flavor.ram_mib,
        "disk": flavor.disk_gb,
        "site": site,
        "group": group_id,
        "exclude": exclude_host,
    }
    if postgres:
        _take_scheduler_lock(session)
        found = session.connection().execute(query.with_for_update(of=SimHost), params).first()
    else:
        found = session.connection().execute(query, params).first()
    if found is None:
        where = f" in {site}" if site else ""
        rule = f" respecting {policy.value}" if policy else ""
        raise CapacityError(f"No valid host was found{where}{rule} for flavor {flavor.name}")
    host = Placement(host_id=found[0], site=found[1])
    charge_host(session, host.host_id, flavor.vcpus, flavor.ram_mib)
    return host


@dataclass
class _Room:
    """What a host has left, while a batch is being placed."""

    host_id: int
    site: str
    vcpus: float
    ram: float


def place_many(
    session: Session, config: SimulatorConfig, wanted: Sequence[tuple[SimFlavor, str | None]], *, postgres: bool = False
) -> list[Placement]:
    """Place several servers (flavor, site or None), none in a server group, and claim their vCPUs, RAM and
    storage: the choices ``place`` would make for each in turn (same filters, same weigher), from one read
    of the hosts and one write per host and per site instead of three statements per server.
    Raises: CapacityError (nothing is claimed then)."""
    if postgres:
        _take_scheduler_lock(session)
    hosts = (
        select(SimHost.id, SimHost.site, SimHost.cores * config.cpu_ratio - SimHost.vcpus_used,
               SimHost.ram_mib * config.ram_ratio - SimHost.ram_used_mib)
        .join(SimSite, SimSite.name == SimHost.site)
        .where(SimHost.down.is_(False), SimSite.down.is_(False))
        .order_by(SimHost.id)
    )  # fmt: skip
    if postgres:
        hosts = hosts.with_for_update(of=SimHost)
    rooms = [_Room(*row) for row in session.execute(hosts)]
    free_storage = select(SimSite.name, SimSite.storage_gb * config.disk_ratio - SimSite.storage_used_gb)
    storage = {name: free for name, free in session.execute(free_storage.where(SimSite.down.is_(False)))}
    placements: list[Placement] = []
    for flavor, site in wanted:
        best: _Room | None = None
        for room in rooms:  # most free RAM first, then the lowest id, as the query of ``place`` orders them
            if ((site is None or room.site == site) and room.vcpus >= flavor.vcpus and room.ram >= flavor.ram_mib
                    and storage[room.site] >= flavor.disk_gb and (best is None or room.ram > best.ram)):
                best = room
        if best is None:
            where = f" in {site}" if site else ""
            raise CapacityError(f"No valid host was found{where} for flavor {flavor.name}")
        best.vcpus, best.ram = best.vcpus - flavor.vcpus, best.ram - flavor.ram_mib
        storage[best.site] -= flavor.disk_gb
        placements.append(Placement(host_id=best.host_id, site=best.site))
    charges: dict[int, list[int]] = {}
    disk: dict[str, int] = {}
    for (flavor, _site), placed in zip(wanted, placements, strict=True):
        charge = charges.setdefault(placed.host_id, [0, 0, 0])
        charge[0], charge[1], charge[2] = charge[0] + flavor.vcpus, charge[1] + flavor.ram_mib, charge[2] + 1
        disk[placed.site] = disk.get(placed.site, 0) + flavor.disk_gb
    session.connection().execute(
        _CHARGE_HOST, [{"host_id": h, "vcpus": c[0], "ram": c[1], "n": c[2]} for h, c in sorted(charges.items())]
    )
    for site_name in sorted(disk):
        claim_storage(session, config, site_name, disk[site_name])
    return placements


_SCHEDULER_LOCK = zlib.crc32(b"sovcloud-sim-scheduler")
_LOCKED = "sovcloud_scheduler_locked"


def _take_scheduler_lock(session: Session) -> None:
    """Hold the scheduler lock until the end of the transaction (the simulator opens one session per
    transaction, so the session remembers that it has it)."""
    if not session.info.get(_LOCKED):
        session.connection().execute(select(func.pg_advisory_xact_lock(_SCHEDULER_LOCK)))
        session.info[_LOCKED] = True


_CHARGE_HOST = (
    update(SimHost)
    .where(SimHost.id == bindparam("host_id"))
    .values(
        vcpus_used=SimHost.vcpus_used + bindparam("vcpus"),
        ram_used_mib=SimHost.ram_used_mib + bindparam("ram"),
        servers=SimHost.servers + bindparam("n"),
    )
    .execution_options(synchronize_session=False)
)


def charge_host(session: Session, host_id: int, vcpus: int, ram_mib: int, servers: int = 1) -> None:
    """Move a host's usage counters (negative values release)."""
    session.connection().execute(_CHARGE_HOST, {"host_id": host_id, "vcpus": vcpus, "ram": ram_mib, "n": servers})


@functools.cache
def _claim(disk_ratio: float) -> Update:
    return (
        update(SimSite)
        .where(
            SimSite.name == bindparam("site_name"),
            SimSite.down.is_(False),
            SimSite.storage_gb * disk_ratio - SimSite.storage_used_gb >= bindparam("size"),
        )
        .values(storage_used_gb=SimSite.storage_used_gb + bindparam("size"))
        .execution_options(synchronize_session=False)
    )


def claim_storage(session: Session, config: SimulatorConfig, site: str, size_gb: int) -> None:
    """Take ``size_gb`` from the site's pool atomically. Raises: CapacityError (full or down)."""
    if size_gb <= 0:
        return
    result = session.connection().execute(_claim(config.disk_ratio), {"site_name": site, "size": size_gb})
    if getattr(result, "rowcount", 0) != 1:
        raise CapacityError(f"not enough storage in {site} for {size_gb} GB (or the site is down)")


def release_storage(session: Session, site: str, size_gb: int) -> None:
    """Give ``size_gb`` back to the site's pool."""
    if size_gb > 0:
        session.connection().execute(
            update(SimSite)
            .where(SimSite.name == site)
            .values(storage_used_gb=SimSite.storage_used_gb - size_gb)
            .execution_options(synchronize_session=False)
        )


def pick_storage_site(session: Session, config: SimulatorConfig, size_gb: int) -> str:
    """The up site with the most free storage that fits. Raises: CapacityError."""
    free = SimSite.storage_gb * config.disk_ratio - SimSite.storage_used_gb
    name = session.scalar(
        select(SimSite.name).where(SimSite.down.is_(False), free >= size_gb).order_by(free.desc()).limit(1)
    )
    if name is None:
        raise CapacityError(f"no site has {size_gb} GB of free storage")
    return name
