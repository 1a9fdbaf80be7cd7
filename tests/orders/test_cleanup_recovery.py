"""Operators take up a failed order whose cleanup failed for good (``cleanup_failed`` rows, still counted):
retry it, or forget what the cloud confirms is gone — journaled; a row leaves the quota only when the cloud
confirms it is gone. And ``sovcloud steps status|reap`` authenticate and admit operators only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from sovcloud.access.roles import Role
from sovcloud.audit.models import AuditEvent
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.orders.usage import usage
from sovcloud.provisioning import runner
from sovcloud.provisioning.reaper import drain
from sovcloud.provisioning.runtime import make_runtime
from sovcloud.tenancy.quotas import Limits
from tests.core.test_cli import GLASS, _token, cli  # noqa: F401  (the CLI fixture)
from tests.factories import SYSTEM, login, make_project, make_user
from tests.web.helpers import csrf_of, portal_login


def _left_behind(world, catalog, sessions, settings):
    """A failed order whose compensation failed for good: two servers exist, their rows ``cleanup_failed``."""
    from sovcloud.provisioning.models import Step, StepKind

    fast = settings.model_copy(update={"retry_base_s": 0.001, "retry_max_s": 0.002, "max_attempts": 2,
                                       "poll_interval_s": 0.0})
    rt = make_runtime(fast, lambda *_: None)
    with sessions() as db, db.begin():
        project = make_project(db, world.orgs["B"], "Panne", quota=Limits(100, 400_000, 2_000, 50, 10))
        order = service.create_order(db, actor=SYSTEM, project_id=project.id, items=[service.ItemIn(
            plan_id=catalog["vm/s1.small"], name="app", count=2, parameters={"image": "debian-12"})])
        first = db.scalars(select(Step.id).where(Step.order_id == order.id, Step.kind == StepKind.CREATE)).one()
    tenant, faults = str(project.id), rt.provider.faults  # type: ignore[attr-defined]
    runner._lookups_of(rt).flavor("s1.small"), runner._lookups_of(rt).image(tenant, "debian-12")
    faults.set_timeout_rate(1.0)
    runner.run_step(rt, str(first))
    faults.clear()
    faults.set_error_rate(1.0)
    drain(rt)
    faults.clear()
    return rt, project, order.id


def _rows(sessions, order_id):
    with sessions() as db:
        return {r.name: (r.state, r.attributes.get("outcome"))
                for r in db.scalars(select(Resource).where(Resource.order_id == order_id))}


def test_a_failed_cleanup_is_retried_or_forgotten_only_as_the_cloud_confirms(client_factory, world, catalog,
                                                                             sessions, settings, monkeypatch):
    rt, project, order_id = _left_behind(world, catalog, sessions, settings)
    tenant = str(project.id)
    failed = {"app-1": (ResourceState.ERROR, "cleanup_failed"), "app-2": (ResourceState.ERROR, "cleanup_failed")}
    assert _rows(sessions, order_id) == failed and len(rt.provider.servers(tenant)) == 2
    member = login(client_factory(), world.people["member_b"])
    assert member.get("/api/v1/cleanups").status_code == 403
    assert member.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "retry"}).status_code == 403
    ops = login(client_factory(), world.people["operator"])
    assert [(c["order_id"], c["left"]) for c in ops.get("/api/v1/cleanups").json()] == [(str(order_id), 2)]

    # forget: nothing is deleted, and the servers are still there: nothing is forgotten
    r = ops.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "forget"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = ops.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "forget", "reason": "vu dans Horizon"})
    assert r.status_code == 202, r.text
    assert ops.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "retry"}).status_code == 409  # one at once
    drain(rt)
    assert _rows(sessions, order_id) == failed and len(rt.provider.servers(tenant)) == 2
    with sessions() as db:
        assert usage(db, project.id).instances == 2

    # retry on a cloud that accepts the deletes but keeps the servers: the quota is not released
    monkeypatch.setattr(runner, "CONFIRM_POLLS", 3)
    with monkeypatch.context() as patch:
        patch.setattr(rt.provider, "delete_server", lambda tenant, server_id: None)
        assert ops.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "retry"}).status_code == 202
        drain(rt)
    assert _rows(sessions, order_id) == failed
    with sessions() as db:
        assert usage(db, project.id).instances == 2

    # retry for real, from the console's button: gone in the cloud, so the rows end and leave the quota
    with sessions() as db, db.begin():
        ops2 = make_user(db, settings, "ops2", Role.PLATFORM_OPERATOR)  # one TOTP code logs in once
    console = portal_login(client_factory(), ops2)
    page = console.get("/operator/cleanups")
    assert page.status_code == 200 and f'id="cleanup-{order_id}"' in page.text
    assert "2 ressource(s) restée(s)" in page.text
    token = csrf_of(console, "/operator/cleanups")
    r = console.post(f"/operator/cleanups/{order_id}", data={"mode": "forget", "csrf_token": token})
    assert r.status_code == 422 and "Dites pourquoi" in r.text  # a reason is required to forget
    r = console.post(f"/operator/cleanups/{order_id}", data={"mode": "retry", "csrf_token": token},
                     follow_redirects=True)
    assert r.status_code == 200 and "Nettoyage mis en file" in r.text
    assert portal_login(client_factory(), world.people["member_b"]).get("/operator/cleanups").status_code == 403
    drain(rt)
    assert _rows(sessions, order_id) == {"app-1": (ResourceState.DELETED, "removed"),
                                         "app-2": (ResourceState.DELETED, "removed")}
    assert rt.provider.servers(tenant) == [] and ops.get("/api/v1/cleanups").json() == []
    assert 'id="no-cleanups"' in console.get("/operator/cleanups").text
    assert ops.post(f"/api/v1/orders/{order_id}/cleanup", json={"mode": "retry"}).status_code == 409
    with sessions() as db:
        assert usage(db, project.id).instances == 0
        assert db.get(Order, order_id).status == OrderStatus.FAILED
        journal = [(e.action, e.actor_name, (e.details or {}).get("reason")) for e in db.scalars(
            select(AuditEvent).where(AuditEvent.action.like("order.cleanup_%")).order_by(AuditEvent.seq))]
    assert journal == [("order.cleanup_forget", "ops", "vu dans Horizon"), ("order.cleanup_retry", "ops", None),
                       ("order.cleanup_retry", "ops2", None)]
    rt.provider.close()  # type: ignore[attr-defined]


@pytest.mark.usefixtures("sqlite_only")  # the doors over services tested on both
def test_steps_commands_authenticate_and_admit_operators_only(cli, world, sessions, settings):  # noqa: F811
    refused = cli("steps", "status")
    assert refused.exit_code == 1 and "Authentification requise" in refused.output
    member = _token(sessions, settings, world.people["member_a"], project_id=world.projects["a"].id)
    for command in (("steps", "status"), ("steps", "reap"), ("steps", "cleanups")):
        r = cli("--token", member, *command)
        assert r.exit_code == 1 and "provisioning.operate" in r.output, (command, r.output)
    operator = _token(sessions, settings, world.people["operator"])
    assert cli("--token", operator, "steps", "status", "-o", "json").exit_code == 0
    assert json.loads(cli("--token", operator, "steps", "cleanups", "-o", "json").output) == []
    reaped = cli(*GLASS, "steps", "reap")
    assert reaped.exit_code == 0 and "remise(s) en file" in reaped.output
    with sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert "steps.reaped" in actions and "cli.break_glass" in actions
    assert actions.count("access.denied") >= 3  # the member's refusals are journaled
