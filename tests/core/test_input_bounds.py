"""No input reaches a 500, and every input is bounded (issue 9, "Correctness of every answer").

Each test covers a class of input over the whole API, found from the OpenAPI document, so a route added
later is covered without a line here: unbounded fields, naive datetimes, forged cursors, unstorable strings,
oversized bodies, and text longer than its column."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.factories import login

NAIVE = "2030-01-01T10:00:00"
ENGLISH = re.compile(r"Input should|String should|Field required|value is not|Value error|should have")


def _walk(schema: dict[str, Any], comps: dict[str, Any], where: str, seen: frozenset[str],
          out: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Collect (where, what, schema) for each leaf of an input schema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            _walk(comps[name], comps, where, seen | {name}, out)
        return
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    numbers = [b for b in branches if b.get("type") == "number"]
    for sub in branches:
        if sub.get("type") == "string" and numbers and all("maximum" in n for n in numbers):
            continue  # a Decimal: its string form is bounded by the same max_digits as its number form
        _walk(sub, comps, where, seen, out)
    kind = schema.get("type")
    if kind == "string":
        bounded = ("maxLength" in schema or "enum" in schema or "const" in schema
                   or schema.get("format") in ("uuid", "date-time", "date"))
        out.append((where, "string" if bounded else "unbounded string", schema))
    elif kind == "integer":
        out.append((where, "integer" if {"minimum", "maximum"} <= set(schema) else "unbounded integer", schema))
    elif kind == "number":
        out.append((where, "number" if "maximum" in schema else "unbounded number", schema))
    elif kind == "array":
        if "maxItems" not in schema:
            out.append((where, "unbounded array", schema))
        _walk(schema.get("items", {}), comps, where + ".0", seen, out)
    elif kind == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            _walk(sub, comps, f"{where}.{name}" if where else name, seen, out)
        if schema.get("additionalProperties") not in (None, False) and "maxProperties" not in schema:
            out.append((where, "unbounded object", schema))


def _inputs(app: Any) -> list[tuple[str, str, str, str, str, dict[str, Any]]]:
    """(method, path, "query"|"body", field, what, schema) of every input of every operation."""
    doc = app.openapi()
    comps = doc["components"]["schemas"]
    found = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param["in"] == "query":
                    leaves: list[tuple[str, str, dict[str, Any]]] = []
                    _walk(param["schema"], comps, param["name"], frozenset(), leaves)
                    found += [(method, path, "query", w, what, s) for w, what, s in leaves]
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content:
                leaves = []
                _walk(content["schema"], comps, "", frozenset(), leaves)
                found += [(method, path, "body", w, what, s) for w, what, s in leaves]
    return found


def test_every_input_of_the_api_is_bounded(app):  # type: ignore[no-untyped-def]
    unbounded = sorted({f"{m.upper()} {p} {where}.{field}: {what}"
                        for m, p, where, field, what, _ in _inputs(app) if what.startswith("unbounded")})
    assert unbounded == []


def _nest(field: str, value: Any) -> Any:
    """``{"a": {"0": ...}}`` for "a.0" — a list index becomes a one-item list."""
    head, _, rest = field.partition(".")
    inner = _nest(rest, value) if rest else value
    return [inner] if head.isdigit() else {head: inner}


def _fill(path: str, world: Any) -> str:
    return path.replace("{", "").replace("}", "").replace(
        "organisation_id", str(world.orgs["A"].id)).replace("project_id", str(world.projects["a"].id))


def test_a_naive_datetime_is_refused_wherever_a_datetime_is_accepted(app, client, world):  # type: ignore[no-untyped-def]
    """Sent alone, a naive time must be among the faults named in the 422, not accepted and stored."""
    login(client, world.people["operator"])
    cases = [(m, p, where, f) for m, p, where, f, _, s in _inputs(app) if s.get("format") == "date-time"]
    assert cases, "the API accepts datetimes somewhere"
    for method, path, where, field in cases:
        url = _fill(path, world).replace("price_list_id", "00000000-0000-0000-0000-000000000000")
        if where == "query":
            r = client.request(method, url, params={field: NAIVE})
        else:
            r = client.request(method, url, json=_nest(field, NAIVE))
        assert r.status_code == 422, (method, path, field, r.status_code, r.text)
        assert not ENGLISH.search(r.text), r.text  # the API's faults speak French too
        named = {e["field"] for e in r.json().get("errors", [])}
        assert any(n == field or n.endswith("." + field) or n.split(".")[-1] == field.split(".")[-1]
                   for n in named), (method, path, field, r.json())


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


FORGED = ["%%%", "x" * 600, _cursor("not a list"), _cursor([]), _cursor(["a", "b", "c"]), _cursor([1, 2]),
          _cursor(["z", "not-a-uuid"]), _cursor(["x" * 400]), _cursor([{"a": 1}, None]),
          base64.urlsafe_b64encode(b"\xff\xfe").decode()]


def test_forged_cursors_are_a_422_on_every_list(app, client, world):  # type: ignore[no-untyped-def]
    login(client, world.people["operator"])
    lists = sorted({p for m, p, where, f, _, _ in _inputs(app) if where == "query" and f == "cursor"})
    assert len(lists) >= 5
    for path in lists:
        for cursor in FORGED:
            r = client.get(_fill(path, world), params={"cursor": cursor})
            assert r.status_code == 422, (path, cursor, r.status_code, r.text)
            assert r.json()["code"] == "validation-failed", (path, r.json())


def test_cursors_of_times_refuse_naive_and_impossible_dates(client, world):  # type: ignore[no-untyped-def]
    login(client, world.people["operator"])
    ident = "00000000-0000-0000-0000-000000000000"
    for when in (NAIVE, "2030-02-30T00:00:00+00:00", "hier"):
        for path, params in (("/api/v1/orders", {}), ("/api/v1/resources", {"sort": "created_at"})):
            r = client.get(path, params={**params, "cursor": _cursor([when, ident])})
            assert r.status_code == 422 and r.json()["field"] == "cursor", (path, when, r.text)
        r = client.get("/orders", params={"cursor": _cursor([when, ident])})
        assert r.status_code < 500, (when, r.status_code)


@pytest.mark.parametrize("text", ["\ud800", "abc\udfffdef", "nul\u0000here"])
def test_unstorable_strings_are_a_422_naming_the_field(client, world, text):  # type: ignore[no-untyped-def]
    login(client, world.people["operator"])
    body = json.dumps({"name": "Direction", "code": "MINX", "kind": "ministry",
                       "parents": [{"deep": text}]}).encode()
    r = client.post("/api/v1/organisations", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "parents.0.deep", r.text
    r = client.post("/api/v1/organisations", content=json.dumps({"name": text, "code": "MINX"}).encode(),
                    headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name", r.text
    if "\u0000" in text:
        r = client.get("/api/v1/projects", params={"search": text})
        assert r.status_code == 422 and r.json()["field"] == "search", r.text
        page = client.post("/login", data={"username": text, "password": "x"})
        assert page.status_code == 422 and "caractère" in page.text


def test_a_body_past_the_limit_is_a_413_and_nothing_is_stored(client, world, settings):  # type: ignore[no-untyped-def]
    login(client, world.people["member_a"])
    huge = {"project_id": str(world.projects["a"].id), "submit": False,
            "items": [{"plan_id": "00000000-0000-0000-0000-000000000000", "name": "web",
                       "parameters": {"blob": "x" * settings.max_body_bytes}}]}
    r = client.post("/api/v1/orders", json=huge)
    assert r.status_code == 413 and r.json()["code"] == "payload-too-large", r.text

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    r = client.post("/api/v1/orders", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.get("/api/v1/orders").json()["items"] == []


def test_order_parameters_are_bounded_and_checked_at_draft_time(client, world, sessions):  # type: ignore[no-untyped-def]
    from sovcloud.catalog.seed import seed_catalog
    from tests.factories import SYSTEM

    with sessions() as db, db.begin():
        seed_catalog(db, actor=SYSTEM)
    login(client, world.people["member_a"])
    plan = next(p for o in client.get("/api/v1/catalog/offerings").json() if o["kind"] == "vm" for p in o["plans"])
    draft = {"project_id": str(world.projects["a"].id), "submit": False,
             "items": [{"plan_id": plan["id"], "name": "web", "parameters": {"image": "debian-12"}}]}
    assert client.post("/api/v1/orders", json=draft).status_code == 201
    big = {**draft, "items": [{**draft["items"][0], "parameters": {"image": "debian-12", "note": "x" * 9000}}]}
    r = client.post("/api/v1/orders", json=big)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.parameters", r.text
    unknown = {**draft, "items": [{**draft["items"][0], "parameters": {"image": "debian-12", "colour": "red"}}]}
    r = client.post("/api/v1/orders", json=unknown)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("items.0.parameters"), r.text
    ghost = {**draft, "items": [{**draft["items"][0], "plan_id": "00000000-0000-0000-0000-000000000000"}]}
    assert client.post("/api/v1/orders", json=ghost).status_code == 404
    r = client.post("/api/v1/orders", json={**draft, "title": "t" * 5000})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title", r.text


def test_text_longer_than_its_column_is_refused_by_every_door(db, world):  # type: ignore[no-untyped-def]
    """The column's own length is the rule, on SQLite as on PostgreSQL, whatever code path wrote it."""
    from sovcloud.errors import ValidationFailed
    from sovcloud.tenancy.models import Project

    project = db.get(Project, world.projects["a"].id)
    project.name = "p" * 5000
    with pytest.raises(ValidationFailed) as caught:
        db.flush()
    assert caught.value.errors[0]["field"] == "name"
    db.rollback()
