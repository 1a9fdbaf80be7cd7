"""The platform's own state, backed up and restored: SQLite through its online backup API, PostgreSQL with
``pg_dump -Fc`` / ``pg_restore``. A backup is verified once written — reopened (PostgreSQL: restored into a
scratch database), its schema revision read, its rows counted table by table and its audit chain walked —
and its manifest (``FILE.manifest.json``: checksum, revision, counts, journal head) written beside it. A
restore goes into an empty database only, checks the file against its manifest, then the restored database
against it, and journals itself there, so ``sovcloud audit verify`` passes on what it restored.

The work queue is not backed up: it only says "look at step X", and the steps are in the database (the
reaper resumes them). The simulated cloud's database is the cloud's, not the platform's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import URL, make_url

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.db import Base, make_engine, make_sessionmaker, transaction
from sovcloud.errors import Conflict, DomainError, ValidationFailed

#: longest a pg_dump / pg_restore may run, in seconds
PG_TIMEOUT_S = 3600


class BackupFailed(DomainError):
    """A backup or a restore could not be written or did not verify."""

    status = 500
    code = "backup-failed"
    title = "Sauvegarde ou restauration en échec"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as verified once written."""

    backend: str  #: "sqlite" or "postgresql"
    revision: str  #: the Alembic revision of the schema
    rows: dict[str, int]  #: rows per table
    audit_entries: int  #: entries of the journal (count)
    audit_head: int  #: sequence number of the journal's last entry
    sha256: str  #: checksum of the backup file
    size_bytes: int  #: size of the backup file

    def write(self, path: Path) -> None:
        manifest_of(path).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        where = manifest_of(path)
        if not where.exists():
            return None
        try:
            return cls(**json.loads(where.read_text()))
        except (ValueError, TypeError) as exc:
            raise ValidationFailed(f"Manifeste illisible : {where} ({exc}).", field="file") from None


def manifest_of(path: Path) -> Path:
    """Where the manifest of a backup file is kept."""
    return path.with_name(path.name + ".manifest.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _backend(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValidationFailed(f"Base non prise en charge : {name}.", field="database_url")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValidationFailed("Une base SQLite en mémoire ne se sauvegarde pas.", field="database_url")
    return Path(database)


def _pg(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment (the password in PGPASSWORD, never on a command line)."""
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupFailed(f"{command[0]} est introuvable (paquet postgresql-client).")
    done = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{command[0]} a échoué : {done.stderr.strip()[-500:]}")


def inspect_database(engine: Engine) -> tuple[str, dict[str, int], int, int]:
    """(schema revision, rows per table, journal entries, journal head) of a sovcloud database, its chain
    walked on the way.

    Raises:
        BackupFailed: a table is missing or the audit chain does not verify.
    """
    tables = set(inspect(engine).get_table_names())
    missing = sorted({t.name for t in Base.metadata.sorted_tables} - tables)
    if "alembic_version" not in tables or missing:
        raise BackupFailed(f"Schéma incomplet : {', '.join(missing or ['alembic_version'])[:300]}.")
    with transaction(make_sessionmaker(engine, write=False)) as session:
        revision = str(session.scalar(text("SELECT version_num FROM alembic_version")))
        rows = {t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables}
        check = audit.verify(session, actor=Actor.system("backup-verify"), anchor_files=[])
    if not check.ok:
        raise BackupFailed(f"Journal d'audit altéré : {'; '.join(check.problems[:3])[:400]}")
    return revision, rows, check.entries, check.head_seq


def _manifest(backend: str, path: Path, engine: Engine) -> Manifest:
    revision, rows, entries, head = inspect_database(engine)
    return Manifest(backend=backend, revision=revision, rows=rows, audit_entries=entries, audit_head=head,
                    sha256=_sha256(path), size_bytes=path.stat().st_size)


def _scratch(url: URL) -> tuple[URL, Engine]:
    """A new empty PostgreSQL database beside ``url``'s (to restore a dump into and read it back)."""
    name = f"{url.database}_verify_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url.render_as_string(hide_password=False)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name), admin


def _drop(url: URL, admin: Engine) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _pg_restore(url: URL, path: Path) -> None:
    args, env = _pg(url)
    _run(["pg_restore", *args, "--dbname", str(url.database), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", str(path)], env)


def write_backup(*, actor: Actor, database_url: str, path: Path) -> Manifest:
    """Write a backup of the platform's database to ``path``, verify it and write its manifest.

    Raises:
        PermissionDenied: the actor may not back up the platform.
        ValidationFailed: the database cannot be backed up this way, or ``path`` is taken.
        BackupFailed: the backup could not be written or did not verify (nothing is left at ``path``).
    """
    authorize(actor, Permission.PLATFORM_BACKUP)
    backend = _backend(database_url)
    if path.exists():
        raise ValidationFailed(f"Le fichier existe déjà : {path}.", field="file")
    partial = path.with_name(path.name + ".partial")
    try:
        if backend == "sqlite":
            source, target = sqlite3.connect(_sqlite_path(database_url)), sqlite3.connect(partial)
            try:
                source.backup(target)  # online: consistent even while the platform writes
            finally:
                target.close()
                source.close()
            engine = make_engine(f"sqlite:///{partial}")
            try:
                manifest = _manifest(backend, partial, engine)
            finally:
                engine.dispose()
        else:
            url = make_url(database_url)
            args, env = _pg(url)
            _run(["pg_dump", *args, "--format", "custom", "--no-owner", "--file", str(partial), str(url.database)],
                 env)
            scratch, admin = _scratch(url)
            try:
                _pg_restore(scratch, partial)
                engine = make_engine(scratch.render_as_string(hide_password=False))
                try:
                    manifest = _manifest(backend, partial, engine)
                finally:
                    engine.dispose()
            finally:
                _drop(scratch, admin)
        partial.rename(path)
        manifest.write(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def restore_backup(*, actor: Actor, database_url: str, path: Path, reason: str) -> Manifest:
    """Restore ``path`` into the (empty) database at ``database_url``, check it against the backup's manifest,
    and journal the restore in the restored journal.

    Raises:
        PermissionDenied: the actor may not restore the platform.
        ValidationFailed: no such file, another backend's backup, or a file that does not match its manifest.
        Conflict: the target database is not empty.
        BackupFailed: the restore failed or what was restored does not verify.
    """
    authorize(actor, Permission.PLATFORM_BACKUP)
    backend = _backend(database_url)
    if not path.is_file():
        raise ValidationFailed(f"Sauvegarde introuvable : {path}.", field="file")
    manifest = Manifest.read(path)
    if manifest is not None:
        if manifest.backend != backend:
            raise ValidationFailed(f"Sauvegarde {manifest.backend}, base {backend} : restaurez dans une base "
                                   f"{manifest.backend}.", field="file")
        if _sha256(path) != manifest.sha256:
            raise ValidationFailed("La sauvegarde ne correspond pas à son manifeste (somme de contrôle).",
                                   field="file")
    engine = make_engine(database_url)
    try:
        if inspect(engine).get_table_names():
            raise Conflict("La base cible n'est pas vide : restaurez dans une base vide.")
        if backend == "sqlite":
            engine.dispose()
            source, target = sqlite3.connect(path), sqlite3.connect(_sqlite_path(database_url))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _pg_restore(make_url(database_url), path)
        revision, rows, entries, head = inspect_database(engine)
        if manifest is not None and (revision, rows, head) != (manifest.revision, manifest.rows, manifest.audit_head):
            raise BackupFailed("La base restaurée ne correspond pas au manifeste (révision ou nombre de lignes).")
        with transaction(make_sessionmaker(engine)) as session:
            audit.record(session, actor=actor, action="platform.restored", target_type="platform",
                         details={"file": str(path)[:300], "revision": revision, "audit_head": head,
                                  "audit_entries": entries, "reason": reason[:500],
                                  "sha256": manifest.sha256 if manifest else None})
    finally:
        engine.dispose()
    return manifest or Manifest(backend=backend, revision=revision, rows=rows, audit_entries=entries,
                                audit_head=head, sha256=_sha256(path), size_bytes=path.stat().st_size)


def journal_backup(session: Any, *, actor: Actor, path: Path, manifest: Manifest) -> None:
    """Record a verified backup in the platform's journal."""
    audit.record(session, actor=actor, action="platform.backup", target_type="platform",
                 details={"file": str(path)[:300], "backend": manifest.backend, "revision": manifest.revision,
                          "sha256": manifest.sha256, "size_bytes": manifest.size_bytes,
                          "audit_head": manifest.audit_head, "rows": sum(manifest.rows.values())})
