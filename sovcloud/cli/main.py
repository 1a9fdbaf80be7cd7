"""The `sovcloud` command tree: assembles the commands the contexts offer."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from sovcloud.applications.cli import app as applications_app
from sovcloud.audit.cli import app as audit_app
from sovcloud.billing.cli import app as billing_app
from sovcloud.catalog.cli import app as catalog_app
from sovcloud.cli.common import Output, OutputOpt, console, render, set_credentials, unit_of_work
from sovcloud.config import Settings, get_settings
from sovcloud.identity.cli import app as user_app
from sovcloud.identity.sso_cli import app as sso_app
from sovcloud.orders.cli import orders as orders_app
from sovcloud.orders.cli import policy as policy_app
from sovcloud.orders.cli import resources as resources_app
from sovcloud.provisioning.cli import steps as steps_app
from sovcloud.provisioning.cli import worker
from sovcloud.resilience.cli import backup_command, restore_command
from sovcloud.resilience.cli import sites as sites_app
from sovcloud.supervision.cli import app as alerts_app
from sovcloud.tenancy.cli import orgs, projects

app = typer.Typer(help="sovcloud — plateforme de cloud souverain.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Base de données.", no_args_is_help=True)
demo_app = typer.Typer(help="Données de démonstration.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)


@app.callback()
def identity(
    token: Annotated[str | None, typer.Option(
        "--token", envvar="SOVCLOUD_TOKEN", show_envvar=True,
        help="Jeton d'API de l'utilisateur qui agit (ses droits, règle MFA comprise)")] = None,
    break_glass: Annotated[str | None, typer.Option(
        "--break-glass", envvar="SOVCLOUD_BREAK_GLASS", metavar="MOTIF",
        help="Bris de glace : agir en exploitant sans jeton, journalisé avec votre identifiant système et ce motif")]
        = None,
) -> None:
    """sovcloud — plateforme de cloud souverain. Les commandes qui touchent aux objets des organisations
    s'authentifient : --token (ou SOVCLOUD_TOKEN), ou --break-glass "motif"."""
    set_credentials(token, break_glass)


app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(config_app, name="config")
app.add_typer(user_app, name="user")
app.add_typer(sso_app, name="sso")
app.add_typer(orgs, name="org")
app.add_typer(projects, name="project")
app.add_typer(audit_app, name="audit")
app.add_typer(orders_app, name="order")
app.add_typer(policy_app, name="policy")
app.add_typer(resources_app, name="resource")
app.add_typer(steps_app, name="steps")
app.command("worker")(worker)
app.add_typer(catalog_app, name="catalog")
app.add_typer(sites_app, name="site")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(alerts_app, name="alerts")
app.add_typer(billing_app, name="billing")
app.add_typer(applications_app, name="app")


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="Adresse d'écoute")] = None,
          port: Annotated[int | None, typer.Option(help="Port (SOVCLOUD_PORT)")] = None,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Processus API derrière ce port")] = 1) -> None:
    """Serve the API (and portal) after bringing the schema up to date; in the embedded mode, run and
    supervise the worker too (restarted if it dies, stopped with the server on SIGTERM or SIGINT)."""
    import uvicorn

    from sovcloud import logs
    from sovcloud.api.app import create_app
    from sovcloud.migrate import upgrade
    from sovcloud.provisioning.supervisor import EmbeddedWorker

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    upgrade(settings.database_url)
    _first_start_sites(settings)
    # uvicorn stops on SIGTERM, then raises it again once its handlers are removed: without a handler of
    # ours that would end the process at once, before the embedded worker is stopped (an orphan per restart)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    options = {"host": host or settings.host, "port": port or settings.port, "log_config": None,
               "proxy_headers": False}
    embedded: EmbeddedWorker | None = None
    try:
        if workers > 1:  # several API processes: each builds its app from the environment
            from sovcloud.supervision.metrics_http import MULTIPROC_ENV, prepare_multiprocess

            # their HTTP metrics summed across them by whichever answers a scrape (the directory named by
            # PROMETHEUS_MULTIPROC_DIR when the environment gives one, else metrics_dir)
            prepare_multiprocess(Path(os.environ.get(MULTIPROC_ENV) or settings.metrics_dir))
            if settings.embedded_worker:
                embedded = EmbeddedWorker()
                embedded.start()
            uvicorn.run("sovcloud.api.app:create_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]
            return
        application = create_app(settings)
        if settings.embedded_worker:
            embedded = EmbeddedWorker(application.state.sessions)
            application.state.embedded_worker = embedded  # /healthz shows it
            embedded.start()
        uvicorn.run(application, **options)  # type: ignore[arg-type]
    finally:
        if embedded is not None:
            embedded.stop()


def _first_start_sites(settings: Settings) -> None:
    """At the first start, the sites are the provider's zones (later, ``sovcloud site sync``)."""
    from sovcloud.resilience.seed import provider_zones, seed_at_first_start

    with unit_of_work(settings) as (session, _):
        seed_at_first_start(session, zones=lambda: provider_zones(settings))


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations."""
    from sovcloud.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    console.print(f"Schéma à jour ({revision}).")


@demo_app.command("seed")
def demo_seed(output: OutputOpt = Output.table) -> None:
    """Create demo ministries, projects and users (once)."""
    from sovcloud import demo
    from sovcloud.migrate import upgrade
    from sovcloud.resilience.seed import provider_zones

    upgrade(get_settings().database_url)
    zones = provider_zones(get_settings())
    with unit_of_work() as (session, settings):
        result = demo.seed(session, settings=settings, zones=zones)
    if output is Output.json:
        render([{"username": u, "role": r, "totp": t} for u, r, t in result.users], output)
        return
    console.print("Données de démonstration " + ("créées." if result.created else "déjà présentes."))
    render([{"identifiant": u, "rôle": r, "second facteur": "TOTP (sovcloud demo totp " + u + ")" if t else "—"}
            for u, r, t in result.users], output, title=f"Mot de passe de tous : {demo.DEMO_PASSWORD}")


@demo_app.command("totp")
def demo_totp(username: str) -> None:
    """Print the current TOTP code of a demo administrator."""
    from sovcloud import demo

    print(demo.demo_code(username))


@config_app.command("sample")
def config_sample() -> None:
    """Print a sample environment file generated from the settings' declarations."""
    import json

    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else "(generated under var/)"
        if isinstance(default, list | tuple | dict):
            default = json.dumps(default)  # complex values are read from the environment as JSON
        print(f"# {field.description}\n# SOVCLOUD_{name.upper()}={default}\n")


def main() -> None:  # pragma: no cover
    app()
