"""OpenStack at the seed's scale: N servers (default 500) through sovcloud and N through plain openstacksdk on
the devcloud, in the same run, with the same concurrency, flavor and image; then the list timings at that
size.

* sovcloud: orders of 50 s1.small servers placed at once in one project, run by one ``sovcloud worker``
  process with ``--threads`` threads (queue → worker → OpenStack provider → inventory), timed from the
  first order placed to the last order completed (every server ACTIVE with an empty task_state);
* plain openstacksdk: ``--threads`` threads, each creating its share of servers one by one
  (``conn.compute.create_server``) and waiting for each (``wait_for_server``, same poll interval), in
  a second Keystone project, timed from the first create to the last ACTIVE;
* lists, with the project holding N servers: sovcloud's resources list (``GET /api/v1/resources``, one
  page of 50, through the app), Nova's first page of 50 (``GET /servers/detail?limit=50``), Nova's
  full list page by page, ``openstack server list --limit 50`` (when the CLI is installed).

Everything created is deleted at the end. Usage (the devcloud must be up: ``make devcloud``):
  .venv/bin/python bench/openstack_scale.py [-n 500] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openstack
from pydantic import SecretStr
from sqlalchemy import func, select

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.catalog.models import Plan
from sovcloud.catalog.seed import seed_catalog
from sovcloud.config import Settings
from sovcloud.db import make_engine, make_sessionmaker, transaction
from sovcloud.migrate import upgrade
from sovcloud.orders import policies, service
from sovcloud.orders.choices import OrderStatus, RuleOutcome
from sovcloud.orders.models import Order
from sovcloud.providers import build_provider
from sovcloud.providers.dto import QuotaSet
from sovcloud.providers.openstack import OpenStackProvider
from sovcloud.provisioning.queue import TaskQueue
from sovcloud.tenancy import quotas
from sovcloud.tenancy import service as tenancy

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = Actor.system("bench")
CLOUD = "sovdc"


def seed(settings: Settings, n: int) -> tuple[uuid.UUID, uuid.UUID]:
    """One organisation and project with room for ``n`` servers, the catalogue, an auto-approve rule."""
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        policies.create_rule(db, actor=SYSTEM, name="bench: auto", position=1, outcome=RuleOutcome.AUTO_APPROVE)
        plan = db.scalar(select(Plan).where(Plan.code == "s1.small"))
        assert plan is not None
        room = quotas.Limits(vcpus=2 * n, ram_mb=2 * n * 2048, storage_gb=2 * n * 40, instances=2 * n, public_ips=5)
        org = tenancy.create_organisation(db, actor=SYSTEM, name="Ministère de l'échelle", code="MINECH")
        quotas.set_quota(db, actor=SYSTEM, limits=room, organisation_id=org.id)
        project = tenancy.create_project(db, actor=SYSTEM, organisation_id=org.id, name="Échelle")
        quotas.set_quota(db, actor=SYSTEM, limits=room, project_id=project.id)
        return project.id, plan.id


def via_sovcloud(settings: Settings, env: dict[str, str], project_id: uuid.UUID, plan_id: uuid.UUID, n: int,
                 threads: int) -> float:  # fmt: skip
    sessions = make_sessionmaker(make_engine(settings.database_url))
    worker = subprocess.Popen([sys.executable, "-m", "sovcloud", "worker", "--threads", str(threads)], env=env)
    try:
        time.sleep(3.0)  # the worker is up and listening
        started = time.perf_counter()
        with transaction(sessions) as db:
            for i in range(0, n, 50):
                service.create_order(db, actor=SYSTEM, project_id=project_id, items=[service.ItemIn(
                    plan_id=plan_id, name=f"sov{i // 50}", count=min(50, n - i), parameters={"image": "debian-12"})])
        while True:
            with sessions() as db:
                states = dict(db.execute(select(Order.status, func.count()).group_by(Order.status)).all())
            if set(states) <= {OrderStatus.COMPLETED, OrderStatus.FAILED}:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        if states.get(OrderStatus.FAILED):
            raise RuntimeError(f"sovcloud: {states[OrderStatus.FAILED]} orders failed")
        return elapsed
    finally:
        worker.terminate()
        worker.wait(30)


def via_sdk(conn: Any, flavor_id: str, image_id: str, n: int, threads: int, interval: float) -> float:
    def build(share: range) -> None:
        for i in share:
            server = conn.compute.create_server(name=f"sdk-{i}", flavor_id=flavor_id, image_id=image_id,
                                                networks="none")  # fmt: skip
            conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], interval=interval, wait=900)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(build, [range(t, n, threads) for t in range(threads)]))
    return time.perf_counter() - started


def timed(fn: Any, rounds: int = 5) -> float:
    """Median wall time of ``fn`` over ``rounds`` calls, in ms."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def list_timings(settings: Settings, provider: OpenStackProvider, tenant: str, clouds_yaml: str) -> dict[str, float]:
    """Median ms of each list path, the project holding the servers."""
    from fastapi.testclient import TestClient

    from sovcloud.access.roles import Role
    from sovcloud.api.app import create_app
    from sovcloud.identity.users import create_user
    from sovcloud.tenancy import members

    password = "Bench-Echelle-2026!"
    sessions = make_sessionmaker(make_engine(settings.database_url))
    with transaction(sessions) as db:
        user = create_user(db, actor=SYSTEM, settings=settings, username="membre.echelle",
                           email="membre.echelle@bench.gouv.fr", full_name="Membre", password=password)
        members.assign_role(db, actor=SYSTEM, user_id=user.id, role=Role.PROJECT_MEMBER, project_id=uuid.UUID(tenant))
    figures: dict[str, float] = {}
    with TestClient(create_app(settings, install_queue=False)) as client:
        r = client.post("/api/v1/auth/login", json={"username": "membre.echelle", "password": password})
        assert r.status_code == 200, r.text
        page = client.get("/api/v1/resources", params={"project_id": tenant, "limit": 50})
        assert page.status_code == 200 and len(page.json()["items"]) == 50, page.text[:300]
        figures["sovcloud resources list (50)"] = timed(lambda: client.get(
            "/api/v1/resources", params={"project_id": tenant, "limit": 50}), rounds=11)
    conn = provider._conn(tenant)
    figures["Nova first page (50)"] = timed(lambda: list(conn.compute.servers(details=True, limit=50,
                                                                                paginated=False)))
    figures["Nova full list, paged by 50"] = timed(lambda: provider.servers(tenant), rounds=3)
    cli = shutil.which("openstack") or str(ROOT / ".devcloud" / "venv" / "bin" / "openstack")
    if Path(cli).exists():
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": clouds_yaml, "OS_CLOUD": CLOUD,
               "OS_PROJECT_ID": provider._project_id(tenant, create=False) or ""}
        figures["openstack server list --limit 50"] = timed(lambda: subprocess.run(
            [cli, "server", "list", "--limit", "50", "--all-projects", "--project", env["OS_PROJECT_ID"]],
            env=env, check=True, capture_output=True), rounds=3)
    return figures


def delete_all(provider: OpenStackProvider, project_id: str, threads: int = 8) -> None:
    """Every server of the project deleted (listed page by page: unpaged, Nova answers 500 at this size)."""
    conn = provider.admin
    ids = [s.id for s in provider._paged(conn.compute.servers, all_projects=True, project_id=project_id)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda sid: conn.compute.delete_server(sid, ignore_missing=True), ids))
    while list(conn.compute.servers(all_projects=True, project_id=project_id, limit=50, paginated=False)):
        time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="servers per path")
    parser.add_argument("--threads", type=int, default=4, help="concurrency of both paths")
    parser.add_argument("--interval", type=float, default=2.0, help="poll interval of both paths, seconds")
    parser.add_argument("--clouds-yaml", default=str(ROOT / ".devcloud" / "clouds.yaml"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    tmp = Path(tempfile.mkdtemp(prefix="sovcloud-osbench-"))
    db_url = f"sqlite:///{tmp}/sovcloud.db"
    settings = Settings(database_url=db_url, secret_key=SecretStr("bench-" + "k" * 40), queue_backend="sqlite",
                        queue_path=tmp / "queue.db", queue_name=f"osbench{uuid.uuid4().hex[:6]}",
                        provider="openstack", openstack_cloud=CLOUD, openstack_config_file=Path(args.clouds_yaml),
                        poll_interval_s=args.interval, worker_threads=args.threads, log_level="WARNING")
    audit.service.configure(settings.secret_key.get_secret_value())
    upgrade(db_url)
    project_id, plan_id = seed(settings, args.n)
    tenant = str(project_id)
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": db_url, "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(),
           "SOVCLOUD_QUEUE_BACKEND": "sqlite", "SOVCLOUD_QUEUE_PATH": str(settings.queue_path),
           "SOVCLOUD_QUEUE_NAME": settings.queue_name, "SOVCLOUD_PROVIDER": "openstack",
           "SOVCLOUD_OPENSTACK_CLOUD": CLOUD, "SOVCLOUD_OPENSTACK_CONFIG_FILE": args.clouds_yaml,
           "SOVCLOUD_POLL_INTERVAL_S": str(args.interval), "SOVCLOUD_LOG_LEVEL": "WARNING"}  # fmt: skip
    TaskQueue(settings).install()

    provider = build_provider("openstack", cloud=CLOUD, clouds_yaml=args.clouds_yaml)
    assert isinstance(provider, OpenStackProvider)
    flavor = next(f for f in provider.flavors() if f.name == "s1.small")
    image = next(i for i in provider.images(tenant) if i.name == "debian-12")
    room = QuotaSet(instances=2 * args.n, cores=2 * args.n, ram_mib=2 * args.n * 2048)
    provider.set_quotas(tenant, room)
    sdk_tenant = f"sdk-{uuid.uuid4().hex[:8]}"
    provider.set_quotas(sdk_tenant, room)
    sdk_project = provider._project_id(sdk_tenant, create=False)
    auth = {k: v for k, v in provider.config.auth().items() if k not in ("project_name", "project_domain_name")}
    raw = openstack.connect(load_yaml_config=False, load_envvars=False, auth_type="password",
                            auth={**auth, "project_id": sdk_project}, region_name="RegionOne")  # fmt: skip
    ours_project = provider._project_id(tenant, create=False) or ""
    try:
        print(f"sovcloud: {args.n} servers in orders of 50, one worker with {args.threads} threads...", flush=True)
        ours = via_sovcloud(settings, env, project_id, plan_id, args.n, args.threads)
        print(f"  {ours:.1f} s ({args.n / ours:.2f} VMs/s)", flush=True)
        print(f"plain openstacksdk: {args.n} servers, {args.threads} threads...", flush=True)
        theirs = via_sdk(raw, flavor.id, image.id, args.n, args.threads, args.interval)
        print(f"  {theirs:.1f} s ({args.n / theirs:.2f} VMs/s)", flush=True)
        print(f"provisioning ratio sovcloud / openstacksdk: {ours / theirs:.2f} (target <= 1.10)", flush=True)
        lists = list_timings(settings, provider, tenant, args.clouds_yaml)
        for name, ms in lists.items():
            print(f"  {name}: {ms:.1f} ms", flush=True)
        first_page = lists["Nova first page (50)"]
        print(f"Nova's first page / sovcloud's list: {first_page / lists['sovcloud resources list (50)']:.0f}x "
              f"(target >= 30x)")
    finally:
        threads = [threading.Thread(target=delete_all, args=(provider, p)) for p in (ours_project, sdk_project)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        provider.close()
        raw.close()


if __name__ == "__main__":
    main()
