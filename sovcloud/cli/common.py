"""What every command shares: the output format, the unit of work, the acting identity, error display."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.config import Settings, get_settings
from sovcloud.db import make_engine, make_sessionmaker, transaction
from sovcloud.errors import DomainError

console = Console()
errors = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"


OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="table | json")]


def cli_actor() -> Actor:
    """The operator at the console: acts as the platform, journaled under their system login."""
    try:
        who = getpass.getuser()
    except OSError:  # pragma: no cover - no passwd entry
        who = "unknown"
    return Actor.system(f"cli:{who}")


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[tuple[Session, Settings]]:
    """One transaction; a domain error becomes a readable message and exit code 1."""
    settings = settings or get_settings()
    audit.service.configure(settings.secret_key.get_secret_value())
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
