"""The self-hosted Swagger UI renders the API in a real browser under the portal's strict CSP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_browser import _login, _watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_swagger_ui_renders_under_the_strict_csp(browser: Any, live_server: str, world: Any) -> None:
    page = browser.new_page()
    errors = _watch_csp(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    _login(page, live_server, world.people["member_a"])
    page.goto(f"{live_server}/api/v1/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)  # the operations of our OpenAPI document
    assert page.locator(".opblock").count() > 20
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert all(url.startswith(live_server) or url.startswith("data:") for url in requests), requests
    page.close()
