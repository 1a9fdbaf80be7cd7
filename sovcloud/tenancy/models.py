"""Tenancy tables: organisations as a tree, projects inside them, memberships and quotas."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sovcloud.access.actor import Scope
from sovcloud.access.roles import Role
from sovcloud.db import Base, IdMixin

if TYPE_CHECKING:
    from sovcloud.identity.models import User


class Organisation(IdMixin, Base):
    """A ministry, directorate or service. Organisations form a tree (``parent_id``); ``path`` is the
    materialised chain of ids from the root ("/<root>/<child>/"), so a subtree is one prefix match.
    Codes are unique platform-wide. An organisation is never moved once created."""

    __tablename__ = "organisations"
    __label__ = "Organisation"

    name: Mapped[str] = mapped_column(String(200))  #: display name, e.g. "Ministère de l'Intérieur"
    code: Mapped[str] = mapped_column(String(40), unique=True)  #: short stable identifier, e.g. "MININT"
    kind: Mapped[str] = mapped_column(String(20), default="ministry")  #: ministry | directorate | service
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path: Mapped[str] = mapped_column(String(1200), unique=True)  #: "/<id>/.../<id>/"
    #: ProConnect: agents mapped to it get an account at their first login (just-in-time), with ``sso_jit_role``
    sso_jit_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    sso_jit_role: Mapped[str] = mapped_column(String(40), default="viewer", server_default="viewer")

    @property
    def scope(self) -> Scope:
        return Scope(org_path=self.path)


class Project(IdMixin, Base):
    """A project: the unit that orders resources, holds a quota and is billed. Lives in one organisation;
    its name is unique inside that organisation."""

    __tablename__ = "projects"
    __label__ = "Projet"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))  #: display name, unique in its organisation
    description: Mapped[str] = mapped_column(String(2000), default="")
    #: the State's budget imputation the project is billed to (LOLF programme, BOP, UO, free cost centre)
    lolf_programme: Mapped[str] = mapped_column(String(10), default="")
    bop: Mapped[str] = mapped_column(String(40), default="")
    uo: Mapped[str] = mapped_column(String(40), default="")
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    @property
    def scope(self) -> Scope:
        return Scope(org_path=self.organisation.path, project_id=self.id)

    @property
    def budget_code(self) -> str:
        """The imputation as one code, "programme/BOP/UO/centre" (empty parts kept)."""
        return "/".join((self.lolf_programme, self.bop, self.uo, self.cost_centre)).strip("/")


class Membership(IdMixin, Base):
    """A user holds ``role`` on the platform (no organisation, no project), on an organisation (and its
    sub-organisations) or on a project. Incompatible roles are refused at assignment."""

    __tablename__ = "memberships"
    __label__ = "Rôle"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "organisation_id", "project_id"),
        CheckConstraint("NOT (organisation_id IS NOT NULL AND project_id IS NOT NULL)", name="one_place"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id"), index=True)
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Quota(IdMixin, Base):
    """Limits of an organisation or a project. A project's (or sub-organisation's) quota is carved out of
    its parent organisation's: the sum given to children never exceeds the parent's limit."""

    __tablename__ = "quotas"
    __table_args__ = (
        CheckConstraint("(organisation_id IS NULL) <> (project_id IS NULL)", name="one_owner"),
    )

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), unique=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id"), unique=True)
    vcpus: Mapped[int] = mapped_column(default=0)  #: virtual CPUs
    ram_mb: Mapped[int] = mapped_column(default=0)  #: RAM in MiB
    storage_gb: Mapped[int] = mapped_column(default=0)  #: block storage in GB
    instances: Mapped[int] = mapped_column(default=0)  #: number of servers
    public_ips: Mapped[int] = mapped_column(default=0)  #: number of floating IPs
