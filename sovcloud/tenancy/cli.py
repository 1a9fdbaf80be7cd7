"""`sovcloud org …` and `sovcloud project …` commands."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, render
from sovcloud.tenancy import quotas, service
from sovcloud.tenancy.models import Organisation, Project

orgs = typer.Typer(help="Organisations (ministères, directions, services).", no_args_is_help=True)
projects = typer.Typer(help="Projets.", no_args_is_help=True)


def _org_row(o: Organisation) -> dict[str, object]:
    return {"id": o.id, "code": o.code, "name": o.name, "kind": o.kind, "parent_id": o.parent_id}


def _project_row(p: Project) -> dict[str, object]:
    return {"id": p.id, "name": p.name, "organisation": p.organisation.code, "description": p.description}


def organisation_ref(session: Session, code_or_id: str) -> uuid.UUID:
    """The id of an organisation named on the command line by its code or its id."""
    found = session.scalar(select(Organisation.id).where(Organisation.code == code_or_id.upper()))
    if found is not None:
        return found
    try:
        return uuid.UUID(code_or_id)
    except ValueError:
        raise typer.BadParameter(f"organisation inconnue : {code_or_id}") from None


@orgs.command("create")
def org_create(code: str, name: Annotated[str, typer.Option(help="Nom")],
               kind: Annotated[str, typer.Option(help="ministry | directorate | service")] = "ministry",
               parent: Annotated[str | None, typer.Option(help="Code ou id de l'organisation parente")] = None,
               output: OutputOpt = Output.table) -> None:
    """Create an organisation."""
    with acting() as (session, _, actor):
        parent_id = organisation_ref(session, parent) if parent else None
        org = service.create_organisation(session, actor=actor, name=name, code=code, kind=kind,
                                          parent_id=parent_id)
        render([_org_row(org)], output)


@orgs.command("list")
def org_list(output: OutputOpt = Output.table, search: str | None = None, limit: LimitOpt = 500) -> None:
    """List organisations."""
    with acting() as (session, _, actor):
        render([_org_row(o) for o in service.list_organisations(session, actor=actor, limit=limit,
                                                                 search=search)], output)


Qty = Annotated[int, typer.Argument(min=0, max=10**9)]


@orgs.command("quota")
def org_quota(org: str, vcpus: Qty, ram_mb: Qty, storage_gb: Qty, instances: Qty, public_ips: Qty,
              output: OutputOpt = Output.table) -> None:
    """Set an organisation's quota."""
    with acting() as (session, _, actor):
        limits = quotas.Limits(vcpus, ram_mb, storage_gb, instances, public_ips)
        quotas.set_quota(session, actor=actor, limits=limits, organisation_id=organisation_ref(session, org))
        render([{"organisation": org, **limits.__dict__}], output)


@projects.command("create")
def project_create(org: str, name: str, description: str = "", output: OutputOpt = Output.table) -> None:
    """Create a project in an organisation (code or id)."""
    with acting() as (session, _, actor):
        project = service.create_project(session, actor=actor, organisation_id=organisation_ref(session, org),
                                         name=name, description=description)
        render([_project_row(project)], output)


@projects.command("list")
def project_list(org: Annotated[str | None, typer.Option(help="Code ou id de l'organisation")] = None,
                 output: OutputOpt = Output.table, limit: LimitOpt = 500) -> None:
    """List projects."""
    with acting() as (session, _, actor):
        query = service.projects_query(actor, organisation_id=organisation_ref(session, org) if org else None)
        render([_project_row(p) for p in session.scalars(query.limit(limit))], output)
