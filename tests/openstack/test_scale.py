"""At the seed's scale on a real OpenStack: what a batch of 50 servers costs does not depend on how many
servers the project already holds, and past the size (~150 servers) at which an unpaged listing of the
project makes Nova answer 500 (it asks Neutron for the ports of every listed server in one request line
longer than gunicorn accepts, see devcloud/README.md) sovcloud still creates, replays, reconciles and
deletes. Requests are counted at the HTTP transport (``requests.Session.send``): every request counted
went to the devcloud and was answered by it."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from openstack import exceptions as sdk
from sqlalchemy import select

from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.providers import build_provider
from sovcloud.providers.dto import QuotaSet, ServerRequest, ServerSpec
from sovcloud.providers.openstack import OpenStackProvider
from sovcloud.provisioning.reaper import drain
from sovcloud.tenancy.quotas import Limits
from tests.factories import SYSTEM, make_project

pytestmark = [pytest.mark.xdist_group("openstack"), pytest.mark.slow]

_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{32}")


class Requests:
    """Every HTTP request the measuring thread sends during a measure, as (method, path with ids as
    ``{id}``, sorted query parameter names); other threads' requests are not counted."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self.urls: list[str] = []
        self.on: int | None = None

    def record(self, method: str, url: str) -> None:
        if self.on == threading.get_ident():
            parts = urlsplit(url)
            self.seen.append((method, f"{parts.port}{_ID.sub('{id}', parts.path)}",
                              ",".join(sorted(parse_qs(parts.query)))))
            self.urls.append(url)

    def measure(self) -> Iterator[None]:
        self.seen, self.urls, self.on = [], [], threading.get_ident()
        try:
            yield
        finally:
            self.on = None


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Requests:
    counter = Requests()
    send = requests.Session.send

    def counting(session: requests.Session, request: Any, **kwargs: Any) -> Any:
        counter.record(request.method, request.url)
        return send(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting)
    return counter


def _measured(http: Requests, fn: Any) -> tuple[Any, Counter[tuple[str, str, str]], list[str]]:
    gen = http.measure()
    next(gen)
    try:
        result = fn()
    finally:
        next(gen, None)
    return result, Counter(http.seen), list(http.urls)


def _fill(provider: OpenStackProvider, tenant: str, image_id: str, count: int) -> None:
    """``count`` servers in the tenant's project, made elsewhere than sovcloud, in Nova multi-creates of 50.
    Their flavor asks for more disk than any host has, so the scheduler turns them down at once (ERROR, no
    host): Nova still lists them like any server, without keeping its scheduler busy for minutes."""
    admin, project_id = provider.admin, provider._project_id(tenant, create=False)
    flavor = admin.compute.create_flavor(name=f"filler-{uuid.uuid4().hex[:6]}", ram=64, vcpus=1, disk=10_000_000,
                                         is_public=False)  # fmt: skip
    try:
        admin.compute.flavor_add_tenant_access(flavor, project_id)
        conn = provider._conn(tenant)
        for start in range(0, count, 50):
            n = min(50, count - start)
            conn.compute.create_server(name="filler", flavor_id=flavor.id, image_id=image_id, networks="none",
                                       min_count=n, max_count=n)  # fmt: skip
    finally:
        admin.compute.delete_flavor(flavor)  # the servers keep a copy of it


def _delete(conn: Any, server_ids: list[str]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda sid: conn.compute.delete_server(sid, ignore_missing=True), server_ids))


def _wait_count(provider: OpenStackProvider, tenant: str, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(provider.servers(tenant)) != count:
        assert time.monotonic() < deadline, f"the project never held {count} servers"
        time.sleep(2)


def _drain(runtime: Any, threads: int = 4) -> None:
    """Run every step as a worker's threads would (the issue measured with four)."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: drain(runtime), range(threads)))


def test_batches_of_50_past_the_unpaged_size(database_url, world, catalog, runtime, sessions, openstack_settings,
                                             http, admin_conn) -> None:  # fmt: skip
    """An order of 50 servers through sovcloud in an empty project completes; the project then fills up to
    250 servers (made elsewhere) and the provider's ``create_servers`` sends the very same requests, one for
    one, for a batch of 50 more; Nova cannot list the 300 unpaged any more, sovcloud lists them by pages; a
    replay of the order's batch from a fresh provider creates nothing; once the outsiders are gone the
    reconcile finds no drift; deleting through sovcloud leaves nothing in Nova. (The benchmark orders 500
    through sovcloud in batches of 50: ``bench/openstack_scale.py``.)"""
    if not database_url.startswith("sqlite"):
        pytest.skip("what this measures is the cloud's side: it runs once, on SQLite (minutes of Nova work)")
    from sovcloud.orders import service
    from sovcloud.orders.choices import RuleOutcome
    from sovcloud.orders.policies import create_rule

    provider = runtime.provider
    assert isinstance(provider, OpenStackProvider)
    with sessions() as db, db.begin():  # orders of this size would wait for an approver: approved by rule
        create_rule(db, actor=SYSTEM, name="Essais à l'échelle", position=1, outcome=RuleOutcome.AUTO_APPROVE,
                    conditions={"organisation_ids": [str(world.orgs["B"].id)]})
        project = make_project(db, world.orgs["B"], "Grande échelle",
                               quota=Limits(vcpus=400, ram_mb=400 * 2048, storage_gb=400 * 20, instances=400,
                                            public_ips=5))  # fmt: skip
    tenant = str(project.id)
    provider.set_quotas(tenant, QuotaSet(instances=400, cores=400, ram_mib=400 * 2048))
    flavor = next(f for f in provider.flavors() if f.name == "s1.small")
    image = next(i for i in provider.images(tenant) if i.name == "debian-12")
    project_id = provider._project_id(tenant, create=False)
    assert project_id is not None

    batches: list[tuple[Counter[tuple[str, str, str]], list[str]]] = []
    create_servers = provider.create_servers

    def observed(tenant_: str, requests_: Any) -> Any:  # the provider's own call, its requests counted
        result, shape, urls = _measured(http, lambda: create_servers(tenant_, requests_))
        batches.append((shape, urls))
        return result

    def order(name: str) -> uuid.UUID:
        with sessions() as db, db.begin():
            return service.create_order(db, actor=SYSTEM, project_id=project.id, items=[service.ItemIn(
                plan_id=catalog["vm/s1.small"], name=name, count=50, parameters={"image": "debian-12"})]).id

    try:
        _scenario(provider, tenant, project, project_id, flavor, image, order, observed, batches, runtime, sessions,
                  openstack_settings, http, admin_conn)
    finally:
        _delete(provider._conn(tenant), [s.id for s in provider.servers(tenant)])


def _scenario(provider, tenant, project, project_id, flavor, image, order, observed, batches, runtime,  # type: ignore[no-untyped-def]
              sessions, openstack_settings, http, admin_conn) -> None:
    from sovcloud.inventory import service as inventory
    from sovcloud.inventory.sync import reconcile
    from sovcloud.orders.choices import OrderStatus
    from sovcloud.orders.models import Order

    create_servers = provider.create_servers
    provider.find_servers(tenant, ["warm-up"])  # the connection's version discovery, outside the measure
    started = time.monotonic()
    provider.create_servers = observed  # type: ignore[method-assign]
    first = order("petit")
    _drain(runtime)
    provider.create_servers = create_servers  # type: ignore[method-assign]
    provisioned_s = time.monotonic() - started
    with sessions() as db:
        assert db.get(Order, first).status == OrderStatus.COMPLETED
        rows = db.scalars(select(Resource).where(Resource.project_id == project.id)).all()
        assert len(rows) == 50 and {r.state for r in rows} == {ResourceState.ACTIVE}
        ours = sorted(rows, key=lambda r: r.idempotency_key)

    # the project fills up to 250 servers; the next batch of 50 costs the very same requests
    _fill(provider, tenant, image.id, 200)
    _wait_count(provider, tenant, 250)
    more = [ServerRequest(ServerSpec(name=f"grand-{i}", flavor_id=flavor.id, image_id=image.id), f"grand-{i}")
            for i in range(50)]  # fmt: skip
    observed(tenant, more)
    assert len(batches) == 2, [sum(b[0].values()) for b in batches]  # one create_servers per batch, no retry
    (empty, _), (full, urls) = batches
    assert full == empty, (full - empty, empty - full)
    assert empty[("POST", "15774/v2.1/servers", "")] == 50 and sum(empty.values()) == 52, empty
    assert all("tags-any" in u and "limit=" in u for u in urls if "/servers/detail" in u), urls

    # 300 servers: Nova cannot list them unpaged (the trap), sovcloud lists them page by page
    with pytest.raises(sdk.HttpException) as refused:
        list(admin_conn.compute.servers(details=True, all_projects=True, project_id=project_id, paginated=False))
    assert refused.value.status_code == 500
    servers = provider.servers(tenant)
    assert len(servers) == 300

    # a replay of the first batch from a fresh provider (a restarted worker) creates nothing
    fresh = build_provider("openstack", **openstack_settings)
    assert isinstance(fresh, OpenStackProvider)
    replay = [ServerRequest(ServerSpec(name=r.name, flavor_id=flavor.id, image_id=image.id), r.idempotency_key)
              for r in ours]  # fmt: skip
    fresh.find_servers(tenant, ["warm-up"]), fresh.flavors()  # its tokens and catalogue, outside the measure
    again, calls, _ = _measured(http, lambda: fresh.create_servers(tenant, replay))
    assert [s.id for s in again] == [r.provider_id for r in ours]
    assert calls == Counter({("GET", "15774/v2.1/servers/detail", "limit,tags-any"): 2}), calls  # 40 + 10 keys
    fresh.close()

    # the outsiders go (fillers and the provider-level batch); the reconcile then finds no drift
    conn = provider._conn(tenant)
    known = {r.provider_id for r in rows}
    _delete(conn, [s.id for s in servers if s.id not in known])
    _wait_count(provider, tenant, 50)
    report = reconcile(runtime)
    assert (report.missing, report.changed, report.unknown) == (0, 0, 0)

    started = time.monotonic()
    with sessions() as db, db.begin():
        for r in rows:
            inventory.delete_resource(db, actor=SYSTEM, resource_id=r.id)
    _drain(runtime)
    deleted_s = time.monotonic() - started
    with sessions() as db:
        states = {r.state for r in db.scalars(select(Resource).where(Resource.project_id == project.id))}
        assert states == {ResourceState.DELETED}
    _wait_count(provider, tenant, 0)
    assert not list(admin_conn.compute.servers(all_projects=True, project_id=project_id, limit=50,
                                               paginated=False))  # fmt: skip
    print(f"\nan order of 50 servers: provisioned in {provisioned_s:.0f} s, deleted in {deleted_s:.0f} s")
