"""`sovcloud worker` and `sovcloud steps …` commands."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from sovcloud.cli.common import LimitOpt, Output, OutputOpt, acting, render
from sovcloud.config import get_settings
from sovcloud.provisioning import operations

steps = typer.Typer(help="Étapes de provisionnement.", no_args_is_help=True)


def worker(threads: Annotated[int | None, typer.Option(help="Fils d'exécution (SOVCLOUD_WORKER_THREADS)")] = None,
           parent: Annotated[int | None, typer.Option(hidden=True, help="Pid du serveur qui supervise ce worker "
                                                      "(il s'arrête quand ce processus disparaît)")] = None,
           ) -> None:
    """Run a provisioning worker (several may run on several machines with the Redis queue)."""
    from sovcloud import logs
    from sovcloud.audit import service as audit_service
    from sovcloud.provisioning.queue import TaskQueue

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    audit_service.configure(settings.secret_key.get_secret_value(), anchor_path=settings.audit_anchor_path,
                            anchor_interval_s=settings.audit_anchor_interval_s)
    TaskQueue(settings).run_worker(threads, parent_pid=parent)


@steps.command("status")
def status(output: OutputOpt = Output.table) -> None:
    """How many steps are in each state (operators)."""
    with acting() as (session, _, actor):
        rows = operations.step_counts(session, actor=actor)
    render([{"kind": k, "status": s, "count": n} for k, s, n in rows], output)


@steps.command("reap")
def reap_now() -> None:
    """Re-queue stale steps now, what every worker does periodically (operators; journaled)."""
    from sovcloud.provisioning.queue import TaskQueue

    with acting() as (session, settings, actor):
        found = operations.reap_now(session, actor=actor, runtime=TaskQueue(settings).runtime)
    print(f"{len(found)} étape(s) remise(s) en file.")


@steps.command("cleanups")
def cleanups(limit: LimitOpt = 100, output: OutputOpt = Output.table) -> None:
    """Failed orders whose cleanup left resources behind (operators)."""
    with acting() as (session, _, actor):
        rows = [{"order": o.id, "title": o.title, "left": n, "reason": o.failure_reason}
                for o, n in operations.cleanup_failed(session, actor=actor, limit=limit)]
    render(rows, output)


@steps.command("cleanup")
def cleanup(order: Annotated[uuid.UUID, typer.Argument(help="Id de la commande échouée")],
            mode: Annotated[str, typer.Option(help="retry (supprimer à nouveau) | forget (ne rien supprimer)")]
            = "retry",
            reason: Annotated[str, typer.Option(help="Motif (obligatoire pour forget, 500 caractères au plus)")]
            = "") -> None:
    """Take up a failed cleanup: a resource ends only once the cloud confirms it is gone (journaled)."""
    with acting() as (session, _, actor):
        step = operations.take_up_cleanup(session, actor=actor, order_id=order, mode=mode, reason=reason)
    print(f"Nettoyage mis en file : étape {step.id}.")
