"""`sovcloud app …` commands: the registry, the life cycle, homologation dossiers, documents, conformity and
the portfolio, each as the authenticated user (an API token)."""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sovcloud.applications import conformity, documents, homologation, portfolio, service
from sovcloud.applications.choices import (
    Criticality,
    DataClassification,
    Decision,
    EnvironmentKind,
    Stage,
    StepKind,
    Verdict,
)
from sovcloud.applications.models import Application, Homologation
from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, render
from sovcloud.errors import ValidationFailed

app = typer.Typer(help="Applications, leur homologation et leur conformité.", no_args_is_help=True)


def _row(a: Application) -> dict[str, object]:
    return {"id": a.id, "code": a.code, "name": a.name, "stage": a.stage, "classification": a.classification,
            "criticality": a.criticality, "owner": a.owner_name,
            "environments": ",".join(e.kind for e in a.environments)}


def _dossier(h: Homologation) -> dict[str, object]:
    return {"id": h.id, "status": homologation.status_of(h), "authority": h.authority_name, "decided_on": h.decided_on,
            "expires_at": h.expires_at, "steps": ",".join(s.kind for s in h.steps if s.done_at)}


@app.command("create")
def create(project: Annotated[uuid.UUID, typer.Argument(help="Id du projet principal")],
           code: Annotated[str, typer.Option(help="Code court, unique dans l'organisation")],
           name: Annotated[str, typer.Option(help="Nom")],
           classification: DataClassification = DataClassification.STANDARD,
           criticality: Criticality = Criticality.MEDIUM,
           rto: Annotated[int, typer.Option(min=0, max=service.MAX_OBJECTIVE_MINUTES, help="RTO en minutes")] = 240,
           rpo: Annotated[int, typer.Option(min=0, max=service.MAX_OBJECTIVE_MINUTES, help="RPO en minutes")] = 60,
           owner: Annotated[uuid.UUID | None, typer.Option(help="Id du responsable métier (défaut : vous)")] = None,
           output: OutputOpt = Output.table) -> None:
    """Register an application (a candidate)."""
    with acting() as (session, _, actor):
        created = service.create_application(session, actor=actor, project_id=project, data=service.ApplicationIn(
            name=name, code=code, classification=classification, criticality=criticality, rto_minutes=rto,
            rpo_minutes=rpo, owner_id=owner))
        render([_row(created)], output)


@app.command("list")
def list_(stage: Annotated[Stage | None, typer.Option(help="Étape")] = None, search: str | None = None,
          limit: LimitOpt = 100, output: OutputOpt = Output.table) -> None:
    """Applications, by name."""
    with acting() as (session, _, actor):
        query = service.applications_query(actor, stage=stage, search=search)
        render([_row(a) for a in session.scalars(query.limit(limit))], output)


@app.command("show")
def show(application: uuid.UUID, output: OutputOpt = Output.table) -> None:
    """One application and its dossiers."""
    with acting() as (session, _, actor):
        found = service.get_application(session, actor=actor, application_id=application)
        render([_row(found)], output)
        render([_dossier(h) for h in homologation.dossiers(session, actor=actor, application_id=application)], output)


@app.command("stage")
def stage(application: uuid.UUID, to: Stage, comment: str = "", output: OutputOpt = Output.table) -> None:
    """Move an application along its life cycle."""
    with acting() as (session, _, actor):
        render([_row(service.change_stage(session, actor=actor, application_id=application, to=to,
                                          comment=comment))], output)


@app.command("env")
def env(application: uuid.UUID, kind: EnvironmentKind,
        project: Annotated[uuid.UUID | None, typer.Option(help="Projet de l'environnement (défaut : le principal)")]
        = None, link: Annotated[list[uuid.UUID] | None, typer.Option(help="Ressource à rattacher (répétable)")] = None,
        output: OutputOpt = Output.table) -> None:
    """Declare an environment, and link resources of its project to it."""
    with acting() as (session, _, actor):
        found = service.set_environment(session, actor=actor, application_id=application, kind=kind,
                                        project_id=project)
        if link:
            service.link_resources(session, actor=actor, application_id=application, environment_id=found.id,
                                   resource_ids=link)
        render([{"id": found.id, "kind": found.kind, "project_id": found.project_id, "linked": len(link or [])}],
               output)


@app.command("step")
def step(application: uuid.UUID, dossier: uuid.UUID, kind: StepKind, note: str = "",
         output: OutputOpt = Output.table) -> None:
    """Mark a step of a homologation dossier done."""
    with acting() as (session, _, actor):
        render([_dossier(homologation.complete_step(session, actor=actor, application_id=application,
                                                    homologation_id=dossier, step=kind, note=note))], output)


@app.command("decide")
def decide(application: uuid.UUID, dossier: uuid.UUID, decision: Decision,
           authority: Annotated[str, typer.Option(help="Nom de l'autorité d'homologation")],
           function: Annotated[str, typer.Option(help="Sa fonction")],
           decided_on: Annotated[str, typer.Option(help="Date de la décision, AAAA-MM-JJ")],
           months: Annotated[int | None, typer.Option(min=6, max=36, help="Validité en mois (6 à 36)")] = None,
           output: OutputOpt = Output.table) -> None:
    """Record the homologation authority's decision (security officers)."""
    try:
        day = date.fromisoformat(decided_on)
    except ValueError:
        raise typer.BadParameter("date attendue : AAAA-MM-JJ", param_hint="--decided-on") from None
    with acting() as (session, _, actor):
        render([_dossier(homologation.decide(session, actor=actor, application_id=application,
                                             homologation_id=dossier, decision=decision, authority_name=authority,
                                             authority_function=function, decided_on=day,
                                             validity_months=months))], output)


@app.command("attach")
def attach(application: uuid.UUID, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
           dossier: Annotated[uuid.UUID | None, typer.Option(help="Dossier d'homologation")] = None,
           check: Annotated[uuid.UUID | None, typer.Option(help="Contrôle de conformité")] = None,
           kind: Annotated[StepKind | None, typer.Option("--step", help="Étape du dossier")] = None,
           output: OutputOpt = Output.table) -> None:
    """Attach a file to a dossier or a conformity check; prints its SHA-256."""
    if file.stat().st_size > documents.MAX_BYTES:
        raise ValidationFailed(f"Document de {documents.MAX_BYTES // 1024} Kio au plus.", field="file")
    content = file.read_bytes()
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with acting() as (session, _, actor):
        doc = documents.attach(session, actor=actor, application_id=application, filename=file.name,
                               media_type=media_type, content=content, homologation_id=dossier, step=kind,
                               conformity_check_id=check)
        render([{"id": doc.id, "filename": doc.filename, "size": doc.size_bytes, "sha256": doc.sha256}], output)


@app.command("verify")
def verify(application: uuid.UUID, document: uuid.UUID, file: Annotated[Path, typer.Argument(exists=True)],
           output: OutputOpt = Output.table) -> None:
    """Compare a local file with a stored document by their SHA-256 (exit 1 when they differ)."""
    local = hashlib.sha256(file.read_bytes()).hexdigest()
    with acting() as (session, _, actor):
        doc = documents.get_document(session, actor=actor, application_id=application, document_id=document)
        same = doc.sha256 == local == hashlib.sha256(doc.content).hexdigest()
        render([{"document": doc.filename, "stored": doc.sha256, "local": local, "same": same}], output)
    if not same:
        raise typer.Exit(1)


@app.command("check")
def check(application: uuid.UUID, offering: uuid.UUID, criterion: str,
          evidence: Annotated[str | None, typer.Option(help="Lien de preuve (exécution de pipeline…)")] = None,
          output: OutputOpt = Output.table) -> None:
    """Add a criterion to the conformity checklist."""
    with acting() as (session, _, actor):
        c = conformity.add_check(session, actor=actor, application_id=application, offering_id=offering,
                                 criterion=criterion, evidence_url=evidence)
        render([{"id": c.id, "criterion": c.criterion, "verdict": c.verdict}], output)


@app.command("review")
def review(application: uuid.UUID, check_id: uuid.UUID, verdict: Verdict, comment: str = "",
           output: OutputOpt = Output.table) -> None:
    """Give the verdict on a conformity check."""
    with acting() as (session, _, actor):
        c = conformity.review(session, actor=actor, application_id=application, check_id=check_id, verdict=verdict,
                              comment=comment)
        render([{"id": c.id, "criterion": c.criterion, "verdict": c.verdict, "reviewer": c.reviewer_name}], output)


@app.command("portfolio")
def show_portfolio(organisation: Annotated[uuid.UUID | None, typer.Option(help="Id d'organisation")] = None,
                   output: OutputOpt = Output.table) -> None:
    """Applications with their stage, homologation, resources and monthly cost."""
    with acting() as (session, _, actor):
        p = portfolio.portfolio(session, actor=actor, organisation_id=organisation)
        render([{"code": ln.application.code, "organisation": ln.organisation_code, "stage": ln.application.stage,
                 "homologation": ln.homologation or "", "expires_at": ln.expires_at or "", "resources": ln.resources,
                 "EUR/mois": ln.monthly_cost} for ln in p.lines], output)
