"""The CLI on a real database: bootstrap, authentication (API token or journaled break-glass), listings in
JSON, audit verify and export, user suspension, and bad arguments refused without a traceback."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sovcloud.audit.models import AuditEvent
from sovcloud.cli.main import app
from sovcloud.config import get_settings
from sovcloud.identity import tokens
from tests.factories import actor_for

GLASS = ("--break-glass", "incident 42 : reprise")


@pytest.fixture
def cli(settings, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOVCLOUD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SOVCLOUD_AUDIT_ANCHOR_PATH", str(settings.audit_anchor_path))
    for name in ("SOVCLOUD_TOKEN", "SOVCLOUD_BREAK_GLASS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, env=None: runner.invoke(app, list(args), catch_exceptions=False, env=env)
    get_settings.cache_clear()


def _token(sessions, settings, person, **scope):  # type: ignore[no-untyped-def]
    with sessions() as db, db.begin():
        return tokens.create_token(db, actor=actor_for(db, person), settings=settings, name="cli",
                                   expires_in_days=1, **scope).secret


def test_seed_list_verify_export(cli, sessions):
    assert cli("demo", "seed").exit_code == 0  # bootstrap: no credentials
    again = cli("demo", "seed")
    assert "déjà présentes" in again.output
    refused = cli("org", "list", "-o", "json")
    assert refused.exit_code == 1 and "Authentification requise" in refused.output
    orgs = json.loads(cli(*GLASS, "org", "list", "-o", "json").output)
    assert {"MI", "MI-DNUM", "MC", "MTE"} <= {o["code"] for o in orgs}
    verify = cli(*GLASS, "audit", "verify")
    assert verify.exit_code == 0 and "intègre" in verify.output
    mi = next(o for o in orgs if o["code"] == "MI")
    lines = [json.loads(x) for x in cli(*GLASS, "audit", "export", mi["id"]).output.splitlines()]
    assert lines and all(e["organisation_id"] in {mi["id"]} | {o["id"] for o in orgs if o["parent_id"] == mi["id"]}
                         for e in lines)
    with sessions() as db:
        glass = db.scalars(select(AuditEvent).where(AuditEvent.action == "cli.break_glass")).all()
    assert len(glass) == 3 and all(e.details["reason"] == GLASS[1] and e.details["operator"] for e in glass)
    assert all(e.actor_name.startswith("break-glass:") for e in glass)


def test_break_glass_is_journaled_even_when_the_command_fails(cli, sessions):
    r = cli(*GLASS, "user", "suspend", "nobody")
    assert r.exit_code == 1 and "introuvable" in r.output
    with sessions() as db:
        assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "cli.break_glass")) is not None


def test_first_operator_is_bootstrapped_then_credentials_are_required(cli, sessions):
    r = cli("user", "create", "premier.ops", "--email", "p@x.gouv.fr", "--name", "Premier", "--role",
            "platform_operator", "--password", "Une-Phrase-Longue-7", "-o", "json")
    assert r.exit_code == 0, r.output
    r = cli("user", "create", "second.ops", "--email", "s@x.gouv.fr", "--name", "Second", "--role",
            "platform_operator", "--password", "Une-Phrase-Longue-7")
    assert r.exit_code == 1 and "Authentification requise" in r.output
    with sessions() as db:
        assert db.scalar(select(AuditEvent.actor_name).where(AuditEvent.action == "cli.bootstrap")).startswith(
            "bootstrap:")


def test_token_acts_as_its_user_and_no_further(cli, world, sessions, settings):
    member = _token(sessions, settings, world.people["member_a"], project_id=world.projects["a"].id)
    listed = cli("--token", member, "project", "list", "-o", "json")
    assert listed.exit_code == 0, listed.output
    assert {p["name"] for p in json.loads(listed.output)} == {"Projet A"}  # not Projet B
    env = {"SOVCLOUD_TOKEN": member}
    assert {p["name"] for p in json.loads(cli("project", "list", "-o", "json", env=env).output)} == {"Projet A"}
    r = cli("org", "create", "PIRATE", "--name", "Pirate", env=env)
    assert r.exit_code == 1 and "permission-denied" in r.output
    r = cli("user", "create", "x.y", "--email", "xy@x.gouv.fr", "--name", "X", "--role", "platform_operator",
            "--password", "Une-Phrase-Longue-7", env=env)
    assert r.exit_code == 1  # a platform already has its operators: no bootstrap, and this token may not
    bad = cli("--token", "svc_not-a-token", "project", "list")
    assert bad.exit_code == 1 and "not-authenticated" in bad.output
    both = cli("--token", member, *GLASS, "project", "list")
    assert both.exit_code == 1


def test_nothing_lets_the_cli_act_as_another_user(cli):
    r = cli(*GLASS, "order", "decide", str(uuid.uuid4()), "approve", "--as", "admin.a")
    assert r.exit_code == 2 and "--as" in r.output


def test_user_create_and_suspend(cli):
    r = cli(*GLASS, "user", "create", "jeanne.d", "--email", "j@x.gouv.fr", "--name", "Jeanne D",
            "--password", "Une-Phrase-Longue-7", "-o", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)[0]["status"] == "active"
    r = cli(*GLASS, "user", "suspend", "jeanne.d", "--reason", "test", "-o", "json")
    assert json.loads(r.output)[0]["status"] == "suspended"


def test_domain_error_is_readable(cli):
    r = cli(*GLASS, "user", "create", "x", "--email", "x@x.gouv.fr", "--name", "X", "--password", "court")
    assert r.exit_code == 1
    assert "Mot de passe refusé" in r.output


LISTINGS = [("user", "list"), ("org", "list"), ("project", "list"), ("order", "list"), ("resource", "list"),
            ("audit", "tail")]


@pytest.mark.parametrize("limit", ["-1", "0", "1000000", "abc"])
def test_limits_are_bounded_without_traceback(cli, limit):
    for command in LISTINGS:
        r = cli(*GLASS, *command, "--limit", limit)
        assert r.exit_code == 2, (command, r.output)
        assert "--limit" in r.output and "Traceback" not in r.output


def test_bad_arguments_get_a_message_not_a_traceback(cli):
    some = str(uuid.uuid4())
    cases = [
        ("order", "decide", "pas-un-uuid", "approve"),
        ("order", "place", "pas-un-uuid", "--plan", some, "--name", "x"),
        ("order", "place", some, "--plan", some, "--name", "x", "--parameters", "{"),
        ("order", "place", some, "--plan", some, "--name", "x", "--parameters", "[1]"),
        ("order", "place", some, "--plan", some, "--name", "x", "--count", "-3"),
        ("order", "list", "--status", "inconnu"),
        ("policy", "add", "r", "99999999", "auto_approve"),
        ("policy", "remove", "pas-un-uuid"),
        ("resource", "action", "pas-un-uuid", "start"),
        ("resource", "delete", "pas-un-uuid"),
        ("audit", "export", "pas-un-uuid"),
        ("audit", "export", some, "--since", "2026-01-01T00:00:00"),  # no time zone
        ("audit", "export", some, "--since", "hier"),
        ("catalog", "price-list", "publish", "pas-un-uuid"),
        ("catalog", "price-list", "create", "x", "--valid-from", "demain"),
        ("catalog", "estimate", "MI", "vm/s1.small", "--parameters", "pas du json"),
        ("org", "quota", "MI", "1", "1", "1", "1", "10000000000"),
    ]
    for args in cases:
        r = cli(*GLASS, *args)
        assert r.exit_code == 2, (args, r.output)
        assert "Invalid value" in r.output and "Traceback" not in r.output, (args, r.output)


def test_config_sample_lists_every_setting_in_environment_syntax(cli):
    out = cli("config", "sample").output
    assert "SOVCLOUD_DATABASE_URL=" in out and "SOVCLOUD_LOCKOUT_THRESHOLD=5" in out
    assert "SOVCLOUD_NOTIFICATIONS_BINDINGS=[\"" in out  # JSON, as pydantic-settings reads it
