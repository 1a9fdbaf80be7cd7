"""`sovcloud alerts …`: rules added (parameters checked per kind), alerts listed and acknowledged, as a
journaled break-glass operator."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sovcloud.audit.models import AuditEvent
from sovcloud.cli.main import app
from sovcloud.config import get_settings
from tests.supervision.conftest import evaluation_round

GLASS = ("--break-glass", "astreinte : site B")


@pytest.fixture
def cli(settings, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SOVCLOUD_AUDIT_ANCHOR_PATH", str(settings.audit_anchor_path))
    for name in ("SOVCLOUD_TOKEN", "SOVCLOUD_BREAK_GLASS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [*GLASS, *args], catch_exceptions=False)
    get_settings.cache_clear()


def test_rules_and_acknowledgement_from_the_cli(cli, sessions, rt):
    bad = cli("alerts", "rule-add", "Capacité", "site_capacity", "major", "--params", '{"percent": 101}')
    assert bad.exit_code == 1 and "percent" in bad.output
    made = cli("alerts", "rule-add", "Site indisponible", "site_down", "critical", "-o", "json")
    assert made.exit_code == 0, made.output
    assert json.loads(cli("alerts", "rules", "-o", "json").output)[0]["kind"] == "site_down"
    seeded = json.loads(cli("alerts", "seed", "-o", "json").output)
    assert len(seeded) == 8 and "Site indisponible" not in {r["name"] for r in seeded}  # already there
    assert json.loads(cli("alerts", "seed", "-o", "json").output) == []
    cli("alerts", "rule-enable", next(r["id"] for r in seeded if r["kind"] == "worker_heartbeat"), "--off")
    rt.provider.faults.site_down("site-b")
    evaluation_round(rt)
    listed = json.loads(cli("alerts", "list", "--severity", "critical", "-o", "json").output)
    assert [a["subject"] for a in listed] == ["site:site-b"]  # the seeded hypervisor rule fires too (major)
    alert = listed[0]
    assert cli("alerts", "ack", alert["id"], "--comment", " ").exit_code == 1
    done = cli("alerts", "ack", alert["id"], "--comment", "vu depuis la console", "-o", "json")
    assert done.exit_code == 0 and json.loads(done.output)[0]["acknowledged_by"].startswith("break-glass:")
    assert json.loads(cli("alerts", "list", "--unacknowledged", "--severity", "critical", "-o", "json").output) == []
    with sessions() as db:
        assert db.scalar(select(AuditEvent.details).where(AuditEvent.action == "alert.acknowledged"))[
            "comment"] == "vu depuis la console"
