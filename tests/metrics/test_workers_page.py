"""The operator console's workers page in a real browser: axe-core finds no violation."""

from __future__ import annotations

import pytest

from sovcloud.clock import now
from sovcloud.provisioning import heartbeats
from tests.web.test_browser import _axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_workers_page_passes_axe(sqlite_only, browser, live_server, world, sessions):
    heartbeats.beat(sessions, worker="host-a:4242", queue="sqlite", started_at=now())
    assert _axe(browser, live_server, world.people["operator"], ["/operator/workers"]) == {}
