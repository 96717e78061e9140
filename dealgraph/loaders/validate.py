"""Validation of raw records against the model and the store, into a ``Batch``.

All problems of a run are collected (not only the first) and raised together
as a ``LoadError``; nothing is written unless there are none. References may
point at records of the same load or at records already in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..errors import LoadError, Problem, errors_of
from ..graph.model import MODEL
from ..graph.records import Batch, Node, Rel
from ..graph.store import Store, paused_gc
from ..graph.values import Implausible, ValueProblem, date_ceiling, date_floor, parse_value
from .reading import RawRecord

__all__ = ["build_batch", "Validator"]

_RANGES = [("stake_low", "stake_high"), ("valuation_low", "valuation_high"),
           ("value", "value_high")]
_MEMO_MAX = 500_000
_UNIQUE_TYPES = ("id", "text", "url")


@dataclass(frozen=True)
class _Rule:
    """A check on a record's parsed values, across fields. The fast path (``_parse_fast``)
    and the path that reports (``_parse``) both read ``RULES``, so they cannot disagree:
    the fast one gives up on a record that breaks a rule, the other says why."""
    fields: tuple[str, ...]       # applies to the kinds that have all of these
    broken: Callable[[dict], bool]
    problem: Callable[[dict], tuple[str, str]]  # (field, message) of a broken record
    drop: bool = False            # a warning that drops the field, not an error
    code: str = ""


def _range_rule(low: str, high: str) -> _Rule:
    return _Rule((low, high), lambda o: low in o and high in o and o[low] > o[high],
                 lambda o: (high, f"{o[high]:g} is below {low} {o[low]:g}"))


_MONEY = ("value", "valuation_low", "valuation_high")

RULES = (
    *(_range_rule(low, high) for low, high in _RANGES),
    _Rule(("announced", "end"),
          lambda o: "announced" in o and "end" in o
          and date_ceiling(o["end"]) < date_floor(o["announced"]),
          lambda o: ("end", f"{o['end']} is before announced {o['announced']}; end dropped"),
          drop=True, code="end-before-start"),
    _Rule((), lambda o: "currency" not in o and any(f in o for f in _MONEY),
          lambda o: ("currency", "is required when a value or valuation is given")),
)


def _rules_for(kind) -> tuple[_Rule, ...]:
    return tuple(r for r in RULES if all(f in kind.fields for f in r.fields))


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
                hit = (False, exc)
            if len(memo) < _MEMO_MAX:
                memo[raw] = hit
        if hit[0]:
            value = hit[1]
            return list(value) if isinstance(value, list) else value
        raise hit[1]


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
        self.rules = _rules_for(kind)
        self.refs = [f.name for f in kind.fields.values() if f.type in ("ref", "refs")]
        self.props = [f.name for f in kind.prop_fields]


def _parse_fast(values: dict, table: _KindTable, parser: _Parser) -> dict | None:
    """The parsed values of a record whose values are all valid text, numbers or lists;
    None if anything is unusual or wrong (``_parse`` then checks it again and says what)."""
    out = {}
    same = True  # every value as given: then the given dict is the answer (less memory)
    fields = table.fields
    for name, raw in values.items():
        entry = fields.get(name)
        if entry is None:
            same = False
            continue  # not a field of this kind: ignored, as _parse does
        cls = raw.__class__
        field, memo = entry
        if cls is not str:
            # numbers and lists from JSON/YAML or a mapping: parsed, not remembered
            if cls is not list and cls is not int and cls is not float:
                return None
            try:
                value = parse_value(field, raw)
            except ValueProblem:
                return None
            hit = (True, value)
        else:
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
    for rule in table.rules:
        if rule.broken(out):
            return None
    return values if same else out


def _parse(rec: RawRecord, problems: list[Problem], parser: _Parser) -> tuple[dict, bool]:
    """The record's parsed values (those that parsed) and whether all of it is valid.

    An implausible value in an optional field (a year 1201, a negative amount; an
    end before the announcement) is dropped with a warning: the record stays valid.
    In a required field it is an error."""
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
        except Implausible as exc:
            if field.required:
                problems.append(Problem(rec.file, rec.line, name, str(exc)))
                ok = False
            else:
                problems.append(Problem.warning(rec.file, rec.line, name,
                                                f"{exc}; value dropped", exc.code))
            continue
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
    for rule in _rules_for(rec.kind):
        if not rule.broken(out):
            continue
        name, message = rule.problem(out)
        if rule.drop:
            problems.append(Problem.warning(rec.file, rec.line, name, message, rule.code))
            del out[name]
        else:
            problems.append(Problem(rec.file, rec.line, name, message))
            ok = False
    return out, ok


def build_batch(records: Iterable[RawRecord], store: Store) -> Batch:
    """Turn raw records into a Batch for ``store``, or raise LoadError with every problem."""
    with paused_gc():
        validator = Validator(store)
        batch = validator.feed(records, last=True)
        validator.finish()
        return batch


class Validator:
    """Validates a load in chunks, keeping between chunks only what later checks need.

    ``feed`` turns one chunk of records into the Batch of its valid records; it
    may be written at once, since a load with any problem is rolled back as a
    whole. What can only be known at the end (references to records of later
    chunks, deals that never got a party) is checked by ``finish``, which raises
    LoadError with every problem of the load. Fed in one chunk it is exactly the
    whole-load validation; fed in many, problems come chunk by chunk.

    Kept across chunks, per loaded id: its label and where it was defined; per
    party row: its key and where it was — a few hundred bytes a record instead of
    the records, which is what lets a million-deal load run in bounded memory.
    """

    def __init__(self, store: Store, set_aside: set | frozenset = frozenset()):
        self.store = store
        self.set_aside = set_aside  # ids whose records were set aside (skip_bad_rows)
        self.problems: list[Problem] = []
        self.parser = _Parser()
        self.tables: dict[int, _KindTable] = {}
        self.loaded: dict[str, int] = {}  # id -> where its record is (see _where)
        self.known: dict[str, str] = {}  # id -> label, for this load and the store ids seen
        self.broken_ids: dict[str, str] = {}  # ids of invalid records: their references are not reported again
        self.seen_party: dict[str, int] = {}  # "deal\x1fentity\x1frole" -> where
        self.party_deals: set[str] = set()  # deals with party rows in this load
        self.deferred: list[tuple] = []  # (file, line, field, ref) not known when seen
        self.new_deals: dict[str, tuple] = {}  # deals of this load without party rows so far
        self._allowed: dict[int, frozenset] = {}
        self._files: list[str] = []
        self._file_no: dict[str, int] = {}
        party_kind = MODEL.kinds["Party"]
        self.party_rel = party_kind.rel
        self.deal_field, self.entity_field = party_kind.fields["deal"], party_kind.fields["entity"]
        # properties of a PARTY_TO relationship: role, note, country and any extension's
        self.party_props = [f for f in party_kind.fields if f not in ("deal", "entity")]
        self.deal_labels = self._allowed_labels(self.deal_field)
        self.entity_labels = self._allowed_labels(self.entity_field)

    def _at(self, rec: RawRecord) -> int:
        """A record's file and line as one int: a million of these cost far less than
        a million (file, line) tuples."""
        no = self._file_no.get(rec.file)
        if no is None:
            no = self._file_no[rec.file] = len(self._files)
            self._files.append(rec.file)
        return rec.line << 20 | no

    def _where(self, at: int) -> str:
        return f"{self._files[at & 0xFFFFF]}:{at >> 20}"

    def _allowed_labels(self, field) -> frozenset:
        allowed = self._allowed.get(id(field))
        if allowed is None:
            allowed = self._allowed[id(field)] = frozenset(MODEL.kinds[k].label
                                                           for k in field.ref)
        return allowed

    def _check_ref(self, file: str, line: int, field, ref: str, last: bool) -> bool | None:
        """True if ``ref`` is a record of a kind ``field`` allows; False (and a problem
        unless already reported) if not; None if not known yet and more chunks may come."""
        broken = self.broken_ids
        # an id also given by a broken row still names its valid record, if it has one
        if self.known.get(ref) in self._allowed_labels(field) and (
                not broken or ref not in broken or ref in self.loaded):
            return True
        if ref in broken and ref not in self.loaded:
            return False  # already reported where it is defined
        label = self.known.get(ref)
        if label is None:
            if not last:
                self.deferred.append((file, line, field, ref))
                return None
            kinds = " or ".join(k.lower() for k in field.ref)
            if ref in self.set_aside:
                self.problems.append(Problem(file, line, field.name, f"{kinds} {ref!r} was set "
                                             "aside (its row has an error)"))
                return False
            self.problems.append(Problem(file, line, field.name,
                                         f"unknown {kinds} {ref!r} (not in this load or the store)"))
            return False
        allowed = [MODEL.kinds[k].label for k in field.ref]
        self.problems.append(Problem(file, line, field.name,
                                     f"{ref!r} is a {label}, expected {' or '.join(allowed)}"))
        return False

    def feed(self, records: Iterable[RawRecord], last: bool = False) -> Batch:
        """Validate one chunk; ``last`` says no records come after it."""
        problems, parser, tables = self.problems, self.parser, self.tables
        broken_ids, loaded, known = self.broken_ids, self.loaded, self.known
        parsed: list[tuple[RawRecord, dict]] = []
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
                    if v.__class__ is list:
                        referenced.update(v)
                    else:
                        referenced.add(v)

        # ids: unique within the load ...
        nodes: list[tuple[RawRecord, dict]] = []
        parties: list[tuple[RawRecord, dict]] = []
        for rec, values in parsed:
            if not rec.kind.is_node:
                parties.append((rec, values))
                continue
            nid = values["id"]
            prev = loaded.get(nid)
            if prev is not None:
                problems.append(Problem(rec.file, rec.line, "id", f"duplicate id {nid!r} "
                                        f"(first defined at {self._where(prev)})"))
                continue
            loaded[nid] = self._at(rec)
            nodes.append((rec, values))
        del parsed

        # ... and not clashing with a different kind in the store
        chunk_recs = {v["id"]: r for r, v in nodes}
        ask = {i for i in referenced if i not in known}
        ask.update(chunk_recs)
        stored = self.store.labels_of(ask) if ask else {}
        for nid, rec in chunk_recs.items():
            label, old = rec.kind.label, stored.get(nid)
            if old and old != label and (old == "Deal" or old == "Source"
                                         or label in ("Deal", "Source")):
                problems.append(Problem(rec.file, rec.line, "id", f"{nid!r} is already a {old} "
                                        f"in the store and cannot become a {label}"))
        known.update(stored)
        known.update((nid, r.kind.label) for nid, r in chunk_recs.items())  # the load wins

        if last and self.deferred:
            deferred, self.deferred = self.deferred, []
            for file, line, field, ref in deferred:
                self._check_ref(file, line, field, ref, True)

        batch = Batch()
        check_ref = self._check_ref
        for rec, values in nodes:
            kind = rec.kind
            props = {name: values[name] for name in tables[id(kind)].props if name in values}
            nid = values["id"]
            batch.nodes.append(Node(nid, kind.label, props))
            if kind.label == "Deal" and nid not in self.party_deals:
                self.new_deals[nid] = self._at(rec)
            for field in kind.rel_fields:
                if field.name not in values:
                    continue
                refs = values[field.name] if field.multi else [values[field.name]]
                for ref in refs:
                    if ref == nid:
                        problems.append(Problem(rec.file, rec.line, field.name,
                                                f"{ref!r} refers to the record itself"))
                    elif check_ref(rec.file, rec.line, field, ref, last) is not False:
                        batch.rels.append(Rel(nid, field.rel, ref))

        seen_party, party_deals, new_deals = self.seen_party, self.party_deals, self.new_deals
        deal_field, entity_field = self.deal_field, self.entity_field
        deal_labels, entity_labels = self.deal_labels, self.entity_labels
        party_rel, party_props = self.party_rel, self.party_props
        for rec, values in parties:
            deal, entity, role = values["deal"], values["entity"], values["role"]
            key = f"{deal}\x1f{entity}\x1f{role}"
            prev = seen_party.get(key)
            if prev is not None:
                problems.append(Problem(rec.file, rec.line, "entity", f"{entity!r} is "
                                        f"already a {role} of {deal!r} "
                                        f"(at {self._where(prev)})"))
                continue
            seen_party[key] = self._at(rec)
            if not broken_ids and known.get(deal) in deal_labels \
                    and known.get(entity) in entity_labels:
                ok = True  # check_ref's answer, without the calls
            else:
                ok = check_ref(rec.file, rec.line, deal_field, deal, last) is not False
                ok = check_ref(rec.file, rec.line, entity_field, entity, last) is not False and ok
            if ok:
                props = {k: values[k] for k in party_props if k in values}
                batch.rels.append(Rel(entity, party_rel, deal, props))
                party_deals.add(deal)
                if new_deals:
                    new_deals.pop(deal, None)
        batch.party_deals = {r.dst for r in batch.rels if r.type == party_rel}
        if last:
            self._check_parties()
        return batch

    def _check_parties(self) -> None:
        """Every deal of the load must end up with at least one party."""
        need = [d for d in self.new_deals if d not in self.party_deals]
        have = self.store.deals_with_parties(need) if need else set()
        for deal in need:
            if deal not in have:
                at = self.new_deals[deal]
                self.problems.append(Problem(self._files[at & 0xFFFFF], at >> 20, "id", f"deal {deal!r} has no "
                                             "parties (add rows to parties.csv)"))
        self.new_deals = {}

    def finish(self) -> None:
        """Raise LoadError with every error of the load, if there are any (warnings
        stay in ``problems``)."""
        errors = errors_of(self.problems)
        if errors:
            raise LoadError(errors)
