"""French messages for what pydantic refuses, so that no English validation text reaches a person.

Services that validate with pydantic (offering parameters...), the API's problem documents and the portal's
forms say the same thing for the same fault: "200 caractères au plus", not "String should have at most 200
characters". The portal passes its translator for English readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

#: pydantic error types → French message (``{...}`` filled from the error's context)
PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "{min_length} caractères au moins.",
    "string_too_long": "{max_length} caractères au plus.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_from_float": "Un nombre entier est attendu.",
    "int_type": "Un nombre entier est attendu.",
    "float_parsing": "Un nombre est attendu.",
    "decimal_parsing": "Un nombre est attendu.",
    "greater_than_equal": "La valeur doit être supérieure ou égale à {ge}.",
    "greater_than": "La valeur doit être supérieure à {gt}.",
    "less_than_equal": "La valeur doit être inférieure ou égale à {le}.",
    "less_than": "La valeur doit être inférieure à {lt}.",
    "enum": "Choisissez une des valeurs proposées.",
    "literal_error": "Choisissez une des valeurs proposées.",
    "bool_parsing": "Oui ou non attendu.",
    "uuid_parsing": "Identifiant invalide.",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "extra_forbidden": "Champ inconnu.",
    "string_pattern_mismatch": "Format invalide.",
    "too_long": "{max_length} éléments au plus.",
    "too_short": "{min_length} éléments au moins.",
    "string_type": "Un texte est attendu.",
    "timezone_aware": "Précisez le fuseau horaire (par exemple 2030-01-01T10:00:00+01:00 ou …Z).",
    "datetime_parsing": "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS+01:00).",
    "datetime_from_date_parsing": "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS+01:00).",
    "json_invalid": "Le corps de la requête n'est pas du JSON valide.",
    "dict_type": "Un objet est attendu.",
    "list_type": "Une liste est attendue.",
    "decimal_max_digits": "{max_digits} chiffres au plus.",
    "decimal_max_places": "{decimal_places} décimales au plus.",
    "finite_number": "Un nombre fini est attendu.",
    "value_error": "Valeur invalide.",
}
DEFAULT_MESSAGE = "Valeur invalide."
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _number(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def pydantic_message(error: Mapping[str, Any], translate: Callable[[str], str] = str, *, lang: str = "fr") -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a sentence saying what to fix, with its
    bound ("200 caractères au plus"); ``translate`` gives another language."""
    ctx = dict(error.get("ctx") or {})
    kind = str(error.get("type", ""))
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "missing"
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        text = str(ctx["error"])  # our own validators' message, written in French
        return translate(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
    template = PYDANTIC_MESSAGES.get(kind, DEFAULT_MESSAGE)

    def fill(match: re.Match[str]) -> str:
        value = ctx.get(match.group(1), "")
        return _number(value, lang) if isinstance(value, int) and not isinstance(value, bool) else str(value)

    return _PLACEHOLDER.sub(fill, translate(template))

