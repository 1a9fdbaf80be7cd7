"""A real Prometheus scrapes a running sovcloud with the scrape token and its query API returns the platform's
series (orders, delivery times, resources per organisation, drift, capacity, logins, HTTP requests by route
template); a scrape with a wrong token fails. With two worker processes on PostgreSQL + Redis, the steps done
by both are counted in one scrape."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select

from sovcloud.api.app import create_app
from sovcloud.clock import now
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import dispatch, heartbeats
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from sovcloud.provisioning.queue import TaskQueue
from tests.conftest import service_missing
from tests.factories import SYSTEM
from tests.live import serving
from tests.orders.processes import Processes


def _order(sessions, world, plan_id, name):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        return service.create_order(db, actor=SYSTEM, project_id=world.projects["a"].id, items=[service.ItemIn(
            plan_id=plan_id, name=name, count=1, parameters={"image": "debian-12"})]).id


def _counted(base: str, token: str, route: str) -> float:
    """The 401s counted so far on ``route``, read straight from /metrics."""
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}).text
    for family in text_string_to_metric_families(text):
        if family.name == "sovcloud_http_requests":
            return sum(s.value for s in family.samples if s.labels.get("route") == route
                       and s.labels.get("status") == "401")
    return 0.0


def test_prometheus_scrapes_the_platform_with_the_token(sqlite_only, prometheus, world, catalog, sessions, settings):
    # (on PostgreSQL the same queries are scraped by the two-worker test below and test_exposition)
    plan = catalog["vm/s1.small"]
    delivered = _order(sessions, world, plan, "web")
    with sessions() as db, db.begin():
        order = db.get(Order, delivered)
        order.status, order.submitted_at = OrderStatus.COMPLETED, now() - timedelta(seconds=90)
        order.completed_at = now()
        for i in range(3):
            db.add(Resource(project_id=world.projects["a"].id, kind="server", name=f"s{i}", site="site-a",
                            idempotency_key=f"k:{uuid.uuid4()}", state=ResourceState.ACTIVE,
                            drift="missing" if i == 0 else None))
        states = dict(db.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    heartbeats.beat(sessions, worker="host-a:1", queue="sqlite", started_at=now())
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(prometheus.token)}), install_queue=False)
    with serving(app, prometheus.target_port) as base:
        before = {route: _counted(base, prometheus.token, route) for route in ("/api/v1/me", "/api/v1/auth/login")}
        for _ in range(3):
            assert httpx.get(f"{base}/api/v1/me").status_code == 401
        r = httpx.post(f"{base}/api/v1/auth/login", json={"username": "agent.a", "password": "wrong-password!"})
        assert r.status_code == 401
        assert httpx.get(f"{base}/metrics").status_code == 401  # no token: no metrics
        logged = httpx.Client(base_url=base)  # a tenant's session opens nothing either
        assert logged.post("/api/v1/auth/login", json={"username": "agent.a", "password": world.people[
            "member_a"].password}).status_code == 200
        assert logged.get("/metrics").status_code == 401
        p = prometheus
        p.wait_value('up{job="sovcloud"}', 1)
        p.wait_value('up{job="sovcloud-wrong-token"}', 0)  # the scrape with a wrong token is refused
        for state in OrderStatus:
            p.wait_value(f'sovcloud_orders{{state="{state.value}"}}', states.get(state, 0))
        p.wait_value('sovcloud_order_delivery_seconds_bucket{le="60.0"}', 0)
        p.wait_value('sovcloud_order_delivery_seconds_bucket{le="120.0"}', 1)
        p.wait_value("sovcloud_order_delivery_seconds_count", 1)
        p.wait_value('sovcloud_resources{organisation="MINA-DIR",kind="server",state="active"}', 3)
        p.wait_value('sovcloud_resources_drift{drift="missing"}', 1)
        p.wait_value('sovcloud_worker_up{worker="host-a:1"}', 1)
        p.wait_value("sovcloud_login_failures_total", 1)
        p.wait_value("sovcloud_logins_total", 1)
        # HTTP counters belong to the process (other tests' apps in this one counted too): what this test added
        p.wait_value('sovcloud_http_requests_total{route="/api/v1/me",status="401"}', before["/api/v1/me"] + 3)
        p.wait_value('sovcloud_http_requests_total{route="/api/v1/auth/login",status="401"}',
                     before["/api/v1/auth/login"] + 1)
        assert not p.query('sovcloud_http_requests_total{route=~".*[0-9a-f]{8}-.*"}')  # templates, not raw paths
        sites = {s["metric"]["site"] for s in p.query("sovcloud_site_up == 1")}
        assert sites == {"site-a", "site-b"}
        assert p.value('sum(sovcloud_hypervisor_vcpus_available{site="site-a"})') == p.value(
            'sovcloud_site_vcpus_available{site="site-a"}') > 0
        assert p.value('sovcloud_site_public_ips_free{site="site-a"}') > 0
        p.wait_value("min(sovcloud_metrics_source_up)", 1)
        p.wait_value("sovcloud_audit_head_ok", 1)


def test_two_workers_steps_counted_in_one_scrape(postgresql_only, prometheus, world, catalog, sessions, settings):
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", str(exc))
    shaped = settings.model_copy(update={
        "queue_backend": "redis", "queue_name": f"t{uuid.uuid4().hex[:8]}", "simulator_build_delay_s": 1.0,
        "poll_interval_s": 0.05, "step_lease_s": 5.0, "worker_heartbeat_s": 0.5,
        "metrics_token": SecretStr(prometheus.token)})
    procs = Processes(shaped)
    TaskQueue(shaped).install()
    try:
        workers = [procs.worker(), procs.worker()]
        time.sleep(2.0)  # both consumers listening before the work arrives
        ids = [_order(sessions, world, catalog["vm/s1.small"], f"r{i}") for i in range(10)]
        deadline = time.monotonic() + 90
        while True:
            with sessions() as db:
                states = set(db.scalars(select(Order.status).where(Order.id.in_(ids))))
            if states <= {OrderStatus.COMPLETED, OrderStatus.FAILED}:
                break
            assert time.monotonic() < deadline, states
            time.sleep(0.3)
        assert states == {OrderStatus.COMPLETED}
        with sessions() as db:
            done = db.execute(select(Step.worker, func.count()).where(
                Step.kind == StepKind.CREATE, Step.status == StepStatus.SUCCEEDED).group_by(Step.worker)).all()
        assert len(done) == 2, done  # both worker processes did some of the steps
        with sessions() as db:  # the console's view of them (on PostgreSQL here)
            seen = heartbeats.activity(db, [str(w) for w, _ in done])
        assert set(seen) == {w for w, _ in done} and any(a.jobs for a in seen.values()), seen
        with serving(create_app(shaped, install_queue=False), prometheus.target_port):
            p = prometheus
            p.wait_value('sovcloud_steps{kind="create",state="succeeded"}', float(sum(n for _, n in done)))
            p.wait_value("sovcloud_order_delivery_seconds_count", 10)
            p.wait_value('sovcloud_orders{state="completed"}', 10)
            p.wait_value("sovcloud_workers_alive", 2)
            assert {s["metric"]["worker"] for s in p.query("sovcloud_worker_up == 1")} == {w for w, _ in done}
            assert len(workers) == 2
    finally:
        procs.stop()
        dispatch.set_dispatcher(None)


def test_every_dashboard_query_is_valid_promql(prometheus):  # type: ignore[no-untyped-def]
    import json

    from tests.metrics.conftest import rules_dir

    dashboard = json.loads((rules_dir().parent / "grafana" / "sovcloud.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) > 20
    for expr in exprs:
        prometheus.query(expr)  # a query Prometheus cannot parse is a 400: raise_for_status fails the test
