"""``/healthz``: the API answers, and the workers it relies on are alive (their heartbeats)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sovcloud.provisioning import heartbeats


class WorkerHealth(BaseModel):
    worker: str = Field(description='"host:pid" of the worker process')
    alive: bool = Field(description="Beat within the last three heartbeat intervals")
    seen_at: datetime = Field(description="Last beat (UTC)")
    started_at: datetime = Field(description="When the process started (UTC)")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded: a worker is dead")
    workers: list[WorkerHealth] = Field(description="Workers running, or dead within the last minutes")
    embedded_worker: Literal["running", "restarting"] | None = Field(
        default=None, description="The worker `sovcloud serve` supervises, when it has one")


def health(app: FastAPI) -> JSONResponse:
    """The health document; 503 when degraded."""
    with app.state.read_sessions() as session:
        states = heartbeats.workers(session, beat_s=app.state.settings.worker_heartbeat_s)
    embedded = getattr(app.state, "embedded_worker", None)  #: set by `sovcloud serve` (its supervisor)
    embedded_state = None if embedded is None else ("running" if embedded.running else "restarting")
    dead = any(not s.alive for s in states) or embedded_state == "restarting"
    body = Health(status="degraded" if dead else "ok", embedded_worker=embedded_state,
                  workers=[WorkerHealth(worker=s.worker, alive=s.alive, seen_at=s.seen_at, started_at=s.started_at)
                           for s in states])
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=503 if dead else 200)
