"""Invoices as CSV, JSON and PDF. The PDF is WeasyPrint's rendering of the portal's own template
(``web/templates/billing/document.html``, inside a print page), so the page and the PDF never differ."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from sovcloud.billing.models import Invoice
from sovcloud.billing.schemas import InvoiceRead, subtotals

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "billing"
COLUMNS = ["number", "kind", "organisation_id", "period", "status", "position", "category", "line_period",
           "project_name", "budget_code", "resource_id", "resource_name", "offering", "plan", "state", "seconds",
           "gb", "unit_per_hour", "unit_per_gb_month", "amount", "description"]


def hours(seconds: int) -> str:
    return str((Decimal(seconds) / 3600).quantize(Decimal("0.01")))


def document_context(invoice: Invoice, *, credited: str = "", lang_: Any = None) -> dict[str, Any]:
    """What ``document.html`` shows."""
    return {"doc": invoice, "org_name": invoice.organisation.name, "lines": invoice.lines,
            "issued": invoice.issued_at.strftime("%d/%m/%Y %H:%M UTC"), "credited": credited,
            "by_offering": subtotals(invoice.lines, "offering"), "by_budget": subtotals(invoice.lines, "budget_code"),
            "hours": hours, "_": lang_ or (lambda text: text)}


def to_csv(invoices: list[Invoice]) -> str:
    """One row per line of each document (semicolon-separated, as French spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for inv in invoices:
        for ln in inv.lines:
            writer.writerow([inv.number, inv.kind, inv.organisation_id, inv.period, inv.status, ln.position,
                             ln.category, ln.period, ln.project_name, ln.budget_code, ln.resource_id or "",
                             ln.resource_name, ln.offering, ln.plan, ln.state, ln.seconds, ln.gb, ln.unit_per_hour,
                             ln.unit_per_gb_month, ln.amount, ln.description])
    return out.getvalue()


def to_json(invoices: list[Invoice]) -> str:
    return json.dumps([InvoiceRead.of(i).model_dump(mode="json") for i in invoices], ensure_ascii=False, indent=1)


_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def to_pdf(invoice: Invoice, *, credited: str = "") -> bytes:
    """The PDF of one document."""
    from weasyprint import HTML  # imported on use: it loads pango, which the API does not need otherwise

    html = _ENV.get_template("print.html").render(**document_context(invoice, credited=credited))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
