"""`sovcloud worker` and `sovcloud steps …` commands."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func, select

from sovcloud.cli.common import Output, OutputOpt, render, unit_of_work
from sovcloud.config import get_settings
from sovcloud.provisioning.models import Step

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
    """How many steps are in each state."""
    with unit_of_work() as (session, _):
        rows = session.execute(select(Step.kind, Step.status, func.count()).group_by(Step.kind, Step.status)).all()
    render([{"kind": k, "status": s, "count": n} for k, s, n in rows], output)


@steps.command("reap")
def reap_now() -> None:
    """Re-queue stale steps now (what every worker does periodically)."""
    from sovcloud.provisioning.queue import TaskQueue
    from sovcloud.provisioning.reaper import reap

    queue = TaskQueue(get_settings())
    print(f"{len(reap(queue.runtime, grace_s=0))} étape(s) remise(s) en file.")
