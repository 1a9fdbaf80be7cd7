"""/metrics is never open to tenants: an address outside the allowlist gets 403, a missing or wrong token 401,
production without a token 403. Several API processes (``serve --workers 2``) sum their HTTP counters in one
scrape (prometheus_client's multiprocess mode). The step figures come from the database on each backend."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from sovcloud.api.app import create_app
from sovcloud.clock import now
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from tests.factories import login, make_org, make_project
from tests.orders.processes import Processes, free_port, wait_http


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name}


def test_scrapes_need_an_allowed_address_and_the_token(sqlite_only, settings, sessions, world):
    token = SecretStr("scrape-" + "t" * 30)
    app = create_app(settings.model_copy(update={"metrics_token": token}), install_queue=False)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 401
        assert local.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        login(local, world.people["operator"])  # a session, even an operator's, is not the scrape token
        assert local.get("/metrics").status_code == 401
        ok = local.get("/metrics", headers={"Authorization": f"Bearer {token.get_secret_value()}"})
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
        assert "sovcloud_orders" in ok.text
    with TestClient(app, client=("192.0.2.10", 40000)) as remote:  # outside 127.0.0.1/32 and ::1/128
        r = remote.get("/metrics", headers={"Authorization": f"Bearer {token.get_secret_value()}"})
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    production = create_app(settings.model_copy(update={"environment": "production"}), install_queue=False)
    with TestClient(production, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 403  # behind a proxy every caller is local: a token it must be


def test_step_figures_on_each_backend(app, sessions, settings):
    at = now()
    with sessions() as db, db.begin():
        project = make_project(db, make_org(db, "MINX"), "Projet X").id
        db.add_all([
            Step(kind=StepKind.CREATE, status=StepStatus.SUCCEEDED, project_id=project, attempts=3,
                 created_at=at - timedelta(seconds=20), finished_at=at - timedelta(seconds=17)),
            Step(kind=StepKind.CREATE, status=StepStatus.SUCCEEDED, project_id=project, attempts=1,
                 created_at=at - timedelta(seconds=20), finished_at=at - timedelta(seconds=0.5)),
            Step(kind=StepKind.COMPENSATE, status=StepStatus.FAILED, project_id=project, attempts=2,
                 created_at=at - timedelta(seconds=5), finished_at=at),
            Step(kind=StepKind.DELETE, status=StepStatus.PENDING, project_id=project,
                 created_at=at - timedelta(seconds=120)),
            Step(kind=StepKind.ACTION, status=StepStatus.RUNNING, project_id=project, worker="w:1",
                 lease_until=at - timedelta(seconds=1), created_at=at)])
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        text = local.get("/metrics").text
    buckets = _samples(text, "sovcloud_step_duration_seconds_bucket")
    assert buckets[(("kind", "create"), ("le", "1.0"))] == 0
    assert buckets[(("kind", "create"), ("le", "5.0"))] == 1  # 3 s
    assert buckets[(("kind", "create"), ("le", "30.0"))] == 2  # and 19.5 s
    assert _samples(text, "sovcloud_step_duration_seconds_sum")[(("kind", "create"),)] == pytest.approx(22.5, abs=0.01)
    assert _samples(text, "sovcloud_step_retries_total")[(("kind", "create"),)] == 2
    assert _samples(text, "sovcloud_compensations_total")[(("state", "failed"),)] == 1
    assert _samples(text, "sovcloud_steps_waiting")[()] == 1
    assert 119 <= _samples(text, "sovcloud_step_oldest_waiting_seconds")[()] < 180
    assert _samples(text, "sovcloud_steps_lease_expired")[()] == 1


def test_several_api_processes_sum_their_requests_in_one_scrape(sqlite_only, settings, sessions, tmp_path: Path):
    procs, port, metrics_dir = Processes(settings), free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")  # emptied when serve starts
    base = f"http://127.0.0.1:{port}"
    try:
        procs._start([sys.executable, "-m", "sovcloud", "serve", "--port", str(port), "--workers", "2"],
                     log=tmp_path / "serve.log", SOVCLOUD_HOST="127.0.0.1", SOVCLOUD_EMBEDDED_WORKER="false",
                     SOVCLOUD_METRICS_DIR=str(metrics_dir), SOVCLOUD_LOG_LEVEL="WARNING")
        wait_http(f"{base}/healthz", timeout=120)
        time.sleep(1.0)  # both processes accepting
        with httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0)) as fresh:
            for _ in range(60):  # a connection each: the two processes take turns accepting them
                assert fresh.get("/api/v1/me").status_code == 401
            text = fresh.get("/metrics").text
        key = (("method", "GET"), ("route", "/api/v1/me"), ("status", "401"))
        assert _samples(text, "sovcloud_http_requests_total")[key] == 60  # whichever process answered the scrape
        pids = {f.stem.split("_")[-1] for f in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2 and "1" not in pids, pids  # both processes counted; the old run's file is gone
    finally:
        procs.stop()
