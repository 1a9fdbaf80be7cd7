"""Ministry B's application objects, for the tests that walk every route with another ministry's ids."""

from __future__ import annotations

import base64
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.applications import conformity, documents, homologation, service
from sovcloud.applications.choices import EnvironmentKind, Stage
from sovcloud.tenancy.models import Membership, Project
from tests.factories import SYSTEM


def application_objects(db: Session, project: Project, offering_id: str, resource_id: str) -> dict[str, str]:
    """An application of ``project`` with an environment serving a resource, a dossier, a check, a document."""
    owner = db.scalar(select(Membership.user_id).where(Membership.project_id == project.id).limit(1))
    app = service.create_application(db, actor=SYSTEM, project_id=project.id, data=service.ApplicationIn(
        name="Application B", code=f"APP-{uuid.uuid4().hex[:6].upper()}", owner_id=owner))
    env = service.set_environment(db, actor=SYSTEM, application_id=app.id, kind=EnvironmentKind.PRODUCTION)
    service.link_resources(db, actor=SYSTEM, application_id=app.id, environment_id=env.id,
                           resource_ids=[uuid.UUID(resource_id)])
    service.change_stage(db, actor=SYSTEM, application_id=app.id, to=Stage.SECURITY_VALIDATION)
    dossier = homologation.current(db, app.id)
    assert dossier is not None
    check = conformity.add_check(db, actor=SYSTEM, application_id=app.id, offering_id=uuid.UUID(offering_id),
                                 criterion="Critère", evidence_url="https://forge.test/run/1")
    doc = documents.attach(db, actor=SYSTEM, application_id=app.id, filename="analyse.txt", media_type="text/plain",
                           content=base64.b64decode("cmlzcXVlcw=="), homologation_id=dossier.id)
    return {"application_id": str(app.id), "environment_id": str(env.id), "homologation_id": str(dossier.id),
            "check_id": str(check.id), "document_id": str(doc.id)}
