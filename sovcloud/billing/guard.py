"""Issued invoices never change: a flush guard refuses, for any writer (a route, a service, a script through
the ORM), every change to a stored invoice's frozen columns or lines, and every bulk statement on them. Only
the settlement — ``status`` from issued to paid or cancelled, with ``settled_at`` — may be written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session

from sovcloud.billing.errors import InvoiceFrozen
from sovcloud.billing.models import Invoice, InvoiceLine, InvoiceStatus

SETTLEMENT = {"status", "settled_at"}
ALLOWED = {(InvoiceStatus.ISSUED, InvoiceStatus.PAID), (InvoiceStatus.ISSUED, InvoiceStatus.CANCELLED)}


def _refuse(what: str) -> InvoiceFrozen:
    return InvoiceFrozen(f"Une facture émise ne se modifie pas ({what}) : émettez un avoir qui la corrige.")


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, (Invoice, InvoiceLine)):
            raise _refuse("suppression")
    for obj in session.dirty:
        if isinstance(obj, InvoiceLine) and session.is_modified(obj):
            raise _refuse("ligne")
        if isinstance(obj, Invoice) and session.is_modified(obj):
            state = sa_inspect(obj)
            changed = {a.key for a in state.attrs if a.history.has_changes() and a.key != "lines"}
            if changed - SETTLEMENT:
                raise _refuse(", ".join(sorted(changed - SETTLEMENT)))
            history = state.attrs.status.history
            if history.has_changes():
                before = InvoiceStatus(history.deleted[0]) if history.deleted else None
                if (before, InvoiceStatus(obj.status)) not in ALLOWED:
                    raise _refuse(f"statut {before} → {obj.status}")
    fresh = {o.id for o in session.new if isinstance(o, Invoice)}
    for obj in session.new:  # a line may only come with its own new invoice
        if isinstance(obj, InvoiceLine) and (obj.invoice not in session.new if obj.invoice is not None
                                             else obj.invoice_id not in fresh):
            raise _refuse("ligne ajoutée")


_FRESH = "sovcloud.billing_fresh_invoices"


def allow_lines(session: Session, invoice_id: Any) -> None:
    """Let the issuing service insert, in bulk, the lines of the invoice it has just created."""
    session.info.setdefault(_FRESH, set()).add(invoice_id)


FROZEN_TABLES = {Invoice.__tablename__, InvoiceLine.__tablename__}


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk statements, ORM or Core, on the invoice tables: updates and deletes refused; inserts of lines only
    for an invoice the issuing service has just created in this transaction."""
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in FROZEN_TABLES:
        return
    if state.is_update or state.is_delete:
        raise _refuse("requête en masse")
    if state.is_insert and table is InvoiceLine.__table__:
        fresh = state.session.info.get(_FRESH, set())
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if params else []
        if not rows or any(not isinstance(r, dict) or r.get("invoice_id") not in fresh for r in rows):
            raise _refuse("ligne ajoutée")


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_FRESH, None)


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_rollback", _forget)


install()
