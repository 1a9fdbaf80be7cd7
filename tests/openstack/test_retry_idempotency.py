"""A provisioning step killed after its create call and retried yields exactly one server."""

from __future__ import annotations

import uuid

import pytest

from sovcloud.providers import build_provider
from sovcloud.providers.dto import ServerSpec
from sovcloud.providers.openstack import OpenStackProvider
from tests.openstack.devcloud_fixture import devcloud, openstack_settings

__all__ = ["devcloud", "openstack_settings"]

pytestmark = [pytest.mark.xdist_group("openstack"), pytest.mark.slow]


def _spec(provider: OpenStackProvider, tenant: str) -> ServerSpec:
    flavor = provider.flavors()[0]
    image = next(i for i in provider.images(tenant) if i.tenant is None)
    return ServerSpec(name=f"retry-{uuid.uuid4().hex[:6]}", flavor_id=flavor.id, image_id=image.id)


def test_same_key_twice_returns_the_same_server(openstack_settings: dict[str, str]) -> None:
    provider = build_provider("openstack", **openstack_settings)
    assert isinstance(provider, OpenStackProvider)
    tenant, step = f"retry-{uuid.uuid4().hex[:8]}", f"step-{uuid.uuid4()}"
    spec = _spec(provider, tenant)
    first = provider.create_server(tenant, spec, idempotency_key=step)
    again = provider.create_server(tenant, spec, idempotency_key=step)
    assert again.id == first.id
    assert [s.id for s in provider.servers(tenant)] == [first.id]
    provider.delete_server(tenant, first.id)
    provider.close()


def test_a_fresh_process_finds_what_a_killed_step_created(openstack_settings: dict[str, str]) -> None:
    """The worker dies right after Nova accepted the create; a new worker (fresh provider, empty caches)
    runs the step again with the same key."""
    tenant, step = f"crash-{uuid.uuid4().hex[:8]}", f"step-{uuid.uuid4()}"
    doomed = build_provider("openstack", **openstack_settings)
    assert isinstance(doomed, OpenStackProvider)
    spec = _spec(doomed, tenant)
    created = doomed.create_server(tenant, spec, idempotency_key=step)
    doomed.close()  # the "killed" worker: nothing of it survives but what the cloud holds
    del doomed

    retried = build_provider("openstack", **openstack_settings)
    assert isinstance(retried, OpenStackProvider)
    again = retried.create_server(tenant, spec, idempotency_key=step)
    assert again.id == created.id
    servers = retried.servers(tenant)
    assert len(servers) == 1 and servers[0].id == created.id
    # plain openstacksdk agrees: one server carries the key in the tenant's Keystone project
    project = retried._project_id(tenant, create=False)
    stamped = [s for s in retried.admin.compute.servers(details=True, all_projects=True, project_id=project)
               if (s.metadata or {}).get("sovcloud_key") == step]  # fmt: skip
    assert [s.id for s in stamped] == [created.id]
    retried.delete_server(tenant, created.id)
    retried.close()
