"""``/healthz`` (liveness: the process answers) and ``/readyz`` (readiness: what it depends on answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sovcloud.api.problems import MEDIA_TYPE, problem_body
from sovcloud.supervision import health

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = Field(description="Always ok: the process answers")


class CheckRead(BaseModel):
    name: str = Field(description="database, migrations, queue, workers or provider")
    ok: bool = Field(description="The dependency answered as expected within the bound")
    latency_ms: float = Field(description="Time the check took, in milliseconds")
    detail: str = Field(description="What was seen, or why it failed")


class WorkerHealth(BaseModel):
    worker: str = Field(description='"host:pid" of the worker process')
    alive: bool = Field(description="Beat within the last three heartbeat intervals")
    seen_at: datetime = Field(description="Last beat (UTC)")
    started_at: datetime = Field(description="When the process started (UTC)")


class Readiness(BaseModel):
    state: Literal["ready", "unready"] = Field(description="unready: at least one check failed")
    checks: list[CheckRead] = Field(description="Every check, with its latency")
    failing: list[str] = Field(default_factory=list, description="Names of the failing checks")
    workers: list[WorkerHealth] = Field(description="Workers running, or dead within the last minutes")
    embedded_worker: Literal["running", "restarting"] | None = Field(
        default=None, description="The worker `sovcloud serve` supervises, when it has one")


@router.get("/healthz", response_model=Liveness)
def healthz() -> Liveness:
    """Liveness, without authentication: 200 as long as the process answers (restart it otherwise). Whether
    it can serve — database, queue, workers, provider — is ``/readyz``."""
    return Liveness(status="ok")


@router.get("/readyz", response_model=Readiness,
            responses={503: {"description": "A check failed (problem document listing the failing checks)",
                             "content": {MEDIA_TYPE: {}}}})
def readyz(request: Request) -> JSONResponse:
    """Readiness, without authentication: the database answers within the bound, the schema is at the
    migrations' head, the queue is reachable, a worker beat recently, the provider answers. 200 ``ready``,
    or 503 with a problem document naming the failing checks."""
    state = request.app.state
    embedded = getattr(state, "embedded_worker", None)  #: set by `sovcloud serve` (its supervisor)
    found = health.readiness(engine=state.engine, sessions=state.read_sessions, settings=state.settings,
                             provider=state.provider, queue_depth=state.queue_depth,
                             embedded_worker=None if embedded is None else
                             ("running" if embedded.running else "restarting"))
    body: dict[str, Any] = Readiness(
        state="ready" if found.ready else "unready", failing=found.failing, embedded_worker=found.embedded_worker,
        checks=[CheckRead(name=c.name, ok=c.ok, latency_ms=c.latency_ms, detail=c.detail) for c in found.checks],
        workers=[WorkerHealth(worker=w.worker, alive=w.alive, seen_at=w.seen_at, started_at=w.started_at)
                 for w in found.workers]).model_dump(mode="json", exclude_none=True)
    if found.ready:
        return JSONResponse(body)
    problem = problem_body(503, "not-ready", "Service non prêt",
                           "Vérifications en échec : " + ", ".join(found.failing) + ".",
                           instance=request.url.path, request_id=getattr(request.state, "request_id", None))
    return JSONResponse({**problem, **body}, status_code=503, media_type=MEDIA_TYPE, headers={"Retry-After": "5"})
