"""Every French message of the portal has its English text."""

from __future__ import annotations

import re
from pathlib import Path

from sovcloud.errors import DomainError
from sovcloud.messages import DEFAULT_MESSAGE, PYDANTIC_MESSAGES
from sovcloud.web import admin, audit_labels, common, labels
from sovcloud.web.csrf import CsrfRefused
from sovcloud.web.i18n_en import MESSAGES

TEMPLATES = Path(common.__file__).parent / "templates"
CALL = re.compile(r"""_\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)""")


def _template_messages() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        for match in CALL.finditer(path.read_text()):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def _errors() -> set[str]:
    seen, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        if cls.__module__ == "sovcloud.errors":  # other contexts' errors fall back to French until translated
            seen.add(cls.title)
        todo.extend(cls.__subclasses__())
    return seen | {CsrfRefused.title}


def test_every_message_is_translated():
    python_labels = {*common.ROLE_LABELS.values(), *common.RESOURCE_LABELS.values(), *common.KIND_LABELS.values(),
                     *admin.DONE.values(), "Tableau de bord", "Organisations", "Journal d'audit", "Mon compte",
                     "Commander", "Commandes", "Approbations", "Ressources",
                     "Console opérateur"}
    for table in (labels.ORDER_LABELS, labels.STATE_LABELS, labels.STATUS_LABELS, labels.RESOURCE_KINDS,
                  labels.OFFERING_KINDS, labels.CLASSIFICATIONS, labels.OUTCOMES, labels.DECISIONS, labels.ACTIONS,
                  labels.DONE, audit_labels.OUTCOMES, audit_labels.TARGETS, audit_labels.ACTIONS):
        python_labels |= set(table.values())
    python_labels |= {*PYDANTIC_MESSAGES.values(), DEFAULT_MESSAGE}
    missing = sorted((_template_messages() | python_labels | _errors()) - MESSAGES.keys())
    assert not missing, missing


def test_times_are_shown_in_paris_with_their_zone():
    from datetime import UTC, datetime

    from sovcloud.web.i18n import moment

    assert moment(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "fr") == "01/07/2026 14:00 CEST"
    assert moment(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "fr") == "01/12/2026 13:00 CET"
    assert moment(datetime(2026, 12, 1, 12, 0), "en") == "2026-12-01 13:00 CET"  # naive (SQLite): UTC
    assert moment(None, "fr") == "—"
