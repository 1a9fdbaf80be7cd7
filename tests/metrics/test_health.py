"""``/healthz`` is liveness only; ``/readyz`` goes 503 naming the failing check when the database or the queue
becomes unreachable (a real PostgreSQL and a real Redis behind a forwarder that the test stops), and back to
200 when they return. The operator console lists the workers with what they hold."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from sovcloud.api.app import create_app
from sovcloud.clock import now
from sovcloud.provisioning import heartbeats
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from tests.conftest import service_missing
from tests.factories import login
from tests.metrics.proxy import Forwarder


def _through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the forwarder's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{port}"))


def _ready(client: TestClient) -> tuple[int, list[str], dict[str, float]]:
    r = client.get("/readyz")
    body = r.json()
    assert {c["name"] for c in body["checks"]} == {"database", "migrations", "queue", "workers", "provider"}
    return r.status_code, body["failing"], {c["name"]: c["latency_ms"] for c in body["checks"]}


def test_healthz_is_liveness_and_readyz_needs_a_worker(client, sessions, settings):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 503 and body["code"] == "not-ready" and body["failing"] == ["workers"]
    heartbeats.beat(sessions, worker="host-a:4242", queue="sqlite", started_at=now())
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["state"] == "ready", r.text
    assert [w["worker"] for w in r.json()["workers"]] == ["host-a:4242"]


def test_readyz_names_the_database_or_the_queue_while_it_is_away(postgresql_only, engine, sessions, settings):
    import redis

    redis_at = urlsplit(settings.redis_url)
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing("Redis", str(exc))
    db_url = engine.url.render_as_string(hide_password=False)
    pg = Forwarder((engine.url.host or "127.0.0.1", engine.url.port or 5432)).start()
    queue = Forwarder((redis_at.hostname or "127.0.0.1", redis_at.port or 6379)).start()
    shaped = settings.model_copy(update={
        "database_url": _through(db_url, pg.port), "queue_backend": "redis",
        "redis_url": _through(settings.redis_url, queue.port), "queue_name": f"t{uuid.uuid4().hex[:8]}",
        "worker_heartbeat_s": 60.0, "readiness_timeout_s": 2.0})
    heartbeats.beat(sessions, worker="host-a:4242", queue="redis", started_at=now())
    try:
        with TestClient(create_app(shaped, install_queue=False)) as client:
            assert _ready(client)[:2] == (200, [])
            pg.stop()
            status, failing, latency = _ready(client)
            assert status == 503 and "database" in failing and "queue" not in failing, failing
            assert latency["database"] < 2500  # refused, or cut at the deadline: never a hung probe
            pg.start()
            assert _ready(client)[:2] == (200, [])
            queue.stop()
            assert _ready(client)[:2] == (503, ["queue"])
            queue.start()
            assert _ready(client)[:2] == (200, [])
    finally:
        pg.stop()
        queue.stop()


def test_operator_console_lists_workers_and_what_they_hold(sqlite_only, client_factory, world, sessions):
    heartbeats.beat(sessions, worker="host-a:4242", queue="sqlite", started_at=now())
    with sessions() as db, db.begin():
        db.add(Step(kind=StepKind.DELETE, status=StepStatus.RUNNING, project_id=world.projects["a"].id,
                    worker="host-a:4242", lease_until=now() + timedelta(minutes=1), attempts=2))
    tenant = login(client_factory(), world.people["member_a"])
    assert tenant.get("/operator/workers").status_code == 403  # tenants never see the platform's workers
    page = login(client_factory(), world.people["operator"]).get("/operator/workers")
    assert page.status_code == 200, page.text
    assert "host-a:4242" in page.text and "delete" in page.text and "essai 2" in page.text
    with sessions() as db:
        assert db.scalar(select(Step.worker)) == "host-a:4242"
