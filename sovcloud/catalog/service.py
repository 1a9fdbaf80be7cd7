"""Offerings, plans and groups of organisations: who may see and order what.

Writes are for platform operators (``CATALOG_MANAGE``); reads need ``CATALOG_READ`` where the reader is.
Visibility: an offering without restriction groups is visible to all; a restricted one to organisations
in (or under a member of) one of its groups — and, for listing, to readers of such an organisation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import PLATFORM, Actor, Scope
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize, scoped
from sovcloud.catalog.models import (
    GroupMember,
    Offering,
    OfferingKind,
    OfferingStatus,
    OrganisationGroup,
    Plan,
)
from sovcloud.clock import now
from sovcloud.errors import Conflict, NotFound, ValidationFailed
from sovcloud.tenancy.models import Organisation

_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def _code(value: str, field: str) -> str:
    value = value.strip().lower()
    if not _CODE.match(value):
        raise ValidationFailed("Code : 2 à 40 caractères parmi a-z, 0-9, « . », « _ » et « - ».", field=field)
    return value


def _name(value: str, field: str = "name", limit: int = 200) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise ValidationFailed(f"Nom obligatoire ({limit} caractères au plus).", field=field)
    return value


def ancestor_ids(org: Organisation) -> list[uuid.UUID]:
    """The organisation and its ancestors, root first."""
    return [uuid.UUID(part) for part in org.path.strip("/").split("/")]


def covering_groups(session: Session, org: Organisation) -> dict[uuid.UUID, int]:
    """Groups holding the organisation or one of its ancestors → depth of the deepest such member
    (0 = the root ministry), so a nearer membership can win."""
    ancestors = ancestor_ids(org)
    depth = {org_id: i for i, org_id in enumerate(ancestors)}
    found: dict[uuid.UUID, int] = {}
    rows = session.execute(select(GroupMember.group_id, GroupMember.organisation_id)
                           .where(GroupMember.organisation_id.in_(ancestors)))
    for group_id, org_id in rows:
        found[group_id] = max(found.get(group_id, -1), depth[org_id])
    return found


def _open_to(offering: Offering, group_ids: Iterable[uuid.UUID]) -> bool:
    return not offering.groups or bool({g.id for g in offering.groups} & set(group_ids))


def _organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"Organisation {organisation_id} introuvable.")
    return org


def offerings_for(session: Session, *, actor: Actor, organisation_id: uuid.UUID) -> list[Offering]:
    """The active offerings the organisation may order, by code (their plans: ``active_plans``).

    Raises:
        NotFound: the organisation is not visible to the actor.
        PermissionDenied: the actor may not read the catalogue there.
    """
    org = scoped(session, Organisation, actor).get(organisation_id)
    authorize_read(actor, org)
    return orderable_offerings(session, organisation_id=org.id)


def authorize_read(actor: Actor, org: Organisation) -> None:
    """Allow reading the organisation's catalogue to readers of the organisation and to members of its
    projects (who order for their project, though their role is held on the project only).

    Raises:
        PermissionDenied: neither.
    """
    if any(g.project_id is not None and (g.org_path or "").startswith(org.path)
           and allows(actor, Permission.CATALOG_READ, Scope(g.org_path, g.project_id)) for g in actor.grants):
        return
    authorize(actor, Permission.CATALOG_READ, org)


def orderable_offerings(session: Session, *, organisation_id: uuid.UUID) -> list[Offering]:
    """The active offerings open to the organisation, without an actor (orders, seeds)."""
    groups = covering_groups(session, _organisation(session, organisation_id))
    query = select(Offering).where(Offering.status == OfferingStatus.ACTIVE).order_by(Offering.code)
    return [o for o in session.scalars(query) if _open_to(o, groups)]


def is_open_to(session: Session, offering: Offering, organisation_id: uuid.UUID) -> bool:
    """Whether ``offering``'s restriction lets the organisation see and order it (status aside)."""
    if not offering.groups:
        return True
    return _open_to(offering, covering_groups(session, _organisation(session, organisation_id)))


def _reader_paths(actor: Actor) -> list[str]:
    """Organisation paths where the actor may read the catalogue."""
    return [g.org_path for g in actor.grants
            if g.org_path and allows(actor, Permission.CATALOG_READ, Scope(g.org_path, g.project_id))]


def reader_view(actor: Actor) -> tuple[bool, list[str]]:
    """(sees the whole catalogue, organisation paths where the actor reads it).

    Raises:
        PermissionDenied: the actor reads the catalogue nowhere.
    """
    if actor.is_platform_wide and allows(actor, Permission.CATALOG_READ, PLATFORM):
        return True, []
    paths = _reader_paths(actor)
    if not paths:
        authorize(actor, Permission.CATALOG_READ)
    return False, paths


def groups_touching(session: Session, group_ids: Iterable[uuid.UUID], paths: list[str]) -> set[uuid.UUID]:
    """The groups having a member above or below one of the organisations at ``paths``."""
    wanted = set(group_ids)
    if not wanted or not paths:
        return set()
    rows = session.execute(select(GroupMember.group_id, Organisation.path)
                           .join(Organisation, Organisation.id == GroupMember.organisation_id)
                           .where(GroupMember.group_id.in_(wanted)))
    return {group_id for group_id, member in rows if any(member.startswith(p) or p.startswith(member) for p in paths)}


def _visible_to_paths(session: Session, offerings: Sequence[Offering], paths: list[str]) -> list[Offering]:
    touching = groups_touching(session, {g.id for o in offerings for g in o.groups}, paths)
    return [o for o in offerings if _open_to(o, touching)]


def list_offerings(session: Session, *, actor: Actor, include_retired: bool = False) -> list[Offering]:
    """Offerings visible to the actor, by code: all for platform readers, otherwise the unrestricted ones
    and those restricted to groups touching the actor's organisations.

    Raises:
        PermissionDenied: the actor may not read the catalogue.
    """
    everything, paths = reader_view(actor)
    query = select(Offering).order_by(Offering.code)
    if not include_retired:
        query = query.where(Offering.status == OfferingStatus.ACTIVE)
    offerings = list(session.scalars(query))
    return offerings if everything else _visible_to_paths(session, offerings, paths)


def get_offering(session: Session, *, actor: Actor, offering_id: uuid.UUID) -> Offering:
    """One offering, if visible to the actor.

    Raises:
        NotFound: no such offering, or restricted to groups the actor has nothing to do with.
        PermissionDenied: the actor may not read the catalogue.
    """
    everything, paths = reader_view(actor)
    offering = session.get(Offering, offering_id)
    if offering is None or not (everything or _visible_to_paths(session, [offering], paths)):
        raise NotFound(f"Offre {offering_id} introuvable.")
    return offering


def _groups(session: Session, group_ids: Sequence[uuid.UUID]) -> list[OrganisationGroup]:
    wanted = set(group_ids)
    found = list(session.scalars(select(OrganisationGroup).where(OrganisationGroup.id.in_(wanted))))
    missing = wanted - {g.id for g in found}
    if missing:
        raise NotFound(f"Groupe d'organisations {sorted(missing, key=str)[0]} introuvable.")
    return sorted(found, key=lambda g: g.name)


def create_offering(session: Session, *, actor: Actor, code: str, name: str, kind: OfferingKind | str,
                    description: str = "", restricted_to: Sequence[uuid.UUID] = ()) -> Offering:
    """Create an offering (without plans), optionally restricted to groups of organisations.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        ValidationFailed: bad code, name or kind.
        NotFound: an unknown group.
        Conflict: the code is taken.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    code, name = _code(code, "code"), _name(name)
    try:
        kind = OfferingKind(kind)
    except ValueError:
        raise ValidationFailed(f"Type d'offre inconnu : {kind} (attendu : "
                               f"{', '.join(k.value for k in OfferingKind)}).", field="kind") from None
    if session.scalar(select(Offering.id).where(Offering.code == code)) is not None:
        raise Conflict(f"Le code d'offre {code} est déjà utilisé.")
    offering = Offering(code=code, name=name, kind=kind, description=description.strip(),
                        groups=_groups(session, restricted_to), plans=[])
    session.add(offering)
    session.flush()
    audit.record(session, actor=actor, action="catalog.offering.created", target=offering,
                 details={"code": code, "kind": kind.value, "restricted_to": [g.name for g in offering.groups]})
    return offering


def _managed_offering(session: Session, actor: Actor, offering_id: uuid.UUID) -> Offering:
    authorize(actor, Permission.CATALOG_MANAGE)
    offering = session.get(Offering, offering_id, with_for_update=True)
    if offering is None:
        raise NotFound(f"Offre {offering_id} introuvable.")
    return offering


def update_offering(session: Session, *, actor: Actor, offering_id: uuid.UUID, name: str | None = None,
                    description: str | None = None, restricted_to: Sequence[uuid.UUID] | None = None) -> Offering:
    """Rename, describe or change the restriction of an offering (an empty list lifts it).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such offering, or an unknown group.
        ValidationFailed: empty name.
    """
    offering = _managed_offering(session, actor, offering_id)
    changes: dict[str, object] = {}
    if name is not None and _name(name) != offering.name:
        changes["name"] = {"from": offering.name, "to": _name(name)}
        offering.name = _name(name)
    if description is not None and description.strip() != offering.description:
        changes["description"] = True
        offering.description = description.strip()
    if restricted_to is not None:
        groups = _groups(session, restricted_to)
        if {g.id for g in groups} != {g.id for g in offering.groups}:
            changes["restricted_to"] = {"from": [g.name for g in offering.groups], "to": [g.name for g in groups]}
            offering.groups = groups
    if changes:
        audit.record(session, actor=actor, action="catalog.offering.updated", target=offering, details=changes)
    return offering


def retire_offering(session: Session, *, actor: Actor, offering_id: uuid.UUID) -> Offering:
    """Stop selling an offering; existing resources and prices are kept.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such offering.
        Conflict: already retired.
    """
    offering = _managed_offering(session, actor, offering_id)
    if offering.status == OfferingStatus.RETIRED:
        raise Conflict(f"L'offre {offering.code} est déjà retirée.")
    offering.status, offering.retired_at = OfferingStatus.RETIRED, now()
    audit.record(session, actor=actor, action="catalog.offering.retired", target=offering,
                 details={"code": offering.code})
    return offering


def _check_sizes(kind: OfferingKind, vcpus: int, ram_mb: int, disk_gb: int) -> None:
    if min(vcpus, ram_mb, disk_gb) < 0:
        raise ValidationFailed("Les ressources d'un plan ne peuvent pas être négatives.")
    if kind == OfferingKind.VM:
        if vcpus < 1 or ram_mb < 256 or disk_gb < 1:
            raise ValidationFailed("Un gabarit de machine virtuelle demande au moins 1 vCPU, 256 Mio de RAM "
                                   "et 1 Go de disque.", field="vcpus")
    elif vcpus or ram_mb or disk_gb:
        raise ValidationFailed(f"Un plan d'offre « {kind.value} » ne porte ni vCPU, ni RAM, ni disque.",
                               field="vcpus")


def add_plan(session: Session, *, actor: Actor, offering_id: uuid.UUID, code: str, name: str, vcpus: int = 0,
             ram_mb: int = 0, disk_gb: int = 0) -> Plan:
    """Add a plan (vm flavour, volume class…) to an active offering. Its quota units follow its kind:
    a vm counts one instance, a public IP one IP. Price lists published before it do not price it.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such offering.
        ValidationFailed: bad code, name or sizes for the kind.
        Conflict: the offering is retired, or the code is taken in it.
    """
    offering = _managed_offering(session, actor, offering_id)
    if offering.status == OfferingStatus.RETIRED:
        raise Conflict(f"L'offre {offering.code} est retirée : on n'y ajoute plus de plan.")
    code, name = _code(code, "code"), _name(name)
    _check_sizes(OfferingKind(offering.kind), vcpus, ram_mb, disk_gb)
    if any(p.code == code for p in offering.plans):
        raise Conflict(f"L'offre {offering.code} a déjà un plan {code}.")
    plan = Plan(offering=offering, code=code, name=name, position=len(offering.plans), vcpus=vcpus,
                ram_mb=ram_mb, disk_gb=disk_gb, instances=1 if offering.kind == OfferingKind.VM else 0,
                public_ips=1 if offering.kind == OfferingKind.PUBLIC_IP else 0)
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="catalog.plan.created", target=plan,
                 details={"offering": offering.code, "code": code, "vcpus": vcpus, "ram_mb": ram_mb,
                          "disk_gb": disk_gb})
    return plan


def retire_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> Plan:
    """Stop selling one plan.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such plan.
        Conflict: already retired.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    plan = session.get(Plan, plan_id, with_for_update=True)
    if plan is None:
        raise NotFound(f"Plan {plan_id} introuvable.")
    if not plan.active:
        raise Conflict(f"Le plan {plan.code} est déjà retiré.")
    plan.active = False
    audit.record(session, actor=actor, action="catalog.plan.retired", target=plan,
                 details={"offering": plan.offering.code, "code": plan.code})
    return plan


def create_group(session: Session, *, actor: Actor, name: str, description: str = "") -> OrganisationGroup:
    """Create an (empty) group of organisations.

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        ValidationFailed: empty name.
        Conflict: the name is taken.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    name = _name(name, limit=120)
    if session.scalar(select(OrganisationGroup.id).where(OrganisationGroup.name == name)) is not None:
        raise Conflict(f"Un groupe « {name} » existe déjà.")
    group = OrganisationGroup(name=name, description=description.strip(), members=[])
    session.add(group)
    session.flush()
    audit.record(session, actor=actor, action="catalog.group.created", target=group, details={"name": name})
    return group


def get_group(session: Session, *, actor: Actor, group_id: uuid.UUID) -> OrganisationGroup:
    """One group (catalogue managers only).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such group.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    return _groups(session, [group_id])[0]


def list_groups(session: Session, *, actor: Actor) -> list[OrganisationGroup]:
    """Every group, by name (catalogue managers only: membership reveals commercial terms).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    return list(session.scalars(select(OrganisationGroup).order_by(OrganisationGroup.name)))


def set_group_members(session: Session, *, actor: Actor, group_id: uuid.UUID,
                      organisation_ids: Sequence[uuid.UUID]) -> OrganisationGroup:
    """Replace the members of a group (each covers its sub-organisations).

    Raises:
        PermissionDenied: the actor is not a catalogue manager.
        NotFound: no such group or organisation.
    """
    authorize(actor, Permission.CATALOG_MANAGE)
    group = session.get(OrganisationGroup, group_id, with_for_update=True)
    if group is None:
        raise NotFound(f"Groupe d'organisations {group_id} introuvable.")
    wanted = set(organisation_ids)
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    if wanted - known:
        raise NotFound(f"Organisation {sorted(wanted - known, key=str)[0]} introuvable.")
    current = set(group.organisation_ids)
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return group
    group.members = [m for m in group.members if m.organisation_id in wanted]
    group.members.extend(GroupMember(organisation_id=org_id) for org_id in sorted(added, key=str))
    session.flush()
    audit.record(session, actor=actor, action="catalog.group.members_set", target=group,
                 details={"added": sorted(map(str, added)), "removed": sorted(map(str, removed))})
    return group
