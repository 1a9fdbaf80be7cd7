"""One injectable clock: every timestamp in sovcloud is timezone-aware UTC and comes from here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


_clock: Clock = system_clock


def now() -> datetime:
    """The current time from the installed clock."""
    return _clock()


def set_clock(clock: Clock) -> None:
    """Install another clock (tests use :class:`FrozenClock`)."""
    global _clock
    _clock = clock


def as_utc(value: datetime) -> datetime:
    """Naive datetimes read back from SQLite are UTC: make them aware."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)
