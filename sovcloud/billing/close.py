"""The monthly close: from the configured day of a month on, issue the previous month's invoice of every
organisation that used something then and has none yet. Run by a periodic job under its lease (one worker
at a time), after metering; also on demand (``sovcloud billing close``). Usage learned later for a closed
month goes to the next invoice as regularisation lines (:func:`sovcloud.billing.service.regularisations`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from sovcloud.access.actor import Actor, Grant
from sovcloud.access.roles import Role
from sovcloud.billing import metering, service
from sovcloud.billing.periods import PARIS, Month
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.logs import get_logger

log = get_logger("sovcloud.billing")
#: the close job acts as platform finance (never as the operator: separation of duties)
CLOSER = Actor(user_id=None, username="billing-close", grants=(Grant(Role.FINANCE),), mfa_verified=True)


@dataclass
class CloseReport:
    period: str
    issued: list[str] = field(default_factory=list)  #: numbers
    skipped: bool = False  #: before the close day


def close_month(sessions: sessionmaker[Session], *, close_day: int = 1, month: Month | None = None,
                actor: Actor = CLOSER) -> CloseReport:
    """Meter, then issue the drafts of ``month`` (the previous one by default) once the close day has come, in
    one transaction and one rating pass (a failure issues nothing; the next round tries again)."""
    at = now()
    month = month or Month.of(at).previous()
    report = CloseReport(str(month))
    if month == Month.of(at).previous() and at.astimezone(PARIS).day < close_day:
        report.skipped = True
        return report
    with transaction(sessions) as session:
        metering.meter(session)
    try:
        with transaction(sessions) as session:
            report.issued = [i.number for i in service.issue_month(session, actor=actor, month=str(month))]
    except Exception:
        log.exception("monthly close failed", period=str(month))
        raise
    return report


def meter_job(sessions: sessionmaker[Session]) -> metering.MeterReport:
    """The periodic metering round."""
    with transaction(sessions) as session:
        return metering.meter(session)
