"""Two real worker processes evaluate the alert rules: one round per period across both (the lease), one
alert raised for a site down, resolved once the site is back; and their delivery job sends a notice's
webhook once, signed."""

from __future__ import annotations

import socket
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select

from sovcloud import leases
from sovcloud.audit.models import AuditEvent
from sovcloud.provisioning import dispatch
from sovcloud.supervision import alerts_rules, notices, notices_channels
from sovcloud.supervision.models import Alert
from sovcloud.supervision.notices_channels import sign
from tests.factories import actor_for
from tests.orders.processes import Processes, wait_for

PERIOD = 0.5


@pytest.fixture
def procs(settings):  # type: ignore[no-untyped-def]
    fast = settings.model_copy(update={"worker_heartbeat_s": 0.5, "queue_name": f"t{uuid.uuid4().hex[:8]}"})
    p = Processes(fast)
    yield p
    p.stop()
    dispatch.set_dispatcher(None)


def test_two_workers_evaluate_once_per_period_and_raise_one_alert(postgresql_only, sessions, world, settings, procs,
                                                                  receiver):
    from sovcloud.provisioning.runtime import make_provider

    provider = make_provider(settings)
    try:
        with sessions() as db, db.begin():
            alerts_rules.create_rule(db, actor=actor_for(db, world.people["operator"]), name="Site indisponible",
                                     kind="site_down", params={}, severity="critical")
        provider.faults.site_down("site-b")  # type: ignore[attr-defined]
        with sessions() as db, db.begin():  # a notice to B, whose webhook the workers' delivery job sends
            made = notices_channels.add_channel(db, actor=actor_for(db, world.people["admin_b"]), settings=settings,
                                                organisation_id=world.orgs["B"].id, channel="webhook",
                                                severities=["critical"], url=receiver.url("/ok/workers"))
            notices.publish(db, actor=actor_for(db, world.people["operator"]), kind="incident", title="Site B",
                            body="Coupure.", severity="critical", organisation_ids=[world.orgs["B"].id])
        for _ in range(2):
            procs._start([sys.executable, "-m", "sovcloud", "worker", "--threads", "1"],
                         SOVCLOUD_ALERT_INTERVAL_S=str(PERIOD), SOVCLOUD_DELIVERY_INTERVAL_S=str(PERIOD),
                         SOVCLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK="true")

        def raised() -> list[Alert]:
            with sessions() as db:
                return list(db.scalars(select(Alert).where(Alert.status == "open", Alert.subject == "site:site-b")))

        wait_for(raised, 60, "the alert raised")
        wait_for(lambda: receiver.posts, 30, "the webhook delivered by a worker")
        assert [p.path for p in receiver.posts] == ["/ok/workers"]  # once, by one of the two workers
        assert made.secret is not None and receiver.posts[0].headers["X-Sovcloud-Signature"] == sign(
            made.secret, receiver.posts[0].headers["X-Sovcloud-Timestamp"], receiver.posts[0].body)
        with sessions() as db:
            before = db.scalar(select(leases.Lease.rounds).where(leases.Lease.name == "alerts"))
        started = time.monotonic()
        time.sleep(3.0)
        with sessions() as db:
            after = db.scalar(select(leases.Lease.rounds).where(leases.Lease.name == "alerts"))
            holder = db.scalar(select(leases.Lease.holder).where(leases.Lease.name == "alerts"))
        elapsed = time.monotonic() - started
        # each worker asks twice a period: without the lease there would be about four times as many rounds
        assert 0 < after - before <= elapsed / PERIOD + 1, (after - before, elapsed)
        assert holder in {f"{socket.gethostname()}:{p.pid}" for p in procs.procs}
        provider.faults.site_up("site-b")  # type: ignore[attr-defined]

        def resolved() -> bool:
            with sessions() as db:
                return db.scalar(select(func.count()).select_from(Alert).where(Alert.status == "resolved")) == 1

        wait_for(resolved, 30, "the alert resolved")
        with sessions() as db:
            raised_events = db.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "alert.raised", AuditEvent.target_id == str(db.scalar(select(Alert.id)))))
            total = db.scalar(select(func.count()).select_from(Alert))
        assert total == 1 and raised_events == 1  # raised once, by one evaluator, however many rounds ran
    finally:
        provider.faults.clear()  # type: ignore[attr-defined]
        provider.close()
