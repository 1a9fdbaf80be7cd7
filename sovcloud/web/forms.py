"""One mapping from refused input to form errors, for every portal form.

Two sources say what is wrong with a form: the services (``ValidationFailed.errors``, each
``{"field", "message"}`` with the API's field names, French messages) and FastAPI's request validation of
``Form()`` parameters (pydantic's English, internal keys). :func:`form_errors` turns both into
:class:`FormErrors`: French messages keyed by the form's own field names, the ones shown next to a field
apart from those that belong to no field of the form (shown once, in the alert above it).

A handler whose form should come back with its errors when the request itself does not validate (a
negative number, an empty name) declares how to redraw the page with :func:`on_invalid`; the portal
route then calls it instead of showing an error page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import Response

from sovcloud.errors import DomainError, ValidationFailed
from sovcloud.messages import pydantic_message
from sovcloud.web.i18n import Translate

#: the API's nesting, left out of a form field's name: ``items.0.parameters.network_id`` → ``network_id``
_NESTING = re.compile(r"^(?:items\.\d+\.)?(?:parameters\.)?")


@dataclass
class FormErrors:
    """What to fix in a form: ``fields`` next to their field, ``general`` above the form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def form_field(api_field: str, aliases: Mapping[str, str] | None = None) -> str:
    """The form's name of an API field: an alias if given, else the field without its nesting
    (``items.0.name`` → ``name``, ``parameters.rules.2.port_min`` → ``rules``)."""
    aliases = aliases or {}
    if api_field in aliases:
        return aliases[api_field]
    bare = _NESTING.sub("", api_field).split(".")[0]
    return aliases.get(bare, bare)


def form_errors(exc: Exception, *, fields: Iterable[str], _: Translate = str, lang: str = "fr",
                aliases: Mapping[str, str] | None = None) -> FormErrors:
    """The errors of a refused form whose fields are named ``fields``.

    A fault naming a field of the form goes next to it (the first one only: once per field); any other goes
    above the form. A domain error without fields is one general message."""
    names = set(fields)
    found = FormErrors()

    def put(api_field: str | None, message: str) -> None:
        name = form_field(api_field, aliases) if api_field else None
        if name in names and name is not None:
            found.fields.setdefault(name, message)
        elif message not in found.general:
            found.general.append(message)

    if isinstance(exc, RequestValidationError):
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
            put(".".join(loc) or None, pydantic_message(error, _, lang=lang))
    elif isinstance(exc, ValidationFailed) and exc.errors:
        for fault in exc.errors:
            put(fault.get("field"), fault.get("message") or exc.detail)
    elif isinstance(exc, DomainError):
        put(exc.extra.get("field"), exc.detail)
    return found


def as_failure(exc: RequestValidationError, _: Translate = str, lang: str = "fr") -> ValidationFailed:
    """A request that did not validate, as the domain's ValidationFailed (French, one fault per field)."""
    faults = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        faults.append({"field": ".".join(loc), "message": pydantic_message(error, _, lang=lang)})
    return ValidationFailed(_("Le formulaire contient des erreurs : corrigez les champs signalés."), errors=faults)


Redraw = Callable[[Request, ValidationFailed, Mapping[str, Any]], Response]
F = TypeVar("F", bound=Callable[..., Any])


def on_invalid(redraw: Redraw) -> Callable[[F], F]:
    """Declare how a form handler's page comes back when the request does not validate: ``redraw(request,
    failure, values)`` gets the French failure and the values as typed (a multi-dict of strings: ``get``,
    ``getlist``)."""

    def mark(handler: F) -> F:
        handler.__portal_redraw__ = redraw  # type: ignore[attr-defined]
        return handler

    return mark


def redraw_of(handler: Any) -> Redraw | None:
    """The redraw declared on ``handler`` with :func:`on_invalid`, if any."""
    found: Redraw | None = getattr(handler, "__portal_redraw__", None)
    return found
