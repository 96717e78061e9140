"""Loader of outside CSV / JSON Lines data through a declarative mapping file.

A mapping (YAML, documented in ``docs/mapping.md``) says which columns of a
row make which entities, which make the row's deal, its parties and their
roles, and where the facts come from. ``read_mapped(paths, mapping)`` streams
the rows and returns ``RawRecord`` objects (each with its data file and line)
for ``build_batch`` to validate, plus the problems found while mapping cells
(a date that does not match its format, an amount that is not a number).

Entities named by many rows are one record, deduplicated by id as rows are
read: the first non-empty value of each field wins. Ids come from a column or
from a slug of the name; deal ids from a column or from a hash of the deal's
mapped values and parties, so reloading, or reordering the rows, gives the
same ids.

>>> slug("Société Générale S.A.")
'societe-generale-s-a'
>>> parse_date_text("Mar 25, 2015"), parse_date_text("2015-03")
('2015-03-25', '2015-03')
>>> parse_amount("5.689852347E7"), parse_amount("$1,200,000"), parse_amount("1.5bn")
(56898523.47, 1200000, 1500000000)
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlparse

import yaml

from ..errors import LoadError, Problem
from ..graph.model import MODEL, Field, Kind
from ..graph.countries import UnknownCountry, parse_country
from ..graph.values import Implausible, ValueProblem, parse_value
from .conflicts import CONFLICT_RULES, DEFAULT_RULE, Conflicts
from .native import REJECTS_SUFFIX, RawRecord, yaml_expansion
from .rows import Sieve, base_suffix, csv_rows, input_path, is_input, open_text

__all__ = ["Reading", "Mapping", "read_mapping", "read_mapped", "slug", "parse_date_text",
           "parse_amount", "json_objects", "DATA_SUFFIXES"]

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".xlsx")


@dataclass
class Reading:
    """What a reader of outside data found: records for ``build_batch``, the problems it
    saw itself, the (file, line, field) of values it dropped after reporting them (so that
    validation does not report them again as missing), and what it skipped, by type."""
    records: Iterable[RawRecord]  # a list, MappedRecords, or (native, streamed) an iterator
    problems: list[Problem] = field(default_factory=list)
    covered: set[tuple[str, int, str]] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)


# -- value helpers ---------------------------------------------------------------

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


# -- the mapping file ---------------------------------------------------------------

@dataclass
class _Y:
    """A value of the mapping file with the line it starts on."""
    value: Any
    line: int


class _MappingLoader(yaml.SafeLoader):
    """Safe YAML where dates stay text and only true/false are booleans (NO is Norway)."""


_MappingLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_MappingLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"),
                                     list("tf"))


def _wrap(node, loader) -> _Y:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Y] = {}
        for knode, vnode in node.value:
            child = _wrap(vnode, loader)
            child.line = knode.start_mark.line + 1  # problems point at the key's line
            out[str(loader.construct_object(knode, deep=True))] = child
        return _Y(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Y([_wrap(v, loader) for v in node.value], line)
    return _Y(loader.construct_object(node, deep=True), line)


_SPEC_SOURCES = ("column", "value", "template", "entity")
_SPEC_OPTIONS = {"default", "map", "format", "split", "scale", "decimal", "slug", "transform",
                 "on_conflict"}
TRANSFORMS = ("trim", "strip_prefix", "strip_suffix", "regex", "case", "lookup")
_CASES = ("lower", "upper", "title")
_TEMPLATE_SLOT = re.compile(r"\{([^{}]+)\}")
_BAD = object()
_MEMO_CHECK = 10_000


@dataclass
class ValueSpec:
    """How one field gets its value from a row."""
    path: str            # where it is in the mapping, e.g. "entities.target.country"
    line: int            # its line in the mapping file
    field: Field
    source: str          # column | value | template | entity
    arg: Any             # the column name, fixed value, template text or entity name
    default: Any = None
    map: dict | None = None
    formats: tuple[str, ...] = ()
    split: str | None = None
    scale: float = 1.0
    decimal: str = "."
    slug: bool = False
    on_conflict: str | None = None  # first | last | error; None: the mapping's rule
    parts: list = field(default_factory=list)  # a template split: literal, column, literal, ...
    steps: list = field(default_factory=list)  # transforms: (name, argument) in order
    mapped: dict = field(default_factory=dict)  # template slot -> (entity or "deal", field)

    @property
    def columns(self) -> list[str]:
        if self.source == "column":
            return [self.arg]
        if self.source == "template":
            return [c for c in _TEMPLATE_SLOT.findall(self.arg) if c not in self.mapped]
        return []

    @property
    def label(self) -> str:
        """What a problem names: the column of the input, or the place in the mapping."""
        return self.arg if self.source == "column" else self.path


@dataclass
class EntitySpec:
    name: str
    kind: Kind
    line: int
    id: ValueSpec | None
    id_prefix: str
    fields: dict[str, ValueSpec]


@dataclass
class PartySpec:
    entity: str
    role: ValueSpec
    values: dict[str, ValueSpec]  # other fields of the party row: note, country, ...
    line: int


@dataclass
class Mapping:
    """A compiled mapping file; ``read_mapping`` makes one."""
    path: str
    format: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    sheet: str | int | None = None
    sheet_line: int = 0
    empty: frozenset = frozenset({""})
    entities: dict[str, EntitySpec] = field(default_factory=dict)
    deal: dict[str, ValueSpec] | None = None
    deal_id: ValueSpec | None = None
    deal_prefix: str = "deal-"
    parties: list[PartySpec] = field(default_factory=list)
    sources: list[dict[str, ValueSpec]] = field(default_factory=list)
    source_lines: list[int] = field(default_factory=list)
    on_conflict: str | None = None  # first | last | error, for every field; None: not set
    model: str | None = None  # the model extension file the mapping names, resolved

    def specs(self) -> Iterator[ValueSpec]:
        for e in self.entities.values():
            if e.id:
                yield e.id
            yield from e.fields.values()
        yield from (self.deal or {}).values()
        if self.deal_id:
            yield self.deal_id
        for p in self.parties:
            yield p.role
            yield from p.values.values()
        for s in self.sources:
            yield from s.values()

    def columns(self) -> dict[str, ValueSpec]:
        """Every input column the mapping reads, with the first spec that reads it."""
        out: dict[str, ValueSpec] = {}
        for spec in self.specs():
            for col in spec.columns:
                out.setdefault(col, spec)
        return out


_TOP_KEYS = ("format", "delimiter", "encoding", "sheet", "empty_values", "entities", "deal",
             "parties", "source", "sources", "on_conflict", "model")
_ID_FIELD = MODEL.kinds["Firm"].fields["id"]
_PARTY_KEYS = ("deal", "entity")  # set by the mapping itself, not by a party's keys


def _kind(name: str) -> Kind:
    """A kind of the model in use (with any extension's fields), looked up when needed."""
    return MODEL.kinds[name]


class _Compiler:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def bad(self, y: _Y | int, where: str, message: str) -> None:
        line = y if isinstance(y, int) else y.line
        self.problems.append(Problem(self.path, line, where, message))

    def keys(self, y: _Y, where: str, allowed) -> dict[str, _Y] | None:
        if not isinstance(y.value, dict):
            self.bad(y, where, "must be a mapping of keys to values")
            return None
        for key, v in y.value.items():
            if key not in allowed:
                self.bad(v, f"{where}.{key}" if where else key,
                         "unknown key; expected one of: " + ", ".join(allowed))
        return y.value

    def value(self, y: _Y, path: str, fld: Field) -> ValueSpec | None:
        if not isinstance(y.value, dict):
            if isinstance(y.value, (list, type(None))):
                self.bad(y, path, "must be a fixed value or a mapping with column, value, "
                         "template or entity")
                return None
            spec = ValueSpec(path, y.line, fld, "value", y.value)
            self.check_fixed(spec, y.value, y)
            return spec
        raw = y.value
        sources = [k for k in _SPEC_SOURCES if k in raw]
        for key in raw:
            if key not in _SPEC_SOURCES and key not in _SPEC_OPTIONS:
                self.bad(raw[key], f"{path}.{key}", "unknown key; expected one of: "
                         + ", ".join(_SPEC_SOURCES + tuple(sorted(_SPEC_OPTIONS))))
        if len(sources) != 1:
            self.bad(y, path, "needs exactly one of: column, value, template, entity")
            return None
        src = sources[0]
        arg = raw[src].value
        if src in ("column", "template", "entity") and not (isinstance(arg, str) and arg.strip()):
            self.bad(raw[src], f"{path}.{src}", "must be a non-empty text")
            return None
        spec = ValueSpec(path, y.line, fld, src, arg)
        if src == "template":
            spec.parts = _TEMPLATE_SLOT.split(arg)
        if src == "entity" and fld.type not in ("ref", "refs"):
            self.bad(raw[src], f"{path}.entity", f"only reference fields take an entity; "
                     f"{fld.name} is {fld.type}")
        if src == "template" and not _TEMPLATE_SLOT.search(arg):
            self.bad(raw[src], f"{path}.template", "names no column (write {Column Name})")
        opts = {k: raw[k] for k in _SPEC_OPTIONS if k in raw}
        if "default" in opts:
            spec.default = opts["default"].value
            self.check_fixed(spec, spec.default, opts["default"])
        if "map" in opts:
            m = opts["map"]
            if not isinstance(m.value, dict):
                self.bad(m, f"{path}.map", "must map input values to model values")
            else:
                spec.map = {}
                for k, v in m.value.items():
                    spec.map[k] = v.value
                    spec.map.setdefault(k.casefold(), v.value)
                    if v.value is not None:
                        self.check_fixed(spec, v.value, v)
        if "format" in opts:
            f = opts["format"]
            fmts = f.value if isinstance(f.value, list) else [f]
            fmts = [x.value if isinstance(x, _Y) else x for x in fmts]
            if fld.type != "date":
                self.bad(f, f"{path}.format", f"only date fields take a format; {fld.name} "
                         f"is {fld.type}")
            elif not fmts or not all(isinstance(x, str) and "%" in x for x in fmts):
                self.bad(f, f"{path}.format", "must be a strptime pattern such as '%b %d, %Y' "
                         "(or a list of them)")
            else:
                spec.formats = tuple(fmts)
        if "split" in opts:
            s = opts["split"]
            if not fld.multi:
                self.bad(s, f"{path}.split", f"only list fields take split; {fld.name} is "
                         f"{fld.type}")
            elif not (isinstance(s.value, str) and s.value):
                self.bad(s, f"{path}.split", "must be the separator text, e.g. ';'")
            else:
                spec.split = s.value
        for key in ("scale", "decimal"):
            if key in opts and fld.type not in ("number", "percent"):
                self.bad(opts[key], f"{path}.{key}", f"only number fields take {key}; "
                         f"{fld.name} is {fld.type}")
        if "scale" in opts:
            s = opts["scale"].value
            if isinstance(s, bool) or not isinstance(s, (int, float)) or s <= 0:
                self.bad(opts["scale"], f"{path}.scale", "must be a positive number, e.g. 1000000")
            else:
                spec.scale = float(s)
        if "decimal" in opts:
            if opts["decimal"].value not in (".", ","):
                self.bad(opts["decimal"], f"{path}.decimal", "must be '.' or ','")
            else:
                spec.decimal = opts["decimal"].value
        if "on_conflict" in opts:
            rule = opts["on_conflict"].value
            if rule not in CONFLICT_RULES:
                self.bad(opts["on_conflict"], f"{path}.on_conflict",
                         f"must be one of: {', '.join(CONFLICT_RULES)}")
            else:
                spec.on_conflict = rule
        if "slug" in opts:
            if fld.name != "id":
                self.bad(opts["slug"], f"{path}.slug", "only ids take slug")
            spec.slug = opts["slug"].value is True
        if "transform" in opts:
            spec.steps = self.transform(opts["transform"], f"{path}.transform")
        return spec

    def transform(self, y: _Y, path: str) -> list:
        """The steps of a ``transform``: a list of one-key mappings (or one mapping)."""
        items = y.value if isinstance(y.value, list) else [y]
        steps = []
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(y.value, list) else path
            if not isinstance(item.value, dict) or len(item.value) != 1:
                self.bad(item, where, "each step is one of: " + ", ".join(TRANSFORMS)
                         + " (e.g. {strip_prefix: /organization/})")
                continue
            (name, arg), = item.value.items()
            value = arg.value
            if name not in TRANSFORMS:
                self.bad(arg, f"{where}.{name}", "unknown transform; expected one of: "
                         + ", ".join(TRANSFORMS))
            elif name == "trim":
                if value is True:
                    steps.append((name, None))
                elif isinstance(value, str) and value:
                    steps.append((name, value))
                else:
                    self.bad(arg, f"{where}.trim", "must be true (white space) or the "
                             "characters to trim, e.g. ' .;'")
            elif name in ("strip_prefix", "strip_suffix"):
                if isinstance(value, str) and value:
                    steps.append((name, value))
                elif isinstance(value, list) and value and \
                        all(isinstance(v.value, str) and v.value for v in value):
                    steps.append((name, tuple(v.value for v in value)))
                else:
                    self.bad(arg, f"{where}.{name}", "must be a text (or a list of texts)")
            elif name == "regex":
                steps.append((name, self.regex(arg, f"{where}.regex")))
            elif name == "case":
                if value not in _CASES:
                    self.bad(arg, f"{where}.case", "must be one of: " + ", ".join(_CASES))
                else:
                    steps.append((name, value))
            elif name == "lookup":
                if not isinstance(value, dict) or not value:
                    self.bad(arg, f"{where}.lookup", "must map values to what they stand for")
                else:
                    table = {}
                    for k, v in value.items():
                        out = "" if v.value is None else str(v.value)
                        table[k] = out
                        table.setdefault(k.casefold(), out)
                    steps.append((name, table))
        return [st for st in steps if st[1] is not _BAD]

    def regex(self, y: _Y, where: str):
        if not isinstance(y.value, str) or not y.value or len(y.value) > 500:
            self.bad(y, where, "must be a regular expression of up to 500 characters")
            return _BAD
        try:
            rx = re.compile(y.value)
        except re.error as exc:
            self.bad(y, where, f"is not a regular expression: {exc}")
            return _BAD
        if rx.groups < 1:
            self.bad(y, where, "needs a group in parentheses: the part to keep, e.g. "
                     "'^/organization/(.+)$'")
            return _BAD
        return rx

    def slots(self, m: Mapping) -> None:
        """Template slots that name a mapped value (``{target.name}``, ``{deal.kind}``)
        rather than a column: checked, and kept apart from the input's columns."""
        owners = {name: e.kind for name, e in m.entities.items()}
        owners["deal"] = _kind("Deal")
        for spec in m.specs():
            if spec.source != "template":
                continue
            for slot in _TEMPLATE_SLOT.findall(spec.arg):
                owner, dot, fname = slot.partition(".")
                if not dot or owner not in owners:
                    continue
                if owner == "deal" and not spec.path.startswith("deal."):
                    self.bad(spec.line, spec.path, f"template slot {{{slot}}}: deal values "
                             "fill templates of the deal's own fields only")
                    continue
                if fname not in owners[owner].fields or (owner == "deal" and fname not in m.deal):
                    self.bad(spec.line, spec.path, f"template slot {{{slot}}}: {owner} has no "
                             f"mapped field {fname!r}")
                    continue
                spec.mapped[slot] = (owner, fname)

    def check_fixed(self, spec: ValueSpec, value, y: _Y) -> None:
        if spec.field.name == "id" or spec.field.type in ("ref", "refs"):
            return
        try:
            _convert(spec, value)
        except ValueProblem as exc:
            self.bad(y, spec.path, str(exc))

    def compile(self, root: _Y) -> Mapping:
        m = Mapping(self.path)
        top = self.keys(root, "", _TOP_KEYS)
        if top is None:
            return m
        for key in ("format", "delimiter", "encoding"):
            if key in top:
                v = top[key].value
                if not isinstance(v, str) or not v:
                    self.bad(top[key], key, "must be a text")
                elif key == "format" and v not in ("csv", "jsonl", "json", "xlsx"):
                    self.bad(top[key], key, "must be csv, jsonl, json or xlsx")
                elif key == "delimiter" and len(v.replace("\\t", "\t")) != 1:
                    self.bad(top[key], key, "must be one character (\\t for tab)")
                elif key == "encoding" and not _text_codec(v):
                    self.bad(top[key], key, f"{v!r} is not a text encoding Python knows "
                             "(e.g. utf-8, latin-1, cp1252)")
                else:
                    setattr(m, key, v.replace("\\t", "\t") if key == "delimiter" else v)
        if "sheet" in top:
            sh = top["sheet"]
            if isinstance(sh.value, bool) or not isinstance(sh.value, (str, int)) or \
                    (isinstance(sh.value, int) and sh.value < 1):
                self.bad(sh, "sheet", "must be a sheet name or its number (1 for the first)")
            else:
                m.sheet, m.sheet_line = sh.value, sh.line
        if "on_conflict" in top:
            rule = top["on_conflict"].value
            if rule not in CONFLICT_RULES:
                self.bad(top["on_conflict"], "on_conflict",
                         f"must be one of: {', '.join(CONFLICT_RULES)}")
            else:
                m.on_conflict = rule
        if "model" in top:
            ref = top["model"].value
            if not isinstance(ref, str) or not ref.strip():
                self.bad(top["model"], "model", "must be the path of a model extension file "
                         "(relative to the mapping file)")
            else:
                m.model = str(Path(self.path).parent / ref)
        if "empty_values" in top:
            ev = top["empty_values"]
            if not isinstance(ev.value, list):
                self.bad(ev, "empty_values", "must be a list of texts, e.g. [n/a, '-']")
            else:
                m.empty = frozenset({""} | {str(v.value).strip().casefold() for v in ev.value})
        ents = top.get("entities")
        if ents is not None and not isinstance(ents.value, dict):
            self.bad(ents, "entities", "must map entity names to their fields")
        elif ents is not None:
            for name, e in ents.value.items():
                spec = self.entity(name, e)
                if spec:
                    m.entities[name] = spec
        if "deal" in top:
            self.deal(m, top["deal"])
        if "parties" in top:
            self.parties(m, top["parties"])
        for key in ("source", "sources"):
            if key in top:
                items = top[key].value if isinstance(top[key].value, list) else [top[key]]
                for i, s in enumerate(items):
                    where = f"{key}[{i}]" if isinstance(top[key].value, list) else key
                    spec = self.source(where, s)
                    if spec is not None:
                        m.sources.append(spec)
                        m.source_lines.append(s.line)
        if m.deal is not None:
            if "parties" not in top:
                self.bad(top["deal"], "parties", "a deal needs parties: a list of "
                         "{entity: NAME, role: ROLE}")
            if "source" not in top and "sources" not in top:
                self.bad(top["deal"], "source", "a deal needs a source: a column (url, title) "
                         "or a fixed one")
        elif "parties" in top:
            self.bad(top["parties"], "deal", "parties need a deal section")
        if not m.entities and m.deal is None and not self.problems:
            self.bad(root, "", "maps nothing: give entities and/or a deal")
        self.slots(m)
        return m

    def entity(self, name: str, y: _Y) -> EntitySpec | None:
        path = f"entities.{name}"
        if not isinstance(y.value, dict):
            self.bad(y, path, "must be a mapping with type, name and other fields")
            return None
        raw = y.value
        tname = raw.get("type")
        kinds = {k.lower(): k for k in MODEL.entity_kinds}
        if tname is None or str(tname.value).lower() not in kinds:
            self.bad(tname or y, f"{path}.type", "must be one of: " + ", ".join(MODEL.entity_kinds))
            return None
        kind = MODEL.kinds[kinds[str(tname.value).lower()]]
        allowed = ["type", "id_prefix"] + list(kind.fields)
        self.keys(y, path, allowed)
        prefix = raw.get("id_prefix")
        if prefix is not None and not isinstance(prefix.value, str):
            self.bad(prefix, f"{path}.id_prefix", "must be a text")
        spec = EntitySpec(name, kind, y.line, None, prefix.value if prefix and
                          isinstance(prefix.value, str) else "", {})
        for key, v in raw.items():
            if key in ("type", "id_prefix") or key not in kind.fields:
                continue
            vs = self.value(v, f"{path}.{key}", kind.fields[key])
            if vs is None:
                continue
            if key == "id":
                spec.id = vs
            else:
                spec.fields[key] = vs
        for req in kind.required:
            if req != "id" and req not in raw:
                self.bad(y, f"{path}.{req}", f"required field {req!r} of {kind.name} is not "
                         "mapped (give a column or a fixed value)")
        return spec

    def deal(self, m: Mapping, y: _Y) -> None:
        fields = [f for f in _kind("Deal").fields if f != "sources"]
        raw = self.keys(y, "deal", fields + ["id_prefix"])
        if raw is None:
            return
        m.deal = {}
        for key, v in raw.items():
            if key == "id_prefix":
                if isinstance(v.value, str):
                    m.deal_prefix = v.value
                else:
                    self.bad(v, "deal.id_prefix", "must be a text")
                continue
            if key not in _kind("Deal").fields or key == "sources":
                continue
            vs = self.value(v, f"deal.{key}", _kind("Deal").fields[key])
            if vs is None:
                continue
            if key == "id":
                m.deal_id = vs
            else:
                m.deal[key] = vs
        for req in _kind("Deal").required:
            if req not in ("id", "sources", "title") and req not in raw:
                self.bad(y, f"deal.{req}", f"required field {req!r} of Deal is not mapped "
                         "(give a column or a fixed value)")

    def parties(self, m: Mapping, y: _Y) -> None:
        if not isinstance(y.value, list) or not y.value:
            self.bad(y, "parties", "must be a list of {entity: NAME, role: ROLE}")
            return
        for i, p in enumerate(y.value):
            path = f"parties[{i}]"
            party_fields = [f for f in _kind("Party").fields if f not in _PARTY_KEYS]
            raw = self.keys(p, path, ["entity", *party_fields])
            if raw is None:
                continue
            ent = raw.get("entity")
            if ent is None or ent.value not in m.entities:
                self.bad(ent or p, f"{path}.entity", "must name an entity of the mapping "
                         f"({', '.join(m.entities) or 'none declared'})")
                continue
            if "role" not in raw:
                self.bad(p, f"{path}.role", "is required")
                continue
            party = _kind("Party")
            role = self.value(raw["role"], f"{path}.role", party.fields["role"])
            values = {}
            for key, v in raw.items():
                if key in party.fields and key not in _PARTY_KEYS and key != "role":
                    vs = self.value(v, f"{path}.{key}", party.fields[key])
                    if vs is not None:
                        values[key] = vs
            if role is not None:
                m.parties.append(PartySpec(ent.value, role, values, p.line))

    def source(self, where: str, y: _Y) -> dict[str, ValueSpec] | None:
        raw = self.keys(y, where, list(_kind("Source").fields))
        if raw is None:
            return None
        out = {}
        for key, v in raw.items():
            if key in _kind("Source").fields:
                vs = self.value(v, f"{where}.{key}", _kind("Source").fields[key])
                if vs is not None:
                    out[key] = vs
        if "url" not in raw and not ("title" in raw and "publisher" in raw):
            self.bad(y, where, "needs a url, or a title and a publisher")
        return out


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file, or raise LoadError naming its lines."""
    path = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LoadError([Problem(path, 0, "", f"cannot be read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise LoadError([Problem(path, 0, "", "is not UTF-8 text")]) from None
    try:
        node = yaml.compose(text, Loader=_MappingLoader)
        if node is None:
            raise LoadError([Problem(path, 1, "", "is empty; see docs/mapping.md")])
        bomb = yaml_expansion(node)
        if bomb:
            raise LoadError([Problem(path, 0, "", f"invalid YAML: {bomb}")])
        root = _wrap(node, _MappingLoader(""))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LoadError([Problem(path, mark.line + 1 if mark else 0, "",
                                 f"invalid YAML: {getattr(exc, 'problem', exc)}")]) from None
    except (ValueError, RecursionError) as exc:  # hostile input: huge numbers, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else \
            "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise LoadError([Problem(path, 0, "", f"invalid YAML: {reason}")]) from None
    compiler = _Compiler(path)
    mapping = compiler.compile(root)
    if compiler.problems:
        raise LoadError(compiler.problems)
    return mapping


# -- from a cell to a model value --------------------------------------------------------

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


def _id_fix(text: str) -> str:
    """How a mapping can make an id of ``text``: the hint after an invalid id."""
    cut = text.rfind("/", 0, len(text) - 1)
    if cut > 0 or text.startswith("/"):
        prefix = text[:cut + 1] if cut > 0 else "/"
        return (f"; strip what comes before the name with `transform: [{{strip_prefix: "
                f"{prefix}}}]`, or make an id of it with `slug: true` (docs/mapping.md)")
    return "; make an id of it with `slug: true`, or fix it with a `transform` (docs/mapping.md)"


def _host(url: str) -> str | None:
    try:
        host = urlparse(url).hostname
    except ValueError:
        return None
    return host[4:] if host and host.startswith("www.") else host


def _deal_hash(values: dict, parties: list) -> str:
    """16 hex digits of the SHA-1 of a deal's mapped values and its (entity, role) pairs."""
    text = "\x1e".join([f"{k}\x1f{values[k]!r}" for k in sorted(values)]
                       + sorted(f"{e}\x1f{r}" for e, r, _ in parties))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


# -- reading the data ------------------------------------------------------------------

def json_objects(path: Path, problems: list[Problem], sieve: Sieve | None = None
                 ) -> Iterator[tuple[int, Any]]:
    """(line, value) of each top-level value of a JSON Lines file, or of each item of a
    JSON array file. JSON Lines are read line by line; an array is read whole. Lines
    ``sieve`` sets aside are left out. The file may be gzip'd or a stream."""
    with open_text(path) as fh:
        head = []
        first = ""
        while True:
            ch = fh.read(1)
            head.append(ch)
            if not ch or not ch.isspace():
                first = ch
                break
        start = "".join(head)
        if first == "[":
            text = start + fh.read()
            yield from _array_items(str(path), text, problems)
            return
        file = str(path)
        for n, line in enumerate(_prepend(start, fh), 1):
            if not line.strip():
                continue
            if sieve is not None and sieve.leave_out(file, n, line.rstrip("\r\n")):
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                problems.append(Problem(str(path), n, "", f"invalid JSON: {_json_reason(exc)}"))
                continue
            yield n, value


def _prepend(start: str, fh) -> Iterator[str]:
    """The lines of ``fh`` with ``start`` (text already read from it) put back in front."""
    first = next(fh, "")
    yield start + first
    yield from fh


def _array_items(file: str, text: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    pos = ws.match(text, text.index("[") + 1).end()
    try:
        while pos < len(text) and text[pos] != "]":
            value, end = decoder.raw_decode(text, pos)
            yield text.count("\n", 0, pos) + 1, value
            pos = ws.match(text, end).end()
            if pos < len(text) and text[pos] == ",":
                pos = ws.match(text, pos + 1).end()
            elif pos < len(text) and text[pos] != "]":
                raise json.JSONDecodeError("expected ',' or ']'", text, pos)
        if pos >= len(text):
            raise json.JSONDecodeError("unterminated array", text, pos)
        if text[pos + 1:].strip():
            raise json.JSONDecodeError("extra data after the array", text, pos + 1)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(file, getattr(exc, "lineno", 0), "",
                                f"invalid JSON: {_json_reason(exc)}"))


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return "a number has too many digits" if "digits" in str(exc) else str(exc)


def _text_codec(name: str) -> bool:
    try:
        return getattr(codecs.lookup(name), "_is_text_encoding", True)
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        return False


def _dig(obj: dict, key: str):
    if key in obj:
        return obj[key]
    cur: Any = obj
    for part in key.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


class _Mapper:
    """Applies a mapping to rows, collecting deduplicated records as it goes."""

    def __init__(self, mapping: Mapping, sieve: Sieve | None = None):
        self.m = mapping
        self.sieve = sieve if sieve is not None else Sieve()
        self.problems: list[Problem] = []
        self.covered: set[tuple[str, int, str]] = set()
        self.entities: dict[str, RawRecord] = {}
        self.conflicts = Conflicts()
        self.clashes: set[str] = set()
        self.sources: dict[str, RawRecord] = {}
        self.deals: dict[str, RawRecord] = {}
        # (file, line, deal, entity, role, other party-row values or None): made into
        # records only when handed over, since there are two or more per row
        self.parties: list[tuple] = []
        self.party_keys: set[tuple] = set()   # (deal, entity, role) of deals with an id column
        self.slugs: dict[str, str] = {}
        self.columns = mapping.columns()
        self.rows = 0
        self.row_at: tuple[str, int] = ("", 0)
        self.row_ids: dict = {}
        self.row_deal: dict = {}
        # conversions memoised per spec (cells repeat: countries, dates, statuses); a spec
        # whose values are mostly distinct (urls, titles) stops memoising after a while
        self.memos: dict[int, dict | None] = {id(s): {} for s in mapping.specs()}
        self.calls: dict[int, int] = {id(s): 0 for s in mapping.specs()}

    # -- cells -------------------------------------------------------------------
    def raw(self, spec: ValueSpec, cells: dict):
        """The spec's value in this row before conversion: the cell (or the filled
        template, or the fixed value), transformed, looked up in ``map``; the default
        if that is empty."""
        src = spec.source
        if src == "column":
            value = cells.get(spec.arg)
            if isinstance(value, str):
                value = value.strip()
                if not value or value.casefold() in self.m.empty:
                    value = None
            elif value == [] or value == {}:
                value = None
        elif src == "value":
            value = spec.arg
        else:  # template: literal, slot, literal, slot, ..., literal
            out, found = [], False
            mapped = spec.mapped
            for i, part in enumerate(spec.parts):
                if i % 2 == 0:
                    out.append(part)
                    continue
                v = self.mapped_value(*mapped[part]) if part in mapped else cells.get(part)
                if isinstance(v, list):
                    v = ", ".join(str(x) for x in v)
                text = "" if v is None else str(v).strip()
                if text and text.casefold() not in self.m.empty:
                    out.append(text)
                    found = True
            value = " ".join("".join(out).split()) if found else None
        if value is not None and spec.steps and src != "value":
            value = self.transform(spec, value)
        if value is None:
            value = spec.default
        elif spec.map is not None and isinstance(value, str):
            if value in spec.map:
                value = spec.map[value]
            elif value.casefold() in spec.map:
                value = spec.map[value.casefold()]
        return value

    def mapped_value(self, owner: str, fname: str):
        """A value mapped earlier in this row, for a template slot such as {target.name}."""
        if owner == "deal":
            return self.row_deal.get(fname)
        eid = self.row_ids.get(owner)
        if eid is None or fname == "id":
            return eid
        rec = self.entities.get(eid)
        return rec.values.get(fname) if rec is not None else None

    def transform(self, spec: ValueSpec, value):
        """``value`` through the spec's transform steps; None if that leaves nothing,
        or (with a problem) if a regex does not match."""
        text = value if isinstance(value, str) else str(value)
        for name, arg in spec.steps:
            if name == "trim":
                text = text.strip() if arg is None else text.strip(arg)
            elif name == "strip_prefix":
                for prefix in (arg if isinstance(arg, tuple) else (arg,)):
                    if text.startswith(prefix):
                        text = text[len(prefix):]
                        break
            elif name == "strip_suffix":
                for suffix in (arg if isinstance(arg, tuple) else (arg,)):
                    if text.endswith(suffix):
                        text = text[:-len(suffix)]
                        break
            elif name == "regex":
                m = arg.search(text)
                if m is None:
                    file, line = self.row_at
                    self.problems.append(Problem(file, line, spec.label, f"{text!r} does not "
                                                 f"match the transform regex {arg.pattern!r}"))
                    self.covered.add((file, line, spec.field.name))
                    return None
                text = next((g for g in m.groups() if g is not None), "")
            elif name == "case":
                text = text.lower() if arg == "lower" else text.upper() if arg == "upper" \
                    else text.title()
            elif name == "lookup":
                text = arg.get(text, arg.get(text.casefold(), text))
        text = text.strip()
        return text or None

    def value(self, spec: ValueSpec, file: str, line: int, cells: dict, ids: dict):
        """The model value of ``spec`` for this row, None when empty or when it is
        wrong (then a problem is recorded)."""
        if spec.source == "entity":
            return ids.get(spec.arg)
        raw = self.raw(spec, cells)
        if raw is None:
            return None
        memo = self.memos.get(id(spec)) if type(raw) is str else None
        hit = memo.get(raw) if memo is not None else None
        if hit is None:
            try:
                hit = (True, _convert(spec, raw))
            except ValueProblem as exc:
                hit = (False, exc)
            if memo is not None:
                memo[raw] = hit
                if len(memo) >= _MEMO_CHECK and len(memo) * 2 > self.calls[id(spec)]:
                    self.memos[id(spec)] = None  # mostly distinct values: not worth keeping
        if memo is not None:
            self.calls[id(spec)] += 1
        if not hit[0]:
            exc = hit[1]
            if isinstance(exc, Implausible) and not spec.field.required:
                self.problems.append(Problem.warning(file, line, spec.label,
                                                     f"{exc}; value dropped", exc.code))
            else:
                self.problems.append(Problem(file, line, spec.label, str(exc)))
            self.covered.add((file, line, spec.field.name))
            return None
        value = hit[1]
        if isinstance(value, list):
            return list(value) or None
        return value

    # -- one row -----------------------------------------------------------------
    def row(self, file: str, line: int, cells: dict) -> None:
        self.rows += 1
        self.row_at = (file, line)
        ids: dict[str, str] = {}
        self.row_ids, self.row_deal = ids, {}
        for name, espec in self.m.entities.items():
            eid = self.entity_id(espec, file, line, cells)
            if eid is not None:
                ids[name] = eid
        for name, eid in ids.items():
            self.entity(self.m.entities[name], eid, file, line, cells, ids)
        reported = len(self.problems)
        sources = [sid for s in self.m.sources
                   if (sid := self.source(s, file, line, cells, ids)) is not None]
        if len(self.problems) > reported:  # a bad source cell: the deal's sources are not "missing"
            self.covered.add((file, line, "sources"))
        if self.m.deal is not None:
            self.deal(file, line, cells, ids, sources)

    def entity_id(self, espec: EntitySpec, file: str, line: int, cells: dict) -> str | None:
        if espec.id is not None:
            raw = self.raw(espec.id, cells)
            if raw is None:
                return None
            text = str(raw).strip()
            if espec.id.slug:
                text = self.slug(text)
            label = espec.id.label
        else:
            name = self.raw(espec.fields["name"], cells)
            if name is None:
                return None
            text = self.slug(str(name))
            label = espec.fields["name"].label
        eid = espec.id_prefix + text
        try:
            return parse_value(_ID_FIELD, eid)
        except ValueProblem as exc:
            slugged = espec.id is None or espec.id.slug
            self.problems.append(Problem(file, line, label, str(exc) + ("" if slugged else
                                                                       _id_fix(text))))
            return None

    def slug(self, text: str) -> str:
        out = self.slugs.get(text)
        if out is None:
            out = self.slugs[text] = slug(text)
        return out

    def entity(self, espec: EntitySpec, eid: str, file: str, line: int, cells: dict,
               ids: dict) -> None:
        """Make or complete the record of entity ``eid`` from this row; where the row
        disagrees with earlier ones, ``Conflicts.merge`` decides (docs/mapping.md)."""
        rec = self.entities.get(eid)
        if rec is None:
            rec = self.entities[eid] = RawRecord(espec.kind, file, line, {"id": eid})
        elif rec.kind is not espec.kind:
            self.clash(espec, eid, file, line)
            return
        values, merge = rec.values, self.conflicts.merge
        for fname, spec in espec.fields.items():
            value = self.value(spec, file, line, cells, ids)
            if value is None or (spec.source == "entity" and value == eid):
                continue
            have = values.get(fname)
            if have is None:
                values[fname] = value
            elif have != value:
                merge(rec, spec.field, value,
                      spec.on_conflict or self.m.on_conflict or DEFAULT_RULE,
                      file, line, spec.label)

    def clash(self, espec: EntitySpec, eid: str, file: str, line: int) -> None:
        if eid in self.clashes:
            return
        self.clashes.add(eid)
        first = self.entities[eid]
        self.problems.append(Problem(file, line, espec.id.label if espec.id else
                                     espec.fields["name"].label,
                                     f"id {eid!r} is a {first.kind.name} (line {first.line}) "
                                     f"and cannot also be a {espec.kind.name} ({espec.name}); "
                                     "set id_prefix on one of them"))

    def source(self, specs: dict[str, ValueSpec], file: str, line: int, cells: dict,
               ids: dict) -> str | None:
        values = {}
        for key, spec in specs.items():
            v = self.value(spec, file, line, cells, ids) if key != "id" else self.raw(spec, cells)
            if v is not None:
                values[key] = v
        if not any(k in values for k in ("url", "title", "id")):
            return None
        if "title" not in values:
            values["title"] = values.get("url") or values.get("publisher")
        if "publisher" not in values and "url" in values:
            host = _host(values["url"])
            if host:
                values["publisher"] = host
        if "id" in values:
            sid = str(values["id"]).strip()
        else:
            key = values.get("url") or f"{values.get('publisher')}|{values.get('title')}"
            sid = "src-" + _short_hash(key)
        values["id"] = sid
        if sid not in self.sources:
            self.sources[sid] = RawRecord(_kind("Source"), file, line, values)
        return sid

    def deal(self, file: str, line: int, cells: dict, ids: dict, sources: list[str]) -> None:
        values: dict = {}
        self.row_deal = values
        # templates last, so that they can name the deal's other mapped values
        for fname, spec in sorted(self.m.deal.items(), key=lambda kv: kv[1].source == "template"):
            v = self.value(spec, file, line, cells, ids)
            if v is not None:
                values[fname] = v
        values = {f: values[f] for f in self.m.deal if f in values}  # the mapping's order
        parties = []
        for p in self.m.parties:
            eid = ids.get(p.entity)
            if eid is None:
                continue
            role = self.value(p.role, file, line, cells, ids)
            if role is None:
                if (file, line, "role") not in self.covered:
                    self.problems.append(Problem(file, line, p.role.label,
                                                 f"role of {p.entity} is empty"))
                continue
            extra = None
            for key, spec in p.values.items():
                v = self.value(spec, file, line, cells, ids)
                if v is not None:
                    if extra is None:
                        extra = {}
                    extra[key] = v
            parties.append((eid, role, extra))
        if "title" not in values and parties:
            names = []
            for eid, _, _ in parties:
                n = self.entities[eid].values.get("name", eid)
                if n not in names:
                    names.append(n)
            kind = str(values.get("kind", "deal")).replace("_", " ")
            values["title"] = f"{' – '.join(names)} ({kind})"
        if self.m.deal_id is not None:
            raw = self.raw(self.m.deal_id, cells)
            if raw is None:
                self.problems.append(Problem(file, line, self.m.deal_id.label,
                                             "deal id is empty"))
                return
            text = str(raw).strip()
            did = self.m.deal_prefix + (slug(text) if self.m.deal_id.slug else text)
            try:
                did = parse_value(_ID_FIELD, did)
            except ValueProblem as exc:
                fix = "" if self.m.deal_id.slug else _id_fix(text)
                self.problems.append(Problem(file, line, self.m.deal_id.label, str(exc) + fix))
                return
        else:
            did = self.m.deal_prefix + _deal_hash(values, parties)
        rec = self.deals.get(did)
        by_column = self.m.deal_id is not None
        if rec is None:
            values["id"] = did
            values["sources"] = list(sources)
            self.deals[did] = RawRecord(_kind("Deal"), file, line, values)
        else:
            have = rec.values.setdefault("sources", [])
            for sid in sources:
                if sid not in have:
                    have.append(sid)
            if not by_column:
                return  # same hash: same values and parties, already recorded
            # rows of one deal id often differ (a title naming the row's parties): the
            # first value stands, unless the mapping sets a rule for the field
            for fname, spec in self.m.deal.items():
                value = values.get(fname)
                rule = spec.on_conflict or self.m.on_conflict
                if value is None or rec.values.get(fname) == value:
                    continue
                if fname not in rec.values:
                    rec.values[fname] = value
                elif rule is not None:
                    self.conflicts.merge(rec, spec.field, value, rule, file, line, spec.label)
        seen = set()
        for eid, role, extra in parties:
            key = (did, eid, role)
            if key in seen or (by_column and key in self.party_keys):
                continue
            seen.add(key)
            if by_column:
                self.party_keys.add(key)
            self.parties.append((file, line, did, eid, role, extra))

    def records(self) -> "MappedRecords":
        parties, self.parties = self.parties, []
        return MappedRecords([*self.sources.values(), *self.entities.values(),
                              *self.deals.values()], parties)


class MappedRecords:
    """What the mapping reader hands over: sources, entities and deals as records, then
    the party rows, kept as tuples (two or more per row) and made into records only
    as they are iterated. ``drain`` hands each record over once and forgets it."""

    def __init__(self, records: list[RawRecord], parties: list[tuple]):
        self._records, self._parties = records, parties

    def __len__(self) -> int:
        return len(self._records) + len(self._parties)

    @staticmethod
    def _party(row: tuple) -> RawRecord:
        file, line, did, eid, role, extra = row
        pv = {"deal": did, "entity": eid, "role": role}
        if extra is not None:
            pv.update(extra)
        return RawRecord(_kind("Party"), file, line, pv)

    def __getitem__(self, i: int) -> RawRecord:
        n = len(self._records)
        if 0 <= i < n:
            return self._records[i]
        return list(self)[i]

    def __iter__(self):
        yield from self._records
        for row in self._parties:
            yield self._party(row)

    def drain(self):
        for items, make in ((self._records, None), (self._parties, self._party)):
            for i in range(len(items)):
                item, items[i] = items[i], None
                yield item if make is None else make(item)
            items.clear()


def _expand(paths, problems: list[Problem]) -> Iterator[Path]:
    for raw in paths:
        path = input_path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.is_file() and base_suffix(p) in DATA_SUFFIXES
                           and not p.name.lower().endswith(REJECTS_SUFFIX))
            if not files:
                problems.append(Problem(str(path), 0, "", "holds no .csv, .jsonl or .json files"))
            yield from files
        elif is_input(path):
            yield path
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))


def _file_format(mapping: Mapping, path: Path) -> str:
    if mapping.format:
        return "jsonl" if mapping.format == "json" else mapping.format
    suffix = base_suffix(path)
    if suffix == ".xlsx":
        return "xlsx"
    return "jsonl" if suffix in (".jsonl", ".ndjson", ".json") else "csv"


def _bind_header(mapper: _Mapper, file: str, header: list[str]) -> list[tuple[str, int]] | None:
    """(column, index) of every column the mapping reads, or None (and a problem naming
    the mapping's line) if one is missing from ``header``."""
    m = mapper.m
    exact = {h: i for i, h in reversed(list(enumerate(header)))}
    loose = {h.strip().casefold(): i for i, h in reversed(list(enumerate(header)))}
    bound: list[tuple[str, int]] = []
    missing = False
    for col, spec in mapper.columns.items():
        i = exact.get(col, loose.get(col.strip().casefold()))
        if i is None:
            missing = True
            mapper.problems.append(Problem(
                m.path, spec.line, spec.path, f"column {col!r} is not in the header "
                f"of {file} (it has: {', '.join(h for h in header if h.strip())})"))
        else:
            bound.append((col, i))
    return None if missing else bound


def _read_csv(mapper: _Mapper, path: Path) -> None:
    """Rows of a CSV file (gzip'd or not); a broken row is reported at its line and
    reading goes on at the next line (``rows.csv_rows``)."""
    m = mapper.m
    file = str(path)
    delimiter = m.delimiter or ("\t" if base_suffix(path) == ".tsv" else ",")
    with open_text(path, m.encoding) as fh:
        rows = csv_rows(fh, delimiter, wanted=mapper.sieve.lines_of(file))
        header = next(rows, None)
        if header is None or header.cells is None:
            mapper.problems.append(Problem(file, 1, "", header.error if header else
                                           "is empty (expected a header row)", code="file"))
            return
        bound = _bind_header(mapper, file, header.cells)
        if bound is None:
            return
        row_fn, leave_out = mapper.row, mapper.sieve.leave_out
        for line, row, text, error in rows:
            if leave_out(file, line, text):
                mapper.rows += 1
                continue
            if row is None:
                mapper.problems.append(Problem(file, line, "", error))
                continue
            n = len(row)
            row_fn(file, line, {c: row[i] for c, i in bound if i < n})


def _read_xlsx(mapper: _Mapper, path: Path) -> None:
    """Rows of a sheet of an Excel workbook (the mapping's ``sheet``, else the first):
    the first non-empty row is the header; lines are the sheet's row numbers. Dates
    become ISO text, whole numbers ints."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        mapper.problems.append(Problem(str(path), 0, "", "reading .xlsx needs openpyxl "
                                       "(pip install openpyxl)"))
        return
    import zipfile
    file = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        mapper.problems.append(Problem(file, 0, "", f"is not an Excel .xlsx workbook ({exc})"))
        return
    try:
        sheet = _sheet(mapper, book, file)
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        header, line = None, 0
        for cells in rows:
            line += 1
            if any(c is not None and str(c).strip() for c in cells):
                header = [_xlsx_text(c) for c in cells]
                break
        if header is None:
            mapper.problems.append(Problem(file, 1, "", "the sheet is empty (expected a "
                                           "header row)", code="file"))
            return
        bound = _bind_header(mapper, file, header)
        if bound is None:
            return
        for cells in rows:
            line += 1
            values = [_xlsx_text(c) for c in cells]
            if not any(v.strip() for v in values):
                continue
            if mapper.sieve.leave_out(file, line, lambda v=values: _csv_line(v)):
                mapper.rows += 1
                continue
            n = len(values)
            mapper.row(file, line, {c: values[i] for c, i in bound if i < n})
    finally:
        book.close()


def _sheet(mapper: _Mapper, book, file: str):
    want = mapper.m.sheet
    if want is None:
        return book.worksheets[0]
    if isinstance(want, int) and not isinstance(want, bool):
        if 1 <= want <= len(book.worksheets):
            return book.worksheets[want - 1]
    elif want in book.sheetnames:
        return book[want]
    mapper.problems.append(Problem(mapper.m.path, mapper.m.sheet_line, "sheet",
                                   f"{want!r} is not a sheet of {file} (it has: "
                                   f"{', '.join(book.sheetnames)})"))
    return None


def _xlsx_text(value) -> str:
    """A cell of a sheet as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.hour or value.minute or value.second:
            return value.isoformat(sep=" ")
        return value.date().isoformat()
    if hasattr(value, "isoformat"):  # a date or a time
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def _read_jsonl(mapper: _Mapper, path: Path) -> None:
    file = str(path)
    seen: set[str] = set()
    cols = list(mapper.columns)
    rows = mapper.rows
    for line, obj in json_objects(path, mapper.problems, mapper.sieve):
        if not isinstance(obj, dict):
            mapper.problems.append(Problem(file, line, "", "each record must be a JSON object"))
            continue
        cells = {}
        for c in cols:
            v = _dig(obj, c)
            if v is not None:
                cells[c] = v
                seen.add(c)
        mapper.row(file, line, cells)
    if mapper.rows > rows:
        for col, spec in mapper.columns.items():
            if col not in seen:
                mapper.problems.append(Problem(mapper.m.path, spec.line, spec.path,
                                               f"column {col!r} is in no record of {file}"))


def read_mapped(paths: list, mapping: str | Path | Mapping, sieve: Sieve | None = None
                ) -> Reading:
    """Read CSV or JSON Lines files through ``mapping`` (a mapping file or a ``Mapping``).

    Rows are streamed, entities and deals deduplicated by id as they come.
    Returns the records for ``build_batch`` and the problems seen while mapping
    cells. Raises LoadError if the mapping file itself is wrong.
    """
    m = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    mapper = _Mapper(m, sieve)
    for path in _expand(paths, mapper.problems):
        mapper.sieve.files.add(str(path))
        rows_before, problems_before = mapper.rows, len(mapper.problems)
        try:
            fmt = _file_format(m, path)
            if fmt == "csv":
                _read_csv(mapper, path)
            elif fmt == "xlsx":
                _read_xlsx(mapper, path)
            else:
                _read_jsonl(mapper, path)
        except UnicodeDecodeError as exc:
            mapper.problems.append(Problem(str(path), 0, "", f"is not {m.encoding} text "
                                           f"(byte 0x{exc.object[exc.start]:02x}); save it as "
                                           "UTF-8 or set encoding in the mapping"))
        except UnicodeError as exc:  # e.g. UTF-16 without a byte order mark
            mapper.problems.append(Problem(str(path), 0, "", f"is not {m.encoding} text "
                                           f"({exc}); save it as UTF-8 or set encoding in "
                                           "the mapping"))
        except OSError as exc:
            mapper.problems.append(Problem(str(path), 0, "", "cannot be read: "
                                           f"{exc.strerror or exc}"))
        except EOFError:
            mapper.problems.append(Problem(str(path), 0, "", "cannot be read: the gzip "
                                           "stream is cut short"))
        if mapper.rows == rows_before and len(mapper.problems) == problems_before:
            mapper.problems.append(Problem(str(path), 0, "", "has no data rows"))
    # conflicts: warnings (code conflict-FIELD), or errors where the rule is ``error``
    return Reading(mapper.records(), mapper.problems + mapper.conflicts.problems,
                   mapper.covered)


def mapping_model_path(mapping: str | Path | Mapping) -> str | None:
    """The model extension file a mapping names with ``model:`` (relative to the mapping
    file), read before the mapping is compiled, since its fields depend on it. None if
    it names none, or if the file cannot be read (``read_mapping`` then says why)."""
    if isinstance(mapping, Mapping):
        return mapping.model
    from ..safeyaml import YamlProblem, load_yaml
    try:
        raw = load_yaml(Path(mapping).read_bytes().decode("utf-8-sig"), str(mapping))
    except (OSError, UnicodeDecodeError, YamlProblem):
        return None
    ref = raw.get("model") if isinstance(raw, dict) else None
    return str(Path(mapping).parent / ref) if isinstance(ref, str) and ref.strip() else None
