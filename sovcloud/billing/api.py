"""Billing routes: usage, drafts, invoices and credit notes, settlement, metering, exports, imputation.

Documents are named by their number (a query or body field); organisations and projects by id in the path,
so the cross-tenant walk covers every route naming another tenant's object."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.billing import exports, metering, service
from sovcloud.billing.models import InvoiceStatus
from sovcloud.billing.periods import Month
from sovcloud.billing.schemas import (
    CreditIn,
    DraftRead,
    ImputationIn,
    ImputationRead,
    InvoiceRead,
    InvoiceSummary,
    IssueIn,
    MeterRead,
    SettleIn,
    UsageRead,
)
from sovcloud.clock import now

router = APIRouter(prefix="/billing", tags=["billing"])
MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", max_length=7,
                                         description="Europe/Paris month YYYY-MM (default: the current one)")]
NumberQuery = Annotated[str, Query(min_length=1, max_length=20, description="Invoice or credit note number")]
FormatQuery = Annotated[Literal["json", "csv", "pdf"], Query(description="Document format")]


def _month(month: str | None) -> str:
    return month or str(Month.of(now()))


@router.get("/organisations/{organisation_id}/usage", response_model=list[UsageRead])
def usage(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor, month: MonthQuery = None,
          limit: Annotated[int, Query(ge=1, le=5000, description="At most this many intervals")] = 1000
          ) -> list[UsageRead]:
    """The usage intervals of an organisation's projects over a month."""
    return [UsageRead.of(u) for u in service.usage(session, actor=actor, organisation_id=organisation_id,
                                                    month=_month(month), limit=limit)]


@router.get("/organisations/{organisation_id}/draft", response_model=DraftRead)
def draft(organisation_id: uuid.UUID, session: DbSession, actor: CurrentActor, month: MonthQuery = None) -> DraftRead:
    """The draft invoice of a month, rated now from the metered usage (never stored)."""
    return DraftRead.of(service.draft(session, actor=actor, organisation_id=organisation_id, month=_month(month)))


@router.post("/organisations/{organisation_id}/invoices", response_model=InvoiceRead,
             status_code=status.HTTP_201_CREATED)
def issue(organisation_id: uuid.UUID, body: IssueIn, session: DbSession, actor: CurrentActor) -> InvoiceRead:
    """Issue the invoice of a month that is over (finance): frozen, hashed, numbered."""
    return InvoiceRead.of(service.issue_invoice(session, actor=actor, organisation_id=organisation_id,
                                                month=body.month))


@router.get("/invoices", response_model=list[InvoiceSummary])
def list_invoices(session: DbSession, actor: CurrentActor,
                  organisation_id: Annotated[uuid.UUID | None, Query(description="Only this organisation")] = None,
                  period: MonthQuery = None) -> list[InvoiceSummary]:
    """Invoices and credit notes the caller may read, newest first."""
    return [InvoiceSummary.model_validate(i) for i in service.list_invoices(
        session, actor=actor, organisation_id=organisation_id, period=period)]


@router.get("/invoice", response_model=InvoiceRead, responses={200: {"content": {
    "text/csv": {}, "application/pdf": {}}}})
def get_invoice(number: NumberQuery, session: DbSession, actor: CurrentActor,
                format: FormatQuery = "json") -> Response:
    """One invoice or credit note, as JSON, CSV or PDF."""
    invoice = service.get_invoice(session, actor=actor, number=number)
    if format == "csv":
        return Response(exports.to_csv([invoice]), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{invoice.number}.csv"'})
    if format == "pdf":
        credited = service.credited_number(session, invoice)
        return Response(exports.to_pdf(invoice, credited=credited), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{invoice.number}.pdf"'})
    return Response(InvoiceRead.of(invoice).model_dump_json(), media_type="application/json")


@router.get("/export")
def export(session: DbSession, actor: CurrentActor,
           month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", max_length=7, description="YYYY-MM")],
           format: Annotated[Literal["json", "csv"], Query(description="Export format")] = "csv") -> Response:
    """Every issued document of a month the caller may read (all its organisations), as CSV or JSON."""
    invoices = service.list_invoices(session, actor=actor, period=month, limit=10000)
    if format == "json":
        return Response(exports.to_json(invoices), media_type="application/json")
    return Response(exports.to_csv(invoices), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="sovcloud-{month}.csv"'})


@router.post("/credit-notes", response_model=InvoiceRead, status_code=status.HTTP_201_CREATED)
def credit(body: CreditIn, session: DbSession, actor: CurrentActor) -> InvoiceRead:
    """Issue a credit note (avoir) on an issued invoice (finance)."""
    return InvoiceRead.of(service.credit_invoice(session, actor=actor, number=body.number, reason=body.reason,
                                                 amount=body.amount))


@router.post("/settlements", response_model=InvoiceSummary)
def settle(body: SettleIn, session: DbSession, actor: CurrentActor) -> InvoiceSummary:
    """Mark an issued invoice paid or cancelled (finance)."""
    return InvoiceSummary.model_validate(service.settle_invoice(session, actor=actor, number=body.number,
                                                                status=InvoiceStatus(body.status)))


@router.post("/meter", response_model=MeterRead)
def meter(session: DbSession, actor: CurrentActor) -> MeterRead:
    """Meter usage now (finance); the workers also do it periodically."""
    report = metering.meter_now(session, actor=actor)
    return MeterRead(changes=report.changes, intervals=report.intervals)


@router.put("/projects/{project_id}/imputation", response_model=ImputationRead)
def set_imputation(project_id: uuid.UUID, body: ImputationIn, session: DbSession,
                   actor: CurrentActor) -> ImputationRead:
    """Set a project's budget imputation (LOLF programme, BOP, UO, cost centre)."""
    return ImputationRead.model_validate(service.set_imputation(session, actor=actor, project_id=project_id,
                                                                **body.model_dump()))
