"""Homologation dossiers: steps (risk analysis, security tests, action plan), the authority's decision with
its validity (6 months to 3 years), the "expiring" status, and the reminders before and at expiry."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission, Role
from sovcloud.access.service import allows, authorize, scoped
from sovcloud.applications.choices import (
    MAX_VALIDITY_MONTHS,
    MIN_VALIDITY_MONTHS,
    PREREQUISITES,
    STEP_LABELS,
    Decision,
    HomologationStatus,
    Stage,
    StepKind,
)
from sovcloud.applications.errors import InvalidStage
from sovcloud.applications.models import Application, Homologation, HomologationStep, ReminderPolicy
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sovcloud.supervision.notifications import notify
from sovcloud.tenancy.models import Membership

#: the reminder policy when none is stored (the migration seeds the same rows)
DEFAULT_POLICY = ((6, 2), (36, 4))
#: how far back a decision may be dated when it is recorded
MAX_BACKDATE_DAYS = 366


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (the last day of the month when it has fewer days)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def status_of(h: Homologation, at: datetime | None = None) -> HomologationStatus:
    """A dossier's status at ``at`` (now by default)."""
    at = at or now()
    if h.decision is None:
        return HomologationStatus.IN_PROGRESS
    if h.decision == Decision.REFUSED or h.expires_at is None:
        return HomologationStatus.REFUSED
    if at >= h.expires_at:
        return HomologationStatus.EXPIRED
    if h.remind_at is not None and at >= h.remind_at:
        return HomologationStatus.EXPIRING
    return HomologationStatus.VALID


def has_valid_homologation(session: Session, application_id: uuid.UUID, at: datetime | None = None) -> bool:
    """Whether a granted homologation of the application is in force at ``at``."""
    at = at or now()
    return bool(session.scalar(select(exists().where(
        Homologation.application_id == application_id, Homologation.decision == Decision.GRANTED,
        Homologation.expires_at > at))))


def speaking(dossiers: list[Homologation], at: datetime | None = None) -> Homologation | None:
    """Of one application's dossiers, the one that speaks for it: the granted one expiring last, unless it
    expired and a newer dossier is in progress (its renewal); with none granted, the latest."""
    if not dossiers:
        return None
    latest = max(dossiers, key=lambda h: h.created_at)
    granted = [h for h in dossiers if h.decision == Decision.GRANTED and h.expires_at is not None]
    if not granted:
        return latest
    best = max(granted, key=lambda h: h.expires_at or h.created_at)
    if latest.decision is None and status_of(best, at) == HomologationStatus.EXPIRED:
        return latest
    return best


def current(session: Session, application_id: uuid.UUID) -> Homologation | None:
    """The dossier that speaks for the application now (see :func:`speaking`)."""
    return speaking(list(session.scalars(select(Homologation).where(Homologation.application_id == application_id)
                                         .limit(200))))


def speaking_for(session: Session, application_ids: list[uuid.UUID],
                 at: datetime | None = None) -> dict[uuid.UUID, Homologation | None]:
    """The dossier speaking for each application (one query for them all; absent: no dossier)."""
    grouped: dict[uuid.UUID, list[Homologation]] = {}
    if application_ids:
        for h in session.scalars(select(Homologation).where(Homologation.application_id.in_(application_ids))):
            grouped.setdefault(h.application_id, []).append(h)
    return {app_id: speaking(found, at) for app_id, found in grouped.items()}


def reminder_lead(session: Session, validity_months: int) -> int:
    """Months before expiry the reminder is sent, for a validity of ``validity_months``."""
    rows = session.execute(select(ReminderPolicy.max_validity_months, ReminderPolicy.lead_months)
                           .order_by(ReminderPolicy.max_validity_months)).all() or DEFAULT_POLICY
    for ceiling, lead in rows:
        if validity_months <= ceiling:
            return lead
    return rows[-1][1]


def open_dossier(session: Session, *, actor: Actor, app: Application) -> Homologation:
    """A new dossier for ``app`` (its steps to do), unless one is already in progress (returned then)."""
    pending = session.scalars(select(Homologation).where(Homologation.application_id == app.id,
                                                         Homologation.decision.is_(None))).first()
    if pending is not None:
        return pending
    dossier = Homologation(application_id=app.id, application=app,
                           steps=[HomologationStep(kind=k, position=i) for i, k in enumerate(StepKind)])
    session.add(dossier)
    session.flush()
    audit.record(session, actor=actor, action="homologation.opened", target=dossier,
                 details={"application": app.code})
    return dossier


def start_renewal(session: Session, *, actor: Actor, application_id: uuid.UUID) -> Homologation:
    """Open the next dossier of an application (to renew its homologation before it expires).

    Raises:
        NotFound: no such application visible to the actor.
        PermissionDenied: the actor may not manage it.
        InvalidStage: the application is retired, or still a candidate (its dossier opens with security validation).
    """
    app = scoped(session, Application, actor).get(application_id, for_update=True)
    authorize(actor, Permission.APPLICATION_MANAGE, app)
    if app.stage in (Stage.RETIRED, Stage.CANDIDATE):
        raise InvalidStage("Un dossier s'ouvre à partir de la validation de sécurité, jamais pour une application "
                           "retirée.", stage=app.stage)
    return open_dossier(session, actor=actor, app=app)


def get_dossier(session: Session, *, actor: Actor, application_id: uuid.UUID, homologation_id: uuid.UUID,
                for_update: bool = False) -> Homologation:
    """One dossier of a visible application.

    Raises:
        NotFound: the application or the dossier is not visible.
    """
    app = scoped(session, Application, actor).get(application_id, for_update=for_update)
    authorize(actor, Permission.APPLICATION_READ, app)
    dossier = session.get(Homologation, homologation_id)
    if dossier is None or dossier.application_id != app.id:
        raise NotFound(f"Dossier d'homologation {homologation_id} introuvable.")
    return dossier


def dossiers(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[Homologation]:
    """The application's dossiers, newest first.

    Raises:
        NotFound: no such application visible to the actor.
    """
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    return list(session.scalars(select(Homologation).where(Homologation.application_id == app.id)
                                .order_by(Homologation.created_at.desc()).limit(50)))


def complete_step(session: Session, *, actor: Actor, application_id: uuid.UUID, homologation_id: uuid.UUID,
                  step: StepKind, note: str = "") -> Homologation:
    """Mark a step of an open dossier done (the application's managers or a security officer).

    Raises:
        NotFound: the application or dossier is not visible.
        PermissionDenied: the actor may neither manage the application nor decide homologations.
        ValidationFailed: the decision step (recorded by :func:`decide`), an unknown step, too long a note.
        Conflict: the dossier is decided, or the step already done.
    """
    dossier = get_dossier(session, actor=actor, application_id=application_id, homologation_id=homologation_id,
                          for_update=True)
    if not allows(actor, Permission.HOMOLOGATION_DECIDE, dossier.scope):
        authorize(actor, Permission.APPLICATION_MANAGE, dossier)
    try:
        step = StepKind(step)
    except ValueError:
        raise ValidationFailed("Étape inconnue.", field="step") from None
    if step == StepKind.DECISION:
        raise ValidationFailed("La décision s'enregistre avec l'autorité d'homologation.", field="step")
    if len(note.strip()) > 2000:
        raise ValidationFailed("2000 caractères au plus.", field="note")
    if dossier.decision is not None:
        raise Conflict("Ce dossier est clos par sa décision.")
    row = next(s for s in dossier.steps if s.kind == step)
    if row.done_at is not None:
        raise Conflict(f"Étape « {STEP_LABELS[step]} » déjà faite.")
    row.done_at, row.done_by, row.note = now(), actor.username, note.strip()
    audit.record(session, actor=actor, action="homologation.step_done", target=dossier,
                 details={"step": step.value, "note": note.strip()})
    return dossier


def decide(session: Session, *, actor: Actor, application_id: uuid.UUID, homologation_id: uuid.UUID,
           decision: Decision, authority_name: str, authority_function: str, decided_on: date,
           validity_months: int | None = None, note: str = "") -> Homologation:
    """Record the homologation authority's decision (a security officer records it, never the team that
    asks for it). A granted homologation runs ``validity_months`` (6 to 36) from ``decided_on``; its
    reminder date comes from the reminder policy.

    Raises:
        NotFound: the application or dossier is not visible.
        PermissionDenied: the actor may not record homologation decisions there.
        ValidationFailed: a step still to do, a missing authority, a date in the future or too old, a
            validity out of bounds.
        Conflict: the dossier is already decided.
    """
    dossier = get_dossier(session, actor=actor, application_id=application_id, homologation_id=homologation_id,
                          for_update=True)
    authorize(actor, Permission.HOMOLOGATION_DECIDE, dossier)
    if dossier.decision is not None:
        raise Conflict("Ce dossier a déjà sa décision.")
    missing = [STEP_LABELS[StepKind(s.kind)] for s in dossier.steps if s.kind in PREREQUISITES and s.done_at is None]
    if missing:
        raise ValidationFailed("Étapes à terminer avant la décision : " + ", ".join(missing) + ".", field="decision")
    try:
        decision = Decision(decision)
    except ValueError:
        raise ValidationFailed("Décision inconnue.", field="decision") from None
    faults = []
    name, function = authority_name.strip(), authority_function.strip()
    for key, value in (("authority_name", name), ("authority_function", function)):
        if not value or len(value) > 200:
            faults.append({"field": key, "message": "Obligatoire, 200 caractères au plus."})
    today = now().date()
    if decided_on > today or decided_on < date.fromordinal(today.toordinal() - MAX_BACKDATE_DAYS):
        faults.append({"field": "decided_on", "message": "Date de décision : aujourd'hui ou dans l'année écoulée."})
    if decision == Decision.GRANTED and (validity_months is None
                                         or not MIN_VALIDITY_MONTHS <= validity_months <= MAX_VALIDITY_MONTHS):
        faults.append({"field": "validity_months", "message": f"Durée de validité : de {MIN_VALIDITY_MONTHS} à "
                                                              f"{MAX_VALIDITY_MONTHS} mois."})
    if len(note.strip()) > 2000:
        faults.append({"field": "note", "message": "2000 caractères au plus."})
    if faults:
        raise ValidationFailed(faults[0]["message"], errors=faults)
    if dossier.application.owner_id is not None and dossier.application.owner_id == actor.user_id:
        raise PermissionDenied("Le responsable de l'application n'enregistre pas sa propre homologation.")
    dossier.decision, dossier.decided_on, dossier.decision_note = decision, decided_on, note.strip()
    dossier.authority_name, dossier.authority_function, dossier.recorded_by = name, function, actor.username
    if decision == Decision.GRANTED:
        assert validity_months is not None
        end = add_months(decided_on, validity_months)
        dossier.validity_months = validity_months
        dossier.expires_at = midnight(end)
        dossier.remind_at = midnight(add_months(end, -reminder_lead(session, validity_months)))
    row = next(s for s in dossier.steps if s.kind == StepKind.DECISION)
    row.done_at, row.done_by = now(), actor.username
    audit.record(session, actor=actor, action=f"homologation.{decision.value}", target=dossier,
                 details={"authority": name, "function": function, "decided_on": decided_on.isoformat(),
                          "validity_months": dossier.validity_months,
                          "expires_at": dossier.expires_at.isoformat() if dossier.expires_at else None})
    notify(session, user_id=dossier.application.owner_id, subject_type="application",
           subject_id=dossier.application_id,
           message=f"Homologation de « {dossier.application.name} » : "
                   + (f"accordée jusqu'au {dossier.expires_at:%d/%m/%Y}." if dossier.expires_at else "refusée."))
    return dossier


# ---- reminders -----------------------------------------------------------------------------------------------


def security_officers(session: Session, app: Application) -> list[uuid.UUID]:
    """Who is told about an application's homologation: the security officers of its organisation (or of an
    organisation above it), else the platform's."""
    ancestors = [uuid.UUID(p) for p in app.project.organisation.path.strip("/").split("/")]
    base = select(Membership.user_id).where(Membership.role == Role.SECURITY_OFFICER)
    own = list(session.scalars(base.where(Membership.organisation_id.in_(ancestors))))
    return own or list(session.scalars(base.where(Membership.organisation_id.is_(None),
                                                  Membership.project_id.is_(None))))


def _tell(session: Session, app: Application, message: str) -> None:
    for user_id in dict.fromkeys([app.owner_id, *security_officers(session, app)]):
        notify(session, user_id=user_id, subject_type="application", subject_id=app.id, message=message)


def _renewed(session: Session, h: Homologation) -> bool:
    """Whether a later granted homologation of the same application outlives ``h``."""
    return bool(session.scalar(select(exists().where(
        Homologation.application_id == h.application_id, Homologation.decision == Decision.GRANTED,
        Homologation.expires_at > h.expires_at))))


def send_reminders(session: Session, *, limit: int = 500) -> tuple[int, int]:
    """Tell the owner and the security officers once when a homologation enters its reminder period, and
    once when it expires (production orders are then refused by the order policy; nothing running is
    touched). Run by the periodic job ``homologation-reminders``; returns (reminded, expired)."""
    at = now()
    system = Actor.system("homologation")
    granted = Homologation.decision == Decision.GRANTED
    expired = list(session.scalars(select(Homologation).where(
        granted, Homologation.expires_at <= at, Homologation.expiry_notice_sent_at.is_(None))
        .with_for_update().limit(limit)))
    for h in expired:
        h.expiry_notice_sent_at = at
        h.reminder_sent_at = h.reminder_sent_at or at
        app = h.application
        if not has_valid_homologation(session, app.id, at) and app.stage != Stage.RETIRED:
            _tell(session, app, f"L'homologation de « {app.name} » a expiré le {h.expires_at:%d/%m/%Y} : les "
                                "nouvelles commandes de production sont bloquées jusqu'à son renouvellement. Rien de "
                                "ce qui tourne n'est supprimé.")
        audit.record(session, actor=system, action="homologation.expired", target=h,
                     details={"expires_at": h.expires_at.isoformat() if h.expires_at else None})
    due = list(session.scalars(select(Homologation).where(
        granted, Homologation.remind_at <= at, Homologation.expires_at > at, Homologation.reminder_sent_at.is_(None))
        .with_for_update().limit(limit)))
    for h in due:
        h.reminder_sent_at = at
        app = h.application
        if app.stage != Stage.RETIRED and not _renewed(session, h):
            _tell(session, app, f"L'homologation de « {app.name} » expire le {h.expires_at:%d/%m/%Y} : ouvrez son "
                                "dossier de renouvellement.")
        audit.record(session, actor=system, action="homologation.reminder_sent", target=h,
                     details={"expires_at": h.expires_at.isoformat() if h.expires_at else None})
    return len(due), len(expired)
