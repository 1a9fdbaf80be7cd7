"""Security officer pages: search the audit journal (filters, keyset pagination), verify the chain, export
an organisation's events as JSON lines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows
from sovcloud.audit import service
from sovcloud.clock import now
from sovcloud.errors import ValidationFailed
from sovcloud.tenancy import service as tenancy
from sovcloud.web.common import PortalRoute, acting, parse_id, render

router = APIRouter(route_class=PortalRoute)
PAGE = 50
OUTCOMES = ("success", "failure", "denied")
ORG_LIMIT = 500


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("Date invalide (format attendu : AAAA-MM-JJ).", field="date") from exc
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    keys = ("action", "actor_name", "organisation_id", "outcome", "target_id", "since", "until")
    return {k: q[k].strip()[:100] for k in keys if q.get(k, "").strip()}


def _search(session: Session, actor: Actor, filters: dict[str, str],
            before: int | None) -> tuple[list[Any], int | None]:
    org = parse_id(filters["organisation_id"]) if "organisation_id" in filters else None
    outcome = filters.get("outcome")
    rows = service.search(session, actor=actor, limit=PAGE + 1, before_seq=before, action=filters.get("action"),
                          actor_name=filters.get("actor_name"), organisation_id=org,
                          target_id=filters.get("target_id"), outcome=outcome if outcome in OUTCOMES else None,
                          since=_day(filters.get("since")), until=_day(filters.get("until"), end=True))
    events = rows[:PAGE]
    return events, (events[-1].seq if len(rows) > PAGE and events else None)


def _more_url(path: str, filters: dict[str, str], before: int | None) -> str | None:
    return None if before is None else f"{path}?{urlencode({**filters, 'before': before})}"


def _before(request: Request) -> int | None:
    raw = request.query_params.get("before")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed("Curseur de pagination invalide.", field="before")
    return int(raw)


@router.get("/audit")
def journal(request: Request) -> Response:
    """The journal, newest first, with filters; 'Voir plus' continues after the last entry shown."""
    filters = _filters(request)
    with acting(request) as (session, actor):
        events, nxt = _search(session, actor, filters, _before(request))
        orgs = list(session.scalars(tenancy.organisations_query(actor).limit(ORG_LIMIT)))
        names = {o.id: o.code for o in orgs}
        context = {"events": events, "filters": filters, "outcomes": OUTCOMES, "orgs": orgs, "org_codes": names,
                   "more_url": _more_url("/audit", filters, nxt), "rows_url": _more_url("/audit/rows", filters, nxt),
                   "can_verify": allows(actor, Permission.AUDIT_VERIFY),
                   "export_orgs": [o for o in orgs if allows(actor, Permission.AUDIT_EXPORT, o.scope)],
                   "paged": _before(request) is not None}
        return render(request, "audit/index.html", context)


@router.get("/audit/rows")
def journal_rows(request: Request) -> Response:
    """The next rows of the journal (HTMX 'Voir plus': appended to the table)."""
    filters = _filters(request)
    with acting(request) as (session, actor):
        events, nxt = _search(session, actor, filters, _before(request))
        names = {o.id: o.code for o in session.scalars(tenancy.organisations_query(actor).limit(ORG_LIMIT))}
        return render(request, "audit/_rows.html", {"events": events, "org_codes": names,
                                                    "more_url": _more_url("/audit", filters, nxt),
                                                    "rows_url": _more_url("/audit/rows", filters, nxt)})


@router.get("/audit/verification")
def verification(request: Request) -> Response:
    """Walk the whole chain and report its state (HTMX swaps the result into the journal page)."""
    with acting(request) as (session, actor):
        result = service.verify(session, actor=actor)
        name = "audit/_verification.html" if request.headers.get("hx-request") else "audit/verification.html"
        return render(request, name, {"result": result})


@router.get("/audit/export")
def export(request: Request, organisation_id: str, since: str | None = None) -> Response:
    """Download an organisation's own events as JSON lines."""
    org_id: uuid.UUID = parse_id(organisation_id)
    with acting(request, write=True) as (session, actor):  # the export is journaled
        lines = list(service.export_lines(session, actor=actor, organisation_id=org_id, since=_day(since)))
    body = "".join(line + "\n" for line in lines)
    stamp = now().strftime("%Y%m%d")
    return Response(body, media_type="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="audit-{org_id}-{stamp}.jsonl"', "Cache-Control": "no-store"})
