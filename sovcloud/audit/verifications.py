"""The journal's verifications as a record: the ``audit-verify`` periodic job walks the whole chain (as
``sovcloud audit verify`` does) and keeps what it found, so that the alert rule "audit chain broken" and
``/metrics`` read the newest result — and check the sealed head, which costs two reads — instead of each
walking every entry at each of their rounds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from sovcloud.access.actor import Actor
from sovcloud.audit import service
from sovcloud.audit.models import AuditVerification
from sovcloud.clock import now
from sovcloud.db import transaction

KEPT = timedelta(days=400)  #: verifications older than this are forgotten (the journal itself is kept)
PROBLEMS_KEPT = 10  #: the first problems a verification keeps (the walk itself stops after 100)


def verify_and_record(sessions: sessionmaker[Session]) -> service.Verification:
    """Walk the chain with its external anchors, as the platform (the job's actor), and keep the result."""
    with transaction(sessions) as session:
        result = service.verify(session, actor=Actor.system("audit-verify"))
        at = now()
        session.add(AuditVerification(verified_at=at, ok=result.ok, entries=result.entries, head_seq=result.head_seq,
                                      problems={"found": [p[:500] for p in result.problems[:PROBLEMS_KEPT]]}))
        session.execute(delete(AuditVerification).where(AuditVerification.verified_at < at - KEPT))
    return result


def newest(session: Session) -> AuditVerification | None:
    """The last verification recorded, if any."""
    return session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)).first()
