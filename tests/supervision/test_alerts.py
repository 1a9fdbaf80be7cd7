"""Alert rules as data, evaluated against the simulated cloud: a site brought down raises a critical alert in
one round, deduplicated (a unique constraint, not just a check), resolved when the site is back, kept in the
history; acknowledged with a comment, journaled; malformed stored rules fail closed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sovcloud.audit.models import AuditEvent
from sovcloud.clock import now
from sovcloud.errors import PermissionDenied, ValidationFailed
from sovcloud.supervision import alerts_rules
from sovcloud.supervision.models import Alert, AlertRule
from tests.factories import actor_for, login
from tests.supervision.conftest import evaluation_round

_round = evaluation_round


def _rule(sessions, world, **kw):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        args = {"name": "Site indisponible", "kind": "site_down", "params": {}, "severity": "critical", **kw}
        return alerts_rules.create_rule(db, actor=actor_for(db, world.people["operator"]), **args).id


def _open(sessions):  # type: ignore[no-untyped-def]
    with sessions() as db:
        return list(db.scalars(select(Alert).where(Alert.status == "open")))


def test_site_down_raises_one_critical_alert_resolved_when_back(rt, sessions, world):
    _rule(sessions, world, organisation_ids=[world.orgs["A"].id])
    assert _round(rt).raised == []
    rt.provider.faults.site_down("site-a")
    assert _round(rt).raised == ["Site indisponible|site:site-a"]  # within one evaluation period
    assert _round(rt).raised == []  # still down: the same alert, seen again
    [alert] = _open(sessions)
    assert (alert.severity, alert.subject, alert.organisation_ids) == ("critical", "site:site-a",
                                                                      [str(world.orgs["A"].id)])
    with sessions() as db, pytest.raises(IntegrityError), db.begin():  # the database itself refuses a twin
        db.add(Alert(rule_id=alert.rule_id, rule_name="x", kind="site_down", severity="critical",
                     subject=alert.subject, summary="twin", open_key=alert.open_key, raised_at=now(),
                     last_seen_at=now()))
    rt.provider.faults.site_up("site-a")
    assert _round(rt).resolved == ["Site indisponible|site:site-a"]
    assert _open(sessions) == []
    rt.provider.faults.site_down("site-a")
    _round(rt)
    with sessions() as db:
        history = db.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
        actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("alert.%"))
                                  .order_by(AuditEvent.seq)))
    assert dict(history) == {"open": 1, "resolved": 1}  # the history is kept; a new occurrence is a new alert
    assert actions == ["alert.raised", "alert.resolved", "alert.raised"]


def test_rules_are_checked_when_written_and_a_malformed_stored_one_fails_closed(rt, sessions, world):
    with sessions() as db, db.begin():
        operator = actor_for(db, world.people["operator"])
        with pytest.raises(ValidationFailed) as bad:
            alerts_rules.create_rule(db, actor=operator, name="x", kind="site_capacity", params={"percent": 150},
                                     severity="major")
        assert bad.value.errors[0]["field"] == "params.percent"
        with pytest.raises(ValidationFailed) as extra:
            alerts_rules.create_rule(db, actor=operator, name="x", kind="drift", params={"minutes": 3},
                                     severity="major")
        assert extra.value.errors[0]["field"] == "params.minutes"
        with pytest.raises(PermissionDenied):
            alerts_rules.create_rule(db, actor=actor_for(db, world.people["admin_a"]), name="x", kind="drift",
                                     params={}, severity="major")
    rule_id = _rule(sessions, world, name="Capacité", kind="site_capacity", params={"percent": 90},
                    severity="major")
    _rule(sessions, world, name="Quota", kind="org_quota", params={"percent": 50}, severity="minor")
    _rule(sessions, world, name="Battement", kind="worker_heartbeat", params={}, severity="major")
    _rule(sessions, world, name="Étapes", kind="step_stuck", params={"minutes": 5}, severity="minor")
    _rule(sessions, world, name="Échecs", kind="order_failure_rate", params={"percent": 10}, severity="major")
    _rule(sessions, world, name="Dérive", kind="drift", params={}, severity="minor")
    _rule(sessions, world, name="Journal", kind="audit_chain", params={}, severity="critical")
    done = _round(rt)
    assert done.raised == ["Battement|workers"]  # no worker beats here; an empty, consistent cloud otherwise
    assert done.invalid_rules == done.failed_rules == []
    with sessions() as db, db.begin():
        db.get(AlertRule, rule_id).params = {"percent": "beaucoup"}  # written around the service
    done = _round(rt)
    assert done.invalid_rules == ["Capacité"]
    [alert] = [a for a in _open(sessions) if a.rule_name == "Capacité"]
    assert alert.subject == "rule" and "invalide" in alert.summary and alert.severity == "major"


def test_acknowledge_through_the_api_journaled_and_list_order(client, rt, sessions, world, clock):
    _rule(sessions, world)
    rt.provider.faults.site_down("site-a")
    _round(rt)
    clock.advance(hours=25)
    rt.provider.faults.site_down("site-b")
    _round(rt)
    login(client, world.people["operator"])
    listed = client.get("/api/v1/alerts").json()
    assert [a["subject"] for a in listed] == ["site:site-a", "site:site-b"]  # unacknowledged > 24 h first
    assert [a["unacknowledged_over_24h"] for a in listed] == [True, False]
    first = listed[0]["id"]
    assert client.post(f"/api/v1/alerts/{first}/acknowledge", json={"comment": ""}).status_code == 422
    r = client.post(f"/api/v1/alerts/{first}/acknowledge", json={"comment": "Coupure électrique, ticket 42"})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "ops"
    assert client.post(f"/api/v1/alerts/{first}/acknowledge", json={"comment": "encore"}).status_code == 409
    assert [a["subject"] for a in client.get("/api/v1/alerts").json()] == ["site:site-b", "site:site-a"]
    assert [a["subject"] for a in client.get("/api/v1/alerts", params={"acknowledged": "false"}).json()] == [
        "site:site-b"]
    with sessions() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "alert.acknowledged"))
    assert event.actor_name == "ops" and event.details["comment"] == "Coupure électrique, ticket 42"
    r = client.post("/api/v1/alert-rules", json={"name": "Étapes", "kind": "step_stuck", "params": {"minutes": 0},
                                                 "severity": "major"})
    assert r.status_code == 422
    r = client.post("/api/v1/alert-rules", json={"name": "Étapes", "kind": "step_stuck",
                                                 "params": {"percent": 5}, "severity": "major"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("params")
    r = client.post("/api/v1/alert-rules", json={"name": "Étapes", "kind": "step_stuck", "params": {"minutes": 30},
                                                 "severity": "major"})
    assert r.status_code == 201, r.text
    rule = r.json()["id"]
    assert client.patch(f"/api/v1/alert-rules/{rule}", json={"enabled": False}).json()["enabled"] is False
    assert [x["name"] for x in client.get("/api/v1/alert-rules").json()] == ["Site indisponible", "Étapes"]
    assert client.delete(f"/api/v1/alert-rules/{rule}").status_code == 204
    login(client, world.people["admin_a"])
    assert client.get("/api/v1/alerts").status_code == 403
    r = client.post("/api/v1/alert-rules", json={"name": "x", "kind": "drift", "severity": "major"})
    assert r.status_code == 403
    assert client.post(f"/api/v1/alerts/{first}/acknowledge", json={"comment": "x"}).status_code == 403


def test_audit_chain_rule_reads_the_kept_walk_and_checks_the_head_each_round(rt, sessions, world):
    from sqlalchemy import update

    from sovcloud.audit import verifications

    _rule(sessions, world, name="Journal", kind="audit_chain", params={}, severity="critical")
    assert verifications.verify_and_record(sessions).ok
    assert _round(rt).raised == []
    with sessions() as db, db.begin():  # an entry edited in the middle, around the application
        seq = db.scalar(select(func.min(AuditEvent.seq)))
        db.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(actor_name="quelqu'un d'autre"))
    assert _round(rt).raised == []  # the rounds do not walk the chain: the job's next walk finds it
    found = verifications.verify_and_record(sessions)
    assert not found.ok
    assert _round(rt).raised == ["Journal|audit"]
    [alert] = [a for a in _open(sessions) if a.rule_name == "Journal"]
    assert "contenu modifié" in alert.summary and alert.details["entries"] == found.entries
    with sessions() as db:
        kept = verifications.newest(db)
        assert kept is not None and not kept.ok and kept.problems["found"] == list(found.problems[:10])


def test_audit_chain_rule_sees_a_truncated_journal_at_the_next_round(rt, sessions, world):
    from sqlalchemy import delete

    from sovcloud.audit import verifications
    from sovcloud.audit.models import AuditHead

    _rule(sessions, world, name="Journal", kind="audit_chain", params={}, severity="critical")
    assert verifications.verify_and_record(sessions).ok
    with sessions() as db, db.begin():  # the newest entry removed: the sealed head names it no more
        db.execute(delete(AuditEvent).where(AuditEvent.seq == db.get(AuditHead, 1).seq))
    assert _round(rt).raised == ["Journal|audit"]  # no walk since: the head's check, at each round
    [alert] = [a for a in _open(sessions) if a.rule_name == "Journal"]
    assert "tronqué" in alert.summary
