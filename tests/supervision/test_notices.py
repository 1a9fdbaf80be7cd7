"""Notices reach exactly the organisations, kinds and severities whose channels chose them — through a real
SMTP server and a real HTTP receiver that verifies each webhook's signature — and nobody else; a failing
receiver shows the retries with their backoff; every delivery and attempt is kept and visible to the
organisation; the webhook secret is shown once."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from sovcloud.clock import now
from sovcloud.errors import PermissionDenied, ValidationFailed
from sovcloud.supervision import deliveries, notices
from sovcloud.supervision.models import Delivery, DeliveryAttempt, Notification
from tests.factories import actor_for, login, make_org


def _verify(secret: str, post) -> bool:  # type: ignore[no-untyped-def]
    """What a receiver does: HMAC-SHA256 over "<timestamp>." + body, compared in constant time."""
    stamp = post.headers["X-Sovcloud-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + post.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, post.headers["X-Sovcloud-Signature"])


def _channel(client, org, **body):  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/organisations/{org.id}/channels", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _publish(client, **body):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/notices", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_notices_reach_exactly_who_chose_them(client_factory, sessions, settings, world, mailbox, receiver):
    with sessions() as db, db.begin():
        world.orgs["C"] = make_org(db, "MINC")
    a, b = login(client_factory(), world.people["admin_a"]), login(client_factory(), world.people["admin_b"])
    ops = login(client_factory(), world.people["operator"])
    _channel(a, world.orgs["A"], channel="email", severities=["major", "critical"], recipients=["Astreinte@A.gouv.fr"])
    _channel(a, world.orgs["A"], channel="portal", severities=["info", "minor", "major", "critical"])
    hook = _channel(b, world.orgs["B"], channel="webhook", severities=["critical"], kinds=["incident"],
                    url=receiver.url("/ok/b"))
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["secret_hint"] == secret[-4:]
    listed = b.get(f"/api/v1/organisations/{world.orgs['B'].id}/channels").text
    assert secret not in listed and "secret" in listed and '"secret":' not in listed  # never shown again
    _channel(ops, world.orgs["C"], channel="email", severities=["info"], kinds=["maintenance"],
             recipients=["c@c.gouv.fr"])

    _publish(ops, kind="incident", title="Lenteurs du stockage", body="Latence élevée.", severity="major")
    _publish(ops, kind="incident", title="Site B coupé", body="Coupure.", severity="critical",
             organisation_ids=[str(world.orgs["B"].id)], sites=["site-b"])
    start = now() + timedelta(days=2)
    _publish(ops, kind="maintenance", title="Mise à jour réseau", body="Bascule.", severity="minor",
             starts_at=start.isoformat(), ends_at=(start + timedelta(hours=2)).isoformat(), impact="Coupures brèves")
    _publish(ops, kind="maintenance", title="Maintenance C", body="Bascule C.", severity="info",
             organisation_ids=[str(world.orgs["C"].id)], starts_at=start.isoformat(),
             ends_at=(start + timedelta(hours=1)).isoformat())
    deliveries.process(sessions, settings)

    mails = {(m["X-Envelope-To"], m["Subject"]) for m in mailbox.messages}
    assert mails == {("astreinte@a.gouv.fr", "[sovcloud] Incident major : Lenteurs du stockage"),
                     ("c@c.gouv.fr", "[sovcloud] Maintenance info : Maintenance C")}
    assert [p.path for p in receiver.posts] == ["/ok/b"]  # B chose only critical incidents by webhook
    post = receiver.posts[0]
    forged = secret[:-1] + ("1" if secret[-1] != "1" else "2")
    assert _verify(secret, post) and not _verify(forged, post)
    assert json.loads(post.body)["title"] == "Site B coupé"
    with sessions() as db:
        told = {(n.user_id, n.message) for n in db.scalars(select(Notification).where(
            Notification.subject_type == "notice"))}
        statuses = set(db.scalars(select(Delivery.status)))
    assert told == {(world.people["admin_a"].id, "Incident : Lenteurs du stockage"),
                    (world.people["viewer_a"].id, "Incident : Lenteurs du stockage"),
                    (world.people["admin_a"].id, "Maintenance : Mise à jour réseau"),
                    (world.people["viewer_a"].id, "Maintenance : Mise à jour réseau")}
    assert statuses == {"delivered"}
    log = b.get(f"/api/v1/organisations/{world.orgs['B'].id}/deliveries").json()
    assert [(d["channel"], d["status"], len(d["tries"])) for d in log] == [("webhook", "delivered", 1)]
    assert b.get(f"/api/v1/organisations/{world.orgs['A'].id}/deliveries").status_code == 404


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_kept(client_factory, sessions, settings,
                                                                          world, receiver, clock):
    b = login(client_factory(), world.people["admin_b"])
    ops = login(client_factory(), world.people["operator"])
    _channel(b, world.orgs["B"], channel="webhook", severities=["critical"], url=receiver.url("/flaky/2/b"))
    _channel(b, world.orgs["B"], channel="webhook", severities=["critical"], url="http://127.0.0.1:9/never")
    notice = _publish(ops, kind="incident", title="Panne", body="Panne du site B.", severity="critical",
                      organisation_ids=[str(world.orgs["B"].id)])
    assert deliveries.process(sessions, settings) == 2
    assert deliveries.process(sessions, settings) == 0  # nothing due before the backoff
    clock.advance(seconds=11)  # first retry after 10 s
    assert deliveries.process(sessions, settings) == 2
    clock.advance(seconds=11)
    assert deliveries.process(sessions, settings) == 0  # the second retry waits 20 s
    clock.advance(seconds=10)
    assert deliveries.process(sessions, settings) == 2
    with sessions() as db:
        rows = {d.target: d for d in db.scalars(select(Delivery))}
        tries = {t: [(a.ok, a.status_code) for a in db.scalars(select(DeliveryAttempt).where(
            DeliveryAttempt.delivery_id == d.id).order_by(DeliveryAttempt.created_at))] for t, d in rows.items()}
    flaky, dead = receiver.url("/flaky/2/b"), "http://127.0.0.1:9/never"
    assert tries[flaky] == [(False, 500), (False, 500), (True, 200)]
    assert rows[flaky].status == "delivered" and rows[dead].status == "failed"  # three attempts at most
    assert [ok for ok, _ in tries[dead]] == [False] * 3 and "Connection" in (rows[dead].last_error or "")
    assert [p.path for p in receiver.posts] == ["/flaky/2/b"] * 3
    assert len({p.headers["X-Sovcloud-Timestamp"] for p in receiver.posts}) == 3  # signed at each attempt
    r = ops.post(f"/api/v1/notices/{notice['id']}/updates", json={"status": "resolved", "message": "Rétabli."})
    assert r.status_code == 200 and r.json()["closed_at"] and [u["status"] for u in r.json()["updates"]] == [
        "open", "resolved"]
    assert ops.post(f"/api/v1/notices/{notice['id']}/updates",
                    json={"status": "open", "message": "encore"}).status_code == 409
    log = b.get(f"/api/v1/organisations/{world.orgs['B'].id}/deliveries").json()
    assert {d["event"] for d in log} == {"published", "updated"}


def test_publishing_and_channel_rules(client_factory, sessions, settings, world):
    with sessions() as db, db.begin():
        ops = actor_for(db, world.people["operator"])
        with pytest.raises(ValidationFailed) as window:
            notices.publish(db, actor=ops, kind="maintenance", title="x", body="y", severity="minor",
                            starts_at=now() + timedelta(hours=2), ends_at=now() + timedelta(hours=1))
        assert window.value.errors[0]["field"] == "ends_at"
        with pytest.raises(ValidationFailed):
            notices.publish(db, actor=ops, kind="incident", title="x", body="y", severity="grave")
        with pytest.raises(PermissionDenied):
            notices.publish(db, actor=actor_for(db, world.people["admin_a"]), kind="incident", title="x", body="y",
                            severity="minor")
    b = login(client_factory(), world.people["admin_b"])
    org = world.orgs["B"]
    for url in ("http://example.gouv.fr/hook", "ftp://x/y", "https://user:pw@example.gouv.fr/", "http://10.0.0.1/"):
        r = b.post(f"/api/v1/organisations/{org.id}/channels", json={"channel": "webhook", "severities": ["major"],
                                                                     "url": url})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", url
    r = b.post(f"/api/v1/organisations/{org.id}/channels", json={"channel": "email", "severities": ["major"],
                                                                 "recipients": ["pas-une-adresse"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipients"
