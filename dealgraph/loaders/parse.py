"""Value parsing for mapped data: slugs, dates in the formats people write them,
amounts with thousands separators and scales, country names and currency symbols, and
``_convert``, which applies a mapping's value spec (format, split, scale, ...) and then
the model's own checks to one cell.

>>> slug("Société Générale S.A.")
'societe-generale-s-a'
>>> parse_date_text("Mar 25, 2015"), parse_date_text("2015-03")
('2015-03-25', '2015-03')
>>> parse_amount("5.689852347E7"), parse_amount("$1,200,000"), parse_amount("1.5bn")
(56898523.47, 1200000, 1500000000)
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from ..graph.model import MODEL
from ..graph.countries import UnknownCountry, parse_country
from ..graph.values import ValueProblem, parse_value

if TYPE_CHECKING:
    from .compiler import ValueSpec


def slug(text: str) -> str:
    """A deterministic id from a name: ASCII letters and digits joined by '-'.

    Names with no Latin letters or digits (e.g. 华为) become ``n-`` and 12 hex
    digits of their SHA-1, so that they still get a stable id.
    """
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:150].strip("-")
    if not out:
        out = "n-" + hashlib.sha1(text.strip().casefold().encode()).hexdigest()[:12]
    return out


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?$")


# Formats tried when a mapping gives none; slash dates (3/4/2015) are ambiguous and need one.
AUTO_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y", "%b %d %Y", "%B %d %Y",
                     "%d-%b-%Y", "%d-%b-%y", "%b %Y", "%B %Y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")


def _precision(fmt: str) -> int:
    if "%d" in fmt or "%j" in fmt or "%-d" in fmt:
        return 3
    if "%m" in fmt or "%b" in fmt or "%B" in fmt or "%-m" in fmt:
        return 2
    return 1


def _iso(dt: datetime, precision: int) -> str:
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"[: (4, 7, 10)[precision - 1]]


@lru_cache(maxsize=100_000)
def parse_date_text(text: str, formats: tuple[str, ...] = ()) -> str:
    """An ISO date (YYYY, YYYY-MM or YYYY-MM-DD) from a date as people write it.

    With ``formats`` (strptime patterns) only those are tried; the result is as
    precise as the pattern (``%b %Y`` gives YYYY-MM). Without, ISO dates (also
    with a time), "Mar 25, 2015", "25 March 2015", "25-Mar-2015", "March 2015",
    2015/03/25 and 25.03.2015 are understood. Raises ValueProblem.
    """
    text = text.strip()
    if not formats:
        text = " ".join(text.replace(",", ", ").split()).replace(" ,", ",")
        m = _ISO_DATE.match(text)
        if m:
            y, mo, d = m.groups()
            return y + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if d else "")
    clean = re.sub(r"^([A-Za-z]{3,9})\.", r"\1", text)  # "Mar. 25, 2015"
    clean = re.sub(r"(?i)\bsept\b", "Sep", clean)
    for fmt in formats or AUTO_DATE_FORMATS:
        try:
            dt = datetime.strptime(clean, fmt)
        except (ValueError, re.error):  # re.error: a pattern such as '%Y%Y'
            continue
        return _iso(dt, _precision(fmt))
    if formats:
        pats = " or ".join(repr(f) for f in formats)
        raise ValueProblem(f"{text!r} does not match the date format {pats}")
    raise ValueProblem(f"{text!r} is not a date this loader understands (give a strptime "
                       "`format` in the mapping, e.g. '%d/%m/%Y')")


_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "mio": 1e6,
           "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
           "billions": 1e9, "t": 1e12, "tn": 1e12, "trillion": 1e12}


_SYMBOLS = "$€£¥₹₩₽"


_GROUPED = {",": re.compile(r"^\d{1,3}(?:,\d{3})+$"), ".": re.compile(r"^\d{1,3}(?:\.\d{3})+$")}


_AMOUNT = re.compile(r"^(?P<sign>[+-])?(?P<num>[\d.,' _\u00a0\u202f]*\d[\d.,]*(?:[eE][+-]?\d+)?)\s*"
                     r"(?P<scale>[A-Za-z]+)?$")


def parse_amount(raw, decimal: str = ".") -> int | float:
    """A number from an amount cell: thousands separators, scientific notation,
    currency symbols and k/m/bn suffixes are understood ("$1,200,000", 5.689852347E7,
    "1.5bn"). ``decimal=','`` reads European cells ("1.234,5"). Raises ValueProblem."""
    if isinstance(raw, bool):
        raise ValueProblem("expected a number, got true/false")
    if isinstance(raw, (int, float)):
        num = float(raw)
    else:
        text = str(raw).strip()
        text = text.replace("\u00a0", " ")
        sign = "-" if text[:1] == "-" or re.match(r"^\S*[" + _SYMBOLS + r"]\s*-", text) else ""
        m = _AMOUNT.match(sign + re.sub(r"^-?(?:US|U\.S\.|A|C|HK|NZ|S)?[" + _SYMBOLS
                                        + r"]\s*-?", "", text.lstrip("-") if sign else text)
                          .rstrip(_SYMBOLS + "% "))
        scale = 1.0
        if m and m.group("scale"):
            scale = _SCALES.get(m.group("scale").lower(), 0.0)
        if not m or not scale:
            raise ValueProblem(f"{text!r} is not an amount")
        digits = re.sub(r"[' _\u00a0\u202f]", "", m.group("num"))
        thousands = "." if decimal == "," else ","
        whole, _, fraction = digits.partition(decimal)
        if decimal in fraction or thousands in fraction:
            raise ValueProblem(f"{text!r} is not an amount (misplaced '{decimal}' or "
                               f"'{thousands}')")
        if thousands in whole and not _GROUPED[thousands].match(whole):
            raise ValueProblem(f"{text!r} is not an amount ('{thousands}' must separate "
                               f"thousands; set decimal: '{thousands}' in the mapping if it "
                               "is the decimal mark)")
        digits = digits.replace(thousands, "")
        if decimal == ",":
            digits = digits.replace(",", ".")
        try:
            num = float(digits) * scale * (-1 if m.group("sign") == "-" else 1)
        except ValueError:
            raise ValueProblem(f"{text!r} is not an amount") from None
    if not math.isfinite(num):
        raise ValueProblem(f"{raw!r} is not a finite amount")
    if num == int(num) and abs(num) < 2**53:
        return int(num)
    return round(num, 6)


def _country(text: str) -> str:
    """The stored code for a code, an alpha-3 code or a country name (``countries``);
    else the text, for validation to reject with the same message."""
    try:
        return parse_country(text)
    except UnknownCountry:
        return text.strip()


_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW",
                     "₽": "RUB", "CHF": "CHF"}


def _intern(value):
    return sys.intern(value) if isinstance(value, str) and len(value) <= 40 else value


def _convert(spec: ValueSpec, raw):
    """The stored value of ``raw`` for the spec's field: the mapping's own parsing
    (dates, amounts, country names, lists), then the model's. Raises ValueProblem."""
    fld = spec.field
    t = fld.type
    if isinstance(raw, str):
        raw = raw.strip()
    if t == "date":
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if isinstance(raw, str):
            raw = parse_date_text(raw, spec.formats)
    elif t in ("number", "percent"):
        raw = parse_amount(raw, spec.decimal)
        if spec.scale != 1.0:
            raw = parse_amount(raw * spec.scale)
    elif t == "country" and isinstance(raw, str):
        raw = _country(raw)
    elif t == "countries" and isinstance(raw, str):
        raw = [_country(part) for part in raw.split(spec.split or MODEL.separator)
               if part.strip()]
    elif t == "countries" and isinstance(raw, list):
        raw = [_country(part) if isinstance(part, str) else part for part in raw]
    elif t == "currency" and isinstance(raw, str):
        raw = _CURRENCY_SYMBOLS.get(raw.upper(), raw)
    elif t in ("list", "refs") and isinstance(raw, str) and spec.split:
        raw = [part for part in raw.split(spec.split)]
    elif t in ("list", "refs") and isinstance(raw, (int, float)):
        raw = str(raw)
    value = parse_value(fld, raw)
    if t in ("enum", "country", "currency", "date"):
        value = _intern(value)
    elif t == "countries":
        value = [_intern(v) for v in value]
    return value
