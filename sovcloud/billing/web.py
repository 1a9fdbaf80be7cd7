"""Portal pages of billing: the invoices and credit notes a finance user or an organisation admin may read,
one document (the same template as its PDF), and its PDF and CSV downloads."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.billing import exports, service
from sovcloud.web import i18n
from sovcloud.web.common import PortalRoute, acting, render

router = APIRouter(route_class=PortalRoute)


@router.get("/billing")
def invoices(request: Request) -> Response:
    """Issued invoices and credit notes in the actor's scope, newest first."""
    with acting(request) as (session, actor):
        docs = service.list_invoices(session, actor=actor, limit=200)
        return render(request, "billing/index.html", {"docs": docs})


@router.get("/billing/invoices/{number}")
def invoice(request: Request, number: str) -> Response:
    """One document, as its PDF shows it."""
    with acting(request) as (session, actor):
        doc = service.get_invoice(session, actor=actor, number=number)
        context = exports.document_context(doc, credited=service.credited_number(session, doc),
                                           lang_=i18n.translator(i18n.language(request)))
        return render(request, "billing/invoice.html", context)


@router.get("/billing/invoices/{number}/pdf")
def invoice_pdf(request: Request, number: str) -> Response:
    """The document as PDF."""
    with acting(request) as (session, actor):
        doc = service.get_invoice(session, actor=actor, number=number)
        data, name = exports.to_pdf(doc, credited=service.credited_number(session, doc)), doc.number
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@router.get("/billing/invoices/{number}/csv")
def invoice_csv(request: Request, number: str) -> Response:
    """The document's lines as CSV."""
    with acting(request) as (session, actor):
        doc = service.get_invoice(session, actor=actor, number=number)
        data, name = exports.to_csv([doc]), doc.number
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
