"""Configuration of the simulated cloud: one frozen dataclass, plus the capacity seed it builds from."""

from __future__ import annotations

from dataclasses import dataclass, field

from sovcloud.providers.dto import QuotaSet


@dataclass(frozen=True, kw_only=True)
class HostGroupSeed:
    """A batch of identical hypervisors in a site."""

    count: int  #: number of hosts (count)
    cores: int  #: physical cores per host (count)
    ram_mib: int  #: physical RAM per host, in MiB
    prefix: str = "cn"  #: host names are ``<site>-<prefix><nnn>``


@dataclass(frozen=True, kw_only=True)
class SiteSeed:
    """One availability zone: its hypervisors, its shared storage pool and its public IP pool.

    Root disks of servers and volumes both consume the site's storage pool (a Ceph-like backend shared
    by Nova and Cinder), so a site's disk capacity is one number.
    """

    name: str  #: zone name
    storage_gb: int  #: raw capacity of the shared storage pool, in GB (1 TB = 1,000 GB)
    public_cidr: str  #: range public IPs are allocated from
    hosts: tuple[HostGroupSeed, ...]  #: hypervisor batches

    @property
    def cores(self) -> int:
        """Physical cores of the site (count)."""
        return sum(group.count * group.cores for group in self.hosts)


GIB = 1024  # MiB per GiB

#: The default two-site cloud: 2,100 physical cores and 330 TB in total.
#: site-a: 25 dual 22-core hosts with 512 GiB (1,100 cores), 170 TB.
#: site-b: 10 dual 32-core hosts with 1 TiB and 10 dual 18-core hosts with 384 GiB (1,000 cores), 160 TB.
DEFAULT_SITES: tuple[SiteSeed, ...] = (
    SiteSeed(
        name="site-a",
        storage_gb=170_000,
        public_cidr="198.18.0.0/16",
        hosts=(HostGroupSeed(count=25, cores=44, ram_mib=512 * GIB),),
    ),
    SiteSeed(
        name="site-b",
        storage_gb=160_000,
        public_cidr="198.19.0.0/16",
        hosts=(
            HostGroupSeed(count=10, cores=64, ram_mib=1024 * GIB, prefix="cn"),
            HostGroupSeed(count=10, cores=36, ram_mib=384 * GIB, prefix="cm"),
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """Everything the simulator needs; several processes given the same config share one cloud."""

    #: SQLAlchemy URL of the simulator's own database: ``sqlite:///path.db`` or
    #: ``postgresql+psycopg://user@host/db``. Never the control plane's schema.
    database_url: str
    #: PostgreSQL schema holding the tables (created if missing); None for the default one.
    db_schema: str | None = None
    #: Seconds a server stays in BUILD (and a volume in CREATING, a snapshot in SAVING); 0 = at once.
    build_delay_s: float = 2.0
    #: Seconds a stop, start, reboot or resize phase takes; 0 = at once.
    action_delay_s: float = 1.0
    #: vCPUs allocatable per physical core.
    cpu_ratio: float = 4.0
    #: RAM allocatable per MiB of physical RAM.
    ram_ratio: float = 1.5
    #: GB allocatable per GB of the storage pool.
    disk_ratio: float = 1.0
    #: The sites and hypervisors created on first use (ignored once the database holds a cloud).
    sites: tuple[SiteSeed, ...] = DEFAULT_SITES
    #: Seed of the fault-injection random generator (the same seed gives the same faults).
    seed: int = 42
    #: Limits given to a tenant never configured by ``set_quotas`` (all None = unlimited).
    default_quotas: QuotaSet = field(default_factory=QuotaSet)
    #: Seconds the fault settings are cached per process; 0 reads them on every call.
    fault_refresh_s: float = 0.25
