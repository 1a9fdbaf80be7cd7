from tests.factories import login


def test_health_needs_no_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}  # liveness: nothing else (readiness: /readyz)


def test_member_sees_only_own_projects(client, world):
    login(client, world.people["member_a"])
    r = client.get("/api/v1/projects")
    assert r.status_code == 200, r.text
    assert [p["name"] for p in r.json()["items"]] == ["Projet A"]


def test_request_id_is_echoed_kept_in_problems_and_journaled(client, world, sessions):
    from sqlalchemy import select

    from sovcloud.audit.models import AuditEvent

    r = client.get("/api/v1/projects", headers={"X-Request-ID": "trace-0001-abcd"})
    assert r.status_code == 401 and r.headers["x-request-id"] == "trace-0001-abcd"
    assert r.json()["request_id"] == "trace-0001-abcd"
    for bad in ("short", "x" * 65, "tab\there-123"):  # not a sane token: a fresh id instead
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert answered != bad and len(answered) == 32
    login(client, world.people["member_a"])
    r = client.post("/api/v1/auth/logout", headers={"X-Request-ID": "trace-0002-abcd"})
    with sessions() as db:
        ids = set(db.scalars(select(AuditEvent.request_id)))
    assert "trace-0002-abcd" in ids, (r.status_code, ids)
