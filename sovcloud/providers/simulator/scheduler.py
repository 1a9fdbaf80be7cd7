"""Placement: choose a hypervisor for a server, and claim storage in a site's pool.

Filters (one SQL query): host and site up; free vCPUs (cores x cpu_ratio - used), free RAM
(RAM x ram_ratio - used) and free pool storage (pool x disk_ratio - used) fit the flavor; the requested
site; the server group policy (anti-affinity: no host already holding a member; affinity: the members'
host). Weigher: most free RAM first, which spreads servers like Nova's default RAM weigher.

Concurrency: on PostgreSQL the chosen host row is locked (``FOR UPDATE SKIP LOCKED``, so concurrent
creates pick different hosts; then a blocking ``FOR UPDATE`` if every fitting host is locked); the
storage claim is a conditional ``UPDATE`` that cannot overdraw the pool. The server group row is
locked by the caller so that two members never race for the same placement decision. On SQLite the
writer holds the database lock for the whole transaction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, Update, bindparam, select, update
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
    found = None
    if postgres:
        found = session.connection().execute(query.with_for_update(of=SimHost, skip_locked=True), params).first()
        for _ in range(2):  # every fitting host is locked by a concurrent create: wait for one
            if found is not None:
                break
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
