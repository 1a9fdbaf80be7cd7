"""`sovcloud audit …` commands."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.audit import service
from sovcloud.cli.common import Output, OutputOpt, cli_actor, console, render, unit_of_work

app = typer.Typer(help="Journal d'audit chaîné.", no_args_is_help=True)


def _auditor() -> Actor:
    base = cli_actor()
    return Actor(user_id=None, username=base.username, grants=(Grant(Role.SECURITY_OFFICER),), mfa_verified=True)


@app.command("verify")
def verify(output: OutputOpt = Output.table) -> None:
    """Walk the chain; exit 1 if any entry was edited, deleted or truncated."""
    with unit_of_work() as (session, _):
        result = service.verify(session, actor=_auditor())
    if output is Output.json:
        render([{"ok": result.ok, "entries": result.entries, "head_seq": result.head_seq,
                 "problems": list(result.problems)}], output)
    elif result.ok:
        console.print(f"[green]Chaîne intègre[/] : {result.entries} entrées, tête n°{result.head_seq}.")
    else:
        console.print(f"[bold red]Chaîne altérée[/] ({result.entries} entrées lues) :")
        for problem in result.problems:
            console.print(f"  - {problem}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("export")
def export(organisation: Annotated[str, typer.Argument(help="Id de l'organisation")],
           since: Annotated[str | None, typer.Option(help="Depuis (ISO 8601, UTC)")] = None) -> None:
    """Export an organisation's own events as JSON lines on standard output."""
    from datetime import datetime

    try:
        org_id = uuid.UUID(organisation)
    except ValueError:
        raise typer.BadParameter("id d'organisation attendu (UUID)") from None
    with unit_of_work() as (session, _):
        for line in service.export_lines(session, actor=_auditor(), organisation_id=org_id,
                                         since=datetime.fromisoformat(since) if since else None):
            sys.stdout.write(line + "\n")


@app.command("tail")
def tail(limit: int = 20, output: OutputOpt = Output.table) -> None:
    """The newest journal entries."""
    with unit_of_work() as (session, _):
        rows = [{"seq": e.seq, "at": e.occurred_at.isoformat(timespec="seconds"), "actor": e.actor_name,
                 "action": e.action, "target": e.target_id, "outcome": e.outcome}
                for e in service.search(session, actor=_auditor(), limit=limit)]
    render(rows, output)
