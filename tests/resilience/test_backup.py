"""The platform's own state: `sovcloud backup` writes a verified backup (and journals it); `sovcloud restore`
puts it into an empty database, where `sovcloud audit verify` passes — on SQLite and on PostgreSQL. A non-empty
target, a file that does not match its manifest, and an existing backup file are refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from typer.testing import CliRunner

from sovcloud.audit.models import AuditEvent
from sovcloud.cli.main import app
from sovcloud.config import get_settings
from sovcloud.resilience.models import Site
from sovcloud.resilience.seed import seed_demo_sites
from tests.factories import SYSTEM

GLASS = ("--break-glass", "sauvegarde de la plateforme")


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on the same backend."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    url = sa.engine.make_url(database_url)
    name = f"sovcloud_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_then_restore_into_an_empty_database(settings, sessions, world, empty_database, tmp_path,
                                                    monkeypatch):
    with sessions() as db, db.begin():
        seed_demo_sites(db, actor=SYSTEM)
    monkeypatch.setenv("SOVCLOUD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.delenv("SOVCLOUD_TOKEN", raising=False)
    runner = CliRunner()

    def cli(database_url: str, anchors: Path, *args: str):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("SOVCLOUD_DATABASE_URL", database_url)
        monkeypatch.setenv("SOVCLOUD_AUDIT_ANCHOR_PATH", str(anchors))
        get_settings.cache_clear()
        return runner.invoke(app, list(args), catch_exceptions=False)

    file = tmp_path / "platform.backup"
    try:
        done = cli(settings.database_url, settings.audit_anchor_path, *GLASS, "backup", str(file), "-o", "json")
        assert done.exit_code == 0, done.output
        manifest = json.loads((tmp_path / "platform.backup.manifest.json").read_text())
        assert manifest["rows"]["sites"] == 2 and manifest["rows"]["users"] == len(world.people)
        assert manifest["audit_entries"] == manifest["audit_head"] == manifest["rows"]["audit_events"] > 10
        again = cli(settings.database_url, settings.audit_anchor_path, *GLASS, "backup", str(file))
        assert again.exit_code == 1 and "existe déjà" in again.output

        tampered = tmp_path / "tampered.backup"
        tampered.write_bytes(file.read_bytes() + b"x")
        (tmp_path / "tampered.backup.manifest.json").write_text(json.dumps(manifest))
        refused = cli(empty_database, tmp_path / "restored-anchors.jsonl", "restore", str(tampered))
        assert refused.exit_code == 1 and "somme de contrôle" in refused.output

        restored = cli(empty_database, tmp_path / "restored-anchors.jsonl", "restore", str(file), "--reason",
                       "exercice de reprise", "-o", "json")
        assert restored.exit_code == 0, restored.output
        assert json.loads(restored.output)[0]["audit_head"] == manifest["audit_head"]
        verify = cli(empty_database, tmp_path / "restored-anchors.jsonl", "--break-glass", "contrôle après reprise",
                     "audit", "verify")
        assert verify.exit_code == 0 and "intègre" in verify.output, verify.output
        twice = cli(empty_database, tmp_path / "restored-anchors.jsonl", "restore", str(file))
        assert twice.exit_code == 1 and "n'est pas vide" in twice.output
    finally:
        get_settings.cache_clear()

    engine = sa.create_engine(empty_database)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(sa.func.count()).select_from(Site.__table__)) == 2
            actions = list(conn.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    finally:
        engine.dispose()
    assert actions[manifest["audit_head"]:] == ["platform.restored", "cli.break_glass"]
    with sessions() as db:
        journaled = db.scalars(select(AuditEvent).where(AuditEvent.action == "platform.backup")).one()
    assert journaled.details["sha256"] == manifest["sha256"] and journaled.details["revision"] == manifest["revision"]
