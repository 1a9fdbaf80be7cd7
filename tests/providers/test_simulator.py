"""Behaviour specific to the simulator: capacity, placement, faults, persistence, quotas, transitions."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from sovcloud.clock import FrozenClock
from sovcloud.providers import (
    CapacityError,
    ConflictError,
    OperationTimedOutError,
    QuotaExceededError,
    TransientError,
)
from sovcloud.providers.dto import QuotaSet, ServerGroupPolicy, ServerRequest, ServerSpec, ServerStatus, VolumeSpec
from sovcloud.providers.simulator import HostGroupSeed, SimulatorConfig, SimulatorProvider, SiteSeed
from sovcloud.providers.simulator.config import DEFAULT_SITES

TENANT = "project-sim"

#: Two small sites: 3 hosts of 2 cores / 4 GiB each in site-a, 1 in site-b; 1,000 GB pools.
SMALL = (
    SiteSeed(name="site-a", storage_gb=1000, public_cidr="198.18.0.0/24",
             hosts=(HostGroupSeed(count=3, cores=2, ram_mib=4096),)),
    SiteSeed(name="site-b", storage_gb=1000, public_cidr="198.19.0.0/24",
             hosts=(HostGroupSeed(count=1, cores=2, ram_mib=4096),)),
)  # fmt: skip


def small(config: SimulatorConfig) -> SimulatorConfig:
    """The config on the small cloud with no overcommit (2 s1.small per host)."""
    return replace(config, sites=SMALL, cpu_ratio=1.0, ram_ratio=1.0)


@pytest.fixture
def sim(sqlite_config: SimulatorConfig) -> Iterator[SimulatorProvider]:
    provider = SimulatorProvider(small(sqlite_config))
    yield provider
    provider.close()


def spec(sim: SimulatorProvider, flavor: str = "s1.small", **kw: object) -> ServerSpec:
    flavors = {f.name: f.id for f in sim.flavors()}
    images = {i.name: i.id for i in sim.images(TENANT)}
    values: dict[str, object] = {"name": "vm", "flavor_id": flavors[flavor], "image_id": images["debian-12"]}
    values.update(kw)
    return ServerSpec(**values)  # type: ignore[arg-type]


def create(sim: SimulatorProvider, flavor: str = "s1.small", **kw: object) -> str:
    return sim.create_server(TENANT, spec(sim, flavor, **kw), idempotency_key=str(uuid.uuid4())).id


# -- seed and capacity ------------------------------------------------------------------------------------
def test_default_seed_totals() -> None:
    assert sum(site.cores for site in DEFAULT_SITES) == 2_100
    assert sum(site.storage_gb for site in DEFAULT_SITES) == 330_000
    assert [site.name for site in DEFAULT_SITES] == ["site-a", "site-b"]


def test_default_cloud_has_two_sites_and_all_hosts(sqlite_config: SimulatorConfig) -> None:
    provider = SimulatorProvider(sqlite_config)
    hosts = provider.hypervisors()
    assert sum(h.cores for h in hosts) == 2_100
    assert {h.site for h in hosts} == {"site-a", "site-b"}
    assert [s.name for s in provider.sites()] == ["site-a", "site-b"]
    assert {f.name for f in provider.flavors()} >= {"s1.small", "s1.medium", "s1.large", "s1.xlarge", "m1.2xlarge"}


def test_capacity_exhausted_raises(sim: SimulatorProvider) -> None:
    for _ in range(8):  # 4 hosts x 2 cores, 1 vCPU each
        create(sim)
    with pytest.raises(CapacityError, match="No valid host"):
        create(sim)
    hosts = sim.hypervisors()
    assert all(h.vcpus_used == 2 for h in hosts)
    assert sim.get_quotas(TENANT).usage.instances == 8


def test_deleting_frees_capacity(sim: SimulatorProvider) -> None:
    ids = [create(sim) for _ in range(8)]
    sim.delete_server(TENANT, ids[0])
    create(sim)
    assert sum(h.servers for h in sim.hypervisors()) == 8


def test_flavor_too_big_for_any_host(sim: SimulatorProvider) -> None:
    with pytest.raises(CapacityError):
        create(sim, flavor="s1.xlarge")


def test_anti_affinity_spreads_across_hosts(sim: SimulatorProvider) -> None:
    group = sim.create_server_group(TENANT, "ha", ServerGroupPolicy.ANTI_AFFINITY, idempotency_key="g1")
    hosts = {sim.get_server(TENANT, create(sim, server_group_id=group.id, site="site-a")).host for _ in range(3)}
    assert len(hosts) == 3
    with pytest.raises(CapacityError, match="anti-affinity"):
        create(sim, server_group_id=group.id, site="site-a")


def test_affinity_keeps_members_together(sim: SimulatorProvider) -> None:
    group = sim.create_server_group(TENANT, "db", ServerGroupPolicy.AFFINITY, idempotency_key="g2")
    first, second = (sim.get_server(TENANT, create(sim, server_group_id=group.id)) for _ in range(2))
    assert first.host == second.host
    with pytest.raises(CapacityError):  # the shared host is full (2 cores)
        create(sim, server_group_id=group.id)


def test_site_choice_is_honoured(sim: SimulatorProvider) -> None:
    server = sim.get_server(TENANT, create(sim, site="site-b"))
    assert server.site == "site-b" and server.host == "site-b-cn001"


# -- faults ---------------------------------------------------------------------------------------------
def test_site_down_is_avoided_and_its_servers_unknown(sim: SimulatorProvider) -> None:
    on_b = create(sim, site="site-b")
    sim.faults.site_down("site-b")
    assert {s.name: s.available for s in sim.sites()} == {"site-a": True, "site-b": False}
    assert all(sim.get_server(TENANT, create(sim)).site == "site-a" for _ in range(4))
    with pytest.raises(CapacityError):
        create(sim, site="site-b")
    assert sim.get_server(TENANT, on_b).status is ServerStatus.UNKNOWN
    with pytest.raises(ConflictError):
        sim.stop_server(TENANT, on_b)
    sim.faults.site_up("site-b")
    assert sim.get_server(TENANT, on_b).status is ServerStatus.ACTIVE


def test_host_down_is_avoided(sim: SimulatorProvider) -> None:
    sim.faults.host_down("site-a-cn001")
    assert sim.faults.state().hosts_down == ("site-a-cn001",)
    hosts = {sim.get_server(TENANT, create(sim)).host for _ in range(6)}
    assert "site-a-cn001" not in hosts
    with pytest.raises(CapacityError):
        create(sim)
    sim.faults.clear()
    create(sim)


def test_error_rate_is_about_ten_percent(sim: SimulatorProvider) -> None:
    sim.faults.set_error_rate(0.1)
    failures = 0
    for _ in range(2000):
        try:
            sim.flavors()
        except TransientError:
            failures += 1
    assert 140 <= failures <= 260, failures
    sim.faults.clear()
    sim.flavors()  # no failure once cleared


def test_fault_sequence_is_seeded(sqlite_config: SimulatorConfig) -> None:
    def outcomes(provider: SimulatorProvider) -> list[bool]:
        result = []
        for _ in range(200):
            try:
                provider.flavors()
                result.append(True)
            except TransientError:
                result.append(False)
        return result

    first = SimulatorProvider(small(sqlite_config))
    first.faults.set_error_rate(0.3)
    second = SimulatorProvider(small(sqlite_config))  # another "process", same database and seed
    assert outcomes(first) == outcomes(second)
    assert not all(outcomes(first))


def test_timeout_after_create_then_retry_finds_the_server(sim: SimulatorProvider) -> None:
    sim.faults.set_timeout_rate(1.0)
    with pytest.raises(OperationTimedOutError):
        sim.create_server(TENANT, spec(sim), idempotency_key="step-42")
    sim.faults.clear()
    server = sim.create_server(TENANT, spec(sim), idempotency_key="step-42")
    assert [s.id for s in sim.servers(TENANT)] == [server.id]


# -- idempotency, persistence, quotas ---------------------------------------------------------------------
def test_same_key_other_tenant_conflicts(sim: SimulatorProvider) -> None:
    sim.create_server(TENANT, spec(sim), idempotency_key="k")
    with pytest.raises(ConflictError):
        sim.create_server("someone-else", spec(sim), idempotency_key="k")


def test_state_survives_a_restart(sqlite_config: SimulatorConfig) -> None:
    first = SimulatorProvider(small(sqlite_config))
    server_id = create(first)
    first.faults.host_down("site-b-cn001")
    first.close()
    second = SimulatorProvider(small(sqlite_config))
    assert second.get_server(TENANT, server_id).status is ServerStatus.ACTIVE
    assert second.faults.state().hosts_down == ("site-b-cn001",)
    assert sum(h.servers for h in second.hypervisors()) == 1


def test_quotas_are_enforced(sim: SimulatorProvider) -> None:
    sim.set_quotas(TENANT, QuotaSet(instances=2, volume_gb=10))
    first = create(sim)
    create(sim)
    with pytest.raises(QuotaExceededError, match="instances"):
        create(sim)
    sim.delete_server(TENANT, first)
    create(sim)
    with pytest.raises(QuotaExceededError, match="volume_gb"):
        sim.create_volume(TENANT, VolumeSpec(name="big", size_gb=11), idempotency_key="v")
    assert sim.get_quotas(TENANT).usage.instances == 2
    assert sim.get_quotas("untouched").limits.instances is None


def test_create_servers_is_all_or_nothing(sim: SimulatorProvider) -> None:
    sim.set_quotas(TENANT, QuotaSet(instances=3))
    with pytest.raises(QuotaExceededError, match="instances"):
        sim.create_servers(TENANT, [ServerRequest(spec(sim, name=f"q{i}"), f"q{i}") for i in range(4)])
    assert sim.servers(TENANT) == [] and sim.get_quotas(TENANT).usage.instances == 0
    # 4 hosts x 2 cores: the 9th server does not fit, so none of the batch is placed
    sim.set_quotas(TENANT, QuotaSet())
    with pytest.raises(CapacityError):
        sim.create_servers(TENANT, [ServerRequest(spec(sim, name=f"c{i}"), f"c{i}") for i in range(9)])
    assert sim.servers(TENANT) == [] and sum(h.vcpus_used for h in sim.hypervisors()) == 0


def test_create_servers_charges_only_the_new_ones(sim: SimulatorProvider) -> None:
    made = sim.create_servers(TENANT, [ServerRequest(spec(sim, name=f"b{i}"), f"b{i}") for i in range(3)])
    assert len({s.host for s in made}) == 3  # placed one by one: the RAM weigher spreads them
    again = sim.create_servers(TENANT, [ServerRequest(spec(sim, name=f"b{i}"), f"b{i}") for i in range(5)])
    assert [s.id for s in again[:3]] == [s.id for s in made]
    assert sim.get_quotas(TENANT).usage.instances == 5 and sum(h.servers for h in sim.hypervisors()) == 5
    with pytest.raises(ConflictError):
        sim.create_servers("someone-else", [ServerRequest(spec(sim), "b0")])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_batch_placement_matches_one_by_one(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """``create_servers`` places as ``create_server`` would in turn: same hosts, in the same order, same use."""
    if backend == "sqlite":
        configs = [replace(request.getfixturevalue("sqlite_config"), database_url=f"sqlite:///{tmp_path / n}.db")
                   for n in ("one", "many")]
    else:
        pg = request.getfixturevalue("pg_config")
        configs = [replace(pg, db_schema=f"{pg.db_schema}_{n}") for n in ("one", "many")]
    one, many = (SimulatorProvider(replace(c, cpu_ratio=1.0, ram_ratio=1.0)) for c in configs)
    try:
        flavors = ["s1.small", "s1.large", "s1.medium", "s1.xlarge"]
        specs = [spec(one, flavors[i % 4], name=f"vm{i}", site=("site-b" if i % 5 == 0 else None)) for i in range(60)]
        by_one = [one.create_server(TENANT, s, idempotency_key=f"k{i}") for i, s in enumerate(specs)]
        by_many = many.create_servers(TENANT, [ServerRequest(s, f"k{i}") for i, s in enumerate(specs)])
        assert [(s.host, s.site) for s in by_many] == [(s.host, s.site) for s in by_one]
        assert many.hypervisors() == one.hypervisors() and many.storage_used_gb() == one.storage_used_gb()
        assert len({s.host for s in by_many}) >= 10  # spread, not stacked
    finally:
        one.close()
        many.close()
        if backend == "postgresql":
            from sqlalchemy import create_engine, text

            engine = create_engine(configs[0].database_url)
            with engine.begin() as conn:
                for c in configs:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{c.db_schema}" CASCADE'))
            engine.dispose()


def test_volume_storage_is_limited_by_the_site_pool(sim: SimulatorProvider) -> None:
    sim.create_volume(TENANT, VolumeSpec(name="a", size_gb=990, site="site-b"), idempotency_key="v1")
    with pytest.raises(CapacityError):
        sim.create_volume(TENANT, VolumeSpec(name="b", size_gb=20, site="site-b"), idempotency_key="v2")
    assert sim.storage_used_gb()["site-b"] == (990, 1000)


# -- transitions ------------------------------------------------------------------------------------------
def test_transitions_follow_the_clock(tmp_path: Path) -> None:
    clock = FrozenClock()
    config = SimulatorConfig(database_url=f"sqlite:///{tmp_path / 'c.db'}", build_delay_s=5, action_delay_s=2)
    sim = SimulatorProvider(config, clock=clock)
    server = sim.create_server(TENANT, spec(sim), idempotency_key="t")
    assert server.status is ServerStatus.BUILD
    clock.advance(seconds=4.9)
    assert sim.get_server(TENANT, server.id).status is ServerStatus.BUILD
    with pytest.raises(ConflictError):
        sim.stop_server(TENANT, server.id)
    clock.advance(seconds=0.2)
    assert sim.get_server(TENANT, server.id).status is ServerStatus.ACTIVE
    sim.reboot_server(TENANT, server.id)
    assert sim.get_server(TENANT, server.id).status is ServerStatus.REBOOT
    clock.advance(seconds=2)
    big = {f.name: f.id for f in sim.flavors()}["s1.large"]
    sim.resize_server(TENANT, server.id, big)
    seen = sim.get_server(TENANT, server.id)
    assert seen.status is ServerStatus.RESIZE and seen.flavor_id == server.flavor_id
    clock.advance(seconds=2.5)
    assert sim.get_server(TENANT, server.id).status is ServerStatus.VERIFY_RESIZE
    clock.current += timedelta(seconds=2)
    done = sim.get_server(TENANT, server.id)
    assert (done.status, done.flavor_id) == (ServerStatus.ACTIVE, big)
    assert sim.get_quotas(TENANT).usage.cores == 4


def test_resize_moves_when_the_host_is_full(sim: SimulatorProvider) -> None:
    server = create(sim, site="site-a")
    create(sim, site="site-a")  # host 1 has 1 core left at most; fill so the resize must move
    medium = {f.name: f.id for f in sim.flavors()}["s1.medium"]
    before = sim.get_server(TENANT, server).host
    sim.resize_server(TENANT, server, medium)
    after = sim.get_server(TENANT, server)
    assert after.flavor_id == medium
    used = {h.name: h.vcpus_used for h in sim.hypervisors()}
    assert sum(used.values()) == 3 and max(used.values()) <= 2
    assert after.host is not None and (after.host != before or used[before] == 2)


def test_resources_hold_nothing_unknown(sim: SimulatorProvider) -> None:
    server = create(sim)
    volume = sim.create_volume(TENANT, VolumeSpec(name="v", size_gb=1), idempotency_key="rv").id
    ids = {r.id for r in sim.resources()}
    assert {server, volume} <= ids
    sim.delete_server(TENANT, server)
    sim.delete_volume(TENANT, volume)
    assert sim.resources() == []


# -- several processes on SQLite ----------------------------------------------------------------------------
def _worker(config: SimulatorConfig, prefix: str, count: int) -> None:
    provider = SimulatorProvider(config)
    flavor = {f.name: f.id for f in provider.flavors()}["s1.small"]
    image = {i.name: i.id for i in provider.images(TENANT)}["debian-12"]
    for i in range(count):
        key = f"{prefix}-{i % (count // 2)}"  # every key twice
        provider.create_server(TENANT, ServerSpec(name=key, flavor_id=flavor, image_id=image), idempotency_key=key)


def test_processes_share_one_cloud(sqlite_config: SimulatorConfig) -> None:
    SimulatorProvider(sqlite_config).close()  # create the database before the workers race
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(sqlite_config, "shared", 40)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    sim = SimulatorProvider(sqlite_config)
    assert len(sim.servers(TENANT)) == 20
    assert sum(h.vcpus_used for h in sim.hypervisors()) == 20
    assert sim.get_quotas(TENANT).usage.instances == 20


# -- concurrency on PostgreSQL ------------------------------------------------------------------------------
def _race(n: int, action: object) -> list[object]:
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        barrier.wait()
        try:
            results.append(action())  # type: ignore[operator]
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
def test_concurrent_idempotent_create_on_postgres(pg_config: SimulatorConfig) -> None:
    sim = SimulatorProvider(small(pg_config))
    server_spec = spec(sim)
    results = _race(8, lambda: sim.create_server(TENANT, server_spec, idempotency_key="same").id)
    assert len(set(results)) == 1 and isinstance(results[0], str), results
    assert len(sim.servers(TENANT)) == 1
    assert sum(h.vcpus_used for h in sim.hypervisors()) == 1
    assert sim.get_quotas(TENANT).usage.instances == 1


@pytest.mark.postgres
def test_concurrent_creates_never_overcommit_on_postgres(pg_config: SimulatorConfig) -> None:
    sim = SimulatorProvider(small(pg_config))
    server_spec = spec(sim)
    results = _race(14, lambda: sim.create_server(TENANT, server_spec, idempotency_key=str(uuid.uuid4())).id)
    created = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, CapacityError)]
    assert len(created) == 8 and len(refused) == 6, results
    assert all(h.vcpus_used == 2 for h in sim.hypervisors())


@pytest.mark.postgres
def test_concurrent_anti_affinity_on_postgres(pg_config: SimulatorConfig) -> None:
    sim = SimulatorProvider(small(pg_config))
    group = sim.create_server_group(TENANT, "ha", ServerGroupPolicy.ANTI_AFFINITY, idempotency_key="g")
    server_spec = spec(sim, server_group_id=group.id)
    results = _race(6, lambda: sim.create_server(TENANT, server_spec, idempotency_key=str(uuid.uuid4())).host)
    hosts = [r for r in results if isinstance(r, str)]
    assert len(hosts) == 4 and len(set(hosts)) == 4, results
