"""End to end on a real OpenStack: orders placed through the sovcloud API yield a Keystone project, a network
and a server on it with a data volume attached — all checked with plain openstacksdk calls, not through
sovcloud's provider — and deleting through sovcloud leaves nothing behind."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from sovcloud.provisioning.reaper import drain
from sovcloud.tenancy import quotas
from sovcloud.tenancy.models import Quota
from sovcloud.tenancy.quotas import Limits
from tests.factories import SYSTEM, login

pytestmark = [pytest.mark.xdist_group("openstack"), pytest.mark.slow]


def _order(client: Any, project_id: str, plan_id: str, name: str, **params: Any) -> dict[str, Any]:
    r = client.post("/api/v1/orders", json={"project_id": project_id, "items": [
        {"plan_id": plan_id, "name": name, "count": 1, "parameters": params}]})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "provisioning", r.json()
    return dict(r.json())


def _resource(client: Any, project_id: str, kind: str, name: str) -> dict[str, Any]:
    items = client.get("/api/v1/resources", params={"project_id": project_id, "kind": kind}).json()["items"]
    return dict(next(x for x in items if x["name"] == name))


def test_order_network_and_vm_then_delete_everything(client, world, catalog, runtime, sessions,
                                                     admin_conn) -> None:
    login(client, world.people["member_a"])
    project_id = str(world.projects["a"].id)
    started = time.monotonic()

    net_order = _order(client, project_id, str(catalog["network/standard"]), "e2e-net", cidr="10.42.0.0/24")
    drain(runtime)
    assert client.get(f"/api/v1/orders/{net_order['id']}").json()["status"] == "completed"
    net = _resource(client, project_id, "network", "e2e-net")
    assert (net["state"], net["status"]) == ("active", "ACTIVE")

    vm_order = _order(client, project_id, str(catalog["vm/s1.small"]), "e2e-vm", image="debian-12",
                      network_id="e2e-net", data_volume_gb=1)
    drain(runtime)
    order = client.get(f"/api/v1/orders/{vm_order['id']}").json()
    assert order["status"] == "completed", order
    vm = _resource(client, project_id, "server", "e2e-vm")
    vol = _resource(client, project_id, "volume", "e2e-vm-data")
    assert (vm["state"], vm["status"], vol["state"]) == ("active", "ACTIVE", "active")
    provisioned_s = time.monotonic() - started

    # -- what OpenStack holds, seen with plain openstacksdk (admin) ------------------------------------
    project = admin_conn.identity.find_project(f"sovcloud-{project_id}", domain_id="default")
    assert project is not None and "sovcloud" in (project.tags or [])
    # its quotas are sovcloud's (pushed when the provider first used the project)
    with sessions() as db:
        quota = db.scalar(select(Quota).where(Quota.project_id == world.projects["a"].id))
    nova = admin_conn.compute.get_quota_set(project.id)
    assert (nova.cores, nova.ram, nova.instances) == (quota.vcpus, quota.ram_mb, quota.instances)
    assert admin_conn.block_storage.get_quota_set(project.id).gigabytes == quota.storage_gb
    assert admin_conn.network.get_quota(project.id).floating_ips == quota.public_ips
    # an operator raises the project's quota: the next create brings the cloud's quotas up to date
    with sessions() as db, db.begin():
        quotas.set_quota(db, actor=SYSTEM, project_id=world.projects["a"].id,
                         limits=Limits(vcpus=quota.vcpus + 8, ram_mb=quota.ram_mb + 8192,
                                       storage_gb=quota.storage_gb + 10, instances=quota.instances + 3,
                                       public_ips=quota.public_ips + 1))
    sg_order = _order(client, project_id, str(catalog["security_group/standard"]), "e2e-sg",
                      rules=[{"direction": "ingress", "protocol": "tcp", "port_min": 22, "port_max": 22,
                              "remote_cidr": "10.0.0.0/8"}])
    drain(runtime)
    assert client.get(f"/api/v1/orders/{sg_order['id']}").json()["status"] == "completed"
    sg = _resource(client, project_id, "security_group", "e2e-sg")
    nova = admin_conn.compute.get_quota_set(project.id)
    assert (nova.cores, nova.instances) == (quota.vcpus + 8, quota.instances + 3)
    assert admin_conn.block_storage.get_quota_set(project.id).gigabytes == quota.storage_gb + 10
    assert admin_conn.network.get_quota(project.id).floating_ips == quota.public_ips + 1
    network = admin_conn.network.get_network(net["provider_id"])
    assert (network.project_id, network.name) == (project.id, "e2e-net")
    assert [s.cidr for s in admin_conn.network.subnets(network_id=network.id)] == ["10.42.0.0/24"]
    servers = list(admin_conn.compute.servers(details=True, all_projects=True, project_id=project.id))
    assert [s.id for s in servers] == [vm["provider_id"]]
    server = servers[0]
    assert server.status == "ACTIVE" and server.flavor.original_name == "s1.small"
    assert list(server.addresses) == ["e2e-net"] and vm["address"] == server.addresses["e2e-net"][0]["addr"]
    ports = list(admin_conn.network.ports(network_id=network.id, device_id=server.id))
    assert len(ports) == 1
    volumes = list(admin_conn.block_storage.volumes(details=True, all_projects=True, project_id=project.id))
    assert [v.id for v in volumes] == [vol["provider_id"]]
    assert volumes[0].status == "in-use" and volumes[0].size == 1
    assert [a["server_id"] for a in volumes[0].attachments] == [server.id]

    # -- delete through sovcloud: the server (its data volume goes with it), then the network -----------
    started = time.monotonic()
    assert client.delete(f"/api/v1/resources/{vm['id']}").status_code == 202
    drain(runtime)
    assert client.delete(f"/api/v1/resources/{net['id']}").status_code == 202
    assert client.delete(f"/api/v1/resources/{sg['id']}").status_code == 202
    drain(runtime)
    deleted_s = time.monotonic() - started
    states = {x["name"]: client.get(f"/api/v1/resources/{x['id']}").json()["state"] for x in (net, vm, vol, sg)}
    assert states == {"e2e-net": "deleted", "e2e-vm": "deleted", "e2e-vm-data": "deleted", "e2e-sg": "deleted"}
    assert client.get("/api/v1/resources", params={"project_id": project_id}).json()["items"] == []

    # sovcloud calls a server deleted once Nova says DELETED; Nova drops the row an instant later
    left = admin_conn.compute.find_server(server.id, all_projects=True)
    deadline = time.monotonic() + 15
    while left is not None and left.status == "DELETED" and time.monotonic() < deadline:
        time.sleep(0.5)
        left = admin_conn.compute.find_server(server.id, all_projects=True)
    assert left is None, (left.status, left.task_state)
    assert not list(admin_conn.compute.servers(all_projects=True, project_id=project.id))
    assert not list(admin_conn.block_storage.volumes(all_projects=True, project_id=project.id))
    assert admin_conn.network.find_network(network.id) is None
    assert not list(admin_conn.network.ports(network_id=network.id))
    assert not list(admin_conn.network.ports(project_id=project.id))
    assert not list(admin_conn.network.routers(project_id=project.id))
    print(f"\nprovisioned network + vm + volume in {provisioned_s:.1f} s; deleted in {deleted_s:.1f} s")
