"""The sovcloud request id reaches OpenStack as its global request id: Nova logs it beside its own."""

from __future__ import annotations

import threading
import uuid

import pytest

from sovcloud.providers import build_provider
from sovcloud.providers.openstack import OpenStackProvider
from sovcloud.providers.openstack.context import current, global_request_id, request_context
from tests.openstack.devcloud_fixture import HOME


def test_request_ids_become_openstack_global_request_ids() -> None:
    rid = uuid.uuid4()
    assert global_request_id(rid.hex) == global_request_id(str(rid)) == f"req-{rid}"
    assert global_request_id(f"req-{rid}") == f"req-{rid}"
    derived = global_request_id("abc-123-not-a-uuid")
    assert derived == global_request_id("abc-123-not-a-uuid") and derived and derived.startswith("req-")
    assert global_request_id(None) is None
    seen: list[str | None] = []
    with request_context(rid.hex):
        worker = threading.Thread(target=lambda: seen.append(current()))  # a context is per thread
        worker.start()
        worker.join()
        assert current() == f"req-{rid}"
    assert current() is None and seen == [None]


@pytest.mark.xdist_group("openstack")
@pytest.mark.slow
def test_nova_logs_the_sovcloud_request_id(openstack_settings: dict[str, str]) -> None:
    provider = build_provider("openstack", **openstack_settings)
    assert isinstance(provider, OpenStackProvider)
    tenant, rid = f"rid-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    provider.servers(tenant)  # creates nothing: the tenant has no project yet
    provider.get_quotas(tenant)  # creates the project
    with request_context(rid):
        provider.servers(tenant)
    provider.servers(tenant)
    provider.close()
    lines = [line for line in (HOME / "log" / "nova.log").read_text().splitlines()
             if f"[req-{uuid.UUID(rid)} req-" in line]
    assert len(lines) == 1 and "GET /v2.1/servers/detail" in lines[0], lines
