"""Supervision objects for the route walks (tests/core/test_cross_tenant.py): one of each kind, concerning
``org`` only, so another ministry's user has nothing to reach through them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sovcloud.clock import now
from sovcloud.supervision import alerts_rules, notices
from sovcloud.supervision.models import Alert, Channel
from tests.factories import SYSTEM


def supervision_objects(db: Session, org: Any) -> dict[str, str]:
    rule = alerts_rules.create_rule(db, actor=SYSTEM, name=f"Quota {org.code}", kind="org_quota",
                                    params={"percent": 80}, severity="major", organisation_ids=[org.id])
    alert = Alert(rule_id=rule.id, rule_name=rule.name, kind=rule.kind, severity="major", subject=f"org:{org.id}",
                  summary="quota", organisation_ids=[str(org.id)], open_key=f"{rule.id}|org:{org.id}",
                  raised_at=now(), last_seen_at=now())
    db.add(alert)
    db.flush()
    notice = notices.publish(db, actor=SYSTEM, kind="incident", title=f"Incident {org.code}", body="Panne.",
                             severity="major", organisation_ids=[org.id])
    channel = Channel(organisation_id=org.id, channel="portal", severities=["major"], kinds=["incident"],
                      recipients=[], created_by="tests")
    db.add(channel)
    db.flush()
    return {"alert_rule_id": str(rule.id), "alert_id": str(alert.id), "notice_id": str(notice.id),
            "channel_id": str(channel.id)}
