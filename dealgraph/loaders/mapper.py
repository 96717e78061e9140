"""The row mapper: applies a compiled ``Mapping`` to the rows of CSV, TSV, JSON Lines,
JSON and XLSX files and collects ``RawRecord`` objects (each with its data file and
line) for validation, deduplicating entities by id as rows are read (the first
non-empty value of each field wins). Deal ids come from a column or from a hash of the
deal's mapped values and parties, so reloading, or reordering the rows, gives the same
ids."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import Problem
from ..graph.values import Implausible, ValueProblem, parse_value
from .compiler import EntitySpec, Mapping, ValueSpec, _ID_FIELD, _MEMO_CHECK, _kind, read_mapping
from .conflicts import DEFAULT_RULE, Conflicts
from .parse import _convert, slug
from .reading import RawRecord, Reading, data_files, json_objects
from .rows import Sieve, base_suffix, csv_rows, open_text

# the files a mapping can read
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".xlsx")


def _id_fix(text: str) -> str:
    """How a mapping can make an id of ``text``: the hint after an invalid id."""
    cut = text.rfind("/", 0, len(text) - 1)
    if cut > 0 or text.startswith("/"):
        prefix = text[:cut + 1] if cut > 0 else "/"
        return (f"; strip what comes before the name with `transform: [{{strip_prefix: "
                f"{prefix}}}]`, or make an id of it with `slug: true` (docs/mapping.md)")
    return "; make an id of it with `slug: true`, or fix it with a `transform` (docs/mapping.md)"


# a URL whose host urlparse(url).hostname gives as the text between // and the port
_SIMPLE_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?::[0-9]*)?(?:[/?#]|$)")


def _host(url: str) -> str | None:
    simple = _SIMPLE_URL.match(url)
    if simple:
        host = simple.group(1).lower()
    else:
        try:
            host = urlparse(url).hostname
        except ValueError:
            return None
    return host[4:] if host and host.startswith("www.") else host


def default_title(values: dict, parties: list, entities: dict) -> str:
    """The title of a deal whose mapping gives none: its parties' names (as their
    records have them so far) and its kind, "Acme – Globex (acquisition)"."""
    names = []
    for eid, _, _ in parties:
        name = entities[eid].values.get("name", eid)
        if name not in names:
            names.append(name)
    kind = str(values.get("kind", "deal")).replace("_", " ")
    return f"{' – '.join(names)} ({kind})"


def new_parties(did: str, parties: list, given: set | None):
    """The (entity, role, extra) of a row's ``parties`` of deal ``did`` not given before:
    once each in the row and, for a deal id column (``given``: the (deal, entity, role)
    seen so far, updated), once in the load."""
    seen = set()
    for eid, role, extra in parties:
        key = (did, eid, role)
        if key in seen or (given is not None and key in given):
            continue
        seen.add(key)
        if given is not None:
            given.add(key)
        yield eid, role, extra


def source_id(values: dict) -> str | None:
    """The id of the source a row's mapped ``values`` make (None if they name none),
    completing them: the title defaults to the URL (or publisher), the publisher to
    the URL's host; the id is the ``id`` value, else a hash of the URL (or of publisher
    and title)."""
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
    return sid


def _deal_hash(values: dict, parties: list) -> str:
    """16 hex digits of the SHA-1 of a deal's mapped values and its (entity, role) pairs."""
    text = "\x1e".join([f"{k}\x1f{values[k]!r}" for k in sorted(values)]
                       + sorted(f"{e}\x1f{r}" for e, r, _ in parties))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


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
        sid = source_id(values)
        if sid is None:
            return None
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
            values["title"] = default_title(values, parties, self.entities)
        if self.m.deal_id is not None:
            did = self.deal_id(file, line, cells)
            if did is None:
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
        for eid, role, extra in new_parties(did, parties, self.party_keys if by_column else None):
            self.parties.append((file, line, did, eid, role, extra))

    def deal_id(self, file: str, line: int, cells: dict) -> str | None:
        """The deal id the mapping's id column gives this row; None (and a problem) if it
        is empty or not an id."""
        spec = self.m.deal_id
        raw = self.raw(spec, cells)
        if raw is None:
            self.problems.append(Problem(file, line, spec.label, "deal id is empty"))
            return None
        text = str(raw).strip()
        try:
            return parse_value(_ID_FIELD, self.m.deal_prefix + (slug(text) if spec.slug
                                                                else text))
        except ValueProblem as exc:
            fix = "" if spec.slug else _id_fix(text)
            self.problems.append(Problem(file, line, spec.label, str(exc) + fix))
            return None

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


def _file_format(mapping: Mapping, path: Path) -> str:
    if mapping.format:
        return "jsonl" if mapping.format == "json" else mapping.format
    suffix = base_suffix(path)
    if suffix == ".xlsx":
        return "xlsx"
    return "jsonl" if suffix in (".jsonl", ".ndjson", ".json") else "csv"


def csv_delimiter(mapping: Mapping, path: Path) -> str:
    """The mapping's ``delimiter``, else a tab for .tsv files and a comma for others."""
    return mapping.delimiter or ("\t" if base_suffix(path) == ".tsv" else ",")


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
    delimiter = csv_delimiter(m, path)
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
    for path in data_files(paths, mapper.problems, DATA_SUFFIXES, ".csv, .jsonl or .json"):
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
