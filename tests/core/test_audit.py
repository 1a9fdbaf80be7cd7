"""The hash-chained journal: every kind of tampering is detected; exports stay within the organisation."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from sovcloud.access.actor import Actor
from sovcloud.audit import service
from sovcloud.audit.models import AuditEvent, AuditHead
from tests.factories import login

AUDITOR = Actor.system("auditor")


def _verify(sessions):
    with sessions() as db:
        return service.verify(db, actor=AUDITOR)


def _raw(engine, sql, **params):
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_intact_chain_verifies(world, sessions):
    result = _verify(sessions)
    assert result.ok, result.problems
    assert result.entries == result.head_seq > 20


def test_edited_entry_is_detected(world, sessions, engine):
    _raw(engine, "UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 5")
    result = _verify(sessions)
    assert not result.ok
    assert any("n°5" in p and "modifié" in p for p in result.problems)


def test_edited_details_are_detected(world, sessions, engine):
    with sessions() as db:
        details = db.get(AuditEvent, 7).details
    details["forged"] = True
    _raw(engine, "UPDATE audit_events SET details = :d WHERE seq = 7", d=json.dumps(details))
    assert not _verify(sessions).ok


def test_deleted_entry_is_detected(world, sessions, engine):
    _raw(engine, "DELETE FROM audit_events WHERE seq = 10")
    result = _verify(sessions)
    assert not result.ok
    assert any("manquante" in p for p in result.problems)


def test_truncated_newest_entries_are_detected(world, sessions, engine):
    with sessions() as db:
        last = db.scalar(sa.select(sa.func.max(AuditEvent.seq)))
    _raw(engine, "DELETE FROM audit_events WHERE seq > :s", s=last - 3)
    result = _verify(sessions)
    assert not result.ok
    assert any("tronqué" in p for p in result.problems)


def test_rewritten_chain_with_forged_head_is_detected(world, sessions, engine):
    """Recomputing every hash after an edit is possible without a key, but the sealed head is not."""
    with sessions() as db, db.begin():
        events = db.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
        events[2].actor_name = "forger"
        prev = events[1].hash
        for event in events[2:]:
            event.prev_hash = prev
            event.hash = service.chain_hash(event)
            prev = event.hash
        head = db.get(AuditHead, 1)
        head.hash = prev  # the attacker cannot compute the MAC
    result = _verify(sessions)
    assert not result.ok
    assert any("sceau" in p for p in result.problems)


def test_journal_entry_commits_with_the_change_or_not_at_all(world, sessions):
    from sovcloud.errors import Conflict
    from sovcloud.tenancy import service as tenancy

    with sessions() as db:
        before = service.count(db)
    with pytest.raises(Conflict), sessions() as db, db.begin():
        tenancy.create_project(db, actor=AUDITOR, organisation_id=world.orgs["B"].id, name="Tmp")
        raise Conflict("rollback")
    with sessions() as db:
        assert service.count(db) == before
        assert db.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "project.created", AuditEvent.details["name"].as_string()
                                == "Tmp")) == 0


def test_event_fields(client, world, sessions):
    login(client, world.people["member_a"])
    with sessions() as db:
        event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.login")
                           .order_by(AuditEvent.seq.desc())).first()
    assert event.actor_name == "agent.a" and event.outcome == "success"
    assert event.source_ip == "testclient" and event.request_id and event.occurred_at.tzinfo is not None


def test_export_contains_only_own_organisation(client, world):
    login(client, world.people["admin_a"])
    r = client.get("/api/v1/audit/export", params={"organisation_id": str(world.orgs["A"].id)})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    allowed = {str(world.orgs["A"].id), str(world.orgs["A1"].id)}
    assert lines and {e["organisation_id"] for e in lines} <= allowed
    assert any(e["action"] == "project.created" for e in lines)


def test_verify_endpoint_for_security_officer_only(client_factory, world, engine):
    officer = login(client_factory(), world.people["security"])
    assert officer.get("/api/v1/audit/verify").json()["ok"] is True
    _raw(engine, "DELETE FROM audit_events WHERE seq = 3")
    body = officer.get("/api/v1/audit/verify").json()
    assert body["ok"] is False and body["problems"]
    member = login(client_factory(), world.people["member_a"])
    assert member.get("/api/v1/audit/verify").status_code == 403


# --- external anchors: what a database administrator can do with the data alone ---------------------------

@pytest.fixture
def anchored(settings, sessions):  # type: ignore[no-untyped-def]
    """This process anchors every commit to the test's own anchor file."""
    secret = settings.secret_key.get_secret_value()
    service.configure(secret, anchor_path=settings.audit_anchor_path, anchor_interval_s=0)
    yield settings.audit_anchor_path
    service.configure(secret)


def _head(sessions):  # type: ignore[no-untyped-def]
    with sessions() as db:
        head = db.get(AuditHead, 1)
        return head.seq, head.hash, head.mac


def test_journal_emptied_with_its_head_is_detected(anchored, world, sessions, engine):
    assert _verify(sessions).ok and _verify(sessions).anchored_seq == _head(sessions)[0]
    _raw(engine, "DELETE FROM audit_events")
    _raw(engine, "DELETE FROM audit_head")
    with sessions() as db:  # the database alone holds a consistent (empty) journal...
        assert service.verify(db, actor=AUDITOR, anchor_files=[]).ok
    result = _verify(sessions)  # ...the anchor remembers it went further
    assert not result.ok and any("vidé" in p for p in result.problems), result.problems


def test_old_head_restored_after_newer_entries_deleted_is_detected(anchored, world, sessions, engine):
    from sovcloud.tenancy import service as tenancy

    old_seq, old_hash, old_mac = _head(sessions)
    with sessions() as db, db.begin():
        tenancy.create_project(db, actor=AUDITOR, organisation_id=world.orgs["B"].id, name="Later")
    assert _head(sessions)[0] > old_seq and _verify(sessions).ok
    _raw(engine, "DELETE FROM audit_events WHERE seq > :s", s=old_seq)
    _raw(engine, "UPDATE audit_head SET seq = :s, hash = :h, mac = :m WHERE id = 1", s=old_seq, h=old_hash,
         m=old_mac)
    with sessions() as db:  # an old sealed head is a state the key once signed: the database alone agrees
        assert service.verify(db, actor=AUDITOR, anchor_files=[]).ok
    result = _verify(sessions)
    assert not result.ok and any(f"s'arrête à n°{old_seq}" in p for p in result.problems), result.problems


def test_chain_rebuilt_after_emptying_differs_from_its_anchors(anchored, world, sessions, engine):
    from sovcloud.tenancy import service as tenancy

    anchored_seq = _head(sessions)[0]
    _raw(engine, "DELETE FROM audit_events")
    _raw(engine, "DELETE FROM audit_head")
    with sessions() as db, db.begin():  # a new, valid chain from n°1, longer than the anchored one
        for i in range(anchored_seq):
            tenancy.create_project(db, actor=AUDITOR, organisation_id=world.orgs["B"].id, name=f"Fresh {i}")
    result = _verify(sessions)
    assert not result.ok and result.head_seq >= anchored_seq
    assert any(f"n°{anchored_seq} : différente de l'entrée ancrée" in p for p in result.problems), result.problems


def test_forged_or_missing_anchors_are_reported(anchored, world, sessions):
    line = json.loads(anchored.read_text().splitlines()[-1])
    forged = {**line, "seq": line["seq"] + 50}  # a later anchor, without the key
    with anchored.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    result = _verify(sessions)
    assert not result.ok and any("sceau invalide" in p for p in result.problems)
    assert result.anchored_seq == line["seq"]  # the forged line vouches for nothing
    anchored.unlink()
    result = _verify(sessions)
    assert not result.ok and any("introuvable" in p for p in result.problems)


def test_anchors_read_from_a_log_extract(anchored, world, sessions, tmp_path):
    """The log stream carries the same signed anchors: an extract of it (other lines mixed in) serves too."""
    extract = tmp_path / "central.log"
    records = [json.dumps({"event": "request", "path": "/"})]
    records += [json.dumps({"event": "audit checkpoint", "audit_anchor": json.loads(a)})
                for a in anchored.read_text().splitlines()]
    extract.write_text("not json at all\n" + "\n".join(records) + "\n")
    with sessions() as db:
        result = service.verify(db, actor=AUDITOR, anchor_files=[], log_extracts=[extract])
    assert result.ok, result.problems
    assert result.anchored_seq == _head(sessions)[0]


def test_every_commit_is_anchored_within_the_interval(settings, sessions, world):
    import time

    from sovcloud.tenancy import service as tenancy

    path = settings.audit_anchor_path
    service.configure(settings.secret_key.get_secret_value(), anchor_path=path, anchor_interval_s=0.3)
    try:
        for name in ("P1", "P2", "P3"):  # three commits inside one interval: one immediate line, one later
            with sessions() as db, db.begin():
                tenancy.create_project(db, actor=AUDITOR, organisation_id=world.orgs["B"].id, name=name)
        assert len(path.read_text().splitlines()) == 1
        time.sleep(0.6)
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        assert len(lines) == 2 and lines[-1]["seq"] == _head(sessions)[0]
    finally:
        service.configure(settings.secret_key.get_secret_value())


def test_audit_export_is_journaled(client, world, sessions):
    login(client, world.people["admin_a"])
    org = str(world.orgs["A"].id)
    r = client.get("/api/v1/audit/export", params={"organisation_id": org}, headers={"X-Request-ID": "export-0001"})
    assert r.status_code == 200
    with sessions() as db:
        event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit.exported")).one()
    assert (event.actor_name, event.target_id, event.organisation_id, event.request_id) == (
        "admin.a", org, world.orgs["A"].id, "export-0001")
