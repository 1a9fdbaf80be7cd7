"""Organisation tree, hierarchical quotas, separation of duties, rights reports."""

from __future__ import annotations

from tests.factories import login

QUOTA = {"vcpus": 10, "ram_mb": 20480, "storage_gb": 500, "instances": 5, "public_ips": 1}


def test_org_admin_builds_inside_own_ministry_only(client, world):
    login(client, world.people["admin_a"])
    r = client.post("/api/v1/organisations", json={"name": "Service X", "code": "MINA-SX", "kind": "service",
                                                   "parent_id": str(world.orgs["A1"].id)})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/organisations", json={"name": "Top", "code": "TOP"})
    assert r.status_code == 403
    r = client.post("/api/v1/projects", json={"organisation_id": str(world.orgs["A1"].id), "name": "Nouveau"})
    assert r.status_code == 201
    dup = client.post("/api/v1/projects", json={"organisation_id": str(world.orgs["A1"].id), "name": "Nouveau"})
    assert dup.status_code == 409


def test_bad_input_is_a_clear_problem(client, world):
    login(client, world.people["operator"])
    r = client.post("/api/v1/organisations", json={"name": "X", "code": "bad code!"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "Code" in r.json()["detail"]
    r = client.post("/api/v1/organisations", json={"code": "OK"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = client.get("/api/v1/projects", params={"cursor": "%%%"})
    assert r.status_code == 422


def test_project_quota_within_what_organisation_has_left(client, world):
    login(client, world.people["admin_a"])
    a1 = world.orgs["A1"]  # 200 vCPU, Projet A already holds 50
    p = client.post("/api/v1/projects", json={"organisation_id": str(a1.id), "name": "Gros"}).json()
    r = client.put(f"/api/v1/projects/{p['id']}/quota", json={**QUOTA, "vcpus": 151})
    assert r.status_code == 409 and r.json()["code"] == "quota-exceeded"
    assert "vCPU" in r.json()["detail"]
    r = client.put(f"/api/v1/projects/{p['id']}/quota", json={**QUOTA, "vcpus": 150})
    assert r.status_code == 200, r.text
    status = client.get(f"/api/v1/organisations/{a1.id}/quota").json()
    assert status["allocated"]["vcpus"] == 200 == status["limits"]["vcpus"]


def test_organisation_quota_cannot_drop_below_what_it_gave(client, world):
    login(client, world.people["admin_a"])
    r = client.put(f"/api/v1/organisations/{world.orgs['A1'].id}/quota", json={**QUOTA, "vcpus": 49})
    assert r.status_code == 409


def test_org_admin_cannot_raise_own_ministry_quota(client, world):
    login(client, world.people["admin_a"])
    r = client.put(f"/api/v1/organisations/{world.orgs['A'].id}/quota", json=QUOTA)
    assert r.status_code == 403


def test_separation_of_duties_refused_with_409(client, world):
    login(client, world.people["operator"])
    r = client.post("/api/v1/platform/members", json={"user_id": str(world.people["security"].id),
                                                      "role": "platform_operator"})
    assert r.status_code == 409 and r.json()["conflicts_with"] == "security_officer"
    assert r.json()["code"] == "separation-of-duties"
    r = client.post(f"/api/v1/organisations/{world.orgs['B'].id}/members",
                    json={"user_id": str(world.people["security"].id), "role": "organisation_admin"})
    assert r.status_code == 409


def test_refusal_is_journaled(client_factory, world):
    operator = login(client_factory(), world.people["operator"])
    operator.post("/api/v1/platform/members", json={"user_id": str(world.people["security"].id),
                                                    "role": "platform_operator"})
    officer = login(client_factory(), world.people["security"])
    events = officer.get("/api/v1/audit/events", params={"action": "membership.refused"}).json()["items"]
    assert len(events) == 1 and events[0]["outcome"] == "denied"
    assert events[0]["details"]["conflicts_with"] == "security_officer"


def test_nobody_grants_themselves_a_role(client, world):
    login(client, world.people["admin_a"])
    r = client.post(f"/api/v1/projects/{world.projects['a'].id}/members",
                    json={"user_id": str(world.people["admin_a"].id), "role": "project_admin"})
    assert r.status_code == 409


def test_role_level_is_checked(client, world):
    login(client, world.people["operator"])
    r = client.post(f"/api/v1/projects/{world.projects['a'].id}/members",
                    json={"user_id": str(world.people["member_b"].id), "role": "platform_operator"})
    assert r.status_code == 422


def test_who_can_access_a_project(client, world):
    login(client, world.people["admin_a"])
    entries = client.get(f"/api/v1/projects/{world.projects['a'].id}/access").json()
    by_user = {(e["username"], e["via"]) for e in entries}
    assert ("agent.a", "project:Projet A") in by_user
    assert ("admin.a", "organisation:MINA") in by_user
    assert ("ops", "platform") in by_user
    assert not any(e["username"] in ("agent.b", "admin.b") for e in entries)


def test_rights_of_a_user(client_factory, world):
    officer = login(client_factory(), world.people["security"])
    body = officer.get(f"/api/v1/users/{world.people['admin_a'].id}/rights").json()
    assert body["roles"][0]["role"] == "organisation_admin"
    assert "member.manage" in body["roles"][0]["permissions"]
    admin_b = login(client_factory(), world.people["admin_b"])
    assert admin_b.get(f"/api/v1/users/{world.people['admin_a'].id}/rights").status_code == 404


def test_revoking_a_role_takes_effect_on_next_request(client_factory, world):
    member = login(client_factory(), world.people["member_a"])
    assert member.get(f"/api/v1/projects/{world.projects['a'].id}").status_code == 200
    admin = login(client_factory(), world.people["admin_a"])
    members = admin.get(f"/api/v1/projects/{world.projects['a'].id}/members").json()
    membership = next(m for m in members if m["username"] == "agent.a")
    assert admin.delete(f"/api/v1/memberships/{membership['id']}").status_code == 204
    assert member.get(f"/api/v1/projects/{world.projects['a'].id}").status_code == 404


def test_keyset_pagination_walks_everything_once(client, world):
    login(client, world.people["operator"])
    for i in range(7):
        client.post("/api/v1/projects", json={"organisation_id": str(world.orgs["B"].id), "name": f"P{i:02d}"})
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/projects", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9 and seen == sorted(seen)


def test_nul_characters_are_a_clear_problem_and_lose_nothing(client, world):
    login(client, world.people["operator"])
    before = client.get("/api/v1/organisations").json()["items"]
    r = client.post("/api/v1/organisations", json={"name": "Nul\x00", "code": "NUL1"})
    assert r.status_code in (201, 422)  # SQLite stores NUL, PostgreSQL refuses it
    if r.status_code == 422:
        assert r.headers["content-type"] == "application/problem+json"
        assert client.get("/api/v1/organisations").json()["items"] == before
