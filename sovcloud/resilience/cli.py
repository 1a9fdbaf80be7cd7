"""`sovcloud site …` commands (operators), and `sovcloud backup` / `sovcloud restore` (the platform's state)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sovcloud.access.actor import Actor
from sovcloud.cli.common import Output, OutputOpt, acting, console, render
from sovcloud.resilience import service
from sovcloud.resilience.models import Site, SiteState

sites = typer.Typer(help="Sites (zones de disponibilité) : où la plateforme fonctionne.", no_args_is_help=True)

def _row(site: Site) -> dict[str, str]:
    return service.describe(site)


@sites.command("list")
def list_sites(output: OutputOpt = Output.table) -> None:
    """Every site, where it is and its state."""
    with acting() as (session, _, actor):
        rows = [_row(s) for s in service.list_sites(session, actor=actor)]
    render(rows, output, columns=["name", "label", "region", "location", "availability_zone", "storage_backend",
                                  "state"])


@sites.command("add")
def add(name: Annotated[str, typer.Argument(help="Nom stable, ex. site-c")],
        label: Annotated[str, typer.Option(help="Libellé")] = "",
        region: Annotated[str, typer.Option(help="Région")] = "",
        location: Annotated[str, typer.Option(help="Ville ou centre de données")] = "",
        zone: Annotated[str, typer.Option("--zone", help="Zone de disponibilité du fournisseur (défaut : le nom)")]
        = "",
        storage: Annotated[str, typer.Option("--storage", help="Stockage, ex. ceph-c")] = "",
        state: Annotated[SiteState, typer.Option(help="active | draining | down")] = SiteState.ACTIVE,
        output: OutputOpt = Output.table) -> None:
    """Add a site."""
    with acting() as (session, _, actor):
        site = service.create_site(session, actor=actor, name=name, label=label, region=region, location=location,
                                   availability_zone=zone, storage_backend=storage, state=state)
        row = _row(site)
    render([row], output)


@sites.command("set")
def set_site(name: Annotated[str, typer.Argument(help="Nom du site")],
             label: Annotated[str | None, typer.Option(help="Libellé")] = None,
             region: Annotated[str | None, typer.Option(help="Région")] = None,
             location: Annotated[str | None, typer.Option(help="Ville ou centre de données")] = None,
             zone: Annotated[str | None, typer.Option("--zone", help="Zone de disponibilité")] = None,
             storage: Annotated[str | None, typer.Option("--storage", help="Stockage")] = None,
             state: Annotated[SiteState | None, typer.Option(help="active | draining | down")] = None,
             output: OutputOpt = Output.table) -> None:
    """Describe a site again, drain it, put it down or back in service."""
    with acting() as (session, _, actor):
        site = service.update_site(session, actor=actor, name=name, label=label, region=region, location=location,
                                   availability_zone=zone, storage_backend=storage, state=state)
        row = _row(site)
    render([row], output)


@sites.command("sync")
def sync(output: OutputOpt = Output.table) -> None:
    """Add a site for each availability zone of the provider not yet known."""
    from sovcloud.provisioning.runtime import make_provider
    from sovcloud.resilience.seed import seed_from_provider

    with acting() as (session, settings, actor):
        added = [_row(s) for s in seed_from_provider(session, actor=actor, provider=make_provider(settings))]
    if not added:
        console.print("Aucune nouvelle zone.")
        return
    render(added, output)


def backup_command(file: Annotated[Path, typer.Argument(help="Fichier de sauvegarde à écrire (absent)")],
                   output: OutputOpt = Output.table) -> None:
    """Back up the platform's database (SQLite: online backup; PostgreSQL: pg_dump -Fc), verify it (schema
    revision, rows per table, audit chain), write its manifest beside it, and journal it."""
    from sovcloud.resilience import backup

    with acting() as (session, settings, actor):
        manifest = backup.write_backup(actor=actor, database_url=settings.database_url, path=file)
        backup.journal_backup(session, actor=actor, path=file, manifest=manifest)
    _summary(file, manifest, output, "Sauvegarde vérifiée")


def restore_command(file: Annotated[Path, typer.Argument(help="Sauvegarde écrite par sovcloud backup")],
                    reason: Annotated[str, typer.Option("--reason", max=500, help="Motif, journalisé")] = "",
                    output: OutputOpt = Output.table) -> None:
    """Restore a backup into the configured database, which must be empty (like ``db upgrade``, this needs
    only the database's credentials: there is nobody to log in as yet); checks the file against its
    manifest and the restored database against it, then journals the restore with your system login."""
    from sovcloud import audit
    from sovcloud.cli.common import errors, os_login
    from sovcloud.config import get_settings
    from sovcloud.errors import DomainError
    from sovcloud.resilience import backup

    settings = get_settings()
    audit.service.configure(settings.secret_key.get_secret_value(), anchor_path=settings.audit_anchor_path,
                            anchor_interval_s=settings.audit_anchor_interval_s)
    actor = Actor.system(f"restore:{os_login()}")
    try:
        manifest = backup.restore_backup(actor=actor, database_url=settings.database_url, path=file, reason=reason)
    except DomainError as exc:
        errors.print(f"[bold red]Erreur[/] ({exc.code}) : {exc.detail}")
        raise typer.Exit(1) from exc
    _summary(file, manifest, output, "Restauration vérifiée")


def _summary(file: Path, manifest: Any, output: Output, title: str) -> None:
    row = {"file": str(file), "backend": manifest.backend, "revision": manifest.revision,
           "rows": sum(manifest.rows.values()), "audit_entries": manifest.audit_entries,
           "audit_head": manifest.audit_head, "sha256": manifest.sha256}
    render([row], output, title=title)
