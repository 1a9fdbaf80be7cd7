"""Every French label of the supervision pages held in Python tables has its English text (the templates'
messages are checked by tests/web/test_i18n.py)."""

from __future__ import annotations

from sovcloud.supervision import alerts_rules, web_alerts, web_notices
from sovcloud.web.i18n_en import MESSAGES


def test_supervision_labels_are_translated():
    tables = [web_alerts.SEVERITY_LABELS, web_alerts.STATUS_LABELS, web_alerts.DONE, alerts_rules.KIND_LABELS,
              web_notices.KIND_LABELS, web_notices.STATUS_LABELS, web_notices.CHANNEL_LABELS,
              web_notices.DELIVERY_LABELS, web_notices.DONE]
    missing = sorted({label for table in tables for label in table.values()} - MESSAGES.keys())
    assert missing == []
    assert set(alerts_rules.KIND_LABELS) == set(alerts_rules.AlertKind) == set(alerts_rules.PARAMS)
