"""Browser fixtures: the real app served by uvicorn on a free loopback port, and headless Debian chromium.

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
ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture
def catalog(world: Any, sessions: Any) -> dict[str, Any]:
    """The default catalogue, approval policy and demo sites; plan ids by "offering/plan" code."""
    from sqlalchemy import select

    from sovcloud.catalog.models import Plan
    from sovcloud.catalog.seed import seed_catalog
    from sovcloud.orders.policies import seed_rules
    from sovcloud.resilience.seed import seed_demo_sites
    from tests.factories import SYSTEM

    with sessions() as db, db.begin():
        seed_catalog(db, actor=SYSTEM)
        seed_rules(db, actor=SYSTEM)
        seed_demo_sites(db, actor=SYSTEM)
        return {f"{p.offering.kind}/{p.code}": p.id for p in db.scalars(select(Plan))}


@pytest.fixture
def runtime(settings: Any) -> Iterator[Any]:
    """A worker runtime on the app's simulated cloud; steps run when the test calls ``drain``."""
    from sovcloud.provisioning import dispatch
    from sovcloud.provisioning.runtime import make_runtime

    dispatch.set_dispatcher(None)
    rt = make_runtime(settings, lambda step_id, delay: None)
    yield rt
    rt.provider.close()


@pytest.fixture
def chef(world: Any, sessions: Any, settings: Any) -> Any:
    """A project administrator of Projet A (TOTP enrolled): the approver of its costly orders."""
    from sovcloud.access.roles import Role
    from tests.factories import make_user

    with sessions() as db, db.begin():
        return make_user(db, settings, "chef.a", Role.PROJECT_ADMIN, project=world.projects["a"])
