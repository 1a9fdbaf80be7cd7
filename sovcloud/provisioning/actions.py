"""Day-2 actions as the worker runs them (provisioning writes their outcome to the inventory, which never
calls back): ask the provider once, then wait for the resource to settle
(ACTIVE or SHUTOFF with no task in progress — ACTIVE alone is not enough after a reboot or resize)."""

from __future__ import annotations

import uuid
from typing import Any

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.providers import errors as perr
from sovcloud.providers.dto import ServerStatus
from sovcloud.provisioning.handlers import Lookups, Wait
from sovcloud.provisioning.models import Step

#: server status each action ends in
SETTLED = {"start": ServerStatus.ACTIVE, "stop": ServerStatus.SHUTOFF, "reboot": ServerStatus.ACTIVE,
           "resize": ServerStatus.ACTIVE}


def perform(rt: Any, step: Step, lookups: Lookups) -> Wait | None:
    """Run (or keep waiting on) the action of ``step``; returns a ``Wait`` or None when done."""
    with transaction(rt.sessions) as session:
        r = session.get(Resource, step.resource_id)
        if r is None or r.provider_id is None:
            raise perr.NotFoundError("ressource absente de l'inventaire ou jamais créée")
        tenant, pid, action, params = str(r.project_id), r.provider_id, step.action or "", dict(step.params)
        requested = bool(step.progress.get("requested"))
    p = rt.provider
    if action in ("attach", "detach"):
        volume_pid = params["volume_provider_id"]
        if not requested:
            (p.attach_volume(tenant, volume_pid, pid) if action == "attach" else p.detach_volume(tenant, volume_pid))
            _mark_requested(rt, step)
        volume = p.get_volume(tenant, volume_pid)
        attached = volume.server_id == pid
        return None if attached == (action == "attach") and volume.status.value in ("AVAILABLE", "IN_USE") \
            else Wait(rt.settings.poll_interval_s)
    if action == "snapshot":
        image = p.snapshot_server(tenant, pid, params.get("name") or f"snap-{step.id.hex[:8]}",
                                  idempotency_key=str(step.id))
        _mark_requested(rt, step, image_id=image.id)
        return None
    if not requested:
        if action == "start":
            p.start_server(tenant, pid)
        elif action == "stop":
            p.stop_server(tenant, pid)
        elif action == "reboot":
            p.reboot_server(tenant, pid, hard=bool(params.get("hard")))
        elif action == "resize":
            p.resize_server(tenant, pid, lookups.flavor(params["flavor"]))
        else:
            raise perr.UnsupportedOperationError(f"action inconnue : {action}")
        _mark_requested(rt, step)
    server = p.get_server(tenant, pid)
    if server.status == ServerStatus.ERROR:
        raise perr.ProviderError(f"le serveur est en erreur : {server.fault or 'cause inconnue'}")
    if server.status == SETTLED[action] and not server.task_state:
        if action == "resize" and server.flavor_id != lookups.flavor(params["flavor"]):
            return Wait(rt.settings.poll_interval_s)
        return None
    return Wait(rt.settings.poll_interval_s)


def _mark_requested(rt: Any, step: Step, **extra: Any) -> None:
    with transaction(rt.sessions) as session:
        row = session.get(Step, step.id)
        assert row is not None
        row.progress = {**row.progress, "requested": True, **extra}
        step.progress = row.progress


def finish_action(session: Any, step: Step) -> None:
    """Write the settled state back to the inventory and journal the action."""
    r = session.get(Resource, step.resource_id)
    if r is None:
        return
    action = step.action or ""
    r.state = ResourceState.ACTIVE
    if action in SETTLED:
        r.status = SETTLED[action].value
    if action == "resize":
        r.flavor = step.params["flavor"]
        for key in ("vcpus", "ram_mb", "storage_gb"):
            setattr(r, key, int(step.params[key]))
        r.plan_id = uuid.UUID(step.params["plan_id"]) if step.params.get("plan_id") else r.plan_id
    if action == "snapshot":
        snapshots = [*r.attributes.get("snapshots", []), {"image_id": step.progress.get("image_id"),
                                                           "at": now().isoformat()}]
        r.attributes = {**r.attributes, "snapshots": snapshots}
    if action in ("attach", "detach"):
        volume = session.get(Resource, uuid.UUID(step.params["volume_id"]))
        if volume is not None:
            volume.state = ResourceState.ACTIVE
            volume.attributes = {**volume.attributes, "attach_to": str(r.id) if action == "attach" else None}
    audit.record(session, actor=Actor.system("provisioning"), action=f"resource.{action}", target=r,
                 organisation_id=r.project.organisation_id, details={"by": step.actor_name, **step.params})


def fail_action(session: Any, step: Step, error: str) -> None:
    r = session.get(Resource, step.resource_id)
    if r is None:
        return
    r.state = ResourceState.ACTIVE if r.provider_id else ResourceState.ERROR
    audit.record(session, actor=Actor.system("provisioning"), action=f"resource.{step.action}", target=r,
                 organisation_id=r.project.organisation_id, outcome="failure", details={"error": error[:500]})
