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
from ..graph.store import Store
from ..graph.values import ValueProblem, date_ceiling, date_floor, parse_value
from .native import RawRecord

__all__ = ["build_batch"]

_RANGES = [("stake_low", "stake_high"), ("valuation_low", "valuation_high"),
           ("value", "value_high")]


class _Parser:
    """Parses field values with a memo per field: datasets repeat the same enum
    values, ids and dates on many rows, and parsing is pure."""

    def __init__(self):
        self.memos: dict[int, dict] = {}

    def value(self, field, raw):
        if isinstance(raw, (list, dict)):
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
            if len(memo) < 500_000:
                memo[raw] = hit
        if hit[0]:
            value = hit[1]
            return list(value) if isinstance(value, list) else value
        raise ValueProblem(hit[1])


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
    problems: list[Problem] = []
    parsed: list[tuple[RawRecord, dict]] = []
    broken_ids: dict[str, str] = {}  # ids of invalid records, so references to them do not pile up errors
    parser = _Parser()
    for rec in records:
        values, ok = _parse(rec, problems, parser)
        if ok:
            parsed.append((rec, values))
        elif rec.kind.is_node and "id" in values:
            broken_ids[values["id"]] = rec.kind.label

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
    wanted = set(loaded_labels)
    for rec, values in parsed:
        for field in rec.kind.fields.values():
            if field.type in ("ref", "refs") and field.name in values:
                v = values[field.name]
                wanted.update(v if isinstance(v, list) else [v])
    stored_labels = store.labels_of(sorted(wanted))
    for nid, label in loaded_labels.items():
        old = stored_labels.get(nid)
        if old and old != label and (old == "Deal" or old == "Source" or label in ("Deal", "Source")):
            rec = first_seen[nid]
            problems.append(Problem(rec.file, rec.line, "id", f"{nid!r} is already a {old} "
                                    f"in the store and cannot become a {label}"))

    def label_of(ref: str) -> str | None:
        return loaded_labels.get(ref) or stored_labels.get(ref)

    def check_ref(rec: RawRecord, field, ref: str) -> bool:
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
        props = {f.name: values[f.name] for f in kind.prop_fields if f.name in values}
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
    for rec, values in parties:
        key = (values["deal"], values["entity"], values["role"])
        if key in seen_party:
            prev = seen_party[key]
            problems.append(Problem(rec.file, rec.line, "entity", f"{values['entity']!r} is "
                                    f"already a {values['role']} of {values['deal']!r} "
                                    f"(at {prev.file}:{prev.line})"))
            continue
        seen_party[key] = rec
        ok = check_ref(rec, rec.kind.fields["deal"], values["deal"])
        ok = check_ref(rec, rec.kind.fields["entity"], values["entity"]) and ok
        if ok:
            props = {"role": values["role"]}
            if "note" in values:
                props["note"] = values["note"]
            batch.rels.append(Rel(values["entity"], MODEL.kinds["Party"].rel, values["deal"], props))
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
