"""Overhead of the sovcloud OpenStack provider over raw openstacksdk, on the same control plane in one run.

For each of N rounds (alternating which path goes first, to spread the machine's noise), one server is
built both ways in the same Keystone project and timed from the create call to ACTIVE with an empty
task_state, then deleted:

* sovcloud: ``OpenStackProvider.create_server`` (idempotency lookup, flavor check, metadata stamp) then
  polling ``get_server`` as a worker does;
* raw: ``conn.compute.create_server`` then ``conn.compute.wait_for_server``.

Both poll every ``--interval`` seconds. Reports the median of each and their ratio (target <= 1.10).

Usage (the devcloud must be up: ``make devcloud``):
  .venv/bin/python bench/openstack_overhead.py [-n 10] [--clouds-yaml .devcloud/clouds.yaml]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import openstack

from sovcloud.providers import build_provider
from sovcloud.providers.dto import ServerSpec, ServerStatus
from sovcloud.providers.openstack import OpenStackProvider

ROOT = Path(__file__).resolve().parent.parent


def via_sovcloud(provider: OpenStackProvider, tenant: str, spec: ServerSpec, interval: float) -> tuple[float, str]:
    started = time.perf_counter()
    server = provider.create_server(tenant, spec, idempotency_key=f"bench-{uuid.uuid4()}")
    deadline = started + 120
    while not (server.status is ServerStatus.ACTIVE and server.task_state is None):
        if server.status is ServerStatus.ERROR or time.perf_counter() > deadline:
            raise RuntimeError(f"sovcloud server {server.id} did not become ACTIVE: {server.status}")
        time.sleep(interval)
        server = provider.get_server(tenant, server.id)
    return time.perf_counter() - started, server.id


def via_sdk(conn: Any, spec: ServerSpec, interval: float) -> tuple[float, str]:
    started = time.perf_counter()
    server = conn.compute.create_server(name=spec.name, flavor_id=spec.flavor_id, image_id=spec.image_id,
                                        networks="none")  # fmt: skip
    server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], interval=interval, wait=120)
    return time.perf_counter() - started, server.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="servers per path")
    parser.add_argument("--clouds-yaml", default=str(ROOT / ".devcloud" / "clouds.yaml"))
    parser.add_argument("--cloud", default="sovdc")
    parser.add_argument("--interval", type=float, default=0.25, help="poll interval of both paths, seconds")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    provider = build_provider("openstack", cloud=args.cloud, clouds_yaml=args.clouds_yaml)
    assert isinstance(provider, OpenStackProvider)
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    flavor = provider.flavors()[0]
    image = next(i for i in provider.images(tenant) if i.tenant is None)
    project_id = provider._project_id(tenant, create=True)
    auth = {k: v for k, v in provider.config.auth().items() if k not in ("project_name", "project_domain_name")}
    raw = openstack.connect(load_yaml_config=False, load_envvars=False, auth_type="password",
                            auth={**auth, "project_id": project_id}, region_name="RegionOne")  # fmt: skip

    ours: list[float] = []
    theirs: list[float] = []
    for round_ in range(args.n):
        spec = ServerSpec(name=f"bench-{round_}", flavor_id=flavor.id, image_id=image.id)
        order = ("sovcloud", "sdk") if round_ % 2 == 0 else ("sdk", "sovcloud")
        for path in order:
            if path == "sovcloud":
                elapsed, server_id = via_sovcloud(provider, tenant, spec, args.interval)
                ours.append(elapsed)
            else:
                elapsed, server_id = via_sdk(raw, spec, args.interval)
                theirs.append(elapsed)
            raw.compute.delete_server(server_id)
            raw.compute.wait_for_delete(raw.compute.get_server(server_id), interval=args.interval, wait=120)
        print(f"round {round_ + 1}/{args.n}: sovcloud {ours[-1]:.2f} s, sdk {theirs[-1]:.2f} s", flush=True)

    med_ours, med_theirs = statistics.median(ours), statistics.median(theirs)
    print(f"\nN = {args.n} servers per path (networks='none', s1.small), poll interval {args.interval} s")
    print(f"median to ACTIVE: sovcloud {med_ours:.3f} s, raw openstacksdk {med_theirs:.3f} s")
    print(f"ratio: {med_ours / med_theirs:.3f} (target <= 1.10)")
    provider.close()
    raw.close()


if __name__ == "__main__":
    main()
