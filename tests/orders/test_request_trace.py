"""Journal entries written by workers and periodic jobs carry the request id of what caused them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sovcloud.audit.models import AuditEvent
from sovcloud.provisioning import periodic
from sovcloud.provisioning.models import Step
from sovcloud.provisioning.reaper import drain
from tests.factories import login


def _vm(catalog, **extra):  # type: ignore[no-untyped-def]
    return {"plan_id": str(catalog["vm/s1.small"]), "name": "web", "count": 1, "parameters": {"image": "debian-12"},
            **extra}


def _entries(sessions, request_id):  # type: ignore[no-untyped-def]
    with sessions() as db:
        return [(e.actor_name, e.action) for e in db.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq))]


def test_worker_entries_carry_the_request_of_the_order_and_of_the_action(client, world, catalog, runtime, sessions):
    login(client, world.people["member_a"])
    r = client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [_vm(catalog)]},
                    headers={"X-Request-ID": "order-click-0001"})
    assert r.status_code == 201, r.text
    drain(runtime)
    entries = _entries(sessions, "order-click-0001")
    assert ("agent.a", "order.submitted") in entries
    assert ("provisioning", "order.completed") in entries, entries  # written by the worker
    server = client.get("/api/v1/resources").json()["items"][0]
    r = client.post(f"/api/v1/resources/{server['id']}/actions", json={"action": "stop"},
                    headers={"X-Request-ID": "stop-click-0002"})
    assert r.status_code == 202, r.text
    drain(runtime)
    assert ("provisioning", "resource.stop") in _entries(sessions, "stop-click-0002")


def test_periodic_job_rounds_have_a_request_id_their_steps_and_entries_carry(client, world, catalog, runtime,
                                                                            sessions, clock):
    login(client, world.people["member_a"])
    end = (clock.current + timedelta(days=2)).isoformat()
    client.post("/api/v1/orders", json={"project_id": str(world.projects["a"].id), "items": [_vm(catalog)],
                                        "end_date": end})
    drain(runtime)
    clock.advance(days=3)
    sweep = next(j for j in periodic.jobs(runtime) if j.name == "expiry-sweep")
    assert periodic.run_round(runtime, sweep)
    with sessions() as db:
        expired = db.scalars(select(AuditEvent).where(AuditEvent.action == "resource.expired")).one()
        step = db.scalars(select(Step).where(Step.kind == "delete")).one()
    assert expired.request_id and expired.request_id.startswith("expiry-sweep-")
    assert step.request_id == expired.request_id  # the delete step the round made serves the same round
    drain(runtime)
    assert ("provisioning", "resource.deleted") in _entries(sessions, expired.request_id)
