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

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from sovcloud.providers.dto import ServerGroupPolicy
from sovcloud.providers.errors import CapacityError
from sovcloud.providers.simulator.config import SimulatorConfig
from sovcloud.providers.simulator.models import SimFlavor, SimHost, SimServer, SimSite


def _candidates(
    config: SimulatorConfig,
    flavor: SimFlavor,
    *,
    site: str | None,
    group_id: str | None,
    policy: ServerGroupPolicy | None,
    exclude_host: int | None,
) -> Select[SimHost]:
    free_ram = SimHost.ram_mib * config.ram_ratio - SimHost.ram_used_mib
    query = (
        select(SimHost)
        .join(SimSite, SimSite.name == SimHost.site)
        .where(
            SimHost.down.is_(False),
            SimSite.down.is_(False),
            SimHost.cores * config.cpu_ratio - SimHost.vcpus_used >= flavor.vcpus,
            free_ram >= flavor.ram_mib,
            SimSite.storage_gb * config.disk_ratio - SimSite.storage_used_gb >= flavor.disk_gb,
        )
        .order_by(free_ram.desc(), SimHost.id)
        .limit(1)
    )
    if site is not None:
        query = query.where(SimHost.site == site)
    if exclude_host is not None:
        query = query.where(SimHost.id != exclude_host)
    if group_id is not None and policy is not None:
        members = select(SimServer.host_id).where(SimServer.server_group_id == group_id, SimServer.host_id.is_not(None))
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
) -> SimHost:
    """Pick and lock a host that fits ``flavor``, and charge its vCPUs and RAM. Raises: CapacityError."""
    query = _candidates(config, flavor, site=site, group_id=group_id, policy=policy, exclude_host=exclude_host)
    host = None
    if postgres:
        host = session.scalar(query.with_for_update(of=SimHost, skip_locked=True))
        for _ in range(2):  # every fitting host is locked by a concurrent create: wait for one
            if host is not None:
                break
            host = session.scalar(query.with_for_update(of=SimHost))
    else:
        host = session.scalar(query)
    if host is None:
        where = f" in {site}" if site else ""
        rule = f" respecting {policy.value}" if policy else ""
        raise CapacityError(f"No valid host was found{where}{rule} for flavor {flavor.name}")
    charge_host(host, flavor.vcpus, flavor.ram_mib)
    return host


def charge_host(host: SimHost, vcpus: int, ram_mib: int, servers: int = 1) -> None:
    """Move a host's usage counters (negative values release)."""
    host.vcpus_used += vcpus
    host.ram_used_mib += ram_mib
    host.servers += servers


def claim_storage(session: Session, config: SimulatorConfig, site: str, size_gb: int) -> None:
    """Take ``size_gb`` from the site's pool atomically. Raises: CapacityError (full or down)."""
    if size_gb <= 0:
        return
    result = session.execute(
        update(SimSite)
        .where(
            SimSite.name == site,
            SimSite.down.is_(False),
            SimSite.storage_gb * config.disk_ratio - SimSite.storage_used_gb >= size_gb,
        )
        .values(storage_used_gb=SimSite.storage_used_gb + size_gb)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise CapacityError(f"not enough storage in {site} for {size_gb} GB (or the site is down)")


def release_storage(session: Session, site: str, size_gb: int) -> None:
    """Give ``size_gb`` back to the site's pool."""
    if size_gb > 0:
        session.execute(
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
