"""Inventory sync from the cloud's notifications: a server deleted directly in OpenStack is marked gone in the
sovcloud inventory within 5 s; one powered off out of band drifts "changed"; sovcloud's own deletes are not
mistaken for out-of-band ones. The parsing of oslo.messaging envelopes is checked without a cloud."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.inventory.notifications import NotificationListener
from sovcloud.providers.events import CloudEvent as Event
from sovcloud.providers.openstack.notifications import parse
from sovcloud.provisioning.reaper import drain
from tests.factories import login


def _envelope(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"oslo.version": "2.0", "oslo.message": json.dumps({
        "message_id": str(uuid.uuid4()), "publisher_id": "x", "event_type": event_type, "priority": "INFO",
        "payload": payload, "timestamp": "2026-11-29 01:03:16.855760"})}


def _nova(event_type: str, **data: Any) -> dict[str, Any]:
    return _envelope(event_type, {"nova_object.name": "InstanceActionPayload", "nova_object.data": data})


def test_parse_oslo_notifications() -> None:
    assert parse(_nova("instance.delete.end", uuid="s1", state="deleted")) == Event(
        "instance.delete.end", "server", "s1", gone=True)
    assert parse(_nova("instance.power_off.end", uuid="s1", state="stopped", task_state=None)) == Event(
        "instance.power_off.end", "server", "s1", gone=False, status="SHUTOFF")
    assert parse(_nova("instance.update", uuid="s1", state="active", task_state="rebooting")) is None
    assert parse(_nova("instance.power_off.start", uuid="s1", state="active")) is None
    assert parse(_nova("instance.create.end", uuid="s1", state="active")) is None
    assert parse(_envelope("volume.delete.end", {"volume_id": "v1", "status": "deleted"})) == Event(
        "volume.delete.end", "volume", "v1", gone=True)
    assert parse(_envelope("network.delete.end", {"network": {"id": "n1"}})) == Event(
        "network.delete.end", "network", "n1", gone=True)
    assert parse(_envelope("network.delete.end", {"network_id": "n2"})) == Event(
        "network.delete.end", "network", "n2", gone=True)
    assert parse(_envelope("floatingip.delete.end", {"floatingip_id": "f1"})) == Event(
        "floatingip.delete.end", "public_ip", "f1", gone=True)
    assert parse(_envelope("port.delete.end", {"port": {"id": "p1"}})) is None
    assert parse(_envelope("volume.delete.end", "not a dict")) is None  # type: ignore[arg-type]


@pytest.fixture
def listener(runtime: Any, devcloud: Any) -> Iterator[NotificationListener]:
    """A listener on the devcloud's bus with a queue of its own (expires once unused)."""
    from devcloud.layout import transport_url

    started = NotificationListener(runtime, url=transport_url(), queue=f"sovcloud-test-{uuid.uuid4().hex[:8]}")
    started.start()
    assert started.ready.wait(10), "the listener did not bind its queue"
    yield started
    started.stop()


def _wait(probe: Callable[[], Any], timeout: float = 10.0) -> float:
    """Seconds until ``probe()`` is truthy (fails after ``timeout``)."""
    start = time.monotonic()
    while not probe():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - start


@pytest.mark.xdist_group("openstack")
@pytest.mark.slow
def test_out_of_band_changes_reach_the_inventory_within_seconds(client, world, catalog, runtime, sessions,
                                                                 admin_conn, listener) -> None:
    login(client, world.people["member_a"])
    project_id = str(world.projects["a"].id)
    r = client.post("/api/v1/orders", json={"project_id": project_id, "items": [
        {"plan_id": str(catalog["vm/s1.small"]), "name": "oob", "count": 3, "parameters": {"image": "debian-12"}},
        {"plan_id": str(catalog["volume/standard"]), "name": "oobvol", "count": 1, "parameters": {"size_gb": 1}}]})
    assert r.status_code == 201, r.text
    drain(runtime)
    rows = {x["name"]: x for x in client.get("/api/v1/resources", params={"project_id": project_id}).json()["items"]}
    assert {n: x["state"] for n, x in rows.items()} == dict.fromkeys(("oob-1", "oob-2", "oob-3", "oobvol"), "active")

    def row(name: str) -> Resource:
        with sessions() as db:
            found = db.get(Resource, uuid.UUID(rows[name]["id"]))
            assert found is not None
            return found

    # someone deletes oob-1 with the openstack CLI: gone in the inventory within 5 s
    deleted_at = time.monotonic()
    admin_conn.compute.delete_server(rows["oob-1"]["provider_id"])
    _wait(lambda: row("oob-1").state == ResourceState.GONE)
    latency = time.monotonic() - deleted_at
    gone = row("oob-1")
    assert (gone.state, gone.drift) == (ResourceState.GONE, "missing")
    assert latency < 5.0, f"marked gone after {latency:.2f} s"
    with sessions() as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "resource.gone",
                                                          AuditEvent.target_id == rows["oob-1"]["id"])))
    assert len(events) == 1 and events[0].details["source"] == "instance.delete.end"

    # a volume deleted with the openstack CLI (a Cinder notification) is gone as well
    deleted_at = time.monotonic()
    admin_conn.block_storage.delete_volume(rows["oobvol"]["provider_id"])
    _wait(lambda: row("oobvol").state == ResourceState.GONE)
    volume_latency = time.monotonic() - deleted_at
    assert volume_latency < 5.0

    # oob-2 is powered off out of band: drift "changed", the expectation kept
    stopped_at = time.monotonic()
    admin_conn.compute.stop_server(rows["oob-2"]["provider_id"])
    _wait(lambda: row("oob-2").drift == "changed")
    drift_latency = time.monotonic() - stopped_at
    changed = row("oob-2")
    assert (changed.state, changed.status, changed.attributes["observed_status"]) == (
        ResourceState.ACTIVE, "ACTIVE", "SHUTOFF")

    # sovcloud deletes oob-3 itself: its delete event is ignored, the resource ends DELETED, not GONE
    assert client.delete(f"/api/v1/resources/{rows['oob-3']['id']}").status_code == 202
    drain(runtime)
    oob3 = rows["oob-3"]["provider_id"]
    _wait(lambda: any(e.provider_id == oob3 and e.gone for _, e, _ in listener.recent))
    assert [o for _, e, o in listener.recent if e.provider_id == oob3 and e.gone] == ["ignored"]
    assert (row("oob-3").state, row("oob-3").drift) == (ResourceState.DELETED, None)
    admin_conn.compute.delete_server(rows["oob-2"]["provider_id"])
    print(f"\nout-of-band delete marked gone after {latency:.2f} s (volume {volume_latency:.2f} s); power-off "
          f"marked changed after {drift_latency:.2f} s; listener outcomes {dict(listener.counts)}")
