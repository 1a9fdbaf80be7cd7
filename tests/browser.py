"""Browser fixtures for every browser test, registered once for the whole suite by ``tests/conftest.py``
(``pytest_plugins``): headless Debian chromium driven by Playwright, and the real app served by uvicorn on a
free loopback port. Once only: Playwright's sync API cannot start a second instance in a process while one
runs, and a conftest that imported these fixtures would make a second session-wide instance of its own.

Browser tests skip with the reason when chromium or the npm packages are missing, except under ``CI=true``
where they fail (install: ``apt-get install -y chromium`` and ``npm ci``, see ``make assets``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import service_missing
from tests.live import serving

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DSFR = ROOT / "sovcloud" / "web" / "static" / "vendor" / "dsfr" / "dsfr.min.css"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright."""
    if not CHROMIUM.exists():
        service_missing("chromium", f"{CHROMIUM} not found (apt-get install -y chromium)")
    if not AXE.exists() or not DSFR.exists():
        service_missing("npm assets", "node_modules or static/vendor missing (make assets)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Any, browser: Any) -> Iterator[str]:
    """The test app served for real by uvicorn in a thread; yields its base URL."""
    with serving(app) as base:
        yield base
