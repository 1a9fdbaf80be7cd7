"""`sovcloud site …` commands (operators), and `sovcloud backup` / `sovcloud restore`."""

from __future__ import annotations

from typing import Annotated

import typer

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
