"""Application tables: the registry (applications, their projects and environments, the resources serving
each environment), homologation dossiers with their steps and documents, conformity checks, and the
reminder policy of homologations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.access.actor import Scope
from sovcloud.applications.choices import Criticality, DataClassification, Stage
from sovcloud.db import Base, IdMixin
from sovcloud.tenancy.models import Project


class Application(IdMixin, Base):
    """An application hosted for an organisation. Its main project places it (who sees it: that project's
    members and the organisation's); it may use other projects of the same organisation. It moves only
    along ``choices.TRANSITIONS``. Its code is unique in its organisation."""

    __tablename__ = "applications"
    __tenant__ = "project_id"
    __label__ = "Application"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)  #: main project
    code: Mapped[str] = mapped_column(String(40))  #: short identifier, e.g. "SIRH"
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)  #: business owner
    owner_name: Mapped[str] = mapped_column(String(200))  #: business owner's name as shown
    #: technical contacts: [{"name": ..., "email": ...}], 10 at most
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    classification: Mapped[DataClassification] = mapped_column(String(20), default=DataClassification.STANDARD)
    criticality: Mapped[Criticality] = mapped_column(String(20), default=Criticality.MEDIUM)
    rto_minutes: Mapped[int] = mapped_column(default=240)  #: recovery time objective, minutes
    rpo_minutes: Mapped[int] = mapped_column(default=60)  #: recovery point objective, minutes
    stage: Mapped[Stage] = mapped_column(String(30), default=Stage.CANDIDATE, index=True)
    stage_changed_at: Mapped[datetime | None] = mapped_column()

    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)
    projects: Mapped[list[Project]] = relationship(secondary="application_projects", lazy="selectin",
                                                   order_by=Project.name, viewonly=True)
    environments: Mapped[list[Environment]] = relationship(back_populates="application", lazy="selectin",
                                                           order_by="Environment.kind", cascade="all, delete-orphan")

    @property
    def scope(self) -> Scope:
        return self.project.scope


class ApplicationProject(Base):
    """A project an application uses (its main project included)."""

    __tablename__ = "application_projects"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                      primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), primary_key=True, index=True)


class Environment(IdMixin, Base):
    """One environment of an application (at most one of each kind), living in one of its projects: the
    resources serving it are that project's, linked here (they stay owned by the inventory)."""

    __tablename__ = "application_environments"
    __tenant__ = "project_id"
    __label__ = "Environnement"
    __table_args__ = (UniqueConstraint("application_id", "kind"),)

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  #: development | recette | preproduction | production
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    application: Mapped[Application] = relationship(back_populates="environments", lazy="joined", innerjoin=True)
    project: Mapped[Project] = relationship(lazy="joined", innerjoin=True)

    @property
    def scope(self) -> Scope:
        return self.project.scope


class EnvironmentResource(Base):
    """A resource serving an environment; a resource serves one environment at most."""

    __tablename__ = "application_environment_resources"

    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    environment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("application_environments.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column()


class Homologation(IdMixin, Base):
    """A homologation dossier of an application: its steps, then the authority's decision. A granted
    decision is valid from its date for ``validity_months`` (6 to 36); ``remind_at`` is fixed at decision
    from the reminder policy then in force, so the dates never move afterwards. The reminder and the
    expiry notice are each sent once (``*_sent_at``)."""

    __tablename__ = "homologations"
    __label__ = "Dossier d'homologation"
    __table_args__ = (
        CheckConstraint("validity_months IS NULL OR (validity_months >= 6 AND validity_months <= 36)",
                        name="validity_bounds"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    authority_name: Mapped[str | None] = mapped_column(String(200))  #: the homologation authority
    authority_function: Mapped[str | None] = mapped_column(String(200))  #: e.g. "Directeur du numérique"
    decision: Mapped[str | None] = mapped_column(String(10))  #: granted | refused, None while in progress
    decided_on: Mapped[date | None] = mapped_column(Date)
    validity_months: Mapped[int | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    decision_note: Mapped[str] = mapped_column(String(2000), default="")
    recorded_by: Mapped[str | None] = mapped_column(String(120))
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    expiry_notice_sent_at: Mapped[datetime | None] = mapped_column()
    application: Mapped[Application] = relationship(lazy="joined", innerjoin=True)
    steps: Mapped[list[HomologationStep]] = relationship(lazy="selectin", order_by="HomologationStep.position",
                                                         cascade="all, delete-orphan")

    @property
    def scope(self) -> Scope:
        return self.application.scope

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.application.organisation_id


class HomologationStep(IdMixin, Base):
    """One step of a dossier, done once (who, when, a note)."""

    __tablename__ = "homologation_steps"
    __table_args__ = (UniqueConstraint("homologation_id", "kind"),)

    homologation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("homologations.id", ondelete="CASCADE"),
                                                       index=True)
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(2000), default="")


class ConformityCheck(IdMixin, Base):
    """One item of an application's conformity checklist, for one catalogue offering: the criterion, the
    evidence (a link to a pipeline run, or documents attached) and the reviewer's verdict."""

    __tablename__ = "conformity_checks"
    __label__ = "Contrôle de conformité"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    offering_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_offerings.id"))
    criterion: Mapped[str] = mapped_column(String(300))
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    verdict: Mapped[str] = mapped_column(String(10), default="pending")  #: pending | passed | failed
    reviewer_name: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    comment: Mapped[str] = mapped_column(String(2000), default="")
    application: Mapped[Application] = relationship(lazy="joined", innerjoin=True)

    @property
    def scope(self) -> Scope:
        return self.application.scope


class Document(IdMixin, Base):
    """A file attached to a homologation dossier (optionally to one of its steps) or to a conformity check.
    Stored in the database with its SHA-256, so it is backed up, restored and journaled with the dossier;
    its size is bounded (``documents.MAX_BYTES``)."""

    __tablename__ = "application_documents"
    __label__ = "Document"
    __table_args__ = (
        CheckConstraint("(homologation_id IS NULL) <> (conformity_check_id IS NULL)", name="one_owner"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    homologation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("homologations.id", ondelete="CASCADE"), index=True)
    conformity_check_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conformity_checks.id", ondelete="CASCADE"), index=True)
    step: Mapped[str | None] = mapped_column(String(20))  #: the dossier step it supports, if any
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))  #: hex digest of the content
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(120))


class ReminderPolicy(Base):
    """How long before expiry a homologation's holder is reminded: for a validity up to
    ``max_validity_months``, ``lead_months`` before (the smallest row covering the validity applies).
    Data, seeded with 6 → 2 and 36 → 4."""

    __tablename__ = "homologation_reminder_policies"

    max_validity_months: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lead_months: Mapped[int] = mapped_column()
