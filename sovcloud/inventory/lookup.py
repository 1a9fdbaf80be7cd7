"""Finding a project's resource by what a person or an order names it: one rule for the order form's check,
the submission and the provisioning step (imports only the inventory's models, so any context may use it)."""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sovcloud.inventory.models import Resource, ResourceState


def find_in_project(session: Session, project_id: uuid.UUID, kind: str, ref: str) -> Resource | None:
    """The project's active resource of ``kind`` that ``ref`` names: its inventory id, name or cloud id."""
    match = (Resource.name == ref) | (Resource.provider_id == ref)
    with contextlib.suppress(ValueError):
        match = match | (Resource.id == uuid.UUID(ref))
    return session.scalars(select(Resource).where(Resource.project_id == project_id, Resource.kind == kind,
                                                  Resource.state == ResourceState.ACTIVE, match)).first()
