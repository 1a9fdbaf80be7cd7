"""The conformity checklist of an application: per catalogue offering it uses, criteria with their evidence
(a link to a pipeline run, or documents) and a reviewer's verdict."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped
from sovcloud.applications.choices import Verdict
from sovcloud.applications.models import Application, ConformityCheck
from sovcloud.catalog.models import Offering
from sovcloud.catalog.service import is_open_to
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

MAX_CHECKS = 200


def _url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if len(value) > 500 or parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValidationFailed("Lien de preuve : une adresse http(s) de 500 caractères au plus.", field="evidence_url")
    return value


def add_check(session: Session, *, actor: Actor, application_id: uuid.UUID, offering_id: uuid.UUID,
              criterion: str, evidence_url: str | None = None) -> ConformityCheck:
    """Add a criterion to the checklist, for an offering of the catalogue.

    Raises:
        NotFound: the application or offering is not visible.
        PermissionDenied: the actor may not manage the application.
        ValidationFailed: empty or too long a criterion, a bad link, too many checks.
    """
    app = scoped(session, Application, actor).get(application_id, for_update=True)
    authorize(actor, Permission.APPLICATION_MANAGE, app)
    offering = session.get(Offering, offering_id)
    if offering is None or not is_open_to(session, offering, app.organisation_id):  # another's reserved offer
        raise NotFound(f"Offre {offering_id} introuvable.")
    criterion = criterion.strip()
    if not criterion or len(criterion) > 300:
        raise ValidationFailed("Critère obligatoire, 300 caractères au plus.", field="criterion")
    count = len(list(session.scalars(select(ConformityCheck.id).where(ConformityCheck.application_id == app.id))))
    if count >= MAX_CHECKS:
        raise ValidationFailed(f"{MAX_CHECKS} contrôles au plus.", field="criterion")
    check = ConformityCheck(application_id=app.id, application=app, offering_id=offering_id, criterion=criterion,
                            evidence_url=_url(evidence_url), verdict=Verdict.PENDING)
    session.add(check)
    session.flush()
    audit.record(session, actor=actor, action="conformity.check_added", target=check,
                 organisation_id=app.organisation_id, details={"criterion": criterion, "offering_id": offering_id})
    return check


def _check(session: Session, actor: Actor, application_id: uuid.UUID, check_id: uuid.UUID) -> ConformityCheck:
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    check = session.get(ConformityCheck, check_id, with_for_update=True)
    if check is None or check.application_id != app.id:
        raise NotFound(f"Contrôle de conformité {check_id} introuvable.")
    return check


def set_evidence(session: Session, *, actor: Actor, application_id: uuid.UUID, check_id: uuid.UUID,
                 evidence_url: str | None) -> ConformityCheck:
    """Give (or change) the link proving a check; a reviewed check goes back to be reviewed.

    Raises:
        NotFound: the application or check is not visible.
        PermissionDenied: the actor may not manage the application.
        ValidationFailed: a bad link.
    """
    check = _check(session, actor, application_id, check_id)
    authorize(actor, Permission.APPLICATION_MANAGE, check)
    check.evidence_url = _url(evidence_url)
    check.verdict, check.reviewer_name, check.reviewed_at = Verdict.PENDING, None, None
    audit.record(session, actor=actor, action="conformity.evidence_given", target=check,
                 organisation_id=check.application.organisation_id, details={"evidence_url": check.evidence_url})
    return check


def review(session: Session, *, actor: Actor, application_id: uuid.UUID, check_id: uuid.UUID, verdict: Verdict,
           comment: str = "") -> ConformityCheck:
    """The reviewer's verdict on a check (a reviewer is never the application's owner). A failed verdict
    must say why.

    Raises:
        NotFound: the application or check is not visible.
        PermissionDenied: the actor may not review conformity, or owns the application.
        ValidationFailed: a pending verdict, a failure without a comment, too long a comment.
        Conflict: a check without any evidence cannot pass.
    """
    check = _check(session, actor, application_id, check_id)
    authorize(actor, Permission.CONFORMITY_REVIEW, check)
    if check.application.owner_id == actor.user_id:
        raise PermissionDenied("Le responsable de l'application ne valide pas ses propres contrôles.")
    try:
        verdict = Verdict(verdict)
    except ValueError:
        raise ValidationFailed("Verdict inconnu.", field="verdict") from None
    comment = comment.strip()
    if verdict == Verdict.PENDING:
        raise ValidationFailed("Verdict : conforme ou non conforme.", field="verdict")
    if len(comment) > 2000:
        raise ValidationFailed("2000 caractères au plus.", field="comment")
    if verdict == Verdict.FAILED and not comment:
        raise ValidationFailed("Un verdict de non-conformité doit être motivé.", field="comment")
    if verdict == Verdict.PASSED and check.evidence_url is None and not _has_documents(session, check):
        raise Conflict("Sans preuve (lien ou document), un contrôle ne peut être déclaré conforme.")
    check.verdict, check.comment, check.reviewer_name, check.reviewed_at = verdict, comment, actor.username, now()
    audit.record(session, actor=actor, action=f"conformity.{verdict.value}", target=check,
                 organisation_id=check.application.organisation_id, details={"comment": comment})
    return check


def _has_documents(session: Session, check: ConformityCheck) -> bool:
    from sovcloud.applications.models import Document

    return session.scalar(select(Document.id).where(Document.conformity_check_id == check.id).limit(1)) is not None


def checklist(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[ConformityCheck]:
    """The application's checks, oldest first.

    Raises:
        NotFound: no such application visible to the actor.
    """
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    return list(session.scalars(select(ConformityCheck).where(ConformityCheck.application_id == app.id)
                                .order_by(ConformityCheck.created_at).limit(MAX_CHECKS)))
