"""A real Prometheus (Debian's package) started once per module on a free loopback port, scraping every
second a sovcloud target the tests serve on a port chosen in advance, with the scrape token."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import service_missing
from tests.live import free_port
from tests.orders.conftest import catalog  # noqa: F401  (the default catalogue and sites)

CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sovcloud
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: {token_file}
    static_configs:
      - targets: ["127.0.0.1:{target}"]
  - job_name: sovcloud-wrong-token
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: not-the-token
    static_configs:
      - targets: ["127.0.0.1:{target}"]
"""


@dataclass
class Prometheus:
    """The running Prometheus, the port its sovcloud target must listen on, and the token it sends."""

    url: str
    target_port: int
    token: str

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector ``expr`` evaluates to now (``/api/v1/query``)."""
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=5)
        r.raise_for_status()
        body = r.json()
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def value(self, expr: str) -> float | None:
        """The single value of ``expr`` now, or None when it has no sample."""
        found = self.query(expr)
        assert len(found) <= 1, found
        return float(found[0]["value"][1]) if found else None

    def wait_value(self, expr: str, expected: float, timeout: float = 20.0) -> float:
        """Poll until ``expr`` evaluates to ``expected`` (Prometheus scrapes every second)."""
        deadline, seen = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            seen = self.value(expr)
            if seen == expected:
                return seen
            time.sleep(0.3)
        raise AssertionError(f"{expr} = {seen}, expected {expected}, after {timeout} s")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    if binary is None:
        service_missing("prometheus", "not installed (apt-get install -y prometheus)")
        return
    home = tmp_path_factory.mktemp("prometheus")
    token = secrets.token_urlsafe(24)
    (home / "token").write_text(token)
    target, port = free_port(), free_port()
    (home / "prometheus.yml").write_text(CONFIG.format(token_file=home / "token", target=target))
    log = open(home / "prometheus.log", "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen([binary, f"--config.file={home / 'prometheus.yml'}", f"--storage.tsdb.path={home / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle"],
                            stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("prometheus did not start: " + (home / "prometheus.log").read_text()[-2000:])
            time.sleep(0.2)
        yield Prometheus(url=url, target_port=target, token=token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rules_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
