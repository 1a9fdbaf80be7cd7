"""A member (and an administrator) of ministry A gets 403/404 on every route that names one of ministry
B's objects. Routes are enumerated from the OpenAPI document, so new routes are covered automatically:
a route whose path parameter has no B object to point at fails the test until one is added below."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from sovcloud.catalog import pricing
from sovcloud.catalog import service as catalog
from sovcloud.catalog.seed import seed_catalog
from sovcloud.identity import federation
from sovcloud.identity import sessions as sessions_service
from sovcloud.identity.models import SecurityKey
from sovcloud.identity.tokens import create_token
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders import service as orders
from sovcloud.orders.models import ApprovalRule
from sovcloud.orders.policies import seed_rules
from sovcloud.tenancy.models import Membership, Organisation, Project
from tests.applications.objects import application_objects
from tests.factories import SYSTEM, actor_for, login
from tests.supervision.factories import supervision_objects


def catalog_objects(db, org) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An offering, plan, group and published price list reserved to ``org``."""
    seed_catalog(db, SYSTEM)
    group = catalog.create_group(db, actor=SYSTEM, name=f"Groupe {org.code}")
    catalog.set_group_members(db, actor=SYSTEM, group_id=group.id, organisation_ids=[org.id])
    offering = catalog.create_offering(db, actor=SYSTEM, code=f"vm-{org.code.lower()}", name="VM", kind="vm",
                                       restricted_to=[group.id])
    plan = catalog.add_plan(db, actor=SYSTEM, offering_id=offering.id, code="r.small", name="R", vcpus=1,
                            ram_mb=512, disk_gb=10)
    default = pricing.list_price_lists(db, actor=SYSTEM, default_only=True)[0]
    price_list = pricing.create_price_list(db, actor=SYSTEM, name=f"Tarifs {org.code}", group_id=group.id,
                                           copy_from=default.id)
    pricing.set_prices(db, actor=SYSTEM, price_list_id=price_list.id, prices=[pricing.PriceInput(plan.id)])
    pricing.publish_price_list(db, actor=SYSTEM, price_list_id=price_list.id)
    project = db.scalar(select(Project).where(Project.organisation_id.in_(
        select(Organisation.id).where(Organisation.path.startswith(org.path)))))
    seed_rules(db, actor=SYSTEM)
    order = orders.create_order(db, actor=SYSTEM, project_id=project.id, items=[orders.ItemIn(
        plan_id=plan.id, name="vm", parameters={"image": "debian-12"})], submit=False)
    resource = Resource(project_id=project.id, kind="server", name="srv", idempotency_key=f"x:{uuid.uuid4()}",
                        state=ResourceState.ACTIVE, status="ACTIVE", provider_id="p1", plan_id=plan.id)
    db.add(resource)
    db.flush()
    rule = db.scalar(select(ApprovalRule.id).limit(1))
    apps = application_objects(db, project, str(offering.id), str(resource.id))
    return {**apps, "offering_id": str(offering.id), "plan_id": str(plan.id), "group_id": str(group.id),
            "price_list_id": str(price_list.id), "order_id": str(order.id), "resource_id": str(resource.id),
            "rule_id": str(rule)}


@pytest.fixture
def b_objects(world, sessions, settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One object of ministry B for each kind of path parameter."""
    with sessions() as db, db.begin():
        member_b = world.people["member_b"]
        token = create_token(db, actor=actor_for(db, member_b), settings=settings, name="b",
                             expires_in_days=5, project_id=world.projects["b"].id)
        membership = db.scalar(select(Membership.id).where(Membership.user_id == member_b.id))
        login = sessions_service.login(db, settings=settings, username=member_b.username, password=member_b.password)
        mapping = federation.add_mapping(db, actor=SYSTEM, kind="domain", value="minb.gouv.fr",
                                         organisation_id=world.orgs["B"].id)
        key = SecurityKey(user_id=member_b.id, credential_id="cred-b", public_key="pk", name="clé B")
        db.add(key)
        db.flush()
        return {
            "mapping_id": str(mapping.id),
            "key_id": str(key.id),
            "session_id": str(login.session.id),
            "organisation_id": str(world.orgs["B"].id),
            "project_id": str(world.projects["b"].id),
            "user_id": str(member_b.id),
            "membership_id": str(membership),
            "token_id": str(token.token.id),
            **catalog_objects(db, world.orgs["B"]),
            "site": "site-inconnu",  # sites are the platform's, not a ministry's: no such site, or not operator
            **supervision_objects(db, world.orgs["B"]),
        }


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return _resolve(schema, spec)
    return schema


def sample(schema: dict[str, Any], spec: dict[str, Any], ids: dict[str, str], name: str = "") -> Any:
    """A minimal valid value for ``schema``, pointing every id field at ministry B's objects."""
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: sample(props[key], spec, ids, key) for key in props}
    if kind == "array":
        return [sample(schema.get("items", {}), spec, ids, name)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00+00:00"
    if schema.get("format") == "date":
        return "2030-01-01"
    if schema.get("format") == "uuid":
        return ids.get(name, str(uuid.uuid4()))
    if name == "email":
        return "x@example.gouv.fr"
    if "pattern" in schema and "@" in schema["pattern"]:
        return "x@example.gouv.fr"
    return "X" * max(schema.get("minLength", 1), 2)


def routes_with_ids(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, methods in spec["paths"].items():
        if not re.search(r"\{\w+\}", path):
            continue
        for method, op in methods.items():
            found.append((method.upper(), path, op))
    return found


@pytest.mark.parametrize("who", ["member_a", "admin_a"])
def test_every_route_refuses_other_ministry_objects(client, world, b_objects, who):
    spec = client.get("/api/v1/openapi.json").json()
    login(client, world.people[who])
    checked = 0
    for method, path, op in routes_with_ids(spec):
        params = re.findall(r"\{(\w+)\}", path)
        missing = [p for p in params if p not in b_objects]
        assert not missing, f"{method} {path}: add a ministry-B object for {missing} to b_objects"
        url = path.format(**b_objects)
        body = None
        if "requestBody" in op:
            content = op["requestBody"]["content"]
            body = sample(content[next(iter(content))]["schema"], spec, b_objects)
        r = client.request(method, url, json=body)
        assert r.status_code in (403, 404), f"{who}: {method} {url} answered {r.status_code}: {r.text[:300]}"
        assert r.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked >= 15


def test_lists_never_show_other_ministry(client, world):
    login(client, world.people["admin_a"])
    orgs = {o["code"] for o in client.get("/api/v1/organisations").json()["items"]}
    assert orgs == {"MINA", "MINA-DIR"}
    projects = {p["name"] for p in client.get("/api/v1/projects").json()["items"]}
    assert projects == {"Projet A"}
    r = client.get("/api/v1/projects", params={"organisation_id": str(world.orgs["B"].id)})
    assert r.json()["items"] == []
    events = client.get("/api/v1/audit/events", params={"limit": 500}).json()["items"]
    assert events and all(e["organisation_id"] != str(world.orgs["B"].id) for e in events)


def test_audit_export_of_other_ministry_is_refused(client, world):
    login(client, world.people["admin_a"])
    r = client.get("/api/v1/audit/export", params={"organisation_id": str(world.orgs["B"].id)})
    assert r.status_code == 404


def _a_site(sessions) -> str:  # type: ignore[no-untyped-def]
    from sovcloud.resilience.seed import seed_demo_sites
    from tests.factories import SYSTEM

    with sessions() as db, db.begin():
        return seed_demo_sites(db, actor=SYSTEM)[0].name


def test_same_routes_answer_for_own_ministry(client, world, sessions, settings):
    """Control: the GET routes above do answer 200 for the caller's own objects, so the 403/404s are
    refusals and not broken URLs."""
    with sessions() as db, db.begin():
        member_a = world.people["member_a"]
        membership = db.scalar(select(Membership.id).where(Membership.user_id == member_a.id))
        own_catalog = catalog_objects(db, world.orgs["A"])
    own = {**own_catalog, "organisation_id": str(world.orgs["A"].id), "project_id": str(world.projects["a"].id),
           "user_id": str(world.people["member_a"].id), "membership_id": str(membership),
           "token_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "site": _a_site(sessions)}
    spec = client.get("/api/v1/openapi.json").json()
    login(client, world.people["admin_a"])
    ok = 0
    for method, path, _op in routes_with_ids(spec):
        if method != "GET" or "{token_id}" in path or "{session_id}" in path:
            continue
        r = client.get(path.format(**own))
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:200]}"
        ok += 1
    assert ok >= 8
