"""Billing errors."""

from __future__ import annotations

from sovcloud.errors import Conflict, PermissionDenied


class InvoiceFrozen(PermissionDenied):
    """Someone tried to change an issued invoice or its lines (any route, any service): refused, and — being a
    refusal — journaled as ``access.denied`` once the refused transaction has ended."""

    status = 409
    code = "invoice-frozen"
    title = "Facture émise : immuable"


class AlreadyInvoiced(Conflict):
    """The organisation already has an invoice (not cancelled) for that month."""

    code = "already-invoiced"
    title = "Mois déjà facturé"


class MonthNotOver(Conflict):
    """A month is invoiced once it is over (Europe/Paris)."""

    code = "month-not-over"
    title = "Mois en cours"
