"""The type model, read from ``model.yaml`` and validated once.

Every other module asks this one which record kinds, fields, enumerations,
labels and relationship types exist, so that adding a field or an enum value
is a change to ``model.yaml`` alone.

>>> from dealgraph.graph.model import MODEL
>>> MODEL.kinds["Firm"].fields["ownership"].enum
'ownership'
>>> "rejected" in MODEL.enums["status"].values
True

A dataset may bring a *model extension* (see ``dealgraph.graph.extension``): more
deal kinds, party roles, enumerations and typed optional fields. ``MODEL`` is
the model in use — the built-in one, or the built-in one with the extension of
the store that was opened or loaded last — so that every reader of the model
sees the extension without knowing about it. ``BASE_MODEL`` is always the
built-in model.
"""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

import yaml

from ..errors import DealgraphError

__all__ = ["MODEL", "BASE_MODEL", "Model", "Kind", "Field", "Enum", "InvalidModel",
           "load_model", "active_model", "use_model", "model_in_use", "countries_of"]

FIELD_TYPES = {"id", "text", "list", "country", "countries", "currency", "date", "number",
               "integer", "percent", "url", "enum", "ref", "refs"}
MULTI_TYPES = ("list", "refs", "countries")
ENTITY_LABEL = "Entity"


class InvalidModel(DealgraphError):
    """The model file or a model extension is wrong or contradicts itself (unknown
    type, enum or kind; a field declared twice differently)."""


@dataclass(frozen=True)
class Enum:
    name: str
    values: tuple[str, ...]
    doc: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    doc: str = ""
    example: str = ""
    enum: str | None = None
    ref: tuple[str, ...] = ()
    rel: str | None = None
    extension: bool = False  # declared by a model extension, not the built-in model

    @property
    def multi(self) -> bool:
        return self.type in MULTI_TYPES


@dataclass(frozen=True)
class Kind:
    name: str
    file: str
    doc: str
    fields: dict[str, Field]
    label: str | None = None
    entity: bool = False
    rel: str | None = None

    @property
    def is_node(self) -> bool:
        return self.label is not None

    @cached_property
    def required(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.required]

    @cached_property
    def rel_fields(self) -> list[Field]:
        """Fields that become relationships instead of properties."""
        return [f for f in self.fields.values() if f.rel]

    @cached_property
    def prop_fields(self) -> list[Field]:
        """Fields stored as node properties (everything but id and relationship fields)."""
        return [f for f in self.fields.values() if not f.rel and f.name != "id"]


@dataclass(frozen=True)
class Model:
    separator: str
    enums: dict[str, Enum]
    kinds: dict[str, Kind]
    relationships: dict[str, dict]
    style: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False, compare=False)
    extension: object = None  # the ModelExtension applied to the built-in model, if any

    @cached_property
    def entity_kinds(self) -> list[str]:
        return [k.name for k in self.kinds.values() if k.entity]

    @cached_property
    def node_kinds(self) -> list[str]:
        return [k.name for k in self.kinds.values() if k.is_node]

    @cached_property
    def labels(self) -> set[str]:
        """Every label a node may carry: the kinds' labels and ``Entity``."""
        return {k.label for k in self.kinds.values() if k.label} | {ENTITY_LABEL}

    @cached_property
    def by_file(self) -> dict[str, Kind]:
        return {k.file: k for k in self.kinds.values()}

    def kind_of_label(self, label: str) -> Kind:
        for k in self.kinds.values():
            if k.label == label:
                return k
        raise KeyError(label)

    def rel_type(self, name: str) -> str:
        """Return ``name`` if it is a relationship type of the model, else raise.

        Stores call this before putting a type into Cypher text, so that
        only the model's own names ever reach a query string.
        """
        if name not in self.relationships:
            raise InvalidModel(f"unknown relationship type {name!r}")
        return name

    def label(self, name: str) -> str:
        """Return ``name`` if it is a label of the model, else raise."""
        if name not in self.labels:
            raise InvalidModel(f"unknown label {name!r}")
        return name


_ID_CHARS = re.compile(r"^[A-Za-z_]\w*$")


def _build(raw: dict) -> Model:
    enums = {}
    for name, e in (raw.get("enums") or {}).items():
        values = tuple(e.get("values") or ())
        if not values:
            raise InvalidModel(f"enum {name} has no values")
        enums[name] = Enum(name, values, e.get("doc", ""))
    rels = dict(raw.get("relationships") or {})
    kinds: dict[str, Kind] = {}
    raw_kinds = raw.get("kinds") or {}
    for kname, k in raw_kinds.items():
        fields = {}
        for fname, f in (k.get("fields") or {}).items():
            ftype = f.get("type")
            if ftype not in FIELD_TYPES:
                raise InvalidModel(f"{kname}.{fname}: unknown type {ftype!r}")
            if not _ID_CHARS.match(fname):
                raise InvalidModel(f"{kname}.{fname}: field names must be identifiers")
            if ftype == "enum" and f.get("enum") not in enums:
                raise InvalidModel(f"{kname}.{fname}: unknown enum {f.get('enum')!r}")
            refs = tuple(f.get("ref") or ())
            if ftype in ("ref", "refs"):
                missing = [r for r in refs if r not in raw_kinds]
                if not refs or missing:
                    raise InvalidModel(f"{kname}.{fname}: bad ref {refs!r}")
            rel = f.get("rel")
            if rel and rel not in rels:
                raise InvalidModel(f"{kname}.{fname}: unknown relationship {rel!r}")
            fields[fname] = Field(fname, ftype, bool(f.get("required")), f.get("doc", ""),
                                  str(f.get("example", "")), f.get("enum"), refs, rel,
                                  bool(f.get("extension")))
        krel = k.get("rel")
        if krel and krel not in rels:
            raise InvalidModel(f"{kname}: unknown relationship {krel!r}")
        if k.get("label") and "id" not in fields:
            raise InvalidModel(f"{kname}: node kinds need an id field")
        kinds[kname] = Kind(kname, k["file"], k.get("doc", ""), fields,
                            k.get("label"), bool(k.get("entity")), krel)
    for rname, r in rels.items():
        for end in ("from", "to"):
            for kname in r.get(end, ()):
                if kname not in kinds:
                    raise InvalidModel(f"relationship {rname}: unknown kind {kname!r}")
    return Model(raw.get("separator", "|"), enums, kinds, rels, raw.get("style") or {},
                 copy.deepcopy(raw))


def load_model(text: str | None = None) -> Model:
    """Parse and validate a model; the bundled ``model.yaml`` when ``text`` is None."""
    if text is None:
        text = resources.files("dealgraph.graph").joinpath("model.yaml").read_text("utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidModel(f"model is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidModel("model must be a mapping")
    try:
        return _build(raw)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidModel(f"model is malformed: {exc!r}") from None


def countries_of(props: dict, key: str = "country") -> list[str]:
    """The countries of a node or party row as a list: ``country`` holds a list of
    codes, but a store written before countries were multi-valued holds one code."""
    value = props.get(key)
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else list(value)


BASE_MODEL = load_model()
_active: list[Model] = [BASE_MODEL]


def active_model() -> Model:
    """The model in use: ``BASE_MODEL``, or it with the extension of the store opened or
    loaded last (a store remembers its extension; see ``dealgraph.graph.extension``)."""
    return _active[0]


def use_model(model: Model) -> Model:
    """Make ``model`` the model in use; returns the one it replaces."""
    previous, _active[0] = _active[0], model
    return previous


@contextmanager
def model_in_use(model: Model):
    """``model`` in use inside the block, the previous one after it."""
    previous = use_model(model)
    try:
        yield model
    finally:
        use_model(previous)


class _ModelInUse:
    """``MODEL``: stands for the model in use, attribute by attribute, so that modules
    that imported it at start-up see an extension activated later."""

    __slots__ = ()

    def __getattr__(self, name):
        return getattr(_active[0], name)

    def __repr__(self) -> str:
        return f"<model in use: {_active[0].extension or 'built-in'}>"


MODEL = _ModelInUse()
