"""Reconciliation: compare what the cloud holds with the inventory and mark drift — missing, changed,
unknown — instead of silently overwriting either side. Every finding is journaled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import authorize
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource, ResourceState, UnknownResource
from sovcloud.providers.dto import ResourceRef
from sovcloud.provisioning.runtime import Runtime

TRACKED = {"server", "volume", "network", "security_group", "public_ip"}
#: states in which no step is working on the resource, so the cloud's view can be compared safely
SETTLED = (ResourceState.ACTIVE, ResourceState.ERROR)
SYSTEM = Actor.system("reconcile")


@dataclass(frozen=True)
class DriftReport:
    missing: int  #: in the inventory, gone from the cloud
    changed: int  #: status differs from what the inventory expects
    unknown: int  #: in the cloud, unknown to the inventory (confirmed)


def reconcile(rt: Runtime) -> DriftReport:
    """One full pass over every tenant of the cloud."""
    cloud = {ref.id: ref for ref in rt.provider.resources() if str(ref.kind) in TRACKED}
    with transaction(rt.sessions) as session:
        return _compare(session, cloud, rt.settings.reconcile_interval_s)


def _compare(session: Session, cloud: dict[str, ResourceRef], interval_s: float) -> DriftReport:
    at = now()
    missing = changed = 0
    for r in session.scalars(select(Resource).where(Resource.state.in_(SETTLED), Resource.provider_id.is_not(None))):
        ref = cloud.get(r.provider_id or "")
        if ref is None:
            mark_missing(session, r)
            missing += 1
        elif r.kind == "server" and observe_status(session, r, ref.status):
            changed += 1
    known = set(session.scalars(select(Resource.provider_id).where(Resource.provider_id.in_(list(cloud)))))
    strangers = {pid: ref for pid, ref in cloud.items() if pid not in known}
    session.execute(delete(UnknownResource).where(UnknownResource.provider_id.not_in(list(strangers))))
    recorded = {u.provider_id: u for u in session.scalars(select(UnknownResource))}
    confirmed = 0
    for pid, ref in strangers.items():
        row = recorded.get(pid)
        if row is None:
            session.add(UnknownResource(provider_id=pid, kind=str(ref.kind), tenant=ref.tenant, name=ref.name,
                                        status=ref.status, first_seen=at, last_seen=at))
            continue
        was_confirmed = row.last_seen - row.first_seen >= timedelta(seconds=interval_s)
        row.last_seen, row.status = at, ref.status
        if row.last_seen - row.first_seen >= timedelta(seconds=interval_s):
            confirmed += 1
            if not was_confirmed:
                audit.record(session, actor=SYSTEM, action="inventory.unknown_resource", target_type=row.kind,
                             target_id=pid, outcome="failure", details={"tenant": ref.tenant, "name": ref.name})
    return DriftReport(missing=missing, changed=changed, unknown=confirmed)


def mark_missing(session: Session, r: Resource, *, actor: Actor = SYSTEM, source: str = "reconcile") -> None:
    """``r`` vanished from the cloud outside sovcloud: state GONE, drift "missing", journaled."""
    r.state, r.drift = ResourceState.GONE, "missing"
    audit.record(session, actor=actor, action="resource.gone", target=r, organisation_id=r.organisation_id,
                 outcome="failure", details={"name": r.name, "provider_id": r.provider_id, "source": source})


def observe_status(session: Session, r: Resource, observed: str, *, actor: Actor = SYSTEM,
                   source: str = "reconcile") -> bool:
    """Compare the status the cloud reports for ``r`` with the one the inventory expects: a difference is
    drift "changed" (the expectation is kept, the observation stored in ``observed_status``, journaled once
    per observed status); agreement clears an earlier "changed". Returns whether ``r`` drifts."""
    if r.status and observed != r.status:
        if r.drift != "changed" or r.attributes.get("observed_status") != observed:
            audit.record(session, actor=actor, action="resource.drift", target=r, organisation_id=r.organisation_id,
                         outcome="failure", details={"expected": r.status, "observed": observed, "source": source})
        r.drift, r.attributes = "changed", {**r.attributes, "observed_status": observed}
        return True
    if r.drift == "changed":
        r.drift = None
        r.attributes = {k: v for k, v in r.attributes.items() if k != "observed_status"}
    return False


def drift(session: Session, *, actor: Actor, interval_s: float) -> tuple[list[Resource], list[UnknownResource]]:
    """What the last reconciliations found: drifting resources and confirmed unknown ones (operators).

    Raises:
        PermissionDenied: the actor may not read platform capacity.
    """
    authorize(actor, Permission.CAPACITY_READ)
    drifting = list(session.scalars(select(Resource).where(Resource.drift.is_not(None))
                                    .order_by(Resource.name).limit(1000)))
    unknown = [u for u in session.scalars(select(UnknownResource).order_by(UnknownResource.first_seen).limit(1000))
               if u.last_seen - u.first_seen >= timedelta(seconds=interval_s)]
    return drifting, unknown
