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
