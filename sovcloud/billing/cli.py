"""`sovcloud billing …` commands: usage, drafts (rating), invoices, issuing, credit notes, exports."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from sovcloud.billing import close, exports, metering, service
from sovcloud.billing.models import InvoiceStatus
from sovcloud.billing.periods import Month
from sovcloud.cli.common import Output, OutputOpt, acting, console, render
from sovcloud.clock import now
from sovcloud.tenancy.cli import organisation_ref

app = typer.Typer(help="Facturation : consommation, valorisation, factures et avoirs.", no_args_is_help=True)
MonthOpt = Annotated[str | None, typer.Option(help="Mois AAAA-MM (Europe/Paris ; défaut : le mois en cours)")]


def _month(month: str | None) -> str:
    return month or str(Month.of(now()))


@app.command("usage")
def usage(org: str, month: MonthOpt = None, output: OutputOpt = Output.table) -> None:
    """The usage intervals of a ministry over a month."""
    with acting() as (session, _, actor):
        rows = service.usage(session, actor=actor, organisation_id=organisation_ref(session, org), month=_month(month))
        render([{"ressource": u.name, "état": u.state, "Go": u.gb, "début": u.started_s, "fin": u.ended_s or ""}
                for u in rows], output)


@app.command("rate")
def rate(org: str, month: MonthOpt = None, output: OutputOpt = Output.table) -> None:
    """The draft invoice of a month, rated now (nothing is stored)."""
    with acting() as (session, _, actor):
        draft = service.draft(session, actor=actor, organisation_id=organisation_ref(session, org),
                              month=_month(month))
        render([{"projet": ln.project_name, "ressource": ln.resource_name, "offre": f"{ln.offering}/{ln.plan}",
                 "état": ln.state or ln.category, "heures": exports.hours(ln.seconds), "montant": ln.amount}
                for ln in draft.lines], output, title=f"Brouillon {draft.period} : {draft.total} €")


@app.command("meter")
def meter() -> None:
    """Meter usage now from the inventory's changes (finance)."""
    with acting() as (session, _, actor):
        report = metering.meter_now(session, actor=actor)
    console.print(f"{report.changes} changement(s) relevé(s), {report.intervals} intervalle(s) écrit(s).")


@app.command("invoices")
def invoices(org: Annotated[str | None, typer.Option(help="Ministère (code ou id)")] = None,
             month: Annotated[str | None, typer.Option(help="Mois AAAA-MM")] = None,
             output: OutputOpt = Output.table) -> None:
    """Issued invoices and credit notes in your scope."""
    with acting() as (session, _, actor):
        found = service.list_invoices(session, actor=actor, period=month,
                                      organisation_id=organisation_ref(session, org) if org else None)
        render([{"numéro": i.number, "type": i.kind, "période": i.period, "statut": i.status, "total": i.total,
                 "empreinte": i.content_hash[:16]} for i in found], output)


@app.command("issue")
def issue(org: str, month: Annotated[str, typer.Argument(help="Mois AAAA-MM, terminé")]) -> None:
    """Issue a ministry's invoice for a month that is over (finance)."""
    with acting() as (session, _, actor):
        invoice = service.issue_invoice(session, actor=actor, organisation_id=organisation_ref(session, org),
                                        month=month)
        console.print(f"Facture {invoice.number} émise : {invoice.total} € (SHA-256 {invoice.content_hash}).")


@app.command("credit")
def credit(number: str, reason: Annotated[str, typer.Option(help="Motif de l'avoir")],
           amount: Annotated[str | None, typer.Option(help="Montant en euros (défaut : tout le restant)")] = None
           ) -> None:
    """Issue a credit note (avoir) on an issued invoice (finance)."""
    try:
        value = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise typer.BadParameter(f"montant invalide : {amount}") from None
    with acting() as (session, _, actor):
        note = service.credit_invoice(session, actor=actor, number=number, reason=reason, amount=value)
        console.print(f"Avoir {note.number} émis sur {number} : {note.total} €.")


@app.command("settle")
def settle(number: str, status: Annotated[str, typer.Argument(help="paid | cancelled")]) -> None:
    """Mark an issued invoice paid or cancelled (finance)."""
    if status not in ("paid", "cancelled"):
        raise typer.BadParameter("paid ou cancelled")
    with acting() as (session, _, actor):
        service.settle_invoice(session, actor=actor, number=number, status=InvoiceStatus(status))
    console.print(f"{number} : {status}.")


@app.command("close")
def close_cmd(month: Annotated[str | None, typer.Option(help="Mois AAAA-MM (défaut : le mois précédent)")] = None
              ) -> None:
    """Run the monthly close now: meter, then issue every ministry's invoice of the month (finance)."""
    from sovcloud.access.roles import Permission
    from sovcloud.access.service import authorize
    from sovcloud.db import make_engine, make_sessionmaker

    with acting() as (_, settings, actor):
        authorize(actor, Permission.BILLING_ISSUE)
    engine = make_engine(settings.database_url)
    try:  # one transaction per ministry, as the periodic job does
        report = close.close_month(make_sessionmaker(engine), month=Month.parse(month) if month else None,
                                   actor=actor)
    finally:
        engine.dispose()
    console.print(f"Clôture {report.period} : {len(report.issued)} facture(s) émise(s) {' '.join(report.issued)}")


@app.command("export")
def export(month: Annotated[str | None, typer.Option(help="Mois AAAA-MM : tous les documents du mois")] = None,
           number: Annotated[str | None, typer.Option(help="Un seul document, par son numéro")] = None,
           format: Annotated[str, typer.Option(help="csv | json | pdf (pdf : un document)")] = "csv",
           out: Annotated[Path | None, typer.Option(help="Fichier à écrire (défaut : la sortie standard)")] = None
           ) -> None:
    """Export invoices as CSV or JSON (a month, or one document), or one document as PDF."""
    if (month is None) == (number is None):
        raise typer.BadParameter("--month ou --number, l'un des deux")
    with acting() as (session, _, actor):
        docs = ([service.get_invoice(session, actor=actor, number=number)] if number
                else service.list_invoices(session, actor=actor, period=month, limit=10000))
        if format == "pdf":
            if number is None:
                raise typer.BadParameter("le PDF se fait par document : --number")
            data: bytes = exports.to_pdf(docs[0], credited=service.credited_number(session, docs[0]))
        elif format in ("csv", "json"):
            data = (exports.to_csv(docs) if format == "csv" else exports.to_json(docs)).encode()
        else:
            raise typer.BadParameter("csv, json ou pdf")
    if out is None:
        typer.echo(data.decode() if format != "pdf" else "(PDF : donnez --out)")
    else:
        out.write_bytes(data)
        console.print(f"{out} écrit ({len(data)} octets).")


@app.command("imputation")
def imputation(project: str, programme: str = "", bop: str = "", uo: str = "", cost_centre: str = "") -> None:
    """Set a project's budget imputation (LOLF programme, BOP, UO, cost centre)."""
    import uuid

    with acting() as (session, _, actor):
        p = service.set_imputation(session, actor=actor, project_id=uuid.UUID(project), lolf_programme=programme,
                                   bop=bop, uo=uo, cost_centre=cost_centre)
        console.print(f"Imputation de {p.name} : {p.budget_code or '—'}.")
