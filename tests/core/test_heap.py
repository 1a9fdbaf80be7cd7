"""A started server keeps what start-up built out of the garbage collector's full collections (each one
walked ~170,000 objects, 130–270 ms with the GIL held: the portal's unexplained tail, bench/README.md).

Run in a fresh interpreter: the test process has usually started apps already, and the freeze happens once
per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, json
from fastapi.testclient import TestClient
from sovcloud.api.app import create_app
from sovcloud.web.common import templates

app = create_app(install_queue=False)
built = len(gc.get_objects())
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
    frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
    compiled = len(templates.env.cache or {})
with TestClient(create_app(install_queue=False)):
    frozen_again = gc.get_freeze_count()
print(json.dumps({"built": built, "frozen": frozen, "tracked": tracked, "frozen_again": frozen_again,
                  "compiled": compiled, "templates": len(templates.env.list_templates(extensions=["html"]))}))
"""


def test_start_up_freezes_what_it_built_once_per_process(tmp_path: Path) -> None:
    env = {**os.environ, "SOVCLOUD_DATABASE_URL": f"sqlite:///{tmp_path}/heap.db",
           "SOVCLOUD_SECRET_KEY": "heap-test-" + "k" * 40, "SOVCLOUD_QUEUE_PATH": str(tmp_path / "q.db"),
           "SOVCLOUD_SIMULATOR_DATABASE_URL": f"sqlite:///{tmp_path}/sim.db", "SOVCLOUD_LOG_JSON": "false"}
    from sovcloud.migrate import upgrade

    upgrade(env["SOVCLOUD_DATABASE_URL"])  # /healthz reads the workers' heartbeats: a schema must be there
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["frozen"] >= seen["built"] > 50_000  # everything alive at start-up is out of the collector's walks
    assert seen["tracked"] < seen["built"] // 20  # a full collection walks only what was made since
    assert seen["compiled"] == seen["templates"]  # no request compiles a template
    # a second app in the same process does not freeze again (tests build hundreds: frozen cycles never go)
    assert seen["frozen_again"] <= seen["frozen"]
