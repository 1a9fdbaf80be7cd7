"""Provisioning benchmark: N VMs (default 15,000) in orders of 1 to 50 VMs from 150 projects of 30
organisations, through the full path — service → queue → worker → simulator → inventory — with zero
simulated delay. Reports VMs/s and the peak RSS of every process.

Usage:
  .venv/bin/python bench/provision.py                                  # SQLite + SQLite queue, 1 worker
  .venv/bin/python bench/provision.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test \\
      --queue redis --workers 2                                          # PostgreSQL + Redis, 2 workers
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import func, select

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.catalog.models import Plan
from sovcloud.catalog.seed import seed_catalog
from sovcloud.config import Settings
from sovcloud.db import make_engine, make_sessionmaker, transaction
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.migrate import upgrade
from sovcloud.orders import policies, service
from sovcloud.orders.choices import OrderStatus, RuleOutcome
from sovcloud.orders.models import Order
from sovcloud.provisioning.queue import TaskQueue
from sovcloud.tenancy import quotas
from sovcloud.tenancy import service as tenancy

SYSTEM = Actor.system("bench")


def peak_rss_mib(pid: int) -> float:
    """VmHWM of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (and its reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def servers_cpu_s(names: tuple[str, ...] = ("postgres", "redis-server")) -> dict[str, float]:
    """CPU seconds used so far by the database and queue servers' processes, by program name."""
    found = dict.fromkeys(names, 0.0)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            comm = (proc / "comm").read_text().strip()
            if comm in found:
                found[comm] += cpu_s(int(proc.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new empty database for the run (and the simulator's)."""
    name = f"sovcloud_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}_sim"'))
    admin.dispose()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}", f"{base}/{name}_sim"


def seed(settings: Settings, orgs: int, projects: int) -> tuple[list[uuid.UUID], uuid.UUID]:
    """30 ministries with 5 projects each, quotas large enough, the catalogue, an auto-approve policy."""
    sessions = make_sessionmaker(make_engine(settings.database_url))
    project_ids = []
    with transaction(sessions) as db:
        seed_catalog(db, SYSTEM)
        policies.create_rule(db, actor=SYSTEM, name="bench: auto", position=1, outcome=RuleOutcome.AUTO_APPROVE)
        plan = db.scalar(select(Plan).where(Plan.code == "s1.small"))
        assert plan is not None
        per_org = projects // orgs
        for o in range(orgs):
            org = tenancy.create_organisation(db, actor=SYSTEM, name=f"Ministère {o}", code=f"MIN{o:02d}")
            quotas.set_quota(db, actor=SYSTEM, limits=quotas.Limits(100_000, 400_000_000, 10_000_000, 100_000, 100),
                             organisation_id=org.id)
            for p in range(per_org):
                project = tenancy.create_project(db, actor=SYSTEM, organisation_id=org.id, name=f"Projet {p}")
                quotas.set_quota(db, actor=SYSTEM, limits=quotas.Limits(10_000, 40_000_000, 1_000_000, 10_000, 10),
                                 project_id=project.id)
                project_ids.append(project.id)
        return project_ids, plan.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vms", type=int, default=15_000)
    parser.add_argument("--orgs", type=int, default=30)
    parser.add_argument("--projects", type=int, default=150)
    parser.add_argument("--database", default=None, help="PostgreSQL admin URL (default: SQLite in a temp dir)")
    parser.add_argument("--queue", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--simulator-sqlite", action="store_true",
                        help="keep the simulated cloud's own state in a SQLite file (shared by the workers) even "
                             "when the control plane runs on PostgreSQL: the cloud is not the control plane")
    parser.add_argument("--placers", type=int, default=1, help="requesters placing orders at the same time")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sovcloud-bench-"))
    if args.database:
        db_url, sim_url = fresh_postgres(args.database)
        if args.simulator_sqlite:
            sim_url = f"sqlite:///{tmp}/sim.db"
    else:
        db_url, sim_url = f"sqlite:///{tmp}/sovcloud.db", f"sqlite:///{tmp}/sim.db"
    settings = Settings(database_url=db_url, simulator_database_url=sim_url,
                        secret_key=SecretStr("bench-" + "k" * 40),
                        queue_backend=args.queue, queue_path=tmp / "queue.db",
                        queue_name=f"bench{uuid.uuid4().hex[:6]}",
                        simulator_build_delay_s=0, poll_interval_s=0, worker_threads=args.threads,
                        reaper_interval_s=30, log_level="WARNING")
    audit.service.configure(settings.secret_key.get_secret_value())
    upgrade(db_url)
    project_ids, plan_id = seed(settings, args.orgs, args.projects)
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": db_url, "SOVCLOUD_SIMULATOR_DATABASE_URL": sim_url,
           "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(), "SOVCLOUD_QUEUE_BACKEND": args.queue,
           "SOVCLOUD_QUEUE_PATH": str(settings.queue_path), "SOVCLOUD_QUEUE_NAME": settings.queue_name,
           "SOVCLOUD_SIMULATOR_BUILD_DELAY_S": "0", "SOVCLOUD_POLL_INTERVAL_S": "0",
           "SOVCLOUD_REAPER_INTERVAL_S": "30", "SOVCLOUD_LOG_LEVEL": "WARNING"}
    queue = TaskQueue(settings)
    queue.install()
    workers = [subprocess.Popen([sys.executable, "-m", "sovcloud", "worker", "--threads", str(args.threads)], env=env)
               for _ in range(args.workers)]
    time.sleep(2.0)  # workers up and listening
    rng = random.Random(args.seed)
    sizes: list[int] = []
    while sum(sizes) < args.vms:
        sizes.append(min(rng.randint(1, 50), args.vms - sum(sizes)))
    orders = len(sizes)
    sessions = make_sessionmaker(make_engine(db_url))

    def place(indexes: range) -> None:
        """One requester placing its share of the orders, one transaction each (as API calls would)."""
        for i in indexes:
            with transaction(sessions) as db:
                service.create_order(db, actor=SYSTEM, project_id=project_ids[i % len(project_ids)],
                                     items=[service.ItemIn(plan_id=plan_id, name=f"vm{i}", count=sizes[i],
                                                           parameters={"image": "debian-12"})])

    servers_before, own_before = servers_cpu_s(), resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    placers = [threading.Thread(target=place, args=(range(k, orders, args.placers),)) for k in range(args.placers)]
    for t in placers:
        t.start()
    for t in placers:
        t.join()
    placed = time.perf_counter() - started
    peaks = {f"worker{i}": 0.0 for i in range(len(workers))}
    cpu = {f"worker{i}": 0.0 for i in range(len(workers))}
    while True:
        for i, proc in enumerate(workers):
            peaks[f"worker{i}"] = max(peaks[f"worker{i}"], peak_rss_mib(proc.pid))
            cpu[f"worker{i}"] = cpu_s(proc.pid)
        with sessions() as db:
            active = db.scalar(select(func.count()).select_from(Resource)
                               .where(Resource.state == ResourceState.ACTIVE))
            open_orders = db.scalar(select(func.count()).select_from(Order).where(
                Order.status.not_in([OrderStatus.COMPLETED, OrderStatus.FAILED])))
        if not open_orders:
            break
        if time.perf_counter() - started > 900:
            raise SystemExit(f"timeout: {active} ACTIVE")
        time.sleep(0.25)
    elapsed = time.perf_counter() - started
    servers_after = servers_cpu_s()
    own = resource.getrusage(resource.RUSAGE_SELF)
    for proc in workers:
        proc.terminate()
        proc.wait(timeout=30)
    with sessions() as db:
        failed = db.scalar(select(func.count()).select_from(Order).where(Order.status == OrderStatus.FAILED))
        active = db.scalar(select(func.count()).select_from(Resource).where(Resource.state == ResourceState.ACTIVE))
    result = {
        "database": "postgresql" if args.database else "sqlite", "queue": args.queue, "workers": args.workers,
        "placers": args.placers, "simulator_state": sim_url.split(":", 1)[0],
        "threads_per_worker": args.threads, "vms": args.vms, "orders": orders, "active": active,
        "failed_orders": failed,
        "placement_s": round(placed, 1), "total_s": round(elapsed, 1), "vms_per_s": round(active / elapsed, 1),
        "peak_rss_mib": {"bench(service)": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                         **{k: round(v, 1) for k, v in peaks.items()}},
        # CPU seconds during the run (workers: since start, which includes ~1 s of start-up each)
        "cpu_s": {"bench(service)": round(own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime, 1),
                  **{k: round(v, 1) for k, v in cpu.items()},
                  **{k: round(servers_after[k] - servers_before[k], 1) for k in servers_after}},
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
