"""Portal forms of an application's homologation dossier (steps, the decision, a renewal), its documents
(upload and download, with their SHA-256) and its conformity checklist (criteria and verdicts)."""

from __future__ import annotations

import base64
import uuid
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.applications import conformity, documents, homologation
from sovcloud.applications.choices import Decision, StepKind, Verdict
from sovcloud.applications.web import detail
from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.web.common import PortalRoute, acting, parse_id, redirect

router = APIRouter(route_class=PortalRoute)
Note = Annotated[str, Form(max_length=2000)]


@router.post("/applications/{application_id}/homologations")
def renewal(request: Request, application_id: str) -> Response:
    """Open the next dossier (a renewal)."""
    key = parse_id(application_id)
    try:
        with acting(request, write=True) as (session, actor):
            homologation.start_renewal(session, actor=actor, application_id=key)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="homologation")
    return redirect(request, f"/applications/{key}?done=renewal#homologation")


@router.post("/applications/{application_id}/homologations/{homologation_id}/steps")
def step(request: Request, application_id: str, homologation_id: str, step: Annotated[str, Form(max_length=20)],
         note: Note = "") -> Response:
    """Mark a step of the dossier done."""
    key = parse_id(application_id)
    try:
        if step not in {s.value for s in StepKind}:
            raise ValidationFailed("Étape inconnue.", field="step")
        with acting(request, write=True) as (session, actor):
            homologation.complete_step(session, actor=actor, application_id=key,
                                       homologation_id=parse_id(homologation_id), step=StepKind(step), note=note)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="homologation")
    return redirect(request, f"/applications/{key}?done=step#homologation")


@router.post("/applications/{application_id}/homologations/{homologation_id}/decision")
def decision(request: Request, application_id: str, homologation_id: str,
             decision: Annotated[str, Form(max_length=10)], authority_name: Annotated[str, Form(max_length=200)],
             authority_function: Annotated[str, Form(max_length=200)], decided_on: Annotated[str, Form(max_length=10)],
             validity_months: Annotated[str, Form(max_length=3)] = "", note: Note = "") -> Response:
    """Record the homologation authority's decision."""
    key = parse_id(application_id)
    try:
        if decision not in {d.value for d in Decision}:
            raise ValidationFailed("Décision inconnue.", field="decision")
        try:
            day = date.fromisoformat(decided_on)
        except ValueError:
            raise ValidationFailed("Date attendue (JJ/MM/AAAA).", field="decided_on") from None
        if validity_months.strip() and not validity_months.strip().isdigit():
            raise ValidationFailed("Un nombre de mois.", field="validity_months")
        months = int(validity_months) if validity_months.strip() else None
        with acting(request, write=True) as (session, actor):
            homologation.decide(session, actor=actor, application_id=key, homologation_id=parse_id(homologation_id),
                                decision=Decision(decision), authority_name=authority_name,
                                authority_function=authority_function, decided_on=day, validity_months=months,
                                note=note)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="homologation")
    return redirect(request, f"/applications/{key}?done=decision#homologation")


@router.post("/applications/{application_id}/documents")
async def upload(request: Request, application_id: str, file: UploadFile,
                 homologation_id: Annotated[str, Form(max_length=40)] = "",
                 conformity_check_id: Annotated[str, Form(max_length=40)] = "",
                 step: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Attach a file (read up to the size limit, never further)."""
    from starlette.concurrency import run_in_threadpool

    key = parse_id(application_id)
    content = await file.read(documents.MAX_BYTES + 1)
    return await run_in_threadpool(_store, request, key, file.filename or "", file.content_type or "", content,
                                   homologation_id, conformity_check_id, step)


def _store(request: Request, key: uuid.UUID, filename: str, media_type: str, content: bytes, homologation_id: str,
           conformity_check_id: str, step: str) -> Response:
    try:
        if len(content) > documents.MAX_BYTES:
            raise ValidationFailed(f"Document de {documents.MAX_BYTES // 1024} Kio au plus.", field="file")
        if step and step not in {s.value for s in StepKind}:
            raise ValidationFailed("Étape inconnue.", field="step")
        with acting(request, write=True) as (session, actor):
            documents.attach(session, actor=actor, application_id=key, filename=filename.rsplit("/", 1)[-1],
                             media_type=media_type, content=content,
                             homologation_id=parse_id(homologation_id) if homologation_id else None,
                             conformity_check_id=parse_id(conformity_check_id) if conformity_check_id else None,
                             step=StepKind(step) if step else None)
    except DomainError as exc:
        if exc.extra.get("field") == "content_base64":
            exc = ValidationFailed(exc.detail, field="file")
        return detail(request, key, status=exc.status, error=exc, section="documents")
    return redirect(request, f"/applications/{key}?done=document#documents")


@router.get("/applications/{application_id}/documents/{document_id}")
def download(request: Request, application_id: str, document_id: str) -> Response:
    """A document's content, with its SHA-256 (``Repr-Digest``)."""
    with acting(request) as (session, actor):
        doc = documents.get_document(session, actor=actor, application_id=parse_id(application_id),
                                     document_id=parse_id(document_id))
        digest = base64.b64encode(bytes.fromhex(doc.sha256)).decode()
        return Response(doc.content, media_type=doc.media_type, headers={
            "Repr-Digest": f"sha-256=:{digest}:", "Cache-Control": "no-store",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}"})


@router.post("/applications/{application_id}/conformity")
def add_check(request: Request, application_id: str, offering_id: Annotated[str, Form(max_length=40)],
              criterion: Annotated[str, Form(max_length=300)],
              evidence_url: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Add a criterion to the checklist."""
    key = parse_id(application_id)
    try:
        with acting(request, write=True) as (session, actor):
            conformity.add_check(session, actor=actor, application_id=key, offering_id=parse_id(offering_id),
                                 criterion=criterion, evidence_url=evidence_url or None)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="conformity")
    return redirect(request, f"/applications/{key}?done=check#conformity")


@router.post("/applications/{application_id}/conformity/{check_id}/verdict")
def verdict(request: Request, application_id: str, check_id: str, verdict: Annotated[str, Form(max_length=10)],
            comment: Note = "") -> Response:
    """The reviewer's verdict."""
    key = parse_id(application_id)
    try:
        if verdict not in {v.value for v in Verdict}:
            raise ValidationFailed("Verdict inconnu.", field="verdict")
        with acting(request, write=True) as (session, actor):
            conformity.review(session, actor=actor, application_id=key, check_id=parse_id(check_id),
                              verdict=Verdict(verdict), comment=comment)
    except DomainError as exc:
        return detail(request, key, status=exc.status, error=exc, section="conformity")
    return redirect(request, f"/applications/{key}?done=verdict#conformity")
