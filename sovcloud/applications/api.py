"""Application routes: the registry, environments and their resources, the life cycle, homologation
dossiers, documents, the conformity checklist and the portfolio."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from sovcloud.api.deps import CurrentActor, DbSession
from sovcloud.applications import conformity, documents, homologation, portfolio, service
from sovcloud.applications.choices import Stage
from sovcloud.applications.models import Application, Homologation
from sovcloud.applications.schemas import (
    ApplicationBody,
    ApplicationCreate,
    ApplicationRead,
    CheckIn,
    CheckRead,
    DecisionIn,
    DocumentIn,
    DocumentRead,
    EnvironmentIn,
    EnvironmentRead,
    EvidenceIn,
    HomologationRead,
    PortfolioLine,
    PortfolioRead,
    ResourceLinkRead,
    ResourceLinks,
    StageIn,
    StepIn,
    VerdictIn,
)
from sovcloud.pagination import MAX_LIMIT, CursorQuery, Page, decode_cursor, page_of

router = APIRouter(tags=["applications"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]


def _read(session: DbSession, app: Application,
          dossiers: dict[uuid.UUID, Homologation | None] | None = None) -> ApplicationRead:
    """The API form of an application (``dossiers``: the speaking dossiers when the caller fetched a page's)."""
    out = ApplicationRead.model_validate(app)
    out.project_ids = [p.id for p in app.projects]
    found = (dossiers if dossiers is not None else homologation.speaking_for(session, [app.id])).get(app.id)
    out.homologation = homologation.status_of(found).value if found is not None else None
    return out


def _dossier(h: Homologation) -> HomologationRead:
    return HomologationRead.model_validate({**{k: getattr(h, k) for k in HomologationRead.model_fields
                                               if k != "status"}, "status": homologation.status_of(h).value})


def _body(body: ApplicationBody) -> service.ApplicationIn:
    values = body.model_dump(exclude={"contacts", "project_id"})
    return service.ApplicationIn(**values, contacts=[service.Contact(c.name, c.email) for c in body.contacts])


@router.get("/applications", response_model=Page[ApplicationRead])
def list_applications(session: DbSession, actor: CurrentActor, limit: Limit = 100, cursor: CursorQuery = None,
                      organisation_id: Annotated[uuid.UUID | None, Query(description="Only in this subtree")] = None,
                      stage: Annotated[Stage | None, Query(description="Only at this stage")] = None,
                      search: Annotated[str | None, Query(max_length=100, description="Name or code")] = None,
                      ) -> Page[ApplicationRead]:
    """Applications visible to the caller, by name."""
    key = decode_cursor(cursor, str, uuid.UUID)
    rows = session.scalars(service.applications_query(actor, organisation_id=organisation_id, stage=stage,
                                                      search=search, after=key).limit(limit + 1)).all()
    items, nxt = page_of(rows, limit, lambda a: [a.name, a.id])
    dossiers = homologation.speaking_for(session, [a.id for a in items])  # one query for the page
    return Page(items=[_read(session, a, dossiers) for a in items], next_cursor=nxt)


@router.post("/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def create_application(body: ApplicationCreate, session: DbSession, actor: CurrentActor) -> ApplicationRead:
    """Register an application (a candidate) in its main project."""
    app = service.create_application(session, actor=actor, project_id=body.project_id, data=_body(body))
    return _read(session, app)


@router.get("/applications/{application_id}", response_model=ApplicationRead)
def get_application(application_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> ApplicationRead:
    """One application, with its environments and its homologation status."""
    return _read(session, service.get_application(session, actor=actor, application_id=application_id))


@router.put("/applications/{application_id}", response_model=ApplicationRead)
def update_application(application_id: uuid.UUID, body: ApplicationBody, session: DbSession,
                       actor: CurrentActor) -> ApplicationRead:
    """Change what describes an application (all its fields at once)."""
    app = service.update_application(session, actor=actor, application_id=application_id, data=_body(body))
    return _read(session, app)


@router.post("/applications/{application_id}/stage", response_model=ApplicationRead)
def change_stage(application_id: uuid.UUID, body: StageIn, session: DbSession, actor: CurrentActor) -> ApplicationRead:
    """Move the application along its life cycle (allowed moves only; guards explained when they hold)."""
    app = service.change_stage(session, actor=actor, application_id=application_id, to=body.to, comment=body.comment)
    return _read(session, app)


@router.post("/applications/{application_id}/environments", response_model=EnvironmentRead)
def set_environment(application_id: uuid.UUID, body: EnvironmentIn, session: DbSession,
                    actor: CurrentActor) -> EnvironmentRead:
    """Declare or change the application's environment of a kind."""
    return EnvironmentRead.model_validate(service.set_environment(session, actor=actor, application_id=application_id,
                                                                  **body.model_dump()))


@router.get("/applications/{application_id}/environments/{environment_id}/resources",
            response_model=list[ResourceLinkRead])
def environment_resources(application_id: uuid.UUID, environment_id: uuid.UUID, session: DbSession,
                          actor: CurrentActor) -> list[ResourceLinkRead]:
    """The live resources serving an environment."""
    rows = service.environment_resources(session, actor=actor, application_id=application_id,
                                         environment_id=environment_id)
    return [ResourceLinkRead.model_validate(r) for r in rows]


@router.post("/applications/{application_id}/environments/{environment_id}/resources",
             status_code=status.HTTP_204_NO_CONTENT)
def link_resources(application_id: uuid.UUID, environment_id: uuid.UUID, body: ResourceLinks, session: DbSession,
                   actor: CurrentActor) -> None:
    """Link resources of the environment's project to it."""
    service.link_resources(session, actor=actor, application_id=application_id, environment_id=environment_id,
                           resource_ids=body.resource_ids)


@router.delete("/applications/{application_id}/environments/{environment_id}/resources/{resource_id}",
               status_code=status.HTTP_204_NO_CONTENT)
def unlink_resource(application_id: uuid.UUID, environment_id: uuid.UUID, resource_id: uuid.UUID,
                    session: DbSession, actor: CurrentActor) -> None:
    """The resource no longer serves the environment (nothing is deleted)."""
    service.unlink_resource(session, actor=actor, application_id=application_id, environment_id=environment_id,
                            resource_id=resource_id)


@router.get("/applications/{application_id}/homologations", response_model=list[HomologationRead])
def list_dossiers(application_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[HomologationRead]:
    """The application's homologation dossiers, newest first."""
    return [_dossier(h) for h in homologation.dossiers(session, actor=actor, application_id=application_id)]


@router.post("/applications/{application_id}/homologations", response_model=HomologationRead,
             status_code=status.HTTP_201_CREATED)
def open_renewal(application_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> HomologationRead:
    """Open the next dossier (a renewal), or return the one in progress."""
    return _dossier(homologation.start_renewal(session, actor=actor, application_id=application_id))


@router.post("/applications/{application_id}/homologations/{homologation_id}/steps", response_model=HomologationRead)
def complete_step(application_id: uuid.UUID, homologation_id: uuid.UUID, body: StepIn, session: DbSession,
                  actor: CurrentActor) -> HomologationRead:
    """Mark a step of the dossier done."""
    return _dossier(homologation.complete_step(session, actor=actor, application_id=application_id,
                                               homologation_id=homologation_id, step=body.step, note=body.note))


@router.post("/applications/{application_id}/homologations/{homologation_id}/decision",
             response_model=HomologationRead)
def decide(application_id: uuid.UUID, homologation_id: uuid.UUID, body: DecisionIn, session: DbSession,
           actor: CurrentActor) -> HomologationRead:
    """Record the homologation authority's decision (security officers)."""
    return _dossier(homologation.decide(session, actor=actor, application_id=application_id,
                                        homologation_id=homologation_id, **body.model_dump()))


@router.get("/applications/{application_id}/documents", response_model=list[DocumentRead])
def list_documents(application_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[DocumentRead]:
    """The application's documents (without their content)."""
    return [DocumentRead.model_validate(d) for d in documents.documents_of(session, actor=actor,
                                                                           application_id=application_id)]


@router.post("/applications/{application_id}/documents", response_model=DocumentRead,
             status_code=status.HTTP_201_CREATED)
def attach_document(application_id: uuid.UUID, body: DocumentIn, session: DbSession,
                    actor: CurrentActor) -> DocumentRead:
    """Attach a document (base64) to a dossier or a conformity check; its SHA-256 is computed and kept."""
    service.get_application(session, actor=actor, application_id=application_id)  # 404 before decoding
    content = documents.decode(body.content_base64)
    return DocumentRead.model_validate(documents.attach(
        session, actor=actor, application_id=application_id, filename=body.filename, media_type=body.media_type,
        content=content, homologation_id=body.homologation_id, step=body.step,
        conformity_check_id=body.conformity_check_id))


@router.get("/applications/{application_id}/documents/{document_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The document"}})
def download_document(application_id: uuid.UUID, document_id: uuid.UUID, session: DbSession,
                      actor: CurrentActor) -> Response:
    """A document's content, with its SHA-256 in ``Repr-Digest`` (RFC 9530)."""
    doc = documents.get_document(session, actor=actor, application_id=application_id, document_id=document_id)
    digest = base64.b64encode(bytes.fromhex(doc.sha256)).decode()
    return Response(doc.content, media_type=doc.media_type, headers={
        "Repr-Digest": f"sha-256=:{digest}:",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}"})


@router.get("/applications/{application_id}/conformity", response_model=list[CheckRead])
def list_checks(application_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> list[CheckRead]:
    """The conformity checklist."""
    return [CheckRead.model_validate(c) for c in conformity.checklist(session, actor=actor,
                                                                      application_id=application_id)]


@router.post("/applications/{application_id}/conformity", response_model=CheckRead,
             status_code=status.HTTP_201_CREATED)
def add_check(application_id: uuid.UUID, body: CheckIn, session: DbSession, actor: CurrentActor) -> CheckRead:
    """Add a criterion to the checklist."""
    return CheckRead.model_validate(conformity.add_check(session, actor=actor, application_id=application_id,
                                                         **body.model_dump()))


@router.put("/applications/{application_id}/conformity/{check_id}/evidence", response_model=CheckRead)
def set_evidence(application_id: uuid.UUID, check_id: uuid.UUID, body: EvidenceIn, session: DbSession,
                 actor: CurrentActor) -> CheckRead:
    """Give the link proving a check (it goes back to review)."""
    return CheckRead.model_validate(conformity.set_evidence(session, actor=actor, application_id=application_id,
                                                            check_id=check_id, evidence_url=body.evidence_url))


@router.post("/applications/{application_id}/conformity/{check_id}/verdict", response_model=CheckRead)
def review(application_id: uuid.UUID, check_id: uuid.UUID, body: VerdictIn, session: DbSession,
           actor: CurrentActor) -> CheckRead:
    """The reviewer's verdict on a check."""
    return CheckRead.model_validate(conformity.review(session, actor=actor, application_id=application_id,
                                                      check_id=check_id, verdict=body.verdict, comment=body.comment))


def _line(ln: portfolio.Line) -> PortfolioLine:
    a = ln.application
    return PortfolioLine(application_id=a.id, code=a.code, name=a.name, organisation=ln.organisation_code,
                         stage=a.stage, homologation=ln.homologation.value if ln.homologation else None,
                         expires_at=ln.expires_at, resources=ln.resources, monthly_cost=ln.monthly_cost,
                         unpriced_resources=ln.unpriced)


@router.get("/portfolio", response_model=PortfolioRead)
def get_portfolio(session: DbSession, actor: CurrentActor,
                  organisation_id: Annotated[uuid.UUID | None, Query(description="Only this subtree")] = None,
                  ) -> PortfolioRead:
    """Applications per stage, homologations expiring soon, each application's resources and monthly cost."""
    p = portfolio.portfolio(session, actor=actor, organisation_id=organisation_id)
    return PortfolioRead(at=p.at, stages={s.value: n for s, n in p.stages.items()},
                         by_organisation={org: {s.value: n for s, n in counts.items()}
                                          for org, counts in p.by_organisation.items()},
                         expiring=[_line(ln) for ln in p.expiring], applications=[_line(ln) for ln in p.lines],
                         total_monthly_cost=p.total_cost, truncated=p.truncated)
