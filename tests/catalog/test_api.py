"""Catalogue API: visibility, operator-only writes, prices as strings, problem+json on bad input."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.audit.models import AuditEvent
from sovcloud.catalog import pricing, service
from sovcloud.catalog.models import PriceList
from tests.catalog.conftest import plan_id
from tests.factories import SYSTEM, login

API = "/api/v1/catalog"
PROBLEM = "application/problem+json"


@pytest.fixture
def restricted(seeded, sessions: sessionmaker[Session]) -> uuid.UUID:
    """An offering reserved to ministry A (and so to its directorate)."""
    with sessions() as db, db.begin():
        group = service.create_group(db, actor=SYSTEM, name="Ministère A")
        service.set_group_members(db, actor=SYSTEM, group_id=group.id, organisation_ids=[seeded.orgs["A"].id])
        offering = service.create_offering(db, actor=SYSTEM, code="vm-dr", name="VM DR", kind="vm",
                                           restricted_to=[group.id])
        return offering.id


def _plan(sessions: sessionmaker[Session], ref: str) -> str:
    with sessions() as db:
        return str(plan_id(db, ref))


def _problem(r, status):  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


def test_member_sees_orderable_offerings_with_prices_as_strings(client, seeded, restricted):
    login(client, seeded.people["member_a"])
    r = client.get(f"{API}/offerings", params={"organisation_id": str(seeded.orgs["A1"].id)})
    assert r.status_code == 200, r.text
    offerings = {o["code"]: o for o in r.json()}
    assert set(offerings) == {"vm", "vm-dr", "volume", "network", "security_group", "public_ip"}
    small = next(p for p in offerings["vm"]["plans"] if p["code"] == "s1.small")
    assert small["price"]["per_hour"] == "0.020000" and small["price"]["group_id"] is None
    assert (small["vcpus"], small["ram_mb"], small["disk_gb"], small["instances"]) == (1, 2048, 20, 1)


def test_restricted_offering_is_invisible_to_another_ministry(client_factory, seeded, restricted):
    b = login(client_factory(), seeded.people["member_b"])
    assert _problem(b.get(f"{API}/offerings/{restricted}"), 404)["code"] == "not-found"
    codes = [o["code"] for o in b.get(f"{API}/offerings", params={"organisation_id": str(seeded.orgs["B"].id)}).json()]
    assert "vm-dr" not in codes and "vm" in codes
    assert "vm-dr" not in [o["code"] for o in b.get(f"{API}/offerings").json()]
    _problem(b.get(f"{API}/offerings", params={"organisation_id": str(seeded.orgs["A"].id)}), 404)
    a = login(client_factory(), seeded.people["member_a"])
    assert a.get(f"{API}/offerings/{restricted}").json()["restricted"] is True


def test_project_member_may_not_manage_the_catalogue(client, seeded, restricted, sessions):
    login(client, seeded.people["member_a"])
    with sessions() as db:
        list_id = db.scalar(select(PriceList.id))
    attempts = [
        client.post(f"{API}/offerings", json={"code": "x1", "name": "X", "kind": "vm"}),
        client.post(f"{API}/offerings/{restricted}/plans", json={"code": "x.s", "name": "X", "vcpus": 1,
                                                                "ram_mb": 512, "disk_gb": 10}),
        client.get(f"{API}/groups"),
        client.post(f"{API}/groups", json={"name": "G"}),
        client.get(f"{API}/price-lists"),
        client.post(f"{API}/price-lists", json={"name": "L"}),
        client.post(f"{API}/price-lists/{list_id}/publish"),
    ]
    for r in attempts:
        assert _problem(r, 403)["code"] == "permission-denied"


def test_operator_publishes_a_group_price_list(client, seeded, sessions):
    login(client, seeded.people["operator"])
    group = client.post(f"{API}/groups", json={"name": "Régaliens"}).json()
    r = client.put(f"{API}/groups/{group['id']}/members", json={"organisation_ids": [str(seeded.orgs["B"].id)]})
    assert r.status_code == 200 and r.json()["organisation_ids"] == [str(seeded.orgs["B"].id)]
    default = client.get(f"{API}/price-lists", params={"default_only": True}).json()[0]
    draft = client.post(f"{API}/price-lists", json={"name": "Régaliens 2027", "group_id": group["id"],
                                                    "copy_from": default["id"]}).json()
    assert draft["status"] == "draft" and draft["version"] == 1
    small = _plan(sessions, "vm/s1.small")
    r = client.put(f"{API}/price-lists/{draft['id']}/prices",
                   json={"prices": [{"plan_id": small, "per_hour": "0.015", "per_gb_month": "0.03"}]})
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/price-lists/{draft['id']}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    again = client.put(f"{API}/price-lists/{draft['id']}/prices",
                       json={"prices": [{"plan_id": small, "per_hour": "1"}]})
    assert _problem(again, 409)["code"] == "conflict"
    est = client.post(f"{API}/estimate", json={"organisation_id": str(seeded.orgs["B"].id), "plan_id": small,
                                              "parameters": {"image": "debian-12"}}).json()
    assert est["price"]["per_hour"] == "0.015000" and est["monthly"] == "10.95"  # 0.015 × 730
    with sessions() as db:
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "ops")))
    assert {"catalog.group.created", "catalog.group.members_set", "catalog.price_list.created",
            "catalog.price_list.prices_set", "catalog.price_list.published"} <= actions


def test_estimate_in_decimal_strings(client, seeded, sessions):
    login(client, seeded.people["member_a"])
    r = client.post(f"{API}/estimate", json={
        "organisation_id": str(seeded.orgs["A1"].id), "plan_id": _plan(sessions, "vm/s1.medium"),
        "parameters": {"image": "debian-12", "data_volume_gb": 50, "user_data": "#cloud-config\n"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["hourly"], body["monthly"], body["currency"]) == ("0.04", "31.20", "EUR")
    assert body["footprint"] == {"vcpus": 2, "ram_mb": 4096, "storage_gb": 90, "instances": 1, "public_ips": 0}


def test_estimate_for_another_ministry_is_not_found(client, seeded, sessions):
    login(client, seeded.people["member_b"])
    r = client.post(f"{API}/estimate", json={"organisation_id": str(seeded.orgs["A1"].id),
                                             "plan_id": _plan(sessions, "public_ip/standard")})
    _problem(r, 404)


def test_bad_input_is_a_422_problem(client, seeded, sessions):
    login(client, seeded.people["operator"])
    org = str(seeded.orgs["A1"].id)
    volume = _plan(sessions, "volume/standard")
    bad_params = _problem(client.post(f"{API}/estimate", json={"organisation_id": org, "plan_id": volume,
                                                               "parameters": {"size_gb": "lots"}}), 422)
    assert bad_params["code"] == "validation-failed" and bad_params["field"] == "parameters.size_gb"
    missing = _problem(client.post(f"{API}/estimate", json={"organisation_id": org}), 422)
    assert any(e["field"] == "plan_id" for e in missing["errors"])
    _problem(client.post(f"{API}/offerings", json={"code": "db", "name": "Base", "kind": "dbaas"}), 422)
    _problem(client.get(f"{API}/offerings", params={"organisation_id": "not-a-uuid"}), 422)
    draft = client.post(f"{API}/price-lists", json={"name": "v2"}).json()
    r = client.put(f"{API}/price-lists/{draft['id']}/prices",
                   json={"prices": [{"plan_id": volume, "per_gb_month": "0.1234567"}]})
    _problem(r, 422)
    r = client.put(f"{API}/price-lists/{draft['id']}/prices", json={"prices": [{"plan_id": volume, "per_hour": "-1"}]})
    _problem(r, 422)
    unpriced = _problem(client.post(f"{API}/price-lists/{draft['id']}/publish"), 422)
    assert "vm/s1.small" in unpriced["plans"]  # an empty draft prices nothing


def test_readers_see_only_the_published_lists_that_apply_to_them(client_factory, seeded, sessions):
    with sessions() as db, db.begin():
        group = service.create_group(db, actor=SYSTEM, name="Ministère A")
        service.set_group_members(db, actor=SYSTEM, group_id=group.id, organisation_ids=[seeded.orgs["A"].id])
        default = db.scalar(select(PriceList).where(PriceList.group_id.is_(None)))
        own = pricing.create_price_list(db, actor=SYSTEM, name="Tarifs A", group_id=group.id, copy_from=default.id)
        pricing.publish_price_list(db, actor=SYSTEM, price_list_id=own.id)
        draft = pricing.create_price_list(db, actor=SYSTEM, name="Brouillon", copy_from=default.id)
        ids = {"default": default.id, "own": own.id, "draft": draft.id}
    a = login(client_factory(), seeded.people["member_a"])
    b = login(client_factory(), seeded.people["member_b"])
    assert a.get(f"{API}/price-lists/{ids['own']}").json()["group_id"] == str(group.id)
    assert b.get(f"{API}/price-lists/{ids['default']}").status_code == 200
    _problem(b.get(f"{API}/price-lists/{ids['own']}"), 404)
    _problem(a.get(f"{API}/price-lists/{ids['draft']}"), 404)
