"""Keyset pagination: an opaque cursor carries the sort key of the last row seen."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from sovcloud.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 500
#: longest cursor accepted (a key of a name, a time and an id is ~150 characters)
MAX_CURSOR = 512
MAX_KEY_PART = 300
KeyPart = type[str] | type[int] | type[uuid.UUID] | type[datetime]

#: the ``cursor`` query parameter of every list
CursorQuery = Annotated[str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the previous page")]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Cursor of the next page, absent on the last")


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(k) for k in key]).encode()).decode().rstrip("=")


def _part(raw: Any, kind: KeyPart) -> Any:
    """One typed part of a cursor's key; ``ValueError`` for anything that is not of that type."""
    if not isinstance(raw, str) or len(raw) > MAX_KEY_PART:
        raise ValueError("not a key part")
    if kind is datetime:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment
    if kind is int:
        number = int(raw)
        if not -(2**63) <= number < 2**63:
            raise ValueError("out of range")
        return number
    if kind is uuid.UUID:
        return uuid.UUID(raw)
    return raw


def decode_cursor(cursor: str | None, *kinds: KeyPart) -> tuple[Any, ...] | None:
    """The key inside ``cursor``, each part parsed as ``kinds`` says (str, int, UUID or an aware datetime).

    A cursor is opaque to clients but not trusted: a malformed, truncated or forged one — wrong length,
    wrong types, a naive or impossible date, a non-UUID id — is a 422 naming ``cursor``, never a crash.

    Raises:
        ValidationFailed: the cursor is not one this list could have made.
    """
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(key, list) or len(key) != len(kinds):
            raise ValueError("wrong size")
        return tuple(_part(raw, kind) for raw, kind in zip(key, kinds, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed("Curseur de pagination invalide : reprenez la liste depuis le début.",
                               field="cursor") from exc


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], Sequence[Any]]) -> tuple[list[T], str | None]:
    """Cut one extra fetched row off and turn the last kept row into the next cursor."""
    items = list(rows[:limit])
    return items, (encode_cursor(key(items[-1])) if len(rows) > limit and items else None)
