"""`sovcloud billing …` with a finance user's API token: issue, list, credit, export (PDF and CSV)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sovcloud import clock as clock_module
from sovcloud.cli.main import app
from sovcloud.config import get_settings
from sovcloud.identity import tokens
from tests.billing.test_api import _bill_world
from tests.factories import actor_for


def test_finance_bills_from_the_command_line(world, sessions, settings, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    try:
        fa, _ = _bill_world(world, sessions, settings)
        with sessions() as db, db.begin():
            secret = tokens.create_token(db, actor=actor_for(db, fa), settings=settings, name="cli",
                                         expires_in_days=30, organisation_id=world.orgs["A"].id).secret
        for k, v in {"SOVCLOUD_DATABASE_URL": settings.database_url, "SOVCLOUD_TOKEN": secret,
                     "SOVCLOUD_SECRET_KEY": settings.secret_key.get_secret_value(),
                     "SOVCLOUD_AUDIT_ANCHOR_PATH": str(settings.audit_anchor_path)}.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("SOVCLOUD_BREAK_GLASS", raising=False)
        get_settings.cache_clear()
        run = CliRunner().invoke
        assert "14.88" in run(app, ["billing", "rate", "MINA", "--month", "2027-01"]).output
        issued = run(app, ["billing", "issue", "MINA", "2027-01"])
        assert issued.exit_code == 0 and "SC-2027-000001" in issued.output, issued.output
        refused = run(app, ["billing", "issue", "MINB", "2027-01"])
        assert refused.exit_code == 1
        assert run(app, ["billing", "credit", "SC-2027-000001", "--reason", "Geste", "--amount", "1"]).exit_code == 0
        docs = json.loads(run(app, ["billing", "invoices", "-o", "json"]).output)
        assert sorted(d["numéro"] for d in docs) == ["AV-2027-000001", "SC-2027-000001"]
        pdf = tmp_path / "f.pdf"
        assert run(app, ["billing", "export", "--number", "SC-2027-000001", "--format", "pdf",
                         "--out", str(pdf)]).exit_code == 0
        assert pdf.read_bytes().startswith(b"%PDF")
        csv_out = run(app, ["billing", "export", "--month", "2027-01"]).output
        assert "SC-2027-000001" in csv_out and "-1.00" in csv_out
    finally:
        clock_module.set_clock(clock_module.system_clock)
        get_settings.cache_clear()
