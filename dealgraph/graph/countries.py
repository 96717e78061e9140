"""Countries as people write them, stored as one code and shown with their names.

Loads, query parameters and map/export filters accept an ISO 3166-1 alpha-2 code
(``LV``), an alpha-3 code (``LVA``) or an English name (``Latvia``, ``Russian
Federation``, ``UK``, ``Korea, Republic of``), in any case and with or without accents
and punctuation (rarer spellings such as ``Latvija`` through followthemoney's index);
``parse_country`` turns each into the stored form, the alpha-2 code in capitals.
``country_name`` and ``country_label`` give what tables, reports and maps show.

The data is the territory table of ``rigour`` (maintained by the followthemoney
project, which dealgraph already depends on), not a hand-kept list: its current
two-letter territories (the ISO 3166-1 countries, ``EU`` for EU bodies and a few
codes in common use such as ``XK`` for Kosovo) are the accepted codes. The table
is read on first use (about a tenth of a second), not at import.

>>> parse_country("lva"), parse_country("Russian Federation"), parse_country(" de ")
('LV', 'RU', 'DE')
>>> country_label("LV")
'Latvia (LV)'
>>> parse_country("Atlantis")
Traceback (most recent call last):
...
dealgraph.graph.countries.UnknownCountry: 'Atlantis' is not a country: give an ISO 3166-1 code (LV, LVA) or an English name (Latvia)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Set
from functools import lru_cache

__all__ = ["COUNTRIES", "UnknownCountry", "parse_country", "parse_countries",
           "country_name", "country_label", "country_key"]

# Two-letter territory codes that are not a place one can be based in.
_NOT_COUNTRIES = {"zz", "ip"}  # "Global", "Cyberspace"


class UnknownCountry(ValueError):
    """Text that names no known country; the message says what is accepted."""


def country_key(text: str) -> str:
    """The form names are compared in: case, accents, punctuation, a leading "the" and
    spacing ignored (``"Côte d'Ivoire"`` -> ``"cote d ivoire"``)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(re.sub(r"[\W_]+", " ", text).split())
    return text[4:] if text.startswith("the ") else text


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """(names and codes by ``country_key`` -> alpha-2, alpha-2 -> English name)."""
    from rigour.territories import get_territories
    names: dict[str, str] = {}
    display: dict[str, str] = {}
    for terr in get_territories():
        if len(terr.code) != 2 or terr.is_historical or terr.code in _NOT_COUNTRIES:
            continue
        code = terr.code.upper()
        display[code] = terr.name
        for text in (terr.code, terr.alpha3, *(terr.other_codes or []), terr.name,
                     terr.full_name):
            if text:
                names.setdefault(country_key(text), code)
    for code, strong in _strong_names().items():
        if code.upper() in display:
            for text in strong:
                names.setdefault(country_key(text), code.upper())
    # the ISO codes always win over a name that happens to spell another code
    for code in display:
        names[code.casefold()] = code
    return names, display


def _strong_names() -> dict[str, list[str]]:
    """Other unambiguous names rigour keeps per territory ("UK", "Great Britain"),
    read from its bundled table; empty if a rigour release moves it."""
    try:
        from rigour._core import territories_jsonl
        from rigour.data import iter_jsonl_text
        return {row["code"]: list(row.get("names_strong") or [])
                for row in iter_jsonl_text(territories_jsonl())}
    except Exception:  # pragma: no cover - only a different rigour layout
        return {}


def _followthemoney(text: str) -> str | None:
    """The code followthemoney's country type finds for a rarer spelling (``Latvija``,
    ``Macedonia``); its index takes a second or more to build, so it is asked only
    when the table above has no answer."""
    try:
        from followthemoney.types import registry
        found = registry.country.clean(text)
    except Exception:  # pragma: no cover - a followthemoney without the country type
        return None
    return found.upper() if found and found.upper() in _table()[1] else None


class _Codes(Set):
    """The accepted alpha-2 codes, read from the territory table when first asked."""

    def __contains__(self, code) -> bool:
        return code in _table()[1]

    def __iter__(self):
        return iter(sorted(_table()[1]))

    def __len__(self) -> int:
        return len(_table()[1])

    def __repr__(self) -> str:
        return f"<{len(self)} country codes>"


COUNTRIES: Set = _Codes()


@lru_cache(maxsize=10_000)
def parse_country(text: str) -> str:
    """The stored alpha-2 code for an alpha-2 or alpha-3 code or an English name.

    Raises ``UnknownCountry`` (a ValueError) naming the text and, where there is
    one, the closest country."""
    raw = str(text).strip()
    code = raw.upper()
    names, display = _table()
    if code in display:
        return code
    found = names.get(country_key(raw))
    if found is None and raw.count(",") == 1:  # "Korea, Republic of", as ISO lists sort
        head, tail = raw.split(",")
        found = names.get(country_key(f"{tail} {head}"))
    if found is None:
        found = _followthemoney(raw)
    if found:
        return found
    close = difflib.get_close_matches(country_key(raw), list(names), n=1, cutoff=0.75)
    hint = ""
    if close:
        near = names[close[0]]
        hint = f"; did you mean {country_label(near)}?"
    raise UnknownCountry(f"{raw!r} is not a country: give an ISO 3166-1 code (LV, LVA) "
                         f"or an English name (Latvia){hint}")


def parse_countries(values: Iterable[str]) -> list[str]:
    """``parse_country`` of each value, in order, without repeats."""
    return list(dict.fromkeys(parse_country(v) for v in values))


def country_name(code: str | None) -> str:
    """The English short name of a stored code (``LV`` -> ``Latvia``); the code itself
    if it is not a known one, and ``""`` for none."""
    if not code:
        return ""
    return _table()[1].get(str(code).upper(), str(code))


def country_label(code: str | None) -> str:
    """The name with the code beside it, as tables and maps show a country
    (``Latvia (LV)``); the bare code when its name is not known."""
    if not code:
        return ""
    name = country_name(code)
    return f"{name} ({code})" if name != code else str(code)
