"""The notices in the portal: an operator publishes from an alert and follows up; an organisation sees the
notices that concern it (and only those) with a banner while one is in progress; its administrator manages
its channels (a webhook's secret shown once) and reads the delivery log. (axe-core: test_alerts_portal.py)"""

from __future__ import annotations

import re

from sovcloud.supervision import alerts_rules, deliveries
from tests.factories import actor_for
from tests.supervision.conftest import evaluation_round
from tests.web.helpers import csrf_of, portal_login


def test_publish_from_an_alert_banner_and_channels(client_factory, sessions, settings, world, rt, receiver):
    with sessions() as db, db.begin():
        alerts_rules.create_rule(db, actor=actor_for(db, world.people["operator"]), name="Site indisponible",
                                 kind="site_down", params={}, severity="critical",
                                 organisation_ids=[world.orgs["B"].id])
    rt.provider.faults.site_down("site-b")
    evaluation_round(rt)
    ops, b, a = (portal_login(client_factory(), world.people[p]) for p in ("operator", "admin_b", "admin_a"))
    alert_id = ops.get("/operator/alerts").text.split('id="alert-', 1)[1].split('"', 1)[0]
    page = ops.get(f"/operator/notices?alert_id={alert_id}").text
    assert 'value="Site site-b indisponible."' in page  # prefilled from the alert
    token = csrf_of(b, f"/organisations/{world.orgs['B'].id}/channels")
    channels = f"/organisations/{world.orgs['B'].id}/channels"
    r = b.post(channels, data={"channel": "webhook", "severities": ["critical"], "url": receiver.url("/ok/portal"),
                               "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{channels}/issued"  # POST-redirect-GET
    shown = b.get(f"{channels}/issued")
    assert shown.status_code == 200 and 'id="webhook-secret"' in shown.text
    secret = shown.text.split('id="webhook-secret" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("whsec_") and secret not in b.get(channels).text
    again = b.get(f"{channels}/issued", follow_redirects=False)  # shown once: a reload shows it no more
    assert again.status_code == 303 and secret not in again.text
    token = csrf_of(ops, "/operator/notices")
    r = ops.post("/operator/notices", data={"kind": "incident", "title": "Site B indisponible", "body": "Coupure.",
                                            "severity": "critical", "alert_id": alert_id,
                                            "organisation_ids": [str(world.orgs["B"].id)], "sites": ["site-b"],
                                            "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]
    assert 'id="notice-banner"' in b.get("/").text and "Site B indisponible" in b.get("/notices").text
    assert 'id="notice-banner"' not in a.get("/").text and "Site B indisponible" not in a.get("/notices").text
    deliveries.process(sessions, settings)
    log = b.get(f"/organisations/{world.orgs['B'].id}/channels").text
    assert "Remis" in log and "HTTP 200" in log
    assert a.get(f"/organisations/{world.orgs['B'].id}/channels").status_code == 404
    notice_id = re.search(r'id="notice-([0-9a-f-]{36})"', ops.get("/operator/notices").text).group(1)
    r = ops.post(f"/operator/notices/{notice_id}/updates", data={"status": "resolved", "message": "Rétabli.",
                                                                 "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert 'id="notice-banner"' not in b.get("/").text  # closed: no banner
