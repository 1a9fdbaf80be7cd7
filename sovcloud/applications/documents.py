"""Documents of a homologation dossier or a conformity check: stored in the database (not on a disk) with
their size and SHA-256, so a document is backed up, restored and journaled with its dossier, and its hash
proves later that what is read is what was attached."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from sovcloud import audit
from sovcloud.access.actor import Actor
from sovcloud.access.roles import Permission
from sovcloud.access.service import allows, authorize, scoped
from sovcloud.applications.choices import StepKind
from sovcloud.applications.models import Application, ConformityCheck, Document, Homologation
from sovcloud.errors import NotFound, ValidationFailed

#: largest document, in bytes (the API's body limit, 1 MiB by default, bounds it too once base64-encoded)
MAX_BYTES = 512 * 1024
#: longest base64 text of a document
MAX_BASE64 = (MAX_BYTES + 2) // 3 * 4
MEDIA_TYPES = frozenset({"application/pdf", "text/plain", "text/markdown", "text/csv", "image/png", "image/jpeg",
                         "application/vnd.oasis.opendocument.text",
                         "application/vnd.oasis.opendocument.spreadsheet",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
_FILENAME = re.compile(r"^[\w .()\[\]+-]{1,200}$")


def decode(content_base64: str) -> bytes:
    """The bytes of a base64 text (the API's form of a document).

    Raises:
        ValidationFailed: not base64, or too large.
    """
    if len(content_base64) > MAX_BASE64:
        raise ValidationFailed(f"Document de {MAX_BYTES // 1024} Kio au plus.", field="content_base64")
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("Contenu : du base64 attendu.", field="content_base64") from None


def attach(session: Session, *, actor: Actor, application_id: uuid.UUID, filename: str, media_type: str,
           content: bytes, homologation_id: uuid.UUID | None = None, step: StepKind | None = None,
           conformity_check_id: uuid.UUID | None = None) -> Document:
    """Attach a document to one of the application's dossiers (optionally to a step) or conformity checks.

    Raises:
        NotFound: the application, dossier or check is not visible.
        PermissionDenied: the actor may neither manage the application nor decide or review for it.
        ValidationFailed: empty or too large, an unknown media type, a bad file name, no owner or two.
    """
    app = scoped(session, Application, actor).get(application_id)
    if not any(allows(actor, p, app.scope) for p in (Permission.HOMOLOGATION_DECIDE, Permission.CONFORMITY_REVIEW)):
        authorize(actor, Permission.APPLICATION_MANAGE, app)
    if (homologation_id is None) == (conformity_check_id is None):
        raise ValidationFailed("Rattachez le document à un dossier ou à un contrôle, un seul.", field="homologation_id")
    if homologation_id is not None:
        dossier = session.get(Homologation, homologation_id)
        if dossier is None or dossier.application_id != app.id:
            raise NotFound(f"Dossier d'homologation {homologation_id} introuvable.")
    if conformity_check_id is not None:
        check = session.get(ConformityCheck, conformity_check_id)
        if check is None or check.application_id != app.id:
            raise NotFound(f"Contrôle de conformité {conformity_check_id} introuvable.")
    filename = filename.strip()
    if not _FILENAME.match(filename) or filename.startswith("."):
        raise ValidationFailed("Nom de fichier : 200 caractères au plus, lettres, chiffres, espaces et . _ - ( ) "
                               "[ ] +.", field="filename")
    if media_type not in MEDIA_TYPES:
        raise ValidationFailed("Type de document non accepté (PDF, texte, image, bureautique).", field="media_type")
    if not content or len(content) > MAX_BYTES:
        raise ValidationFailed(f"Document non vide de {MAX_BYTES // 1024} Kio au plus.", field="content_base64")
    if step is not None:
        try:
            step = StepKind(step)
        except ValueError:
            raise ValidationFailed("Étape inconnue.", field="step") from None
    doc = Document(application_id=app.id, homologation_id=homologation_id, conformity_check_id=conformity_check_id,
                   step=step.value if step else None, filename=filename, media_type=media_type,
                   size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content,
                   uploaded_by=actor.username)
    session.add(doc)
    session.flush()
    audit.record(session, actor=actor, action="application.document_attached", target=app,
                 details={"document_id": doc.id, "filename": filename, "sha256": doc.sha256, "size": len(content),
                          "homologation_id": homologation_id, "conformity_check_id": conformity_check_id})
    return doc


def documents_of(session: Session, *, actor: Actor, application_id: uuid.UUID) -> list[Document]:
    """The application's documents (without their content), newest first.

    Raises:
        NotFound: no such application visible to the actor.
    """
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    return list(session.scalars(select(Document).where(Document.application_id == app.id)
                                .order_by(Document.created_at.desc()).limit(500)))


def get_document(session: Session, *, actor: Actor, application_id: uuid.UUID, document_id: uuid.UUID) -> Document:
    """A document with its content.

    Raises:
        NotFound: the application or the document is not visible.
    """
    app = scoped(session, Application, actor).get(application_id)
    authorize(actor, Permission.APPLICATION_READ, app)
    doc = session.scalar(select(Document).options(undefer(Document.content)).where(
        Document.id == document_id, Document.application_id == app.id))
    if doc is None:
        raise NotFound(f"Document {document_id} introuvable.")
    return doc
