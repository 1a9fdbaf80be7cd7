"""Inventory: list and read resources, request day-2 actions and deletion, retire expired resources."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize, scoped, tenant_filter
from sovcloud.catalog.models import Plan
from sovcloud.clock import now
from sovcloud.errors import Conflict, ValidationFailed
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.orders.models import Order
from sovcloud.provisioning.engine import new_step
from sovcloud.provisioning.models import Step, StepKind
from sovcloud.supervision.notifications import notify
from sovcloud.tenancy.models import Project

SERVER_ACTIONS = {"start", "stop", "reboot", "resize", "snapshot", "attach", "detach"}
SORTS = {"name": Resource.name, "created_at": Resource.created_at}


def resources_query(actor: Actor, *, project_id: uuid.UUID | None = None, kind: str | None = None,
                    state: ResourceState | None = None, search: str | None = None, sort: str = "name",
                    after: tuple[Any, uuid.UUID] | None = None, include_deleted: bool = False) -> Select[Resource]:
    """Visible resources, sorted by ``sort`` then id (keyset pagination on that pair). ``search`` matches
    the start of the name or address, or the project's name."""
    column = SORTS.get(sort)
    if column is None:
        raise ValidationFailed(f"Tri inconnu : {sort} (attendu : {', '.join(SORTS)}).", field="sort")
    query = select(Resource).where(tenant_filter(actor, Resource)).order_by(column, Resource.id)
    if not include_deleted:
        query = query.where(Resource.state != ResourceState.DELETED)
    if project_id is not None:
        query = query.where(Resource.project_id == project_id)
    if kind:
        query = query.where(Resource.kind == kind)
    if state is not None:
        query = query.where(Resource.state == state)
    if search:
        term = search.strip()
        projects = select(Project.id).where(Project.name.icontains(term, autoescape=True))
        query = query.where(Resource.name.startswith(term.lower(), autoescape=True)
                            | Resource.address.startswith(term, autoescape=True) | Resource.project_id.in_(projects))
    if after is not None:
        key, ident = after
        query = query.where((column > key) | ((column == key) & (Resource.id > ident)))
    return query


#: networks or security groups offered to choose from in one project, at most
CHOICES = 200


def project_resources(session: Session, *, actor: Actor, project_id: uuid.UUID, kind: str) -> list[Resource]:
    """The active resources of one kind in a project the actor sees (what an order may attach a server to)."""
    query = resources_query(actor, project_id=project_id, kind=kind, state=ResourceState.ACTIVE)
    return list(session.scalars(query.limit(CHOICES)))


def get_resource(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> Resource:
    """One resource.

    Raises:
        NotFound: no such resource visible to the actor.
    """
    resource = scoped(session, Resource, actor).get(resource_id)
    authorize(actor, Permission.RESOURCE_READ, resource)
    return resource


def may_operate(actor: Actor, resource: Resource) -> bool:
    """Whether ``actor`` may act on ``resource`` now (day-2 actions, deletion): the rule :func:`request_action`
    and :func:`delete_resource` apply, asked by the pages so that they offer only what will be accepted."""
    return resource.state == ResourceState.ACTIVE and allows(actor, Permission.RESOURCE_OPERATE, resource.scope)


def resize_plans(session: Session, *, actor: Actor, resource: Resource) -> list[Plan]:
    """The plans ``resource`` may be resized to: the other active plans of its offering (none for what is not
    a server, or for an actor who may not operate it)."""
    if resource.kind != "server" or resource.plan_id is None or not may_operate(actor, resource):
        return []
    current = session.get(Plan, resource.plan_id)
    if current is None:
        return []
    return list(session.scalars(select(Plan).where(Plan.offering_id == current.offering_id, Plan.active,
                                                   Plan.id != current.id).order_by(Plan.vcpus, Plan.ram_mb, Plan.code)))


def operable(session: Session, actor: Actor, resource_id: uuid.UUID) -> Resource:
    resource = scoped(session, Resource, actor).get(resource_id, for_update=True)
    authorize(actor, Permission.RESOURCE_OPERATE, resource)
    if resource.state != ResourceState.ACTIVE:
        raise Conflict(f"Ressource {resource.name} : une opération est déjà en cours ou elle n'est pas active "
                       f"(état {resource.state}).")
    return resource


def request_action(session: Session, *, actor: Actor, resource_id: uuid.UUID, action: str,
                   params: dict[str, Any] | None = None) -> Step:
    """Queue a day-2 action on a server (start, stop, reboot, snapshot, attach, detach; a resize is an order:
    ``orders.resize.request_resize``).

    Raises:
        NotFound: the resource (or the volume / plan named) is not visible.
        PermissionDenied: the actor may not operate resources of this project.
        Conflict: the resource is busy or not active, or the action does not fit its status.
        ValidationFailed: unknown action or missing parameter, or a resize (an order of its own).
    """
    params = dict(params or {})
    resource = operable(session, actor, resource_id)
    if resource.kind != "server" or action not in SERVER_ACTIONS:
        raise ValidationFailed(f"Action « {action} » impossible sur une ressource {resource.kind}.", field="action")
    if action == "start" and resource.status == "ACTIVE":
        raise Conflict("Le serveur est déjà démarré.")
    if action in ("stop", "reboot") and resource.status == "SHUTOFF":
        raise Conflict("Le serveur est déjà arrêté.")
    if action == "resize":  # an order of its own: estimate, quota and approval (orders.resize)
        raise ValidationFailed("Un changement de gabarit est une commande : chiffré, vérifié contre le quota et "
                               "soumis à la politique d'approbation. Demandez-le par POST "
                               f"/api/v1/resources/{resource.id}/resize (ou « Redimensionner » dans le portail).",
                               field="action")
    if action in ("attach", "detach"):
        volume = scoped(session, Resource, actor).get(params.get("volume_id", ""))
        if volume.kind != "volume" or volume.project_id != resource.project_id or volume.provider_id is None:
            raise ValidationFailed("Volume du même projet attendu.", field="volume_id")
        attached = volume.attributes.get("attach_to")
        if action == "attach" and attached:
            raise Conflict("Ce volume est déjà attaché.")
        if action == "detach" and attached != str(resource.id):
            raise Conflict("Ce volume n'est pas attaché à ce serveur.")
        params.update(volume_id=str(volume.id), volume_provider_id=volume.provider_id)
    resource.state = ResourceState.BUSY
    step = new_step(session, kind=StepKind.ACTION, project_id=resource.project_id, actor=actor,
                    resource_id=resource.id, action=action, params=params)
    audit.record(session, actor=actor, action=f"resource.{action}_requested", target=resource,
                 organisation_id=resource.organisation_id, details=params)
    return step


def delete_resource(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> Step:
    """Queue the deletion of a resource (a server takes its data volumes with it).

    Raises:
        NotFound: no such resource visible to the actor.
        PermissionDenied: the actor may not operate resources of this project.
        Conflict: an operation is in progress.
    """
    resource = operable(session, actor, resource_id)
    resource.state = ResourceState.DELETING
    audit.record(session, actor=actor, action="resource.delete_requested", target=resource,
                 organisation_id=resource.organisation_id, details={"name": resource.name, "kind": resource.kind})
    return new_step(session, kind=StepKind.DELETE, project_id=resource.project_id, actor=actor,
                    resource_id=resource.id)


def history(session: Session, *, actor: Actor, resource_id: uuid.UUID, limit: int = 100) -> list[Any]:
    """The journal entries about a resource, newest first.

    Raises:
        NotFound: no such resource visible to the actor.
    """
    from sovcloud.audit.models import AuditEvent

    resource = get_resource(session, actor=actor, resource_id=resource_id)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.target_id == str(resource.id))
                                .order_by(AuditEvent.seq.desc()).limit(limit)))


def expiry_sweep(session: Session, *, remind_days: int = 7) -> tuple[int, int]:
    """Remind the requesters of resources that end within ``remind_days`` (once), and queue the deletion
    of those whose end date has passed. Returns (reminded, retired).

    Safe when two sweeps overlap (a lease holder starved past its period on a loaded machine, while the next
    one already runs): the rows it reminds or retires are locked until its commit, and the other sweep
    skips them or finds them done (PostgreSQL; SQLite has one writer at a time)."""
    at = now()
    system = Actor.system("expiry")
    soon = list(session.scalars(select(Resource).where(
        Resource.end_date.is_not(None), Resource.end_date <= at + timedelta(days=remind_days),
        Resource.end_date > at, Resource.reminded_at.is_(None), Resource.state == ResourceState.ACTIVE)
        .with_for_update(skip_locked=True).limit(1000)))
    for r in soon:
        r.reminded_at = at
        requester = session.scalar(select(Order.requester_id).where(Order.id == r.order_id)) if r.order_id else None
        notify(session, user_id=requester, subject_type="resource", subject_id=r.id,
               message=f"{r.name} arrive à échéance le {r.end_date:%d/%m/%Y} et sera alors supprimée.")
    due = list(session.scalars(select(Resource).where(
        Resource.end_date.is_not(None), Resource.end_date <= at, Resource.state == ResourceState.ACTIVE)
        .with_for_update().limit(1000)))
    for r in due:
        r.state = ResourceState.DELETING
        audit.record(session, actor=system, action="resource.expired", target=r, organisation_id=r.organisation_id,
                     details={"end_date": r.end_date.isoformat() if r.end_date else None})
        new_step(session, kind=StepKind.DELETE, project_id=r.project_id, actor=system, resource_id=r.id)
    return len(soon), len(due)
