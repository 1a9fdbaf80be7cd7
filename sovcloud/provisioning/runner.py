"""Running one step: lease it, do its provider work outside any transaction, write back, and decide what
follows (done, wait and look again, retry after a transient error, or fail and compensate)."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.clock import now
from sovcloud.db import transaction
from sovcloud.errors import DomainError
from sovcloud.inventory.models import Resource, ResourceState
from sovcloud.logs import get_logger
from sovcloud.orders.models import Order, OrderItem
from sovcloud.providers import errors as perr
from sovcloud.providers.context import request_context
from sovcloud.provisioning import actions, engine, handlers, items
from sovcloud.provisioning.handlers import Wait
from sovcloud.provisioning.models import Step, StepKind, StepStatus
from sovcloud.provisioning.runtime import Runtime

log = get_logger("sovcloud.provisioning")
_lookups: dict[int, handlers.Lookups] = {}


class Busy(Exception):
    """Another step must end first (e.g. compensation waits for running creates)."""


def _lookups_of(rt: Runtime) -> handlers.Lookups:
    return _lookups.setdefault(id(rt.provider), handlers.Lookups(rt.provider))


def claim(rt: Runtime, step_id: str) -> Step | None:
    """Lease the step for this worker, or None if it is done, cancelled, or leased by a live worker."""
    with transaction(rt.sessions) as session:
        step = session.get(Step, uuid.UUID(step_id), with_for_update=True)
        at = now()
        if step is None or step.status in (StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.CANCELLED):
            return None
        if step.status == StepStatus.RUNNING and step.lease_until and step.lease_until > at:
            return None
        if step.status == StepStatus.PENDING and step.next_attempt_at and step.next_attempt_at > at:
            rt.enqueue(step_id, (step.next_attempt_at - at).total_seconds())
            return None
        step.status, step.worker = StepStatus.RUNNING, rt.worker
        step.lease_until = at + timedelta(seconds=rt.settings.step_lease_s)
        step.attempts += 1
        session.flush()
        session.expunge(step)
        return step


def run_step(rt: Runtime, step_id: str) -> None:
    """Run one step to its next resting point. Safe to call any number of times for the same step."""
    step = claim(rt, step_id)
    if step is None:
        return
    with request_context(step.request_id):  # the step's journal entries carry the request that made it
        _run_claimed(rt, step)


def _run_claimed(rt: Runtime, step: Step) -> None:
    step_id = str(step.id)
    try:
        outcome = _RUN[step.kind](rt, step)
    except perr.TransientError as exc:
        _retry(rt, step, f"{type(exc).__name__}: {exc}")
    except Busy as exc:
        _wait(rt, step, Wait(rt.settings.poll_interval_s), str(exc))
    except (perr.ProviderError, DomainError) as exc:
        _fail(rt, step, str(exc))
    except Exception as exc:  # a bug or an outage of our own database: retry, then fail
        log.exception("step crashed", step_id=step_id)
        _retry(rt, step, f"{type(exc).__name__}: {exc}")
    else:
        if isinstance(outcome, Wait):
            _wait(rt, step, outcome, None)
        else:
            _succeed(rt, step)


def _snapshot(r: Resource | items.Row, tenant: str, plan_code: str | None, params: dict[str, Any]) -> handlers.Snapshot:
    return handlers.Snapshot(id=str(r.id), key=r.idempotency_key, kind=r.kind, name=r.name, tenant=tenant,
                             provider_id=r.provider_id, site=r.site, plan_code=plan_code, params=params,
                             attributes=dict(r.attributes))


def _write(rt: Runtime, progress: dict[str, handlers.Progress]) -> None:
    """Write what the provider calls learned back to the resource rows: one bulk UPDATE by primary key (a
    field is written only when the call reported it), then the ones that are done become ACTIVE."""
    if not progress:
        return
    changes = [{"id": uuid.UUID(rid), **{k: v for k, v in (("provider_id", p.provider_id), ("status", p.status),
                                                             ("site", p.site), ("address", p.address),
                                                             ("flavor", p.flavor)) if v}}
               for rid, p in progress.items()]
    with transaction(rt.sessions) as session:
        for keys in {tuple(c) for c in changes if len(c) > 1}:  # one executemany per set of fields
            session.execute(update(Resource), [c for c in changes if tuple(c) == keys])
        extra = {uuid.UUID(rid): p.attributes for rid, p in progress.items() if p.attributes}
        for r in session.scalars(select(Resource).where(Resource.id.in_(extra))) if extra else ():
            r.attributes = {**r.attributes, **extra[r.id]}
        done = [uuid.UUID(rid) for rid, p in progress.items() if p.done]
        if done:
            session.execute(update(Resource).where(Resource.id.in_(done), Resource.state == ResourceState.CREATING)
                            .values(state=ResourceState.ACTIVE).execution_options(synchronize_session=False))


def _mark_sent(rt: Runtime, snaps: list[handlers.Snapshot]) -> None:
    """Record, before the provider is asked, that these rows' creates are about to be sent (``sent``): a row
    without it was never asked for, so a compensation can end it without asking the cloud anything."""
    fresh = [s for s in snaps if s.provider_id is None and not s.attributes.get(items.SENT)]
    if not fresh:
        return
    with transaction(rt.sessions) as session:
        for r in session.scalars(select(Resource).where(Resource.id.in_([uuid.UUID(s.id) for s in fresh]))):
            r.attributes = {**r.attributes, items.SENT: True}
    for snap in fresh:
        snap.attributes[items.SENT] = True


def _run_create(rt: Runtime, step: Step) -> Wait | None:
    with transaction(rt.sessions) as session:
        facts = items.item_facts(session, step)
        rows = items.ensure_rows(session, step, facts)
        snaps = [_snapshot(r, str(step.project_id), facts.plan_code, dict(facts.parameters)) for r in rows]
        done_already = {s.id for s, r in zip(snaps, rows, strict=True) if r.state == ResourceState.ACTIVE}
    progress: dict[str, handlers.Progress] = {
        s.id: handlers.Progress(done=True, provider_id=s.provider_id, site=s.site)
        for s in snaps if s.id in done_already}
    written: dict[str, handlers.Progress] = {}
    lookups = _lookups_of(rt)
    try:
        todo = [s for s in snaps if s.id not in done_already]
        servers = [s for s in todo if s.kind == "server"]
        others = [s for s in todo if s.kind != "server"]
        _mark_sent(rt, servers)
        written.update(handlers.create_servers(rt.provider, lookups, todo))  # one call for a step's servers
        written.update(handlers.poll_servers(rt.provider, [s for s in servers if s.id not in written]))
        progress.update(written)
        for snap in servers:  # servers first: what depends on one (a data volume) follows its progress
            if snap.id not in written:
                progress[snap.id] = written[snap.id] = handlers.advance(rt.provider, lookups, snap, progress)
        _mark_sent(rt, [s for s in others if handlers.will_create(s, progress)])
        for snap in others:
            progress[snap.id] = written[snap.id] = handlers.advance(rt.provider, lookups, snap, progress)
    finally:
        _write(rt, written)  # keep what was done even if a call failed half-way
    if all(p.done for p in progress.values()) and len(progress) == len(snaps):
        return None
    return Wait(rt.settings.poll_interval_s)


#: how many times a cleanup taken up by an operator looks again for deleted resources to be gone
CONFIRM_POLLS = 30


def _run_cleanup_again(rt: Runtime, step: Step) -> Wait | None:
    """An operator's new cleanup of ``cleanup_failed`` rows (``operations.take_up_cleanup``): delete them again
    (``retry``) or not (``forget``), and end a row (quota released) only once the cloud confirms it is gone.
    What is still there after the last look fails the step: the rows stay ``cleanup_failed``."""
    with transaction(rt.sessions) as session:
        rows = [r for r in engine.resources_to_compensate(session, step.order_id)  # type: ignore[arg-type]
                if r.attributes.get(items.OUTCOME) == items.CLEANUP_FAILED]
        snaps = [_snapshot(r, str(step.project_id), r.flavor, {}) for r in rows]
    unknown = [s for s in snaps if s.provider_id is None and s.kind == "server"]  # the create's answer was lost
    if unknown:
        found = rt.provider.find_servers(str(step.project_id), [s.key for s in unknown])
        for snap in unknown:
            snap.provider_id = found[snap.key].id if snap.key in found else None
    left = []
    for snap in snaps:
        if step.params.get("delete"):
            handlers.delete(rt.provider, snap)
        if handlers.gone(rt.provider, snap):
            _end(rt, [snap], items.REMOVED)
        else:
            left.append(snap)
    if not left:
        return None
    polls = int(step.progress.get("polls", 0)) + 1
    if not step.params.get("delete") or polls >= CONFIRM_POLLS:
        raise perr.ProviderError("encore présent(s) dans le cloud : " + ", ".join(s.name for s in left[:20]))
    with transaction(rt.sessions) as session:
        row = session.get(Step, step.id)
        assert row is not None
        row.progress = {**row.progress, "polls": polls}
    return Wait(rt.settings.poll_interval_s)


def _run_compensate(rt: Runtime, step: Step) -> Wait | None:
    """Undo a failed order: rows never sent to the cloud end at once (``not_created``, no provider call);
    servers sent without a recorded id are looked up by key (``find_servers``, nothing created); the rest is
    deleted (``removed``). Each row ends DELETED, which releases its quota."""
    if step.params.get("confirm"):
        return _run_cleanup_again(rt, step)
    with transaction(rt.sessions) as session:
        running = session.scalar(select(Step.id).where(
            Step.order_id == step.order_id, Step.kind == StepKind.CREATE, Step.status == StepStatus.RUNNING,
            Step.lease_until > now()).limit(1))
        if running is not None:
            raise Busy("des créations de cette commande sont encore en cours")
        order = session.get(Order, step.order_id)
        rows = engine.resources_to_compensate(session, order.id) if order else []
        snaps = [_snapshot(r, str(step.project_id), r.flavor, {}) for r in rows]
        creates = {str(s.id): s for s in session.scalars(select(Step).where(Step.order_id == step.order_id,
                                                                           Step.kind == StepKind.CREATE))}
        item_params = {str(s.id): dict(session.get(OrderItem, s.item_id).parameters)  # type: ignore[union-attr]
                       for s in creates.values() if s.item_id}
    never = [s for s in snaps if s.provider_id is None and not s.attributes.get(items.SENT)]
    _end(rt, never, items.NOT_CREATED)
    maybe = [s for s in snaps if s.provider_id is None and s.attributes.get(items.SENT)]
    by_tenant: dict[str, list[handlers.Snapshot]] = {}
    for snap in maybe:
        if snap.kind == "server":
            by_tenant.setdefault(snap.tenant, []).append(snap)
    absent: list[handlers.Snapshot] = []
    for tenant, group in by_tenant.items():
        found = rt.provider.find_servers(tenant, [s.key for s in group])
        for snap in group:
            snap.provider_id = found[snap.key].id if snap.key in found else None
            if snap.provider_id is None:
                absent.append(snap)
    _end(rt, absent, items.NOT_CREATED)
    ended = {s.id for s in never} | {s.id for s in absent}
    for snap in snaps:
        if snap.id in ended:
            continue
        if snap.provider_id is None:  # a volume, network... whose answer was lost: replay its create
            snap.params = item_params.get(snap.key.split(":")[0], {})
            snap.provider_id = handlers.recover_id(rt.provider, _lookups_of(rt), snap)
        handlers.delete(rt.provider, snap)
        _end(rt, [snap], items.REMOVED if snap.provider_id else items.NOT_CREATED)
    return None


def _end(rt: Runtime, snaps: list[handlers.Snapshot], outcome: str) -> None:
    """Rows a compensation is done with: DELETED (quota released), their ``outcome`` kept, one transaction."""
    if not snaps:
        return
    with transaction(rt.sessions) as session:
        for r in session.scalars(select(Resource).where(Resource.id.in_([uuid.UUID(s.id) for s in snaps]))):
            _delete_row(session, r, outcome)


def _delete_row(session: Session, r: Resource, outcome: str | None = None) -> None:
    if r.state == ResourceState.DELETED:
        return
    r.state, r.deleted_at = ResourceState.DELETED, now()
    r.status = "NOT_CREATED" if outcome == items.NOT_CREATED else "DELETED"
    if outcome:
        r.attributes = {**r.attributes, items.OUTCOME: outcome}
    audit.record(session, actor=Actor.system("provisioning"), action="resource.deleted", target=r,
                 organisation_id=r.project.organisation_id,
                 details={"name": r.name, "kind": r.kind, **({"outcome": outcome} if outcome else {})})


def _mark_deleted(rt: Runtime, resource_id: str) -> None:
    with transaction(rt.sessions) as session:
        r = session.get(Resource, uuid.UUID(resource_id))
        if r is not None:
            _delete_row(session, r)


def _run_delete(rt: Runtime, step: Step) -> Wait | None:
    with transaction(rt.sessions) as session:
        r = session.get(Resource, step.resource_id)
        if r is None or r.state == ResourceState.DELETED:
            return None
        dependants = list(session.scalars(select(Resource).where(
            Resource.project_id == r.project_id, Resource.attributes["attach_to"].as_string() == str(r.id),
            Resource.state != ResourceState.DELETED)))
        snaps = [_snapshot(x, str(step.project_id), x.flavor, {}) for x in [*dependants, r]]
    for snap in snaps:
        handlers.delete(rt.provider, snap)
        _mark_deleted(rt, snap.id)
    return None


def _run_action(rt: Runtime, step: Step) -> Wait | None:
    return actions.perform(rt, step, _lookups_of(rt))


_RUN = {StepKind.CREATE: _run_create, StepKind.COMPENSATE: _run_compensate, StepKind.DELETE: _run_delete,
        StepKind.ACTION: _run_action}


def _release(session: Session, step: Step) -> Step:
    row = session.get(Step, step.id, with_for_update=True)
    assert row is not None
    return row


def _succeed(rt: Runtime, step: Step) -> None:
    with transaction(rt.sessions) as session:
        row = _release(session, step)
        row.status, row.finished_at, row.lease_until, row.last_error = StepStatus.SUCCEEDED, now(), None, None
        if row.kind == StepKind.CREATE and row.order_id:
            engine.close_order_if_done(session, row.order_id)
        if row.kind == StepKind.ACTION and row.resource_id:
            actions.finish_action(session, row)
            if row.order_id:  # a resize order: done with its step
                engine.close_order_if_done(session, row.order_id)


def _wait(rt: Runtime, step: Step, wait: Wait, note: str | None) -> None:
    with transaction(rt.sessions) as session:
        row = _release(session, step)
        row.status, row.lease_until = StepStatus.PENDING, None
        row.attempts = max(row.attempts - 1, 0)  # waiting is not a failed attempt
        row.next_attempt_at = now() + timedelta(seconds=wait.delay)
        row.last_error = note
    rt.enqueue(str(step.id), wait.delay)


def _retry(rt: Runtime, step: Step, error: str) -> None:
    limit = rt.settings.max_attempts * (5 if step.kind in (StepKind.COMPENSATE, StepKind.DELETE) else 1)
    if step.attempts >= limit:
        _fail(rt, step, f"abandon après {step.attempts} tentatives : {error}")
        return
    delay = min(rt.settings.retry_base_s * 2 ** (step.attempts - 1), rt.settings.retry_max_s)
    delay *= random.uniform(0.8, 1.2)
    with transaction(rt.sessions) as session:
        row = _release(session, step)
        row.status, row.lease_until, row.last_error = StepStatus.PENDING, None, error[:2000]
        row.next_attempt_at = now() + timedelta(seconds=delay)
    log.info("step retry", step_id=str(step.id), attempt=step.attempts, delay=round(delay, 2), error=error[:200])
    rt.enqueue(str(step.id), delay)


def _fail(rt: Runtime, step: Step, error: str) -> None:
    log.warning("step failed", step_id=str(step.id), kind=step.kind, error=error[:300])
    with transaction(rt.sessions) as session:
        row = _release(session, step)
        row.status, row.finished_at, row.lease_until, row.last_error = StepStatus.FAILED, now(), None, error[:2000]
        if row.kind == StepKind.CREATE and row.order_id:
            engine.fail_order(session, order_id=row.order_id, reason=error)
        elif row.kind == StepKind.ACTION and row.resource_id:
            actions.fail_action(session, row, error)
            if row.order_id:  # a resize order fails with its step (its quota reservation ends)
                engine.fail_order(session, order_id=row.order_id, reason=error)
        elif row.kind == StepKind.COMPENSATE and row.order_id:
            for left in engine.resources_to_compensate(session, row.order_id):  # what may still exist in the cloud
                left.state = ResourceState.ERROR
                left.attributes = {**left.attributes, items.OUTCOME: items.CLEANUP_FAILED}
        elif row.resource_id:
            r = session.get(Resource, row.resource_id)
            if r is not None:
                r.state = ResourceState.ERROR
