"""The columnar load: native CSV datasets read and checked a column at a time.

The row-by-row path (``native`` reading, ``validate.Validator``) spends about 10 µs of
Python on every record. For the common case — a big dataset of plain CSV files
with nothing wrong in it — this module does the same work column by column with
pyarrow: each file is parsed by pyarrow's CSV reader, every cell is checked by
vectorised tests that can only pass for values ``graph.values.parse_value`` keeps as
they are (ids and texts by pattern, the other types through ``parse_value`` itself,
once per distinct value), and ids, references, duplicates and deals without parties
are checked on whole columns. Python then only builds the nodes and relationship
rows that the store writes, through the same load planner as any load.

It vouches only for loads it can prove clean. Anything it is not sure of — a file
that is not plain CSV (quotes, CR line ends, blank lines, JSON/YAML), a value it
would have to reword, a warning, an error, a store that is not the embedded one —
makes ``load_columnar`` roll its transaction back and return None, and the load
runs the row-by-row path, which reports every problem in its usual words and
order. So problems, warnings, the rejects file and the summary are always those
of the row-by-row path; a clean load just gets there faster
(docs/benchmarks.md).
"""

from __future__ import annotations

import codecs
import csv
import re
from itertools import repeat
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..graph.model import BASE_MODEL, MODEL, Field, Kind
from ..graph.plan import dumps
from ..graph.records import ApplySummary, Batch, Node
from ..graph.store import Store, paused_gc
from ..graph.values import MAX_TEXT, ValueProblem, parse_value
from ..report import task
from .native import DATA_SUFFIXES, _file_order
from .reading import data_files
from .rows import (CSV_FIELD_LIMIT, Sieve, _strip_end, base_stem, base_suffix,
                   read_text_bytes)
from .validate import _rules_for

__all__ = ["load_columnar"]

CHUNK = 100_000  # rows per batch handed to the store, as the row-by-row load

# Cells these patterns accept are stored exactly as written (parse_value would
# return them unchanged); any other cell makes the load take the row-by-row path.
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"
# no white space or control character at either end (so str.strip() keeps the text
# whole), no NUL anywhere
_TEXT = r"^[^\pZ\pC](?:[^\x00]*[^\pZ\pC])?$"
_URL = r"^https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][\x21-\x7e]*)?$"
_PATTERNS = {"id": _ID, "ref": _ID, "text": _TEXT, "url": _URL}
_ITEM_PATTERNS = {"refs": _ID, "list": _TEXT}
# lines of CSV whose quoted cells are whole ("...", inner quotes doubled) and end on
# their line: pyarrow and Python's csv module read those alike
# (possessive: a cell has one reading, so nothing to backtrack; 2.7x faster)
_CELL = rb'(?:"(?:[^"\r\n]++|"")*+"|[^",\r\n]*+)'
_QUOTED_LINES = re.compile(rb"(?:" + _CELL + rb"(?:," + _CELL + rb")*+\r?\n)*+")


class _Unsure(Exception):
    """The columnar path cannot vouch for this load; the row-by-row path must run."""


def load_columnar(store: Store, paths: list, sieve: Sieve | None = None,
                  model_extension=None) -> ApplySummary | None:
    """Load the native CSV dataset ``paths`` into ``store`` column-wise, in one atomic
    write, as ``load_paths`` would; None (nothing written) if the load is not one this
    path can prove clean — the caller then runs the row-by-row load."""
    if getattr(store, "backend", None) != "embedded":
        return None
    found: list = []
    files = list(data_files(paths, found, DATA_SUFFIXES, ".csv, .json or .yaml",
                            skip=("model.yaml",), order=_file_order))
    if found or not files:
        return None
    kinds = []
    for path in files:
        kind = MODEL.by_file.get(base_stem(path).lower())
        if base_suffix(path) != ".csv" or kind is None or not Path(path).is_file():
            return None
        kinds.append(kind)
    try:
        with paused_gc(), store.writer() as load, task("loading records") as progress:
            load.model_extension = model_extension
            checks = _LoadChecks(store, load.planner.empty)
            rows = 0
            for path, kind in zip(files, kinds):
                table = _read_table(Path(path), kind, sieve)
                rows += table.num_rows
                for start in range(0, max(table.num_rows, 1), CHUNK):
                    part = table.slice(start, CHUNK)
                    batch = checks.party_batch(part) if not kind.is_node \
                        else checks.node_batch(kind, part)
                    load.write(batch)
                    progress.advance(part.num_rows)
                    del batch, part
                del table
                _release()  # the file's columns
            checks.finish()
            summary = load.commit()
    except _Unsure:
        return None
    counted(sieve, files, rows)
    return summary


def counted(sieve: Sieve | None, files: list, rows: int) -> None:
    """Note in ``sieve`` what a columnar load read, as the row-by-row readers do."""
    if sieve is not None:
        sieve.files.update(str(p) for p in files)
        sieve.rows += rows


def _read_table(path: Path, kind: Kind, sieve: Sieve | None) -> pa.Table:
    """The file's cells as text columns named for the model's fields, less the rows
    ``sieve`` sets aside; _Unsure unless it is plain CSV (``plain_csv``) with a known
    header."""
    header, table, _ = plain_csv(path, sieve=sieve)
    columns = [c.strip().lower() for c in header]
    if any(c not in kind.fields for c in columns) or len(set(columns)) != len(columns) \
            or any(r not in columns for r in kind.required):
        raise _Unsure  # the row-by-row reader says what is wrong with the header
    return table.rename_columns(columns)


def plain_csv(path: Path, delimiter: str = ",", sieve: Sieve | None = None
              ) -> tuple[list[str], pa.Table, list[int] | None]:
    """The header and the text columns of a CSV file (named by position), and the line
    of each row if ``sieve`` left some out (None: row i is line i + 2); _Unsure unless
    the file is plain: one row per line, no blank lines, lone CRs or NULs, quoted cells
    (if any, and only with a comma delimiter) whole on their line, every row as wide as
    the header, no cell longer than the row-by-row reader takes.

    The rows ``sieve`` sets aside (each one line: the row-by-row reader sets aside a
    broken row as its first line alone and reads the next lines as rows) are taken out
    first, their text kept in the sieve as that reader keeps it; what remains must be
    plain."""
    try:
        data = read_text_bytes(path)
    except OSError:
        raise _Unsure from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if not data.endswith(b"\n"):
        data += b"\n"
    if data.count(b"\r") != data.count(b"\r\n"):
        raise _Unsure  # lone CRs end lines for the row-by-row reader, not here
    lines = None
    left_out = sieve.lines_of(str(path)) if sieve is not None else frozenset()
    if left_out:
        data, lines = _leaving_out(data, left_out, sieve, str(path))
    if data.startswith((b"\n", b"\r")) or b"\x00" in data or b"\n\n" in data \
            or b"\n\r\n" in data:
        raise _Unsure  # blank lines, NULs: the row-by-row reader's business
    quoted = b'"' in data
    if quoted and (delimiter != "," or not _quotes_whole(data)):
        raise _Unsure  # a quoted cell over several lines, or quotes csv reads its own way
    head, _, _ = data.partition(b"\n")
    try:
        header = next(csv.reader([head.decode("utf-8")], delimiter=delimiter))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        raise _Unsure from None
    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            # quoted cells (checked above to be whole and on one line) read as csv reads them
            parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                             quote_char='"' if quoted else False,
                                             double_quote=True, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in names}, strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        raise _Unsure from None
    if table.num_rows != data.count(b"\n") - 1:
        raise _Unsure
    longest = max((pc.max(pc.binary_length(table[c])).as_py() or 0 for c in names), default=0)
    if longest >= min(CSV_FIELD_LIMIT, MAX_TEXT):
        raise _Unsure
    # in pyarrow's blocks: a batch's slice is combined column by column
    return header, table, lines


def _leaving_out(data: bytes, left_out: frozenset, sieve: Sieve, file: str
                 ) -> tuple[bytes, list[int]]:
    """``data`` without the lines ``left_out``, each kept in ``sieve.texts`` without its
    line end; and the line of every row that stays. The header (line 1) stays."""
    if 1 in left_out:
        raise _Unsure
    pieces, copied, start, line, last = [], 0, 0, 1, max(left_out)
    while line <= last:
        end = data.find(b"\n", start)
        if end < 0:
            raise _Unsure  # a line the file does not have
        if line in left_out:
            pieces.append(data[copied:start])
            try:
                sieve.texts[(file, line)] = _strip_end(data[start:end + 1].decode("utf-8"))
            except UnicodeDecodeError:
                raise _Unsure from None
            copied = end + 1
        start, line = end + 1, line + 1
    pieces.append(data[copied:])
    return b"".join(pieces), [n for n in range(2, data.count(b"\n") + 1)
                              if n not in left_out]


def _quotes_whole(data: bytes, piece: int = 1 << 20) -> bool:
    """Whether every line of ``data`` is cells whose quotes csv and pyarrow read alike
    (``_QUOTED_LINES``), matched a piece of whole lines at a time: one match of a file of
    100 MB holds gigabytes of the regex engine's state. A cell quoted over two lines
    ends a piece unclosed, so it fails as it would in one match."""
    start, end = 0, len(data)
    while start < end:
        stop = data.find(b"\n", min(start + piece, end - 1)) + 1 or end
        if not _QUOTED_LINES.fullmatch(data, start, stop):
            return False
        start = stop
    return True


class _LoadChecks:
    """What the checks that span files keep: ids per label, references not yet seen,
    the deals given and the deals with parties, the party keys — as arrow arrays."""

    def __init__(self, store: Store, empty: bool):
        self.store = store
        self.empty = empty
        self.ids: dict[str, list[pa.Array]] = {}  # label -> ids of this load
        self.refs: dict[frozenset, list[pa.Array]] = {}  # allowed labels -> references
        self.deals: list[pa.Array] = []  # Deal ids of this load
        self.party_deals: list[pa.Array] = []
        self.party_keys: list[pa.Array] = []
        self.memos: dict[int, dict] = {}
        self.labels = {}  # kind name -> label
        party = MODEL.kinds["Party"]
        self.party_rel = party.rel
        self.party_props = [f for f in party.fields if f not in ("deal", "entity")]

    # -- columns ---------------------------------------------------------------
    def _column(self, field: Field, cells: pa.Array) -> list:
        """The parsed values of one column (None where blank); _Unsure for any cell
        whose value is not sure to be exactly what the row-by-row path stores."""
        blank = _blank(cells)
        if field.required and _any(blank):
            raise _Unsure
        pattern = _PATTERNS.get(field.type)
        if pattern is not None:
            ok = pc.match_substring_regex(cells, pattern)
            if not _all(pc.or_(ok, blank)):
                raise _Unsure
            return [v or None for v in cells.to_pylist()]
        item = _ITEM_PATTERNS.get(field.type)
        if item is not None:  # a list of ids or texts: a one-item cell as the one pattern
            return self._list_column(field, cells, blank, item)
        # the other types: parse_value itself, once per distinct cell
        memo = self.memos.setdefault(id(field), {})
        distinct = pc.unique(cells)
        parsed = []
        for raw in distinct.to_pylist():
            hit = memo.get(raw, _MISSING)
            if hit is _MISSING:
                if not raw or raw.isspace():
                    hit = None
                else:
                    try:
                        hit = parse_value(field, raw)  # Implausible too: a warning to give
                    except ValueProblem:
                        raise _Unsure from None
                    if hit == []:
                        hit = None
                if len(memo) < 200_000:
                    memo[raw] = hit
            if hit is None and field.required:
                raise _Unsure
            parsed.append(hit)
        index = pc.index_in(cells, value_set=distinct)
        if all(v is None or v.__class__ is str for v in parsed):
            return _strings(parsed).take(index).to_pylist()
        index = index.to_pylist()
        if field.multi:
            return [None if (v := parsed[i]) is None else list(v) for i in index]
        return [parsed[i] for i in index]

    def _list_column(self, field: Field, cells: pa.Array, blank: pa.Array,
                     pattern: str) -> list:
        """A list column, split at the separator: every item must match ``pattern`` (no
        blank items, no white space around them) and none may repeat within a cell, so
        that the lists are parse_value's."""
        split = pc.split_pattern(cells, MODEL.separator)
        items = pc.list_flatten(split)
        parents = pc.list_parent_indices(split)
        ok = pc.or_(pc.match_substring_regex(items, pattern), pc.take(blank, parents))
        if not _all(ok):
            raise _Unsure
        if len(items) != len(cells):  # some cell holds several items: none twice
            keyed = pc.binary_join_element_wise(pc.cast(parents, pa.string()), items,
                                                _same("\x1f", items))
            if _repeats(keyed):
                raise _Unsure
        return [v if v[0] else None for v in split.to_pylist()]

    # -- batches ---------------------------------------------------------------
    def node_batch(self, kind: Kind, part: pa.Table) -> Batch:
        label = kind.label
        present = set(part.column_names)
        ids = part["id"].combine_chunks()
        id_list = self._column(kind.fields["id"], ids)
        self.ids.setdefault(label, []).append(ids)
        if label == "Deal":
            self.deals.append(ids)
        if not self.empty:
            self._check_store_labels(label, id_list)
        names = [f.name for f in kind.prop_fields if f.name in present]
        columns = [self._column(kind.fields[n], part[n].combine_chunks()) for n in names]
        rules = _rules_for(kind)
        nodes = []
        append = nodes.append
        for nid, row in zip(id_list, zip(*columns) if columns else repeat((), len(id_list))):
            props = {n: v for n, v in zip(names, row) if v is not None}
            for rule in rules:
                if rule.broken(props):
                    raise _Unsure  # an error or a warning: the row-by-row path words it
            append(Node(nid, label, props))
        rows = set()
        for field in kind.rel_fields:
            if field.name not in present:
                continue
            src, dst = _references(field, part[field.name].combine_chunks(), ids)
            rows.update(zip(src.to_pylist(), repeat(field.rel), dst.to_pylist(), repeat(""),
                            repeat("{}")))
            allowed = frozenset(MODEL.kinds[k].label for k in field.ref)
            self.refs.setdefault(allowed, []).append(pc.unique(dst))
        return Batch(nodes=nodes, rows=rows)

    def party_batch(self, part: pa.Table) -> Batch:
        kind = MODEL.kinds["Party"]
        present = set(part.column_names)
        cells = {n: part[n].combine_chunks() for n in present}
        deals = self._column(kind.fields["deal"], cells["deal"])
        entities = self._column(kind.fields["entity"], cells["entity"])
        roles = self._column(kind.fields["role"], cells["role"])
        others = [(n, self._column(kind.fields[n], cells[n]))
                  for n in self.party_props if n != "role" and n in present]
        deal_array, entity_array = cells["deal"], cells["entity"]
        party_deals = pc.unique(deal_array)
        self.refs.setdefault(frozenset({"Deal"}), []).append(party_deals)
        self.refs.setdefault(frozenset(MODEL.kinds[k].label for k in kind.fields["entity"].ref),
                             []).append(pc.unique(entity_array))
        self.party_deals.append(party_deals)
        self.party_keys.append(pc.binary_join_element_wise(
            deal_array, entity_array, _strings(roles), _same("\x1f", deal_array)))
        # the properties' JSON: made once per role, and for each row with more than a role
        by_role = {role: dumps({"role": role}) for role in set(roles)}
        texts = list(map(by_role.__getitem__, roles))
        given = None
        for name, _ in others:
            filled = pc.cast(pc.binary_length(cells[name]), pa.bool_())
            given = filled if given is None else pc.or_(given, filled)
        if given is not None:
            # the model's rules, as for records, if a model extension gives parties fields
            # (a value, dates): no rule reads the built-in ones (role, note, country)
            rules = _rules_for(kind) if any(n not in BASE_MODEL.kinds["Party"].fields
                                            for n, _ in others) else ()
            for i in pc.indices_nonzero(given).to_pylist():
                extra = {n: col[i] for n, col in others if col[i] is not None}
                extra["role"] = roles[i]
                if rules and any(rule.broken(extra) for rule in rules):
                    raise _Unsure  # an error or a warning: the row-by-row path words it
                texts[i] = dumps(extra)
        rows = set(zip(entities, repeat(self.party_rel), deals, roles, texts))
        if len(rows) != len(roles):
            raise _Unsure  # a party row given twice
        return Batch(rows=rows, party_deals=set(deals))

    def _check_store_labels(self, label: str, ids: list) -> None:
        """A stored Deal or Source cannot change kind, nor anything become one."""
        for nid, old in self.store.labels_of(ids).items():
            if old != label and (old in ("Deal", "Source") or label in ("Deal", "Source")):
                raise _Unsure

    # -- the end ---------------------------------------------------------------
    def finish(self) -> None:
        """The checks that need the whole load: ids unique, every reference to a record
        of an allowed kind (of the load, else of the store), every party row once, and
        every deal of the load with a party. One check at a time, each one's arrays
        freed before the next (a million deals: 2 million party keys, 1.4 million ids)."""
        if self.party_keys:
            keys, self.party_keys = pa.concat_arrays(self.party_keys), []
            twice = _repeats(keys)
            del keys
            _release()
            if twice:
                raise _Unsure
        if self.deals:
            deals, self.deals = pa.concat_arrays(self.deals), []
            given = pc.unique(pa.concat_arrays(self.party_deals)) if self.party_deals \
                else _strings([])
            lonely = deals.filter(pc.invert(pc.is_in(deals, value_set=given)))
            del deals, given
            _release()
            if len(lonely):
                need = lonely.to_pylist()
                if self.empty or len(self.store.deals_with_parties(need)) != len(need):
                    raise _Unsure
        every = [a for arrays in self.ids.values() for a in arrays]
        ids = pa.concat_arrays(every) if every else _strings([])
        if _repeats(ids):
            raise _Unsure
        _release()
        for allowed in list(self.refs):
            arrays = self.refs.pop(allowed)
            refs = pc.unique(pa.concat_arrays(arrays)) if arrays else _strings([])
            del arrays
            mine = [a for lab in allowed for a in self.ids.get(lab, [])]
            if mine:
                refs = refs.filter(pc.invert(pc.is_in(refs, value_set=pa.concat_arrays(mine))))
            _release()
            if not len(refs):
                continue
            if self.empty or _any(pc.is_in(refs, value_set=ids)):
                raise _Unsure  # unknown here, or a record of another kind in this load
            wanted = refs.to_pylist()
            stored = self.store.labels_of(wanted)
            if len(stored) != len(wanted) or any(v not in allowed for v in stored.values()):
                raise _Unsure


def _repeats(values: pa.Array) -> bool:
    """Whether any value is there twice: sorted, then each compared with the next (for
    two million party keys 0.35 s and a few MB, where counting the distinct values
    takes 1.9 s and a 250 MB hash table)."""
    if len(values) < 2:
        return False
    ordered = values.take(pc.sort_indices(values))
    return _any(pc.equal(ordered.slice(0, len(ordered) - 1), ordered.slice(1)))


def _release() -> None:
    """Give the memory arrow freed back to the system (its allocator keeps it else)."""
    pa.default_memory_pool().release_unused()


_MISSING = object()


def _references(field: Field, cells: pa.Array, ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The (start, end) id pairs a reference column makes, one pair per reference; each
    reference an id as written (a list's items split, none twice in a cell), none to the
    record itself."""
    if field.type not in ("ref", "refs"):
        raise _Unsure
    blank = _blank(cells)
    if field.required and _any(blank):
        raise _Unsure
    if field.multi:
        split = pc.split_pattern(cells, MODEL.separator)
        items = pc.list_flatten(split)
        parents = pc.list_parent_indices(split)
        empty = pc.take(blank, parents)
        if not _all(pc.or_(pc.match_substring_regex(items, _ID), empty)):
            raise _Unsure
        if len(items) != len(cells):
            keyed = pc.binary_join_element_wise(pc.cast(parents, pa.string()), items,
                                                _same("\x1f", items))
            if _repeats(keyed):
                raise _Unsure
        keep = pc.invert(empty)
        src, dst = ids.take(parents.filter(keep)), items.filter(keep)
    else:
        if not _all(pc.or_(pc.match_substring_regex(cells, _ID), blank)):
            raise _Unsure
        keep = pc.invert(blank)
        src, dst = ids.filter(keep), cells.filter(keep)
    if _any(pc.equal(src, dst)):
        raise _Unsure  # a record that refers to itself
    return src, dst


# Arrays and masks made without pa.array() or pa.scalar(): those import pandas when it
# is installed (half a second, to check whether they were given pandas objects).
def _strings(values: list) -> pa.Array:
    """A text array of ``values`` (None: null)."""
    builder = pa.lib.StringBuilder()
    builder.append_values(values)
    return builder.finish()


def _all(mask: pa.Array) -> bool:
    """Whether every item of ``mask`` is true (so for no item)."""
    return pc.all(mask, min_count=0).as_py()


def _any(mask: pa.Array) -> bool:
    return pc.any(mask, min_count=0).as_py()


def _blank(cells: pa.Array) -> pa.Array:
    """True where a cell is empty."""
    return pc.invert(pc.cast(pc.binary_length(cells), pa.bool_()))


def _same(text: str, like: pa.Array) -> pa.Array:
    """``text`` as many times as ``like`` has items."""
    lengths = pc.binary_length(like)
    return _strings([text]).take(pc.subtract(lengths, lengths))
