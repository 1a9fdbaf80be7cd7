"""What the order policy learns about an order's application environment: the homologation gate's facts.
Orders call this context (never the other way round)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.applications import homologation
from sovcloud.applications.choices import ENVIRONMENT_LABELS, EnvironmentKind, HomologationStatus
from sovcloud.applications.models import Environment
from sovcloud.clock import now
from sovcloud.errors import ValidationFailed


@dataclass(frozen=True)
class GateFacts:
    """The environment an order is for, and whether its application's homologation lets it through."""

    environment_kind: str | None = None  #: development | recette | preproduction | production, None: no environment
    homologation_valid: bool = True  #: a granted homologation in force now (True when there is no environment)
    explanation: str = ""  #: why the gate would hold, in French, for the order's reason


def environment_in_project(session: Session, *, environment_id: uuid.UUID, project_id: uuid.UUID) -> Environment:
    """The environment an order in ``project_id`` says it is for: it must live in that project.

    Raises:
        ValidationFailed: no such environment in the project (named ``application_environment_id``).
    """
    env = session.scalar(select(Environment).where(Environment.id == environment_id,
                                                   Environment.project_id == project_id))
    if env is None:
        raise ValidationFailed("Environnement d'application introuvable dans le projet de la commande.",
                               field="application_environment_id")
    return env


def facts_for(session: Session, environment_id: uuid.UUID | None) -> GateFacts:
    """The gate's facts for an order's environment (none: nothing to gate)."""
    if environment_id is None:
        return GateFacts()
    env = session.get(Environment, environment_id)
    if env is None:
        return GateFacts()
    app = env.application
    kind = EnvironmentKind(env.kind)
    if homologation.has_valid_homologation(session, app.id):
        return GateFacts(kind.value, True, "")
    dossier = homologation.current(session, app.id)
    status = homologation.status_of(dossier, now()) if dossier is not None else None
    if status == HomologationStatus.EXPIRED and dossier is not None and dossier.expires_at is not None:
        why = f"l'homologation a expiré le {dossier.expires_at:%d/%m/%Y}"
    elif status == HomologationStatus.REFUSED:
        why = "l'homologation a été refusée"
    elif status == HomologationStatus.IN_PROGRESS:
        why = "son dossier d'homologation est en cours"
    else:
        why = "elle n'a pas de dossier d'homologation"
    return GateFacts(kind.value, False, f"environnement {ENVIRONMENT_LABELS[kind].lower()} de l'application "
                                        f"« {app.name[:80]} » sans homologation valide ({why})")
