"""Portal test helpers: read the CSRF token off a page and log in through the forms."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

from tests.factories import Person

_TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]{64})">')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """Load ``path`` and return the CSRF token its forms carry."""
    page = client.get(path)
    match = _TOKEN.search(page.text)
    assert match, f"no CSRF token on {path}: {page.status_code}"
    return match.group(1)


def portal_login(client: TestClient, person: Person) -> TestClient:
    """Log in through the portal's forms (TOTP step included)."""
    r = client.post("/login", data={"username": person.username, "password": person.password,
                                    "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    if r.headers["location"] == "/login/totp":
        token = csrf_of(client, "/login/totp")
        r = client.post("/login/totp", data={"code": pyotp.TOTP(person.seed).now(), "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
    assert r.headers["location"] == "/", r.headers["location"]
    return client


def order_form(plan_id: object, project_id: object, *, name: str = "web", count: int = 1,
               **extra: str) -> dict[str, str]:
    """The fields of the portal's order form for a vm."""
    return {"project_id": str(project_id), "plan_id": str(plan_id), "name": name, "count": str(count),
            "image": "debian-12", "classification": "standard", **extra}


def place(client: TestClient, plan_id: object, project_id: object, **kw: object) -> str:
    """Place an order through the form; returns the order page's path."""
    data = order_form(plan_id, project_id, **kw)  # type: ignore[arg-type]
    r = client.post("/orders", data={**data, "csrf_token": csrf_of(client, "/orders/new")}, follow_redirects=False)
    assert r.status_code == 303, r.text[-3000:]
    return r.headers["location"].split("?")[0]
