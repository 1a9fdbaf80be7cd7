"""Billing periods: calendar months of Europe/Paris (28 to 31 days; the DST months have one hour less or
more), as UTC instants and epoch seconds. The 730-hour month stays a display convention of the catalogue's
estimates only; invoices bill the real seconds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sovcloud.errors import ValidationFailed

PARIS = ZoneInfo("Europe/Paris")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """One Europe/Paris calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "month") -> Month:
        """"YYYY-MM" → Month.

        Raises:
            ValidationFailed: not a month between 2000-01 and 2199-12.
        """
        found = _MONTH.match(text or "")
        if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2199:
            raise ValidationFailed(f"Mois attendu au format AAAA-MM (reçu : {text[:20]}).", field=field)
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, at: datetime) -> Month:
        local = at.astimezone(PARIS)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=PARIS).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def start_s(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_s(self) -> int:
        return int(self.end.timestamp())

    @property
    def seconds(self) -> int:
        """Real length of the month in seconds (DST included)."""
        return self.end_s - self.start_s

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)
