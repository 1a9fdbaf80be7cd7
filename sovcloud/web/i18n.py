"""French first, with an English switch: messages are written in French in the templates and code
(``_("Se connecter")``); ``i18n_en.MESSAGES`` maps each to its English text. The language comes from the
``lang`` cookie (``fr`` by default) and is set by the selector in the header.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from starlette.requests import Request

from sovcloud.web.i18n_en import MESSAGES as EN

LANGS = {"fr": "Français", "en": "English"}
DEFAULT = "fr"
COOKIE = "lang"
Translate = Callable[[str], str]
#: the zone times are shown in (they are stored in UTC)
DISPLAY_ZONE = ZoneInfo("Europe/Paris")


def language(request: Request) -> str:
    """The request's language: the ``lang`` cookie when it names a known language, else French."""
    lang = request.cookies.get(COOKIE, DEFAULT)
    return lang if lang in LANGS else DEFAULT


def translator(lang: str) -> Translate:
    """``_`` for ``lang``: French is the source text; a missing English message falls back to French."""
    if lang == "en":
        return lambda text: EN.get(text, text)
    return lambda text: text


def number(value: int | float, lang: str) -> str:
    """Thousands separated the local way: 1 600 000 (fr) or 1,600,000 (en)."""
    text = f"{value:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def moment(value: datetime | None, lang: str) -> str:
    """A stored (UTC) time as people in France read it: in Europe/Paris with its zone (CET or CEST), day first
    in French. A naive value is taken as UTC (SQLite returns them so)."""
    if value is None:
        return "—"
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(DISPLAY_ZONE)
    return local.strftime("%d/%m/%Y %H:%M %Z" if lang == "fr" else "%Y-%m-%d %H:%M %Z")


def money(value: Decimal | int | None, lang: str, places: int = 2) -> str:
    """An amount in euros, to the cent by default: 1 234,50 € (fr) or €1,234.50 (en)."""
    amount = Decimal(value or 0)
    text = f"{amount:,.{places}f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"
    return "€" + text
