"""Quotas: an organisation's limits are shared out among its sub-organisations and projects, and a child
can never be given more than its parent has left."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import PLATFORM, Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize, scoped
from sovcloud.errors import QuotaExceeded, ValidationFailed
from sovcloud.tenancy.models import Organisation, Project, Quota

RESOURCE_LABELS = {"vcpus": "vCPU", "ram_mb": "Mio de RAM", "storage_gb": "Go de stockage",
                   "instances": "instances", "public_ips": "IP publiques"}


@dataclass(frozen=True)
class Limits:
    """An amount of each quota-governed resource."""

    vcpus: int = 0  #: virtual CPUs
    ram_mb: int = 0  #: RAM in MiB
    storage_gb: int = 0  #: block storage in GB
    instances: int = 0  #: servers
    public_ips: int = 0  #: floating IPs

    def __add__(self, other: Limits) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __sub__(self, other: Limits) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    def exceeding(self, other: Limits) -> dict[str, tuple[int, int]]:
        """Resources where ``self`` is above ``other``: name → (self, other)."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) > getattr(other, f.name)}

    @classmethod
    def of(cls, quota: Quota | None) -> Limits:
        return cls() if quota is None else cls(**{f.name: getattr(quota, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class QuotaStatus:
    limits: Limits
    allocated: Limits  #: given to sub-organisations and projects (organisations only)


def _children_sum(session: Session, org_id: uuid.UUID, *, except_org: uuid.UUID | None = None,
                  except_project: uuid.UUID | None = None) -> Limits:
    cols = [func.coalesce(func.sum(getattr(Quota, f.name)), 0) for f in fields(Limits)]
    child_orgs = select(Organisation.id).where(Organisation.parent_id == org_id)
    child_projects = select(Project.id).where(Project.organisation_id == org_id)
    if except_org is not None:
        child_orgs = child_orgs.where(Organisation.id != except_org)
    if except_project is not None:
        child_projects = child_projects.where(Project.id != except_project)
    row = session.execute(select(*cols).where(Quota.organisation_id.in_(child_orgs)
                                              | Quota.project_id.in_(child_projects))).one()
    return Limits(*[int(v) for v in row])


def _quota_row(session: Session, *, organisation_id: uuid.UUID | None, project_id: uuid.UUID | None,
               for_update: bool = False) -> Quota | None:
    query = select(Quota).where(Quota.organisation_id == organisation_id if organisation_id
                                else Quota.project_id == project_id)
    return session.scalar(query.with_for_update() if for_update else query)


def _describe(over: dict[str, tuple[int, int]]) -> str:
    return ", ".join(f"{RESOURCE_LABELS[k]} : {a} demandé(s) pour {b} disponible(s)" for k, (a, b) in over.items())


def set_quota(session: Session, *, actor: Actor, limits: Limits, organisation_id: uuid.UUID | None = None,
              project_id: uuid.UUID | None = None) -> Quota:
    """Set an organisation's or a project's limits. Decided by the level above: the parent organisation's
    administrators (or platform operators for a ministry).

    Raises:
        ValidationFailed: negative values, or not exactly one of organisation / project.
        NotFound: the organisation or project is not visible.
        PermissionDenied: the actor may not manage quotas at the parent level.
        QuotaExceeded: the parent has not that much left, or the organisation has already given more
            than the new limit to its children.
    """
    if (organisation_id is None) == (project_id is None):
        raise ValidationFailed("Précisez une organisation ou un projet.")
    if any(v < 0 for v in asdict(limits).values()):
        raise ValidationFailed("Les quotas ne peuvent pas être négatifs.")
    parent_id: uuid.UUID | None
    target: Organisation | Project
    if project_id is not None:
        project = scoped(session, Project, actor).get(project_id)
        parent_id, target, target_scope = project.organisation_id, project, project.scope
    else:
        org = scoped(session, Organisation, actor).get(organisation_id)  # type: ignore[arg-type]
        parent_id, target, target_scope = org.parent_id, org, org.scope
    parent = session.get(Organisation, parent_id, with_for_update=True) if parent_id else None
    authorize(actor, Permission.QUOTA_MANAGE, parent.scope if parent else PLATFORM)
    if parent is not None:
        parent_limits = Limits.of(_quota_row(session, organisation_id=parent.id, project_id=None))
        left = parent_limits - _children_sum(session, parent.id, except_org=organisation_id,
                                             except_project=project_id)
        over = limits.exceeding(left)
        if over:
            raise QuotaExceeded(f"L'organisation {parent.code} n'a pas assez de quota restant — {_describe(over)}.",
                                resources=list(over))
    if organisation_id is not None:
        given = _children_sum(session, organisation_id)
        below = given.exceeding(limits)
        if below:
            raise QuotaExceeded("Ce quota est inférieur à ce qui est déjà réparti entre les sous-organisations "
                                f"et projets — {_describe({k: (b, a) for k, (a, b) in below.items()})}.",
                                resources=list(below))
    quota = _quota_row(session, organisation_id=organisation_id, project_id=project_id, for_update=True)
    before = Limits.of(quota)
    if quota is None:
        quota = Quota(organisation_id=organisation_id, project_id=project_id)
        session.add(quota)
    for name, value in asdict(limits).items():
        setattr(quota, name, value)
    session.flush()
    audit.record(session, actor=actor, action="quota.updated", target=target, organisation_id=target_scope.org_id,
                 details={"from": asdict(before), "to": asdict(limits)})
    return quota


def quota_status(session: Session, *, actor: Actor, organisation_id: uuid.UUID | None = None,
                 project_id: uuid.UUID | None = None) -> QuotaStatus:
    """Limits of an organisation or project, and (organisations) how much is already given to children.

    Raises:
        NotFound: the organisation or project is not visible.
        PermissionDenied: the actor may not read quotas there.
    """
    if project_id is not None:
        project = scoped(session, Project, actor).get(project_id)
        authorize(actor, Permission.QUOTA_READ, project)
        return QuotaStatus(Limits.of(_quota_row(session, organisation_id=None, project_id=project_id)), Limits())
    org = scoped(session, Organisation, actor).get(organisation_id)  # type: ignore[arg-type]
    authorize(actor, Permission.QUOTA_READ, org)
    return QuotaStatus(Limits.of(_quota_row(session, organisation_id=org.id, project_id=None)),
                       _children_sum(session, org.id))
