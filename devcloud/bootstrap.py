"""Register what a fresh cloud needs, through openstacksdk. Runs in the devcloud venv (it has openstacksdk).

``python bootstrap.py identity``: service users and catalog (keystone only must be up).
``python bootstrap.py cloud``: flavors, images, site aggregates, the public network, then a smoke boot.
Settings come from the environment: ``SOVDC_AUTH_URL``, ``SOVDC_ADMIN_PASSWORD``, ``SOVDC_SERVICE_PASSWORD``,
``SOVDC_ENDPOINTS`` (JSON name → URL), ``SOVDC_COMPUTE_HOSTS`` (JSON host → zone).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import openstack

FLAVORS = (("s1.small", 1, 2048, 20), ("s1.medium", 2, 4096, 40), ("s1.large", 4, 8192, 80),
           ("s1.xlarge", 8, 16384, 160), ("m1.2xlarge", 16, 65536, 160))  # fmt: skip
IMAGES = (("debian-12", "debian", "12"), ("ubuntu-24.04", "ubuntu", "24.04"))
SERVICES = {  # name: (type, path)
    "placement": ("placement", ""),
    "glance": ("image", ""),
    "nova": ("compute", "/v2.1"),
    "neutron": ("network", ""),
    "cinder": ("volumev3", "/v3"),
}


def admin() -> Any:
    return openstack.connect(
        load_yaml_config=False, load_envvars=False, auth_type="password", region_name="RegionOne",
        auth={"auth_url": os.environ["SOVDC_AUTH_URL"], "username": "admin",
              "password": os.environ["SOVDC_ADMIN_PASSWORD"], "project_name": "admin",
              "user_domain_name": "Default", "project_domain_name": "Default"},
    )  # fmt: skip


def identity() -> None:
    conn = admin()
    endpoints: dict[str, str] = json.loads(os.environ["SOVDC_ENDPOINTS"])
    project = conn.identity.find_project("service") or conn.identity.create_project(name="service",
                                                                                     domain_id="default")
    roles = {}
    for name in ("admin", "service"):
        roles[name] = conn.identity.find_role(name) or conn.identity.create_role(name=name)
    for name in SERVICES:
        user = conn.identity.create_user(name=name, password=os.environ["SOVDC_SERVICE_PASSWORD"],
                                         domain_id="default")
        for role in roles.values():
            conn.identity.assign_project_role_to_user(project, user, role)
        kind, path = SERVICES[name]
        service = conn.identity.create_service(name=name, type=kind)
        for interface in ("public", "internal", "admin"):
            conn.identity.create_endpoint(service_id=service.id, interface=interface, region_id="RegionOne",
                                          url=endpoints[name] + path)


def _wait(what: str, probe: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.5)


def cloud() -> None:
    conn = admin()
    hosts: dict[str, str] = json.loads(os.environ["SOVDC_COMPUTE_HOSTS"])
    for name, vcpus, ram, disk in FLAVORS:
        conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
    for name, distro, version in IMAGES:
        image = conn.image.create_image(name=name, disk_format="raw", container_format="bare", visibility="public",
                                        data=b"\0" * 4096, os_distro=distro, os_version=version, min_disk=1)
        _wait(f"image {name}", lambda i=image: conn.image.get_image(i.id).status == "active")
    # one aggregate (= availability zone) per site, once its compute host is known to Nova
    _wait("compute hosts", lambda: {s.host for s in conn.compute.services(binary="nova-compute")} >= set(hosts))
    for site in sorted(set(hosts.values())):
        aggregate = conn.compute.create_aggregate(name=site, availability_zone=site)
        for host, zone in hosts.items():
            if zone == site:
                conn.compute.add_host_to_aggregate(aggregate, host)
    public = conn.network.create_network(name="public", is_router_external=True, provider_network_type="flat",
                                         provider_physical_network="public", is_shared=False)
    conn.network.create_subnet(network_id=public.id, name="public-v4", ip_version=4, cidr="203.0.113.0/24",
                               gateway_ip="203.0.113.1", is_dhcp_enabled=False,
                               allocation_pools=[{"start": "203.0.113.10", "end": "203.0.113.250"}])
    # smoke: the cloud is ready when a server boots in every site
    flavor = conn.compute.find_flavor("s1.small")
    image = conn.image.find_image("debian-12")
    _wait("hypervisors", lambda: len(list(conn.compute.hypervisors())) >= len(hosts))
    for site in sorted(set(hosts.values())):
        deadline = time.monotonic() + 90
        while True:
            server = conn.compute.create_server(name=f"smoke-{site}", flavor_id=flavor.id, image_id=image.id,
                                                networks="none", availability_zone=site)
            try:
                server = conn.compute.wait_for_server(server, status="ACTIVE", failures=["ERROR"], wait=60)
                break
            except openstack.exceptions.ResourceFailure:
                pass
            conn.compute.delete_server(server)
            if time.monotonic() > deadline:
                raise SystemExit(f"no server could boot in {site}")
            time.sleep(2)
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60)


def main(argv: list[str]) -> None:
    started = time.monotonic()
    {"identity": identity, "cloud": cloud}[argv[1]]()
    print(f"bootstrap {argv[1]}: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv)
