"""Validation of raw records against the model and the store, into a ``Batch``.

All problems of a run are collected (not only the first) and raised together
as a ``LoadError``; nothing is written unless there are none. References may
point at records of the same load or at records already in the store.
"""

from __future__ import annotations

from collections import defaultdict

from ..errors import LoadError, Problem
from ..graph.model import MODEL
from ..graph.records import Batch, Node, Rel
from ..graph.store import Store, paused_gc
from ..graph.values import ValueProblem, date_ceiling, date_floor, parse_value
from .native import RawRecord

__all__ = ["build_batch"]

_RANGES = [("stake_low", "stake_high"), ("valuation_low", "valuation_high"),
           ("value", "value_high")]
_MEMO_MAX = 500_000
_UNIQUE_TYPES = ("id", "text", "url")


class _Parser:
    """Parses field values with a memo per field: datasets repeat the same enum
    values, ids and dates on many rows, and parsing is pure."""

    def __init__(self):
        self.memos: dict[int, dict] = {}

    def value(self, field, raw):
        if not isinstance(raw, (str, int, float)):  # lists, mappings, sets from YAML tags...
            return parse_value(field, raw)
        memo = self.memos.get(id(field))
        if memo is None:
            memo = self.memos[id(field)] = {}
        hit = memo.get(raw)
        if hit is None:
            try:
                hit = (True, parse_value(field, raw))
            except ValueProblem as exc:
                hit = (False, str(exc))
            if len(memo) < _MEMO_MAX:
                memo[raw] = hit
        if hit[0]:
            value = hit[1]
            return list(value) if isinstance(value, list) else value
        raise ValueProblem(hit[1])


class _KindTable:
    """What the fast path needs to know about one kind's fields."""

    def __init__(self, kind, parser: _Parser):
        self.fields = {}
        for name, field in kind.fields.items():
            memo = None  # ids, names, titles and URLs are mostly unique: not worth a memo
            if field.type not in _UNIQUE_TYPES:
                memo = parser.memos.get(id(field))
                if memo is None:
                    memo = parser.memos[id(field)] = {}
            self.fields[name] = (field, memo)
        self.required = kind.required
        self.ranges = [(lo, hi) for lo, hi in _RANGES if lo in kind.fields and hi in kind.fields]
        self.dates = "announced" in kind.fields and "end" in kind.fields
        self.money = [f for f in ("value", "valuation_low", "valuation_high") if f in kind.fields]
        self.refs = [f.name for f in kind.fields.values() if f.type in ("ref", "refs")]
        self.props = [f.name for f in kind.prop_fields]


def _parse_fast(values: dict, table: _KindTable, parser: _Parser) -> dict | None:
    """The parsed values of a record whose values are all text and all valid; None if
    anything is unusual or wrong (``_parse`` then checks it again and says what)."""
    out = {}
    same = True  # every value as given: then the given dict is the answer (less memory)
    fields = table.fields
    for name, raw in values.items():
        entry = fields.get(name)
        if entry is None:
            same = False
            continue  # not a field of this kind: ignored, as _parse does
        if raw.__class__ is not str:
            return None
        field, memo = entry
        hit = None if memo is None else memo.get(raw)
        if hit is None:
            if not raw or raw.isspace():
                same = False
                continue  # blank: absent
            try:
                value = parse_value(field, raw)
            except ValueProblem:
                return None
            if memo is not None and len(memo) < _MEMO_MAX:
                memo[raw] = (True, value)
        elif hit[0]:
            value = hit[1]
        else:
            return None
        if value.__class__ is list:
            if not value:
                if field.required:
                    return None
                same = False
                continue
            value = list(value)
        if same and value != raw:
            same = False
        out[name] = value
    for name in table.required:
        if name not in out:
            return None
    for low, high in table.ranges:
        if low in out and high in out and out[low] > out[high]:
            return None
    if table.dates and "announced" in out and "end" in out \
            and date_ceiling(out["end"]) < date_floor(out["announced"]):
        return None
    if table.money and "currency" not in out and any(f in out for f in table.money):
        return None
    return values if same else out


def _parse(rec: RawRecord, problems: list[Problem], parser: _Parser) -> tuple[dict, bool]:
    """The record's parsed values (those that parsed) and whether all of it is valid."""
    out: dict = {}
    ok = True
    values = rec.values
    for name, field in rec.kind.fields.items():
        raw = values.get(name)
        if raw is None or raw == "" or raw == [] or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                problems.append(Problem(rec.file, rec.line, name, "is required"))
                ok = False
            continue
        try:
            value = parser.value(field, raw)
        except ValueProblem as exc:
            problems.append(Problem(rec.file, rec.line, name, str(exc)))
            ok = False
            continue
        if value == [] and field.required:
            problems.append(Problem(rec.file, rec.line, name, "is required"))
            ok = False
            continue
        if value != []:
            out[name] = value
    for low, high in _RANGES:
        if low in out and high in out and out[low] > out[high]:
            problems.append(Problem(rec.file, rec.line, high,
                                    f"{out[high]:g} is below {low} {out[low]:g}"))
            ok = False
    if "announced" in out and "end" in out and date_ceiling(out["end"]) < date_floor(out["announced"]):
        problems.append(Problem(rec.file, rec.line, "end",
                                f"{out['end']} is before announced {out['announced']}"))
        ok = False
    if ("value" in out or "valuation_low" in out or "valuation_high" in out) and "currency" not in out:
        problems.append(Problem(rec.file, rec.line, "currency",
                                "is required when a value or valuation is given"))
        ok = False
    return out, ok


def build_batch(records: list[RawRecord], store: Store) -> Batch:
    """Turn raw records into a Batch for ``store``, or raise LoadError with every problem."""
    with paused_gc():
        return _build_batch(records, store)


def _build_batch(records: list[RawRecord], store: Store) -> Batch:
    problems: list[Problem] = []
    parsed: list[tuple[RawRecord, dict]] = []
    broken_ids: dict[str, str] = {}  # ids of invalid records, so references to them do not pile up errors
    parser = _Parser()
    tables: dict[int, _KindTable] = {}
    referenced: set[str] = set()  # every id that a valid record refers to
    for rec in records:
        table = tables.get(id(rec.kind))
        if table is None:
            table = tables[id(rec.kind)] = _KindTable(rec.kind, parser)
        values = _parse_fast(rec.values, table, parser)
        if values is None:
            values, ok = _parse(rec, problems, parser)
            if not ok:
                if rec.kind.is_node and "id" in values:
                    broken_ids[values["id"]] = rec.kind.label
                continue
        parsed.append((rec, values))
        for name in table.refs:
            v = values.get(name)
            if v is not None:
                if isinstance(v, list):
                    referenced.update(v)
                else:
                    referenced.add(v)

    # ids: unique within the load, and not clashing with a different kind in the store
    first_seen: dict[str, RawRecord] = {}
    nodes: list[tuple[RawRecord, dict]] = []
    parties: list[tuple[RawRecord, dict]] = []
    for rec, values in parsed:
        if not rec.kind.is_node:
            parties.append((rec, values))
            continue
        nid = values["id"]
        if nid in first_seen:
            prev = first_seen[nid]
            problems.append(Problem(rec.file, rec.line, "id", f"duplicate id {nid!r} "
                                    f"(first defined at {prev.file}:{prev.line})"))
            continue
        first_seen[nid] = rec
        nodes.append((rec, values))

    loaded_labels = {v["id"]: r.kind.label for r, v in nodes}
    stored_labels = store.labels_of(referenced.union(loaded_labels))
    for nid, label in loaded_labels.items():
        old = stored_labels.get(nid)
        if old and old != label and (old == "Deal" or old == "Source" or label in ("Deal", "Source")):
            rec = first_seen[nid]
            problems.append(Problem(rec.file, rec.line, "id", f"{nid!r} is already a {old} "
                                    f"in the store and cannot become a {label}"))

    def label_of(ref: str) -> str | None:
        return loaded_labels.get(ref) or stored_labels.get(ref)

    known = {**stored_labels, **loaded_labels}  # label_of, as one lookup
    allowed_labels: dict[int, frozenset] = {}

    def check_ref(rec: RawRecord, field, ref: str) -> bool:
        allowed = allowed_labels.get(id(field))
        if allowed is None:
            allowed = allowed_labels[id(field)] = frozenset(MODEL.kinds[k].label
                                                            for k in field.ref)
        if known.get(ref) in allowed and (not broken_ids or ref not in broken_ids):
            return True
        if ref in broken_ids and ref not in loaded_labels:
            return False  # already reported where it is defined
        label = label_of(ref)
        allowed = [MODEL.kinds[k].label for k in field.ref]
        if label is None:
            kinds = " or ".join(k.lower() for k in field.ref)
            problems.append(Problem(rec.file, rec.line, field.name,
                                    f"unknown {kinds} {ref!r} (not in this load or the store)"))
            return False
        if label not in allowed:
            problems.append(Problem(rec.file, rec.line, field.name,
                                    f"{ref!r} is a {label}, expected {' or '.join(allowed)}"))
            return False
        return True

    batch = Batch()
    for rec, values in nodes:
        kind = rec.kind
        props = {name: values[name] for name in tables[id(kind)].props if name in values}
        batch.nodes.append(Node(values["id"], kind.label, props))
        for field in kind.rel_fields:
            if field.name not in values:
                continue
            refs = values[field.name] if field.multi else [values[field.name]]
            for ref in refs:
                if ref == values["id"]:
                    problems.append(Problem(rec.file, rec.line, field.name,
                                            f"{ref!r} refers to the record itself"))
                elif check_ref(rec, field, ref):
                    batch.rels.append(Rel(values["id"], field.rel, ref))

    seen_party: dict[tuple, RawRecord] = {}
    deals_with_loaded_parties: set[str] = set()
    party_kind = MODEL.kinds["Party"]
    party_rel, deal_field, entity_field = (party_kind.rel, party_kind.fields["deal"],
                                           party_kind.fields["entity"])
    deal_labels = frozenset(MODEL.kinds[k].label for k in deal_field.ref)
    entity_labels = frozenset(MODEL.kinds[k].label for k in entity_field.ref)
    for rec, values in parties:
        key = (values["deal"], values["entity"], values["role"])
        if key in seen_party:
            prev = seen_party[key]
            problems.append(Problem(rec.file, rec.line, "entity", f"{values['entity']!r} is "
                                    f"already a {values['role']} of {values['deal']!r} "
                                    f"(at {prev.file}:{prev.line})"))
            continue
        seen_party[key] = rec
        if not broken_ids and known.get(key[0]) in deal_labels \
                and known.get(key[1]) in entity_labels:
            ok = True  # check_ref's answer, without the calls
        else:
            ok = check_ref(rec, deal_field, values["deal"])
            ok = check_ref(rec, entity_field, values["entity"]) and ok
        if ok:
            props = {"role": values["role"]}
            if "note" in values:
                props["note"] = values["note"]
            batch.rels.append(Rel(values["entity"], party_rel, values["deal"], props))
            deals_with_loaded_parties.add(values["deal"])
    batch.party_deals = deals_with_loaded_parties

    # every deal must end up with at least one party
    new_deals = [(r, v) for r, v in nodes if r.kind.label == "Deal"]
    need = [v["id"] for _, v in new_deals if v["id"] not in deals_with_loaded_parties]
    have = store.deals_with_parties(need) if need else set()
    for rec, values in new_deals:
        if values["id"] not in deals_with_loaded_parties and values["id"] not in have:
            problems.append(Problem(rec.file, rec.line, "id", f"deal {values['id']!r} has no "
                                    "parties (add rows to parties.csv)"))
    if problems:
        raise LoadError(problems)
    return batch
