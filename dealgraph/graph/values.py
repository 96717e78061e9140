"""Parsing and checking of single field values, by model field type.

``parse_value(field, raw)`` turns what a spreadsheet cell or a JSON/YAML value
holds into the stored value, or raises ``ValueProblem`` with a message that
says what was expected. Loaders add the file, line and field.

>>> from dealgraph.graph.model import MODEL
>>> parse_value(MODEL.kinds["Deal"].fields["status"], "In talks")
'in_talks'
>>> parse_value(MODEL.kinds["Deal"].fields["announced"], "2023-01")
'2023-01'
"""

from __future__ import annotations

import calendar
from datetime import date
import math
import re
from urllib.parse import urlparse

from .countries import COUNTRIES, UnknownCountry, parse_country
from .model import MODEL, Field

__all__ = ["ValueProblem", "Implausible", "parse_value", "PLAUSIBLE_YEARS", "parse_date", "date_floor", "date_ceiling",
           "COUNTRIES", "CURRENCIES"]

# ISO 4217 active currency codes.
CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())

_SURROGATE = re.compile("[\ud800-\udfff]")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MAX_TEXT = 10_000


class ValueProblem(ValueError):
    """A value that does not fit its field; the message says what was expected."""


class Implausible(ValueProblem):
    """A value that reads well but cannot be right (a year 1201, a negative amount).

    In an optional field loaders keep the record, drop the value and report a
    warning of kind ``code``; in a required field it is an error like any other.
    """

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


# Years a date of a deal, a source or an entity can plausibly have: none before 1800,
# none more than a century from now (a 99-year lease still fits).
PLAUSIBLE_YEARS = (1800, date.today().year + 100)


def _text(raw) -> str:
    if raw.__class__ is str:
        text = raw.strip()
        if text.isascii() and len(text) <= MAX_TEXT and "\x00" not in text:
            return text  # the usual case: none of the checks below can fail
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ValueProblem(f"expected text, got {type(raw).__name__}")
    try:
        text = str(raw).strip()
    except ValueError:  # an int with more digits than Python converts
        raise ValueProblem("is a number with too many digits") from None
    if "\x00" in text:
        raise ValueProblem("contains a NUL character")
    if _SURROGATE.search(text):  # from a JSON/YAML escape such as \ud800; not storable as UTF-8
        raise ValueProblem("contains an unpaired surrogate (an invalid \\u escape)")
    if len(text) > MAX_TEXT:
        raise ValueProblem(f"is longer than {MAX_TEXT} characters")
    return text


def parse_date(raw) -> str:
    """Check an ISO date that may be partial (YYYY, YYYY-MM, YYYY-MM-DD)."""
    text = _text(raw)
    m = _DATE.match(text)
    if not m:
        raise ValueProblem(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month and not 1 <= int(month) <= 12:
        raise ValueProblem(f"{text!r} has no month {month}")
    if day and not 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]:
        raise ValueProblem(f"{text!r} is not a day of that month")
    return text


def date_floor(date: str) -> str:
    """The first day a partial date can mean: '2023-01' -> '2023-01-01'."""
    parts = date.split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))


def date_ceiling(date: str) -> str:
    """The last day a partial date can mean: '2023-02' -> '2023-02-28'."""
    parts = date.split("-")
    if len(parts) == 1:
        return f"{date}-12-31"
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{date}-{last:02d}"
    return date


def _number(raw, low: float = 0.0, high: float | None = None):
    if isinstance(raw, bool):
        raise ValueProblem("expected a number, got true/false")
    if isinstance(raw, (int, float)):
        try:
            num = float(raw)
        except OverflowError:
            raise ValueProblem("is too large a number") from None
    else:
        text = _text(raw).replace("_", "")
        try:
            num = float(text)
        except ValueError:
            raise ValueProblem(f"{text!r} is not a number") from None
    if not math.isfinite(num):
        raise ValueProblem("must be a finite number")
    if num < 0 and low == 0 and high is None:
        raise Implausible(f"{num:g} is negative (an amount cannot be)", "negative-amount")
    if num < low or (high is not None and num > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ValueProblem(f"{num:g} is out of range (must be {bounds})")
    return int(num) if num.is_integer() and abs(num) < 2**53 else num


def _enum_value(field: Field, raw) -> str:
    text = _text(raw)
    norm = re.sub(r"[\s\-/]+", "_", text.lower())
    values = MODEL.enums[field.enum].values
    if norm in values:
        return norm
    raise ValueProblem(f"unknown value {text!r} (expected one of: {', '.join(values)})")


def _id(raw) -> str:
    text = _text(raw)
    if not _ID.match(text):
        raise ValueProblem(f"{text!r} is not a valid id (letters, digits, '.', '_', ':', '-'; "
                           "starting with a letter or digit)")
    return text


def _country(raw) -> str:
    try:  # an alpha-2 or alpha-3 code or an English name; stored as alpha-2
        return parse_country(_text(raw))
    except UnknownCountry as exc:
        raise ValueProblem(str(exc)) from None


def _integer(raw) -> int:
    """A whole number (negative ones too), from a number or a text such as '12' or '12.0'."""
    if isinstance(raw, bool):
        raise ValueProblem("expected a whole number, got true/false")
    if isinstance(raw, int):
        value = raw
    else:
        if isinstance(raw, float):
            num = raw
        else:
            text = _text(raw).replace("_", "")
            try:
                num = int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                raise ValueProblem(f"{text!r} is not a whole number") from None
        if isinstance(num, int):
            value = num
        elif not math.isfinite(num) or not num.is_integer():
            raise ValueProblem(f"{num:g} is not a whole number")
        else:
            value = int(num)
    if abs(value) >= 2**63:
        raise ValueProblem("is too large a whole number (at most 19 digits)")
    return value


def _split(raw) -> list:
    if isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        items = _text(raw).split(MODEL.separator)
    return [i for i in items if not (isinstance(i, str) and not i.strip())]


def parse_value(field: Field, raw):
    """Return the stored form of ``raw`` for ``field`` or raise ValueProblem.

    Empty values are the caller's business: this is called for present values only.
    """
    t = field.type
    if t == "id" or t == "ref":
        return _id(raw)
    if t == "text":
        return _text(raw)
    if t == "list":
        return list(dict.fromkeys(_text(v) for v in _split(raw)))
    if t == "refs":
        return list(dict.fromkeys(_id(v) for v in _split(raw)))
    if t == "country":
        return _country(raw)
    if t == "countries":
        return list(dict.fromkeys(_country(v) for v in _split(raw)))
    if t == "integer":
        return _integer(raw)
    if t == "currency":
        code = _text(raw).upper()
        if code not in CURRENCIES:
            raise ValueProblem(f"{code!r} is not an ISO 4217 currency code")
        return code
    if t == "date":
        text = parse_date(raw)
        if not PLAUSIBLE_YEARS[0] <= int(text[:4]) <= PLAUSIBLE_YEARS[1]:
            raise Implausible(f"{text!r} has an implausible year (expected "
                              f"{PLAUSIBLE_YEARS[0]}-{PLAUSIBLE_YEARS[1]})", "implausible-date")
        return text
    if t == "number":
        return _number(raw)
    if t == "percent":
        return _number(raw, 0.0, 100.0)
    if t == "url":
        text = _text(raw)
        try:
            parsed = urlparse(text)
        except ValueError:  # e.g. "http://[" (an unclosed IPv6 address)
            parsed = None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueProblem(f"{text!r} is not an http(s) URL")
        return text
    if t == "enum":
        return _enum_value(field, raw)
    raise ValueProblem(f"unsupported field type {t}")
