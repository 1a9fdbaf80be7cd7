"""Bounded input types shared by the API schemas: free-form objects have a size, like every string.

Strings and numbers are bounded field by field in each context's ``schemas.py`` (``tests/core/
test_input_bounds.py`` walks the OpenAPI document and fails on any input left unbounded); the stored lengths
are enforced once more at flush from the columns themselves (``sovcloud.db``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field

#: the largest free-form object accepted (order parameters, action parameters), as compact JSON
MAX_OBJECT_BYTES = 8192
MAX_OBJECT_KEYS = 32
MAX_OBJECT_DEPTH = 5


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _bounded(value: dict[str, Any]) -> dict[str, Any]:
    if _depth(value) > MAX_OBJECT_DEPTH:
        raise ValueError(f"{MAX_OBJECT_DEPTH} niveaux d'imbrication au plus")
    size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
    if size > MAX_OBJECT_BYTES:
        raise ValueError(f"{MAX_OBJECT_BYTES} octets au plus (reçu : {size})")
    return value


#: a free-form JSON object of bounded keys, depth and size (checked when written: a draft too)
JsonObject = Annotated[dict[str, Any], Field(max_length=MAX_OBJECT_KEYS), AfterValidator(_bounded)]
