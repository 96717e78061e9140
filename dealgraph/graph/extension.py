"""Model extensions: a dataset's own deal kinds, party roles and typed fields, as data.

An extension is a small YAML file (``model.yaml`` in a dataset directory, named by
a mapping's ``model:`` key, or given with ``--model-extension``; docs/schema.md
shows one). It may

- add values to the built-in enumerations (``kind``, ``role``, ``status``, ...),
- declare new enumerations for its own fields,
- add optional typed fields to Deal, Party (the party row: a relationship
  property), Firm, Government, Person, or ``Entity`` (all three),
- add statuses to the map's dashed or grey styling.

It can never change or remove what the built-in model declares, add record
kinds or relationships, or make a field required, so every dataset valid under
the built-in model stays valid under any extension.

A store remembers the extension it was loaded with, as JSON in its metadata
(never code): opened later without the file it reads its own data with it.
Loading with another extension stores the union of both; one that contradicts
the stored one (a field with another type or enumeration) is refused, so a store
is never mixed with an incompatible extension.

>>> ext = parse_extension("extension: filings\\nenums: {kind: [payment]}\\n"
...                       "fields: {Deal: {transaction_count: {type: integer}}}")
>>> model = extended_model(ext)
>>> "payment" in model.enums["kind"].values, model.kinds["Deal"].fields["transaction_count"].type
(True, 'integer')
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from ..safeyaml import YamlProblem, load_yaml
from .model import BASE_MODEL, ENTITY_LABEL, InvalidModel, Model, _build

__all__ = ["ModelExtension", "parse_extension", "read_extension", "merge_extensions",
           "extended_model", "EXTENSION_FILE", "EXTENSION_TYPES"]

EXTENSION_FILE = "model.yaml"
"""The name of a dataset's extension file inside its directory."""

EXTENSION_TYPES = ("text", "list", "countries", "currency", "date", "number", "integer",
                   "percent", "url", "enum")
_TOP = ("extension", "doc", "enums", "fields", "style")
_FIELD_KEYS = ("type", "enum", "doc", "example")
_STYLE_KEYS = ("dashed_status", "grey_status")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_VALUE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_MAX_ITEMS = 1000


@dataclass(frozen=True)
class ModelExtension:
    """A validated extension in its normal form: ``names`` (one per extension merged
    in), ``enums`` {enum: {"values": [...], "doc": text}}, ``fields`` {kind: {field:
    {"type", "enum"?, "doc", "example"}}}, ``style`` {dashed_status|grey_status: [...]}."""
    names: tuple[str, ...]
    doc: str
    enums: dict
    fields: dict
    style: dict

    def as_dict(self) -> dict:
        return {"names": list(self.names), "doc": self.doc, "enums": self.enums,
                "fields": self.fields, "style": self.style}

    def to_json(self) -> str:
        """The form a store keeps in its metadata."""
        return json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "ModelExtension":
        """Read what ``to_json`` wrote (from a store's metadata), checked again."""
        try:
            raw = json.loads(text)
            return _checked(raw["names"], raw.get("doc", ""), raw.get("enums") or {},
                            raw.get("fields") or {}, raw.get("style") or {}, "stored extension")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidModel(f"stored model extension is unreadable ({exc})") from None

    def __str__(self) -> str:
        return " + ".join(self.names)

    def to_yaml(self) -> str:
        """The extension as a file ``parse_extension`` reads back (a dataset export
        writes it as the dataset's ``model.yaml``)."""
        import yaml
        fields: dict = {}
        for kname, fdefs in self.fields.items():
            fields[kname] = {f: {k: v for k, v in d.items() if v != ""}
                             for f, d in fdefs.items()}
        raw = {"extension": "-".join(self.names), "doc": self.doc,
               "enums": {n: ({"values": e["values"], "doc": e["doc"]} if e["doc"]
                             else e["values"]) for n, e in self.enums.items()},
               "fields": fields, "style": self.style}
        raw = {k: v for k, v in raw.items() if v}
        return ("# dealgraph model extension (docs/schema.md)\n"
                + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100))


def _enum_values(raw, where: str) -> tuple[list[str], str]:
    doc = ""
    if isinstance(raw, dict):
        unknown = set(raw) - {"values", "doc"}
        if unknown:
            raise InvalidModel(f"{where}: unknown key {sorted(unknown)[0]!r} (expected values, doc)")
        doc = raw.get("doc") or ""
        raw = raw.get("values")
    if not isinstance(raw, list) or not raw or len(raw) > _MAX_ITEMS:
        raise InvalidModel(f"{where}: must be a list of values (or {{values: [...], doc: ...}})")
    values = []
    for v in raw:
        if not isinstance(v, str) or not _VALUE.match(v):
            raise InvalidModel(f"{where}: {v!r} is not a valid value (lower-case letters, "
                               "digits and _, e.g. bank_transfer)")
        if v not in values:
            values.append(v)
    if not isinstance(doc, str):
        raise InvalidModel(f"{where}.doc: must be a text")
    return values, doc


def _checked(names, doc, enums, fields, style, where: str) -> ModelExtension:
    """The normal form of an extension's parts, or InvalidModel naming what is wrong."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(
            isinstance(n, str) and _NAME.match(n.replace("-", "_")) for n in names):
        raise InvalidModel(f"{where}: extension: must name the extension (letters, digits, "
                           "'_' or '-', e.g. filings)")
    if not isinstance(doc, str):
        raise InvalidModel(f"{where}: doc: must be a text")
    if not isinstance(enums, dict) or not isinstance(fields, dict) or not isinstance(style, dict):
        raise InvalidModel(f"{where}: enums, fields and style must be mappings")
    out_enums = {}
    for name, raw in enums.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise InvalidModel(f"{where}: enums.{name}: enumeration names must be identifiers")
        values, edoc = _enum_values(raw, f"{where}: enums.{name}")
        out_enums[name] = {"values": values, "doc": edoc}
    out_fields: dict[str, dict] = {}
    base = BASE_MODEL
    kinds = ["Deal", "Party", *base.entity_kinds]
    for kname, fdefs in fields.items():
        targets = list(base.entity_kinds) if kname == ENTITY_LABEL else [kname]
        if kname != ENTITY_LABEL and kname not in kinds:
            raise InvalidModel(f"{where}: fields.{kname}: extensions add fields to "
                               f"{', '.join(kinds)} or {ENTITY_LABEL} (all entity kinds)")
        if not isinstance(fdefs, dict) or len(fdefs) > _MAX_ITEMS:
            raise InvalidModel(f"{where}: fields.{kname}: must map field names to "
                               "{type: ..., doc: ...}")
        for fname, fdef in fdefs.items():
            path = f"{where}: fields.{kname}.{fname}"
            if not isinstance(fname, str) or not _NAME.match(fname):
                raise InvalidModel(f"{path}: field names must be identifiers")
            if not isinstance(fdef, dict):
                raise InvalidModel(f"{path}: must be a mapping such as {{type: integer}}")
            unknown = [k for k in fdef if k not in _FIELD_KEYS]
            if unknown:
                raise InvalidModel(f"{path}.{unknown[0]}: unknown key (expected one of: "
                                   + ", ".join(_FIELD_KEYS) + "; extension fields are "
                                   "never required)")
            ftype = fdef.get("type")
            if ftype not in EXTENSION_TYPES:
                raise InvalidModel(f"{path}.type: {ftype!r} is not a type extensions may use "
                                   f"(one of: {', '.join(EXTENSION_TYPES)})")
            for key in ("doc", "example"):
                if isinstance(fdef.get(key), (dict, list)):
                    raise InvalidModel(f"{path}.{key}: must be a text")
            clean = {"type": ftype, "doc": str(fdef.get("doc") or ""),
                     "example": str(fdef.get("example", ""))}
            if ftype == "enum":
                enum = fdef.get("enum")
                if not isinstance(enum, str) or (enum not in out_enums
                                                 and enum not in base.enums):
                    raise InvalidModel(f"{path}.enum: unknown enumeration {enum!r} (declare it "
                                       "under enums)")
                clean["enum"] = enum
            elif "enum" in fdef:
                raise InvalidModel(f"{path}.enum: only enum fields name an enumeration")
            for target in targets:
                if fname in base.kinds[target].fields:
                    raise InvalidModel(f"{path}: {target}.{fname} is a built-in field; "
                                       "choose another name")
                prev = out_fields.setdefault(target, {}).get(fname)
                if prev is not None and _shape(prev) != _shape(clean):
                    raise InvalidModel(f"{path}: {target}.{fname} is declared twice, "
                                       "differently")
                out_fields[target][fname] = clean
    out_style = {}
    for key, values in style.items():
        if key not in _STYLE_KEYS:
            raise InvalidModel(f"{where}: style.{key}: unknown key (expected one of: "
                               + ", ".join(_STYLE_KEYS) + ")")
        vals, _ = _enum_values(values, f"{where}: style.{key}")
        out_style[key] = vals
    ext = ModelExtension(tuple(names), doc, out_enums, out_fields, out_style)
    try:
        extended_model(ext)  # e.g. a style status that no enumeration holds
    except InvalidModel as exc:
        raise InvalidModel(f"{where}: {exc}") from None
    return ext


def parse_extension(text: str, source: str = "model extension") -> ModelExtension:
    """A validated extension from YAML text, or InvalidModel naming ``source`` and the
    place in the file. Aliases are refused (see ``dealgraph.safeyaml``)."""
    try:
        raw = load_yaml(text, source)
    except YamlProblem as exc:
        raise InvalidModel(str(exc)) from None
    if not isinstance(raw, dict):
        raise InvalidModel(f"{source}: must be a mapping with extension, enums and fields "
                           "(see docs/schema.md)")
    unknown = [k for k in raw if k not in _TOP]
    if unknown:
        raise InvalidModel(f"{source}: {unknown[0]}: unknown key (expected one of: "
                           + ", ".join(_TOP) + ")")
    if "extension" not in raw:
        raise InvalidModel(f"{source}: extension: is required (the extension's name, "
                           "e.g. extension: filings)")
    return _checked(raw["extension"], raw.get("doc") or "", raw.get("enums") or {},
                    raw.get("fields") or {}, raw.get("style") or {}, source)


def read_extension(path: str | Path) -> ModelExtension:
    """Read and validate an extension file; InvalidModel names the file."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidModel(f"{source}: cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidModel(f"{source}: is not UTF-8 text") from None
    return parse_extension(text, source)


def _shape(fdef: dict) -> tuple:
    return fdef["type"], fdef.get("enum")


def merge_extensions(stored: ModelExtension | None,
                     given: ModelExtension | None) -> ModelExtension | None:
    """The union of a store's extension and a load's; InvalidModel when they
    contradict each other (a field declared with another type or enumeration)."""
    if stored is None or given is None:
        return given or stored
    if stored == given:
        return stored
    enums = copy.deepcopy(stored.enums)
    for name, e in given.enums.items():
        have = enums.setdefault(name, {"values": [], "doc": e["doc"]})
        have["values"] += [v for v in e["values"] if v not in have["values"]]
        have["doc"] = have["doc"] or e["doc"]
    fields = copy.deepcopy(stored.fields)
    for kname, fdefs in given.fields.items():
        for fname, fdef in fdefs.items():
            prev = fields.setdefault(kname, {}).get(fname)
            if prev is not None and _shape(prev) != _shape(fdef):
                raise InvalidModel(
                    f"model extension {given} declares {kname}.{fname} as "
                    f"{_describe(fdef)}, but the store was loaded with extension {stored}, "
                    f"which declares it as {_describe(prev)}; load into another store, or "
                    "give the field another name")
            fields[kname][fname] = fdef if prev is None else {**prev, **fdef}
    style = {k: list(v) for k, v in stored.style.items()}
    for key, values in given.style.items():
        style.setdefault(key, [])
        style[key] += [v for v in values if v not in style[key]]
    names = tuple(dict.fromkeys(stored.names + given.names))
    doc = stored.doc if given.doc in stored.doc else (stored.doc + "\n" + given.doc).strip()
    return ModelExtension(names, doc, enums, fields, style)


def _describe(fdef: dict) -> str:
    return f"enum {fdef['enum']}" if fdef["type"] == "enum" else fdef["type"]


def extended_model(ext: ModelExtension | None) -> Model:
    """The built-in model with ``ext`` applied (the built-in model for None)."""
    if ext is None:
        return BASE_MODEL
    return _extended(ext.to_json())


@lru_cache(maxsize=32)
def _extended(key: str) -> Model:
    ext = _from_key(key)
    raw = copy.deepcopy(BASE_MODEL.raw)
    for name, e in ext.enums.items():
        have = raw.setdefault("enums", {}).setdefault(name, {"values": [], "doc": e["doc"]})
        have["values"] = list(have.get("values") or []) + [
            v for v in e["values"] if v not in (have.get("values") or [])]
    for kname, fdefs in ext.fields.items():
        kfields = raw["kinds"][kname]["fields"]
        for fname, fdef in fdefs.items():
            kfields[fname] = dict(fdef, extension=True)
    style = raw.setdefault("style", {})
    for key, values in ext.style.items():
        missing = [v for v in values if v not in raw["enums"]["status"]["values"]]
        if missing:
            raise InvalidModel(f"style.{key}: {missing[0]!r} is not a status (add it under "
                               "enums.status)")
        style[key] = list(style.get(key) or []) + [v for v in values if v not in
                                                   (style.get(key) or [])]
    return replace(_build(raw), extension=ext)


def _from_key(key: str) -> ModelExtension:
    raw = json.loads(key)
    return ModelExtension(tuple(raw["names"]), raw["doc"], raw["enums"], raw["fields"],
                          raw["style"])
