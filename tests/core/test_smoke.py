from tests.factories import login


def test_health_needs_no_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_member_sees_only_own_projects(client, world):
    login(client, world.people["member_a"])
    r = client.get("/api/v1/projects")
    assert r.status_code == 200, r.text
    assert [p["name"] for p in r.json()["items"]] == ["Projet A"]
