"""`sovcloud audit …` commands."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from sovcloud.access.roles import Role
from sovcloud.audit import service
from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, aware_datetime, console, render

app = typer.Typer(help="Journal d'audit chaîné.", no_args_is_help=True)


@app.command("verify")
def verify(output: OutputOpt = Output.table,
           anchors: Annotated[list[Path] | None, typer.Option(
               "--anchors", help="Fichier d'ancres (défaut : SOVCLOUD_AUDIT_ANCHOR_PATH ; répétable)")] = None,
           log_extract: Annotated[list[Path] | None, typer.Option(
               "--log-extract", help="Extrait du journal des logs contenant des ancres (répétable)")] = None) -> None:
    """Walk the chain and compare it with its external anchors; exit 1 if any entry was edited, deleted or
    truncated, or the journal was emptied or rolled back."""
    with acting(break_glass_role=Role.SECURITY_OFFICER) as (session, settings, actor):
        result = service.verify(session, actor=actor, anchor_files=anchors or [settings.audit_anchor_path],
                                log_extracts=log_extract or [])
    if output is Output.json:
        render([{"ok": result.ok, "entries": result.entries, "head_seq": result.head_seq,
                 "anchored_seq": result.anchored_seq, "problems": list(result.problems)}], output)
    elif result.ok:
        console.print(f"[green]Chaîne intègre[/] : {result.entries} entrées, tête n°{result.head_seq}, "
                      f"ancrée jusqu'au n°{result.anchored_seq}.")
    else:
        console.print(f"[bold red]Chaîne altérée[/] ({result.entries} entrées lues) :")
        for problem in result.problems:
            console.print(f"  - {problem}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("export")
def export(organisation: Annotated[uuid.UUID, typer.Argument(help="Id de l'organisation")],
           since: Annotated[datetime | None, typer.Option(parser=aware_datetime, metavar="DATE",
                                                          help="Depuis (ISO 8601 avec fuseau)")] = None) -> None:
    """Export an organisation's own events as JSON lines on standard output."""
    with acting(break_glass_role=Role.SECURITY_OFFICER) as (session, _, actor):
        for line in service.export_lines(session, actor=actor, organisation_id=organisation,
                                         since=since):
            sys.stdout.write(line + "\n")


@app.command("tail")
def tail(limit: LimitOpt = 20, output: OutputOpt = Output.table) -> None:
    """The newest journal entries."""
    with acting(break_glass_role=Role.SECURITY_OFFICER) as (session, _, actor):
        rows = [{"seq": e.seq, "at": e.occurred_at.isoformat(timespec="seconds"), "actor": e.actor_name,
                 "action": e.action, "target": e.target_id, "outcome": e.outcome}
                for e in service.search(session, actor=actor, limit=limit)]
    render(rows, output)
