"""The mapping compiler: reads a mapping file (YAML, ``docs/mapping.md``) with the line
of every value, checks it against the model, and turns it into a ``Mapping`` of value,
entity and party specs that the row mapper (``mapper.py``) applies. Every mistake is a
``Problem`` naming the mapping file, line and key."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from ..errors import LoadError, Problem
from ..graph.model import MODEL, Field, Kind
from ..graph.values import ValueProblem
from .conflicts import CONFLICT_RULES
from .parse import _convert
from .reading import YamlDataLoader, yaml_expansion


@dataclass
class _Y:
    """A value of the mapping file with the line it starts on."""
    value: Any
    line: int


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
        node = yaml.compose(text, Loader=YamlDataLoader)
        if node is None:
            raise LoadError([Problem(path, 1, "", "is empty; see docs/mapping.md")])
        bomb = yaml_expansion(node)
        if bomb:
            raise LoadError([Problem(path, 0, "", f"invalid YAML: {bomb}")])
        root = _wrap(node, YamlDataLoader(""))
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


def _text_codec(name: str) -> bool:
    try:
        return getattr(codecs.lookup(name), "_is_text_encoding", True)
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        return False
