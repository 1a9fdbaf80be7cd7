"""The shipped Prometheus rules and scrape configuration are accepted by promtool, and every sovcloud series
they and the Grafana dashboard name is one that /metrics serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import service_missing
from tests.metrics.conftest import rules_dir

NAME = re.compile(r"\b(sovcloud_[a-z_]+)")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        service_missing("promtool", "not installed (apt-get install -y prometheus)")
    return str(found)


def test_promtool_accepts_the_rules_and_the_scrape_config(tmp_path: Path) -> None:
    promtool = _promtool()
    rules = sorted(rules_dir().glob("*.rules.yml"))
    assert rules
    done = subprocess.run([promtool, "check", "rules", *map(str, rules)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    token = tmp_path / "token"
    token.write_text("t")
    config = (rules_dir() / "prometheus.yml").read_text().replace("/etc/prometheus/sovcloud-metrics.token", str(token))
    (tmp_path / "prometheus.yml").write_text(config)
    for rule in rules:
        shutil.copy(rule, tmp_path / rule.name)
    done = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_and_dashboard_name_only_served_series(sqlite_only, app, sessions) -> None:  # type: ignore[no-untyped-def]
    from sovcloud.audit.verifications import verify_and_record

    verify_and_record(sessions)  # the last walk's series exist from the first walk on
    with TestClient(app, client=("127.0.0.1", 40000)) as client:
        client.get("/healthz")
        text = client.get("/metrics").text
    served = {f.name for f in text_string_to_metric_families(text)}
    dashboard = json.loads((rules_dir().parent / "grafana" / "sovcloud.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    named = set(NAME.findall("\n".join(exprs) + (rules_dir() / "sovcloud.rules.yml").read_text()))
    for suffix in SUFFIXES:
        named = {n.removesuffix(suffix) for n in named}
    assert named and named <= served | {"sovcloud_http_requests", "sovcloud_http_request_duration_seconds"}, (
        named - served)
