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
    page.locator(".opblock").nth(5).wait_for(timeout=20_000)  # the operations of our OpenAPI document
    # Swagger UI virtualises a long document (only what is in view is drawn): scrolled to its end, the last
    # tag of the document is drawn too
    tags = [op["tags"][0] for ops in page.request.get(f"{live_server}/api/v1/openapi.json").json()["paths"].values()
            for op in ops.values() if op.get("tags")]
    last = list(dict.fromkeys(tags))[-1]
    for _ in range(60):
        if page.locator(f"#operations-tag-{last}").count():
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(100)
    page.locator(f"#operations-tag-{last}").wait_for(timeout=5_000)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert all(url.startswith(live_server) or url.startswith("data:") for url in requests), requests
    page.close()
