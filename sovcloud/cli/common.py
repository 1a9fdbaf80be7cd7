"""What every command shares: the output format, the unit of work, the acting identity, error display.

The CLI is not a back door. A command that reads or changes tenants' objects runs as an authenticated
actor: the user of an API token (``--token`` or ``SOVCLOUD_TOKEN``: that user's rights, MFA rule included),
or, when no token can be used, an explicit break-glass operator (``--break-glass "reason"``), journaled
with the operator's system login and the reason before the command runs. Nothing lets the CLI act as
another user. Only bootstrap needs neither: ``db upgrade``, ``demo seed``, and creating the first platform
operator while the platform has none."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.config import Settings, get_settings
from sovcloud.db import make_engine, make_sessionmaker, transaction
from sovcloud.errors import DomainError, NotAuthenticated, PermissionDenied, ValidationFailed

console = Console()
errors = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"


OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="table | json")]
#: the largest page a listing command prints
MAX_LIMIT = 1000
LimitOpt = Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help=f"Nombre de lignes (1 à {MAX_LIMIT})")]


@dataclass
class Credentials:
    """How this invocation authenticates (set by the root command's options)."""

    token: str | None = None
    break_glass: str | None = None  #: the reason given for a break-glass run


credentials = Credentials()


def set_credentials(token: str | None, break_glass: str | None) -> None:
    credentials.token = (token or "").strip() or None
    credentials.break_glass = (break_glass or "").strip() or None


def os_login() -> str:
    """The operator's login on this machine, as journaled."""
    try:
        return getpass.getuser()
    except OSError:  # pragma: no cover - no passwd entry
        return "unknown"


def _command_line() -> str:
    """The command as typed, for the journal, without any token in it."""
    return " ".join("<jeton>" if a.startswith("svc_") or a.startswith("--token=") else a
                    for a in sys.argv[1:])[:500]


def _break_glass_actor(session: Session, role: Role, reason: str) -> Actor:
    who = os_login()
    actor = Actor(user_id=None, username=f"break-glass:{who}", grants=(Grant(role),), source_ip="cli",
                  mfa_verified=True)
    if len(reason) > 500:
        raise ValidationFailed("Motif de bris de glace trop long (500 caractères au plus).", field="break_glass")
    audit.record(session, actor=actor, action="cli.break_glass", target_type="platform",
                 details={"operator": who, "reason": reason, "role": role.value, "command": _command_line()})
    return actor


def _refuse_unauthenticated() -> NotAuthenticated:
    return NotAuthenticated("Authentification requise : un jeton d'API (--token ou SOVCLOUD_TOKEN), ou "
                            "--break-glass \"motif\" (journalisé avec votre identifiant système).")


@contextmanager
def acting(settings: Settings | None = None, *, break_glass_role: Role = Role.PLATFORM_OPERATOR,
           bootstrap: Callable[[Session], bool] | None = None) -> Iterator[tuple[Session, Settings, Actor]]:
    """One transaction run by the authenticated actor of this invocation (see the module docstring).

    A break-glass run is journaled in a transaction of its own, committed before the command runs, so it is
    kept even when the command fails. ``bootstrap`` says whether the platform is still unconfigured, in which
    case a command may run as the bootstrap operator (journaled too) without credentials.
    """
    settings = settings or get_settings()
    audit.service.configure(settings.secret_key.get_secret_value(), anchor_path=settings.audit_anchor_path,
                            anchor_interval_s=settings.audit_anchor_interval_s)
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    try:
        if credentials.token and credentials.break_glass:
            raise ValidationFailed("Choisissez : un jeton d'API ou le bris de glace, pas les deux.",
                                   field="break_glass")
        glass: Actor | None = None
        actor: Actor | None = None
        if credentials.token is None and credentials.break_glass is not None:
            with transaction(factory) as journal:
                glass = _break_glass_actor(journal, break_glass_role, credentials.break_glass)
        with transaction(factory) as session:
            if credentials.token is not None:
                from sovcloud.identity.tokens import actor_from_token

                actor = actor_from_token(session, secret=credentials.token, source_ip="cli")
            elif glass is not None:
                actor = glass
            elif bootstrap is not None and bootstrap(session):
                actor = Actor.system(f"bootstrap:{os_login()}")
                audit.record(session, actor=actor, action="cli.bootstrap", target_type="platform",
                             details={"operator": os_login(), "command": _command_line()})
            else:
                raise _refuse_unauthenticated()
            yield session, settings, actor
    except DomainError as exc:
        if isinstance(exc, PermissionDenied) and actor is not None:
            from sovcloud.access.refusals import journal_refusal

            journal_refusal(factory, actor=actor, exc=exc, where=f"cli: {_command_line()}")
        errors.print(f"[bold red]Erreur[/] ({exc.code}) : {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def json_option(value: str) -> dict[str, Any]:
    """Parse a JSON object given on the command line (``typer.Option(parser=json_option)``)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"JSON invalide : {exc}") from None
    if not isinstance(parsed, dict):
        raise typer.BadParameter("objet JSON attendu, ex. {\"image\": \"debian-12\"}")
    return parsed


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[tuple[Session, Settings]]:
    """One transaction; a domain error becomes a readable message and exit code 1."""
    settings = settings or get_settings()
    audit.service.configure(settings.secret_key.get_secret_value(), anchor_path=settings.audit_anchor_path,
                            anchor_interval_s=settings.audit_anchor_interval_s)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session, settings
    except DomainError as exc:
        errors.print(f"[bold red]Erreur[/] ({exc.code}) : {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def render(rows: Sequence[dict[str, Any]], output: Output, columns: Sequence[str] | None = None,
           title: str | None = None) -> None:
    """Print rows as a table or as JSON."""
    if output is Output.json:
        sys.stdout.write(json.dumps(list(rows), default=str, ensure_ascii=False, indent=2) + "\n")
        return
    columns = list(columns or (rows[0].keys() if rows else []))
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
    console.print(table)


def aware_datetime(value: str) -> datetime:
    """Parse an ISO 8601 date with its time zone (``typer.Option(parser=aware_datetime)``)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"date invalide : {value} (ISO 8601 avec fuseau, ex. 2027-01-01T00:00:00+00:00)"
                                 ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter("date avec fuseau attendue, ex. 2027-01-01T00:00:00+00:00")
    return moment
