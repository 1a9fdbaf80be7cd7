"""Errors of the catalogue context."""

from __future__ import annotations

from sovcloud.errors import Conflict


class PriceUnavailable(Conflict):
    """No published price list prices this plan for this organisation at that date."""

    code = "price-unavailable"
    title = "Prix indisponible"


class NotOrderable(Conflict):
    """The offering or plan exists and is visible but can no longer be ordered (retired)."""

    code = "not-orderable"
    title = "Offre non commandable"
