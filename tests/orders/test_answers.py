"""A 2xx answer is sent only once its transaction has committed (issue 9, "Correctness of every answer").

The API's session dependency commits when the route function returns, before the response is built: a
commit that fails is answered as an error, and what a 2xx announced can be read back at once, even by
many clients at the same time on a real HTTP server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from sovcloud.orders.models import Order
from tests.factories import login
from tests.live import serving


def _draft(world: Any, catalog: Any, title: str) -> dict[str, Any]:
    return {"project_id": str(world.projects["a"].id), "title": title, "submit": False,
            "items": [{"plan_id": str(catalog["vm/s1.small"]), "name": "web", "parameters": {"image": "debian-12"}}]}


def test_a_commit_that_fails_is_answered_as_an_error_not_2xx(app, world, catalog, sessions):  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, world.people["member_a"])

        def refuse(_session: Any) -> None:
            raise RuntimeError("the database refused the commit")

        event.listen(app.state.sessions, "before_commit", refuse)
        try:
            r = client.post("/api/v1/orders", json=_draft(world, catalog, "jamais stockée"))
        finally:
            event.remove(app.state.sessions, "before_commit", refuse)
        assert r.status_code == 500, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "internal-error" and "request_id" in r.json()
        with sessions() as db:
            assert db.scalar(select(func.count()).select_from(Order).where(Order.title == "jamais stockée")) == 0


def test_read_your_writes_under_concurrency(app, world, catalog):  # type: ignore[no-untyped-def]
    """Login then ``GET /me`` at once, and a draft created then read at once, by eight clients together."""
    person = world.people["member_a"]

    def journey(base: str, n: int) -> list[str]:
        failures: list[str] = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in range(4):
                r = http.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
                assert r.status_code == 200, r.text
                me = http.get("/api/v1/me")
                if me.status_code != 200:
                    failures.append(f"GET /me after login: {me.status_code}")
                created = http.post("/api/v1/orders", json=_draft(world, catalog, f"brouillon {n}-{i}"))
                if created.status_code != 201:
                    failures.append(f"POST /orders: {created.status_code} {created.text[:200]}")
                    continue
                read = http.get(f"/api/v1/orders/{created.json()['id']}")
                if read.status_code != 200:
                    failures.append(f"GET the order just created: {read.status_code}")
        return failures

    with serving(app) as base, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: journey(base, n), range(8)))
    assert [f for r in results for f in r] == []


def test_fifty_clients_with_forty_percent_writes_get_no_error(app, world, catalog):  # type: ignore[no-untyped-def]
    """Fifty clients log in and then read and write together (two writes in five): no request fails with
    "database is locked" (503) or any other error, and every draft announced can be read back at once."""
    person = world.people["member_a"]

    def client_session(base: str, n: int) -> list[str]:
        failures: list[str] = []
        with httpx.Client(base_url=base, timeout=60) as http:
            r = http.post("/api/v1/auth/login", json={"username": person.username, "password": person.password})
            if r.status_code != 200:
                return [f"login: {r.status_code}"]
            for i in range(5):
                if i in (1, 3):
                    r = http.post("/api/v1/orders", json=_draft(world, catalog, f"charge {n}-{i}"))
                    if r.status_code == 201 and http.get(f"/api/v1/orders/{r.json()['id']}").status_code != 200:
                        failures.append("draft not readable")
                else:
                    r = http.get("/api/v1/orders" if i else "/api/v1/me")
                if r.status_code >= 400:
                    failures.append(f"{r.request.method} {r.request.url.path}: {r.status_code}")
        return failures

    with serving(app) as base, ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda n: client_session(base, n), range(50)))
    assert [f for r in results for f in r] == []
