"""The CLI on a real database: demo seed, listings in JSON, audit verify and export, user suspension."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sovcloud.cli.main import app
from sovcloud.config import get_settings


@pytest.fixture
def cli(settings, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_seed_list_verify_export(cli):
    assert cli("demo", "seed").exit_code == 0
    again = cli("demo", "seed")
    assert "déjà présentes" in again.output
    orgs = json.loads(cli("org", "list", "-o", "json").output)
    assert {"MI", "MI-DNUM", "MC", "MTE"} <= {o["code"] for o in orgs}
    verify = cli("audit", "verify")
    assert verify.exit_code == 0 and "intègre" in verify.output
    mi = next(o for o in orgs if o["code"] == "MI")
    lines = [json.loads(x) for x in cli("audit", "export", mi["id"]).output.splitlines()]
    assert lines and all(e["organisation_id"] in {mi["id"]} | {o["id"] for o in orgs if o["parent_id"] == mi["id"]}
                         for e in lines)


def test_user_create_and_suspend(cli):
    r = cli("user", "create", "jeanne.d", "--email", "j@x.gouv.fr", "--name", "Jeanne D",
            "--password", "Une-Phrase-Longue-7", "-o", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["status"] == "active"
    r = cli("user", "suspend", "jeanne.d", "--reason", "test", "-o", "json")
    assert json.loads(r.output)[0]["status"] == "suspended"


def test_domain_error_is_readable(cli):
    r = cli("user", "create", "x", "--email", "x@x.gouv.fr", "--name", "X", "--password", "court")
    assert r.exit_code == 1
    assert "Mot de passe refusé" in r.output


def test_config_sample_lists_every_setting_in_environment_syntax(cli):
    out = cli("config", "sample").output
    assert "SOVCLOUD_DATABASE_URL=" in out and "SOVCLOUD_LOCKOUT_THRESHOLD=5" in out
    assert "SOVCLOUD_NOTIFICATIONS_BINDINGS=[\"" in out  # JSON, as pydantic-settings reads it
