"""Time creating N servers directly on the simulator (SQLite file): its own share of the 60 s budget.

Usage: .venv/bin/python bench/sim_create.py [N] [--keep PATH]
Each server is created then read once (the worker's create_server + get_server), as the full stack does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sovcloud.providers.dto import ServerSpec
from sovcloud.providers.simulator import SimulatorConfig, SimulatorProvider


def main() -> None:
    """Run the benchmark and print servers/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", nargs="?", type=int, default=15_000, help="servers to create")
    parser.add_argument("--tenants", type=int, default=50, help="spread servers over this many tenants")
    parser.add_argument("--cpu-ratio", type=float, default=8.0, help="vCPU overcommit (4.0 fits 8,400 s1.small)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        config = SimulatorConfig(
            database_url=f"sqlite:///{Path(tmp) / 'sim.db'}", build_delay_s=0, cpu_ratio=args.cpu_ratio
        )
        sim = SimulatorProvider(config)
        flavor = next(f for f in sim.flavors() if f.name == "s1.small")
        image = next(i for i in sim.images("t") if i.name == "debian-12")
        started = time.perf_counter()
        for n in range(args.count):
            tenant = f"tenant-{n % args.tenants}"
            spec = ServerSpec(name=f"vm-{n}", flavor_id=flavor.id, image_id=image.id)
            server = sim.create_server(tenant, spec, idempotency_key=f"bench-{n}")
            sim.get_server(tenant, server.id)
        elapsed = time.perf_counter() - started
        used = sum(h.vcpus_used for h in sim.hypervisors())
        print(f"{args.count} servers in {elapsed:.1f} s: {args.count / elapsed:.0f} servers/s "
              f"({elapsed / args.count * 1000:.2f} ms per create+get); vCPUs allocated {used}")  # fmt: skip
        sim.close()


if __name__ == "__main__":
    main()
