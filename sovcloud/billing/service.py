"""Billing use cases: drafts rated on demand, issuing (frozen, hashed, numbered), credit notes, settlement,
and reading invoices and usage within the actor's scope.

Invoices are per ministry (a root organisation) and cover the projects of its whole tree; a sub-organisation
has no invoice of its own.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped, tenant_filter
from sovcloud.billing import guard, metering, numbering
from sovcloud.billing.errors import AlreadyInvoiced, MonthNotOver
from sovcloud.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberCounter,
    UsageInterval,
)
from sovcloud.billing.periods import Month
from sovcloud.billing.rating import Line, Rated, rate_month, round_cent
from sovcloud.clock import now
from sovcloud.errors import NotFound, ValidationFailed
from sovcloud.tenancy.models import Organisation, Project

guard.install()
LINES: Table = InvoiceLine.__table__  # type: ignore[assignment]
MAX_REASON = 500


def _org(session: Session, actor: Actor, organisation_id: uuid.UUID, permission: Permission) -> Organisation:
    org = scoped(session, Organisation, actor).get(organisation_id)
    authorize(actor, permission, org)
    return org


def _issued_invoice(session: Session, organisation_id: uuid.UUID, period: str) -> Invoice | None:
    return session.scalars(select(Invoice).where(
        Invoice.organisation_id == organisation_id, Invoice.period == period, Invoice.kind == DocumentKind.INVOICE,
        Invoice.status != InvoiceStatus.CANCELLED)).first()


def regularisations(session: Session, organisation_id: uuid.UUID, month: Month) -> list[Line]:
    """Lines correcting the previous month when it was invoiced and its usage has changed since (late usage):
    what it rates now minus what its invoice and any earlier regularisation billed, per resource and price."""
    previous = month.previous()
    invoice = _issued_invoice(session, organisation_id, str(previous))
    if invoice is None:
        return []
    billed: dict[tuple[object, ...], Decimal] = defaultdict(Decimal)
    for line in invoice.lines:
        if line.category in ("usage", "fee"):
            billed[_key(line.category, line)] += line.amount
    later = session.scalars(select(InvoiceLine).join(Invoice).where(
        Invoice.organisation_id == organisation_id, Invoice.status != InvoiceStatus.CANCELLED,
        InvoiceLine.category == "regularisation", InvoiceLine.period == str(previous)))
    for line in later:
        billed[_key(line.description.split(":", 1)[0], line)] += line.amount
    now_rated = rate_month(session, [organisation_id], previous)[organisation_id]
    out: list[Line] = []
    seen: set[tuple[object, ...]] = set()
    for rated in now_rated.lines:
        key = _key(rated.category, rated)
        seen.add(key)
        diff = rated.amount - billed.get(key, Decimal(0))
        if diff:
            out.append(_regularisation(rated, diff))
    for stored in invoice.lines:
        key = _key(stored.category, stored)
        if stored.category in ("usage", "fee") and key not in seen and billed[key]:
            seen.add(key)
            out.append(_regularisation(stored, -billed[key]))
    return out


def _key(category: str, line: Any) -> tuple[object, ...]:
    return (category, line.resource_id, line.plan, line.state, line.gb, line.price_list_id)


def _regularisation(line: Any, amount: Decimal) -> Line:
    category = line.category if line.category in ("usage", "fee") else "usage"
    return Line(category="regularisation", period=line.period, amount=amount, project_id=line.project_id,
                project_name=line.project_name, budget_code=line.budget_code, resource_id=line.resource_id,
                resource_name=line.resource_name, offering=line.offering, plan=line.plan, state=line.state,
                price_list_id=line.price_list_id, seconds=line.seconds, gb=line.gb,
                unit_per_hour=line.unit_per_hour, unit_per_gb_month=line.unit_per_gb_month,
                description=f"{category}: régularisation de {line.period}")


def compute_draft(session: Session, organisation_id: uuid.UUID, month: Month) -> Rated:
    """The draft of one organisation's month: its usage rated now, plus the regularisation of the previous
    month (not authorized: for services and the close job)."""
    until = int(now().timestamp())
    rated = rate_month(session, [organisation_id], month, until_s=until)[organisation_id]
    rated.lines += regularisations(session, organisation_id, month)
    return rated


def draft(session: Session, *, actor: Actor, organisation_id: uuid.UUID, month: str) -> Rated:
    """The draft invoice of an organisation for a month (rated now, never stored).

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not read its billing.
        ValidationFailed: not a month.
    """
    org = _org(session, actor, organisation_id, Permission.BILLING_READ)
    return compute_draft(session, org.id, Month.parse(month))


def content_hash(invoice: Invoice, lines: list[InvoiceLine] | list[dict[str, Any]]) -> str:
    """SHA-256 of the invoice's canonical content (header and lines, as stored; lines as rows or dicts)."""
    doc = {"number": invoice.number, "kind": str(invoice.kind), "organisation_id": str(invoice.organisation_id),
           "period": invoice.period, "currency": invoice.currency, "total": str(invoice.total),
           "credits_id": str(invoice.credits_id or ""), "reason": invoice.reason,
           "fields": _LINE_FIELDS,  # each line: its fields in this order, as text (Decimals at their stored scale)
           "lines": sorted(([str(_field(ln, k)) for k in _LINE_FIELDS] for ln in lines), key=lambda v: int(v[0]))}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def _field(line: Any, name: str) -> Any:
    return line[name] if isinstance(line, dict) else getattr(line, name)


_LINE_FIELDS = ("position", "category", "project_id", "project_name", "budget_code", "resource_id",
                "resource_name", "offering", "plan", "state", "price_list_id", "period", "seconds", "gb",
                "unit_per_hour", "unit_per_gb_month", "amount", "description")


def _store(session: Session, actor: Actor, *, organisation_id: uuid.UUID, period: str, kind: DocumentKind,
           lines: list[Line], number: str, credits_id: uuid.UUID | None = None, reason: str = "",
           load_lines: bool = True) -> Invoice:
    invoice = Invoice(id=uuid.uuid4(), organisation_id=organisation_id, kind=kind, period=period, number=number,
                      status=InvoiceStatus.ISSUED, credits_id=credits_id, reason=reason, currency="EUR",
                      total=sum((ln.amount for ln in lines), Decimal("0.00")), issued_at=now(),
                      issued_by=actor.username[:120])
    rows = [{"id": uuid.uuid4(), "created_at": invoice.issued_at, "invoice_id": invoice.id, "position": i,
             **{k: getattr(ln, k) for k in _LINE_FIELDS if k != "position"}} for i, ln in enumerate(lines, 1)]
    invoice.content_hash = content_hash(invoice, rows)
    session.add(invoice)
    session.flush()
    guard.allow_lines(session, invoice.id)
    if rows:  # in bulk: a month of a large ministry is thousands of lines
        session.execute(LINES.insert(), rows)
    if load_lines:
        session.refresh(invoice, ["lines"])
    else:  # loaded on first use, in this session (a month's close would hold every line in memory)
        session.expire(invoice, ["lines"])
    return invoice


def issue_invoice(session: Session, *, actor: Actor, organisation_id: uuid.UUID, month: str) -> Invoice:
    """Issue the invoice of an organisation for a month that is over: its lines, prices and hash frozen, the
    next gapless number of the year.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor is not finance there.
        ValidationFailed: not a month.
        MonthNotOver: the month is not over.
        AlreadyInvoiced: the month already has an invoice (not cancelled).
    """
    org = _org(session, actor, organisation_id, Permission.BILLING_ISSUE)
    if org.parent_id is not None:
        raise ValidationFailed("Les factures sont établies par ministère (organisation racine), pour toute son "
                               "arborescence.", field="organisation_id")
    period = Month.parse(month)
    at = now()
    if period.end > at:
        raise MonthNotOver(f"Le mois {period} n'est pas terminé : il se facture à partir du {period.end:%d/%m/%Y}.")
    counter = numbering.lock_counter(session, numbering.INVOICE, Month.of(at).year)
    existing = _issued_invoice(session, org.id, str(period))
    if existing is not None:
        raise AlreadyInvoiced(f"{org.name} a déjà la facture {existing.number} pour {period}.",
                              number=existing.number)
    return _issue(session, actor, org.id, period, compute_draft(session, org.id, period).lines, counter)


def _issue(session: Session, actor: Actor, org_id: uuid.UUID, period: Month, lines: list[Line],
           counter: NumberCounter, load_lines: bool = True) -> Invoice:
    invoice = _store(session, actor, organisation_id=org_id, period=str(period), kind=DocumentKind.INVOICE,
                     lines=lines, number=numbering.take(counter), load_lines=load_lines)
    audit.record(session, actor=actor, action="billing.invoice_issued", target=invoice, organisation_id=org_id,
                 details={"number": invoice.number, "period": invoice.period, "total": str(invoice.total),
                          "hash": invoice.content_hash, "lines": len(lines)})
    return invoice


def issue_month(session: Session, *, actor: Actor, month: str,
                organisation_ids: list[uuid.UUID] | None = None) -> list[Invoice]:
    """Issue, in one transaction and one rating pass, the invoices of a month that is over for these ministries
    (default: every ministry with usage then) that have none yet and something to bill (the monthly close).

    Raises:
        PermissionDenied: the actor is not finance of one of them.
        ValidationFailed: not a month.
        MonthNotOver: the month is not over.
    """
    period = Month.parse(month)
    at = now()
    if period.end > at:
        raise MonthNotOver(f"Le mois {period} n'est pas terminé : il se facture à partir du {period.end:%d/%m/%Y}.")
    wanted = organisation_ids if organisation_ids is not None else metering.organisations_with_usage(session, period)
    orgs = [_org(session, actor, org_id, Permission.BILLING_ISSUE) for org_id in sorted(wanted, key=str)]
    counter = numbering.lock_counter(session, numbering.INVOICE, Month.of(at).year)
    todo = [o for o in orgs if o.parent_id is None and _issued_invoice(session, o.id, str(period)) is None]
    rated = rate_month(session, [o.id for o in todo], period)
    issued = []
    for org in todo:
        lines = rated[org.id].lines + regularisations(session, org.id, period)
        if lines:
            issued.append(_issue(session, actor, org.id, period, lines, counter, load_lines=False))
    return issued


def credited(session: Session, invoice: Invoice) -> Decimal:
    """What credit notes already gave back on ``invoice`` (a positive amount)."""
    notes = session.scalars(select(Invoice).where(Invoice.credits_id == invoice.id,
                                                  Invoice.kind == DocumentKind.CREDIT_NOTE))
    return -sum((n.total for n in notes), Decimal(0))


def credit_invoice(session: Session, *, actor: Actor, number: str, reason: str,
                   amount: Decimal | None = None) -> Invoice:
    """Issue a credit note (avoir) on an issued invoice: ``amount`` euros back (all that is left by default),
    with its own number; the invoice itself is untouched.

    Raises:
        NotFound: no such invoice visible to the actor.
        PermissionDenied: the actor is not finance there.
        ValidationFailed: no reason, or an amount not positive, not in cents, or beyond what is left.
        Conflict: the document is a credit note or a cancelled invoice.
    """
    from sovcloud.errors import Conflict

    invoice = get_invoice(session, actor=actor, number=number)
    authorize(actor, Permission.BILLING_ISSUE, invoice)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(f"Motif de l'avoir : 1 à {MAX_REASON} caractères.", field="reason")
    if invoice.kind != DocumentKind.INVOICE or invoice.status == InvoiceStatus.CANCELLED:
        raise Conflict(f"{invoice.number} ne peut pas recevoir d'avoir (avoir, ou facture annulée).")
    counter = numbering.lock_counter(session, numbering.CREDIT_NOTE, Month.of(now()).year)
    left = invoice.total - credited(session, invoice)
    amount = left if amount is None else amount
    if amount <= 0 or amount != round_cent(amount) or amount > left:
        raise ValidationFailed(f"Montant de l'avoir : plus de 0 et au plus {left} € restant, au centime.",
                               field="amount")
    line = Line(category="credit", period=invoice.period, amount=-amount,
                description=f"Avoir sur {invoice.number} : {reason}"[:300])
    note = _store(session, actor, organisation_id=invoice.organisation_id, period=invoice.period,
                  kind=DocumentKind.CREDIT_NOTE, lines=[line], number=numbering.take(counter),
                  credits_id=invoice.id, reason=reason)
    audit.record(session, actor=actor, action="billing.credit_note_issued", target=note,
                 organisation_id=invoice.organisation_id,
                 details={"number": note.number, "invoice": invoice.number, "amount": str(amount), "reason": reason})
    return note


def credited_number(session: Session, invoice: Invoice) -> str:
    """The number of the invoice a credit note corrects ("" for an invoice)."""
    if invoice.credits_id is None:
        return ""
    other = session.get(Invoice, invoice.credits_id)
    return other.number if other else ""


def settle_invoice(session: Session, *, actor: Actor, number: str, status: InvoiceStatus) -> Invoice:
    """Mark an issued invoice paid or cancelled (nothing else of it changes).

    Raises:
        NotFound: no such invoice visible to the actor.
        PermissionDenied: the actor is not finance there.
        InvoiceFrozen: it is not in the issued state, or the status is not paid or cancelled.
    """
    invoice = get_invoice(session, actor=actor, number=number, for_update=True)
    authorize(actor, Permission.BILLING_ISSUE, invoice)
    before = invoice.status
    invoice.status, invoice.settled_at = status, now()
    session.flush()  # the guard refuses any other transition
    audit.record(session, actor=actor, action=f"billing.invoice_{status}", target=invoice,
                 organisation_id=invoice.organisation_id, details={"number": number, "from": str(before)})
    return invoice


def get_invoice(session: Session, *, actor: Actor, number: str, for_update: bool = False) -> Invoice:
    """One invoice or credit note by number.

    Raises:
        NotFound: no such document visible to the actor.
        PermissionDenied: the actor may not read billing there.
    """
    query = scoped(session, Invoice, actor).select().where(Invoice.number == number[:20])
    if for_update:
        query = query.with_for_update()
    invoice = session.scalars(query).unique().one_or_none()
    if invoice is None:
        raise NotFound(f"Facture {number[:20]} introuvable.")
    authorize(actor, Permission.BILLING_READ, invoice)
    return invoice


def list_invoices(session: Session, *, actor: Actor, organisation_id: uuid.UUID | None = None,
                  period: str | None = None, limit: int = 200) -> list[Invoice]:
    """Invoices and credit notes the actor may read, newest first.

    Raises:
        ValidationFailed: ``period`` is not a month.
    """
    query = select(Invoice).where(tenant_filter(actor, Invoice)).order_by(Invoice.issued_at.desc(), Invoice.number)
    if organisation_id is not None:
        query = query.where(Invoice.organisation_id == organisation_id)
    if period is not None:
        query = query.where(Invoice.period == str(Month.parse(period, "period")))
    found = list(session.scalars(query.limit(limit)).unique())
    from sovcloud.access.service import allows

    return [i for i in found if allows(actor, Permission.BILLING_READ, i.scope)]


def usage(session: Session, *, actor: Actor, organisation_id: uuid.UUID, month: str,
          limit: int = 1000) -> list[UsageInterval]:
    """The usage intervals of an organisation's projects overlapping a month.

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not read its billing.
    """
    org = _org(session, actor, organisation_id, Permission.BILLING_READ)
    period = Month.parse(month)
    return list(session.scalars(select(UsageInterval).where(
        UsageInterval.organisation_id == org.id, UsageInterval.started_s < period.end_s,
        UsageInterval.ended_s.is_(None) | (UsageInterval.ended_s > period.start_s))
        .order_by(UsageInterval.name, UsageInterval.started_s).limit(limit)))


def set_imputation(session: Session, *, actor: Actor, project_id: uuid.UUID, lolf_programme: str = "",
                   bop: str = "", uo: str = "", cost_centre: str = "") -> Project:
    """Set a project's budget imputation (LOLF programme, BOP, UO, cost centre).

    Raises:
        NotFound: the project is not visible to the actor.
        PermissionDenied: the actor may not update the project.
        ValidationFailed: a code too long or with characters other than letters, digits, "-", "_", ".".
    """
    project = scoped(session, Project, actor).get(project_id, for_update=True)
    authorize(actor, Permission.PROJECT_UPDATE, project)
    values = {"lolf_programme": (lolf_programme, 10), "bop": (bop, 40), "uo": (uo, 40),
              "cost_centre": (cost_centre, 40)}
    for name, (value, size) in values.items():
        value = (value or "").strip()
        if len(value) > size or any(not (ch.isalnum() or ch in "-_.") for ch in value):
            raise ValidationFailed(f"Code « {name} » : {size} caractères au plus, lettres, chiffres, - _ .",
                                   field=name)
        setattr(project, name, value)
    audit.record(session, actor=actor, action="billing.imputation_set", target=project,
                 details={k: getattr(project, k) for k in values})
    return project
