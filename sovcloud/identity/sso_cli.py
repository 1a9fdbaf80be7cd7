"""`sovcloud sso …` commands: the operators' ProConnect mappings and just-in-time settings."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, render
from sovcloud.identity import federation
from sovcloud.identity.models import OrgMapping

app = typer.Typer(help="ProConnect : rattachement des agents aux organisations.", no_args_is_help=True)


def _row(m: OrgMapping) -> dict[str, object]:
    return {"id": m.id, "kind": m.kind, "value": m.value, "organisation_id": m.organisation_id}


@app.command("map")
def map_(kind: Annotated[str, typer.Argument(help="siret ou domain")],
         value: Annotated[str, typer.Argument(help="SIRET (14 chiffres) ou domaine de messagerie")],
         organisation: Annotated[uuid.UUID, typer.Option(help="Identifiant de l'organisation")],
         output: OutputOpt = Output.table) -> None:
    """Map a SIRET or an e-mail domain to an organisation."""
    with acting() as (session, _settings, actor):
        render([_row(federation.add_mapping(session, actor=actor, kind=kind, value=value,
                                            organisation_id=organisation))], output)


@app.command("unmap")
def unmap(mapping_id: uuid.UUID) -> None:
    """Remove a mapping."""
    with acting() as (session, _settings, actor):
        federation.remove_mapping(session, actor=actor, mapping_id=mapping_id)


@app.command("list")
def list_(limit: LimitOpt = 100, output: OutputOpt = Output.table) -> None:
    """List the mappings."""
    with acting() as (session, _settings, actor):
        render([_row(m) for m in federation.list_mappings(session, actor=actor, limit=limit)], output)


@app.command("jit")
def jit(organisation: Annotated[uuid.UUID, typer.Argument(help="Identifiant de l'organisation")],
        allowed: Annotated[bool, typer.Option("--allow/--deny", help="Créer les comptes à la première connexion")],
        role: Annotated[str, typer.Option(help="Rôle donné sur l'organisation")] = "viewer",
        output: OutputOpt = Output.table) -> None:
    """Say whether an organisation's agents get an account at their first ProConnect login."""
    with acting() as (session, _settings, actor):
        org = federation.set_jit_policy(session, actor=actor, organisation_id=organisation, allowed=allowed,
                                        role=role)
        render([{"organisation_id": org.id, "allowed": org.sso_jit_allowed, "role": org.sso_jit_role}], output)
