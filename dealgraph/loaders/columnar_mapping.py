"""The columnar load of CSV files read through a mapping.

The row mapper (``mapper._Mapper``) works out every cell of every row in Python and
the validator then parses every value again: some 40 µs a row. For the common case —
a big, plain CSV file whose rows map cleanly — this module works a column at a time:
each value spec that reads one column is evaluated once per distinct cell (by the row
mapper's own ``value``, so strip, empty values, transforms, ``map``, formats and the
model's parsing are the same code), a spec reading several columns (a template) once
per row, and a plain loop over the rows then only assembles entities, sources, deals
and party rows from those values, in the row mapper's order and by its rules (first
value wins, ``Conflicts.merge`` where rows differ, deal ids by hash or column). The
nodes and relationship rows go to the store through the same load planner, and the
checks that span the load are the native columnar load's (``columnar._LoadChecks``).

Like the native columnar load it vouches only for what it can prove clean: a file
that is not plain CSV, a mapping feature it does not evaluate column-wise (an
``entity`` value, a template naming mapped values, JSON Lines or Excel input), any
problem or warning the row mapper would report, a value the validator would parse
differently, a broken cross-field rule, a deal without parties — and the load rolls
back and runs the row-by-row path, which says what is wrong in its usual words.
"""

from __future__ import annotations

from itertools import repeat
from pathlib import Path

import pyarrow.compute as pc

from ..errors import LoadError, Problem
from ..graph.model import MODEL, Kind
from ..graph.plan import dumps
from ..graph.records import ApplySummary, Batch, Node
from ..graph.store import Store, paused_gc
from ..graph.values import MAX_TEXT, ValueProblem, parse_value
from ..report import task
from .columnar import (_PATTERNS, CHUNK, _all, _LoadChecks, _release, _strings, _Unsure,
                       counted, plain_csv)
from .compiler import Mapping, ValueSpec, _kind, read_mapping
from .conflicts import DEFAULT_RULE
from .mapper import (DATA_SUFFIXES, _bind_header, _deal_hash, _file_format, _Mapper,
                     csv_delimiter, default_title, new_parties, source_id)
from .reading import RawRecord, data_files
from .rows import Sieve
from .validate import _rules_for

__all__ = ["load_mapped_columnar"]

# plain_csv drops a byte order mark, as only these encodings do
_UTF8_SIG = ("utf-8-sig", "utf_8_sig")
# the cells of these types that a spec reading one column takes as written (see
# columnar._PATTERNS: the row path's strip and parsing leave them as they are)
_AS_WRITTEN = {"text": _PATTERNS["text"], "url": _PATTERNS["url"], "id": _PATTERNS["id"],
               "ref": _PATTERNS["ref"]}
_MISSING = object()


def load_mapped_columnar(store: Store, paths: list, mapping, sieve: Sieve | None = None,
                         model_extension=None, strict: bool = False) -> ApplySummary | None:
    """Load the CSV files ``paths`` through ``mapping`` into ``store`` column-wise, in one
    atomic write, as ``load_paths`` would; None (nothing written) if this path cannot
    prove the load clean — the caller then runs the row-by-row load.

    Rows that disagree about an entity (``Conflicts``) are merged as the row mapper
    merges them, in the same order, so their warnings are the summary's warnings;
    ``strict`` (where they are errors) leaves such a load to the row-by-row path."""
    if getattr(store, "backend", None) != "embedded":
        return None
    try:
        m = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    except LoadError:
        return None  # the row-by-row load reports the mapping's problems
    if not _supported(m):
        return None
    found: list = []
    files = list(data_files(paths, found, DATA_SUFFIXES, ".csv, .jsonl or .json"))
    if found or not files or any(_file_format(m, Path(p)) != "csv" for p in files):
        return None
    try:
        with paused_gc(), store.writer() as load, task("loading records") as progress:
            load.model_extension = model_extension
            rows = _MappedRows(m, strict)
            checks = _LoadChecks(store, load.planner.empty)
            for path in files:
                for batch in rows.read(Path(path), csv_delimiter(m, Path(path)), checks,
                                       sieve):
                    load.write(batch)  # the sources first met in a slice of rows
                    del batch
                progress.advance(rows.last_rows)
            for batch in rows.batches(checks):
                load.write(batch)
                del batch
            checks.finish()
            summary = load.commit()
    except _Unsure:
        return None
    counted(sieve, files, rows.rows)
    summary.warnings = rows.warnings + rows.mapper.conflicts.problems
    return summary


def _supported(m: Mapping) -> bool:
    """Whether every spec of the mapping can be evaluated column by column."""
    if m.encoding.lower() not in _UTF8_SIG or m.deal is None:
        return False
    in_deal = {id(spec) for spec in m.deal.values()}
    for spec in m.specs():
        # a template naming mapped values ({target.name}) is filled row by row, after the
        # row's entities: only the deal's (the row mapper fills those last too)
        if spec.source == "entity" or (spec.source == "template" and spec.mapped
                                       and id(spec) not in in_deal):
            return False
    return all(e.kind.is_node for e in m.entities.values())


class _Dropped:
    """A value the row mapper drops with a warning (an implausible date): reported for
    every row that has it, at that row, where the row mapper reports it."""

    __slots__ = ("problem",)

    def __init__(self, problem):
        self.problem = problem

    def report(self, warnings: list, file: str, line: int) -> None:
        p = self.problem
        warnings.append(Problem.warning(file, line, p.field, p.message, p.code))
        return None


class _MappedRows:
    """The records of the files read so far, deduplicated as the row mapper does."""

    def __init__(self, m: Mapping, strict: bool = False):
        self.m = m
        self.strict = strict
        self.warnings: list = []  # the row mapper's warnings, in its order
        self.mapper = _Mapper(m)  # for its value conversions, which are the row path's
        self.entities: dict[str, RawRecord] = self.mapper.entities  # {target.name} reads them
        # sources: the first row's values stand, so each is written with the slice of rows
        # that first names it, and only its id is kept
        self.sources: set[str] = set()
        self.new_sources: list[dict] = []
        self.deals: dict[str, dict] = {}
        self.parties: list[tuple] = []  # (deal, entity, role, extra or None)
        self.party_keys: set[tuple] = set()
        self.rows = 0
        self.last_rows = 0
        self.parsers: dict[int, dict] = {}

    # -- columns -------------------------------------------------------------
    def _column(self, spec: ValueSpec, cells: dict, n: int, fn=None):
        """``fn(cells of one row)`` (default: the spec's model value) for each of the ``n``
        rows, a list or one value repeated; worked out once per distinct cell when the
        spec reads at most one column."""
        mapper = self.mapper
        pattern = _AS_WRITTEN.get(spec.field.type) if self._plain(spec, fn) else None
        if fn is None:
            def fn(row, spec=spec):
                return self._checked(spec, mapper.value(spec, "", 0, row, {}))
        cols = spec.columns
        if not cols:
            return repeat(fn({}), n)
        if len(cols) == 1:
            col = cols[0]
            array = cells[col]
            if pattern is not None:  # cells kept as written: only the others worked out
                kept = pc.match_substring_regex(array, pattern)
                if _all(kept):
                    return array.to_pylist()
                values = array.to_pylist()
                others = pc.indices_nonzero(pc.invert(kept)).to_pylist()
                done: dict = {}
                for i in others:
                    cell = values[i]
                    value = done.get(cell, _MISSING)
                    if value is _MISSING:
                        value = done[cell] = fn({col: cell})
                    values[i] = value
                return values
            distinct = pc.unique(array)
            values = [fn({col: cell}) for cell in distinct.to_pylist()]
            if len(values) == 1:
                return repeat(values[0], n)
            index = pc.index_in(array, value_set=distinct).to_pylist()
            return [values[i] for i in index]
        lists = [cells[c].to_pylist() for c in cols]
        return [fn(dict(zip(cols, row))) for row in zip(*lists)]

    def _plain(self, spec: ValueSpec, fn) -> bool:
        """Whether the spec's model value of a cell that _AS_WRITTEN accepts is the cell:
        its own conversion (fn is None), no transform, map or empty values but blank."""
        return fn is None and spec.source == "column" and not spec.steps \
            and spec.map is None and self.m.empty == frozenset({""})

    def _checked(self, spec: ValueSpec, value):
        """``value`` if the validator would keep it as it is (it parses every value
        again); else _Unsure. A value the mapper dropped with a warning (an implausible
        date) is a _Dropped, for the rows to report where the row mapper would; any
        other problem the mapper reported ends the columnar load."""
        problems = self.mapper.problems
        if problems:
            if len(problems) == 1 and problems[0].severity == "warning":
                return _Dropped(problems.pop())
            raise _Unsure
        if value is None:
            return None
        memo = self.parsers.setdefault(id(spec.field), {})
        key = value if value.__class__ is not list else None
        if key is not None and key in memo:
            return value
        try:
            again = parse_value(spec.field, value)
        except ValueProblem:
            raise _Unsure from None
        if again != value or (value.__class__ is str and (not value or value.isspace())):
            raise _Unsure
        if key is not None and len(memo) < 200_000:
            memo[key] = True
        return value

    # -- reading -------------------------------------------------------------
    def read(self, path: Path, delimiter: str, checks: _LoadChecks, sieve: Sieve | None):
        """Read one file (less the rows ``sieve`` sets aside) a slice of rows at a time;
        yields the batches of the sources each slice names first."""
        header, table, lines = plain_csv(path, delimiter, sieve)
        bound = _bind_header(self.mapper, str(path), header)
        if bound is None:
            raise _Unsure
        if table.num_rows == 0:
            raise _Unsure  # "has no data rows": the row path's problem
        for start in range(0, table.num_rows, CHUNK):
            part = table.slice(start, CHUNK)
            self._rows(str(path), range(start + 2, start + 2 + part.num_rows)
                       if lines is None else lines[start:start + part.num_rows],
                       {col: part.column(i).combine_chunks() for col, i in bound},
                       part.num_rows)
            new, self.new_sources = self.new_sources, []
            yield from self._nodes(checks, _kind("Source"), new)
            del new
        self.rows += table.num_rows
        self.last_rows = table.num_rows

    def _rows(self, file: str, lines, cells: dict, n: int) -> None:
        """The rows of one slice of a file (``n`` rows, at ``lines``), their cells by
        column: each spec's values worked out, then the rows assembled in order."""
        m, mapper = self.m, self.mapper
        columns: list = []  # every spec's values, each an iterable over the rows

        def raw(column: str) -> int:
            columns.append(cells[column].to_pylist())
            return len(columns) - 1

        def slot(spec, fn=None) -> int:
            columns.append(self._column(spec, cells, n, fn))
            return len(columns) - 1

        ents = []
        for name, espec in m.entities.items():
            key = espec.id if espec.id is not None else espec.fields["name"]
            ids = slot(key, lambda row, e=espec: self._entity_id(e, row))
            fields = [(fname, spec, slot(spec)) for fname, spec in espec.fields.items()]
            ents.append((name, espec, ids, fields))
        sources = [[(key, slot(spec, None if key != "id" else
                               (lambda row, s=spec: mapper.raw(s, row))))
                    for key, spec in s.items()] for s in m.sources]
        # templates last, so that they can name the deal's other mapped values
        deal = [(fname, slot(spec), None, None) if not spec.mapped else
                (fname, None, spec, [(c, raw(c)) for c in spec.columns])
                for fname, spec in sorted(m.deal.items(),
                                          key=lambda kv: kv[1].source == "template")]
        order = list(m.deal)
        parties = [(p.entity, slot(p.role), [(k, slot(s)) for k, s in p.values.items()])
                   for p in m.parties]
        deal_id = None if m.deal_id is None else slot(m.deal_id, self._deal_id)
        _release()
        if mapper.problems or self._conflicts_refused():
            raise _Unsure
        row = self._row
        for line, values in zip(lines, zip(*columns)):
            row(file, line, values, ents, sources, deal, order, parties, deal_id)
        if mapper.problems or self._conflicts_refused():
            raise _Unsure

    def _conflicts_refused(self) -> bool:
        """Whether rows disagreed in a way the row-by-row path must report: an error
        (``on_conflict: error``), or any conflict or dropped value under ``strict``."""
        problems = self.mapper.conflicts.problems
        if self.strict:
            return bool(problems or self.warnings)
        return any(p.severity != "warning" for p in problems)

    def _entity_id(self, espec, row: dict) -> str | None:
        eid = self.mapper.entity_id(espec, "", 0, row)
        if self.mapper.problems:
            raise _Unsure
        return eid

    def _deal_id(self, row: dict) -> str:
        did = self.mapper.deal_id("", 0, row)
        if self.mapper.problems:
            raise _Unsure
        return did

    def _row(self, file: str, line: int, row: tuple, ents, sources, deal, order, parties,
             deal_id) -> None:
        """One row, as ``_Mapper.row`` makes it (its entity, source and deal steps)."""
        m, entities = self.m, self.entities
        ids = {}
        for name, _, id_col, _ in ents:
            eid = row[id_col]
            if eid is not None:
                ids[name] = eid
        merge = self.mapper.conflicts.merge
        for name, espec, _, fields in ents:
            eid = ids.get(name)
            if eid is None:
                continue
            rec = entities.get(eid)
            if rec is None:
                rec = entities[eid] = RawRecord(espec.kind, file, line, {"id": eid})
            elif rec.kind is not espec.kind:
                raise _Unsure  # an id of two kinds: the row path says so
            values = rec.values
            for fname, spec, col in fields:
                value = row[col]
                if value is None:
                    continue
                if value.__class__ is _Dropped:
                    value.report(self.warnings, file, line)
                    continue
                have = values.get(fname)
                if have is None:
                    values[fname] = list(value) if value.__class__ is list else value
                elif have != value:
                    merge(rec, spec.field, value, spec.on_conflict or m.on_conflict
                          or DEFAULT_RULE, file, line, spec.label)
        row_sources = []
        for specs in sources:
            values = {}
            for key, col in specs:
                v = row[col]
                if v.__class__ is _Dropped:
                    v = v.report(self.warnings, file, line)
                if v is not None:
                    values[key] = v
            sid = self._source(values)
            if sid is not None:
                row_sources.append(sid)
        values = {}
        for fname, col, spec, raw_cols in deal:
            if col is None:  # a template naming mapped values: this row's
                v = self._mapped_template(spec, file, line, row, raw_cols, ids, values)
            else:
                v = row[col]
            if v.__class__ is _Dropped:
                v = v.report(self.warnings, file, line)
            if v is not None:
                values[fname] = v
        values = {f: values[f] for f in order if f in values}
        row_parties = []
        for entity, role_col, extras in parties:
            eid = ids.get(entity)
            if eid is None:
                continue
            role = row[role_col]
            if role is None or role.__class__ is _Dropped:
                raise _Unsure  # "role of ... is empty"
            extra = None
            for key, col in extras:
                v = row[col]
                if v.__class__ is _Dropped:
                    v = v.report(self.warnings, file, line)
                if v is not None:
                    if extra is None:
                        extra = {}
                    extra[key] = v
            row_parties.append((eid, role, extra))
        if "title" not in values and row_parties:
            values["title"] = default_title(values, row_parties, entities)
            if len(values["title"]) > MAX_TEXT:
                raise _Unsure
        by_column = deal_id is not None
        did = row[deal_id] if by_column else m.deal_prefix + _deal_hash(values, row_parties)
        rec = self.deals.get(did)
        if rec is None:
            values["sources"] = row_sources
            self.deals[did] = values
        else:
            have = rec.setdefault("sources", [])
            for sid in row_sources:
                if sid not in have:
                    have.append(sid)
            if not by_column:
                return
            for fname, spec in m.deal.items():
                value = values.get(fname)
                if value is None or rec.get(fname) == value:
                    continue
                if fname not in rec:
                    rec[fname] = value
                elif spec.on_conflict or m.on_conflict:
                    raise _Unsure  # a conflict rule to apply: the row path's business
        for eid, role, extra in new_parties(did, row_parties,
                                            self.party_keys if by_column else None):
            self.parties.append((did, eid, role, extra))

    def _mapped_template(self, spec: ValueSpec, file: str, line: int, row: tuple,
                         raw_cols: list, ids: dict, deal_values: dict):
        """A deal template naming mapped values, filled as the row mapper fills it: from
        the row's entities as merged so far and the deal's values before it."""
        mapper = self.mapper
        mapper.row_ids, mapper.row_deal = ids, deal_values
        return self._checked(spec, mapper.value(spec, file, line,
                                                {c: row[k] for c, k in raw_cols}, ids))

    def _source(self, values: dict) -> str | None:
        """The id of the row's source made of ``values`` (as ``_Mapper.source``)."""
        sid = source_id(values)
        if sid is not None and sid not in self.sources:
            self.sources.add(sid)
            self.new_sources.append(values)
        return sid

    # -- the records as batches ----------------------------------------------
    def batches(self, checks: _LoadChecks):
        """Batches of the nodes read (entities, deals) and then of party rows, with the
        arrays ``checks`` needs for the checks that span the load."""
        self.sources = set()
        by_kind: dict[str, list] = {}
        for rec in self.entities.values():
            by_kind.setdefault(rec.kind.name, []).append(rec.values)
        self.entities = {}
        for name, records in by_kind.items():
            yield from self._nodes(checks, _kind(name), records)
        del by_kind
        deals = self.deals
        self.deals = {}
        for did, values in deals.items():
            values["id"] = did
        yield from self._nodes(checks, _kind("Deal"), list(deals.values()))
        del deals
        yield from self._party_batches(checks)

    def _nodes(self, checks: _LoadChecks, kind: Kind, records: list[dict]):
        label = kind.label
        required = frozenset(kind.required) | {"id"}
        props_of = frozenset(f.name for f in kind.prop_fields)
        rel_fields = kind.rel_fields
        rules = _rules_for(kind)
        for start in range(0, len(records), CHUNK):
            part = records[start:start + CHUNK]
            nodes, rows, ids = [], set(), []
            for values in part:
                if not required <= values.keys():
                    raise _Unsure
                nid = values["id"]
                ids.append(nid)
                props = {name: v for name, v in values.items() if name in props_of}
                for rule in rules:
                    if rule.broken(props):
                        raise _Unsure
                nodes.append(Node(nid, label, props))
                for field in rel_fields:
                    refs = values.get(field.name)
                    if not refs:
                        continue
                    for ref in (refs if field.multi else [refs]):
                        if ref == nid:
                            raise _Unsure
                        rows.add((nid, field.rel, ref, "", "{}"))
            id_array = _strings(ids)
            if not _all(pc.match_substring_regex(id_array, _PATTERNS["id"])):
                raise _Unsure  # a source id column holding something that is not an id
            checks.ids.setdefault(label, []).append(id_array)
            if label == "Deal":
                checks.deals.append(id_array)
            if not checks.empty:
                checks._check_store_labels(label, ids)
            for field in rel_fields:
                targets = {r[2] for r in rows if r[1] == field.rel}
                if targets:
                    allowed = frozenset(MODEL.kinds[k].label for k in field.ref)
                    checks.refs.setdefault(allowed, []).append(_strings(sorted(targets)))
            yield Batch(nodes=nodes, rows=rows)

    def _party_batches(self, checks: _LoadChecks):
        party_rel, props_order = checks.party_rel, checks.party_props
        entity_labels = frozenset(MODEL.kinds[k].label
                                  for k in MODEL.kinds["Party"].fields["entity"].ref)
        by_role: dict[str, str] = {}
        rules = _rules_for(MODEL.kinds["Party"])  # a model extension may give parties values
        parties, self.parties = self.parties, []
        for start in range(0, len(parties), CHUNK):
            part = parties[start:start + CHUNK]
            rows = set()
            deals, entities, keys = [], [], []
            for did, eid, role, extra in part:
                if extra is None:
                    text = by_role.get(role)
                    if text is None:
                        text = by_role[role] = dumps({"role": role})
                else:
                    props = {"role": role, **extra}
                    props = {k: props[k] for k in props_order if k in props}
                    if any(rule.broken(props) for rule in rules):
                        raise _Unsure  # an error or a warning: the row-by-row path words it
                    text = dumps(props)
                rows.add((eid, party_rel, did, role, text))
                deals.append(did)
                entities.append(eid)
                keys.append(f"{did}\x1f{eid}\x1f{role}")
            party_deals = pc.unique(_strings(deals))
            checks.party_deals.append(party_deals)
            checks.refs.setdefault(frozenset({"Deal"}), []).append(party_deals)
            checks.refs.setdefault(entity_labels, []).append(pc.unique(_strings(entities)))
            checks.party_keys.append(_strings(keys))
            yield Batch(rows=rows, party_deals=set(deals))
            del rows, part

