"""Loaders: read datasets, validate them against the model and the store, write atomically.

Three input formats: the native dataset format (``native``), FollowTheMoney
entity streams (``ftm``), and any CSV / JSON Lines file read through a mapping
file (``mapping=PATH``; docs/mapping.md). All three give ``RawRecord`` objects
that ``build_batch`` validates the same way.

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> from dealgraph.loaders import load_paths, SEED_DIR
>>> store = EmbeddedStore(":memory:")
>>> load_paths(store, [SEED_DIR]).created > 20
True
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import islice
from pathlib import Path

from ..errors import LoadError, ParameterError, Problem, count_by_code, errors_of, warnings_of
from ..graph.extension import (EXTENSION_FILE, ModelExtension, extended_model,
                               merge_extensions, read_extension)
from ..graph.model import MODEL, InvalidModel, active_model, use_model
from ..graph.records import ApplySummary, Batch
from ..graph.store import Store, paused_gc
from ..report import task
from .mapper import read_mapped
from .native import iter_dataset
from .reading import REJECTS_SUFFIX, Reading
from .rows import STDIN, Sieve, base_stem, input_path, is_stream
from .validate import Validator, build_batch

__all__ = ["load_paths", "load_reading", "check_paths", "preview_paths", "read_paths", "Preview",
           "default_rejects_path", "given_extension", "use_load_model", "INPUT_FORMATS",
           "SEED_DIR"]

SEED_DIR = Path(str(resources.files("dealgraph").joinpath("data/seed")))
INPUT_FORMATS = ("native", "ftm")


def given_extension(paths: list, input_format: str = "native", mapping=None,
                    model_extension=None) -> ModelExtension | None:
    """The model extension a load brings: the file ``model_extension`` if given, else
    the one the mapping names (its ``model:`` key), else the ``model.yaml`` of each
    dataset directory among ``paths`` (several are merged). None if there is none."""
    if model_extension is not None:
        return read_extension(model_extension)
    if mapping is not None:
        from .mapper import mapping_model_path
        ref = mapping_model_path(mapping)
        return read_extension(ref) if ref else None
    found = None
    for raw in paths:
        candidate = Path(raw) / EXTENSION_FILE
        if Path(raw).is_dir() and candidate.is_file():
            found = merge_extensions(found, read_extension(candidate))
    return found


def use_load_model(store: Store, given: ModelExtension | None) -> ModelExtension | None:
    """Put the store's model, with the load's extension ``given`` merged in, in use for
    reading and validating; the merged extension if the store must keep it (it differs
    from the stored one), else None. InvalidModel if the two contradict each other."""
    stored = store.stored_extension()
    merged = merge_extensions(stored, given)
    use_model(extended_model(merged))
    return merged if merged != stored else None


def read_paths(paths: list, input_format: str = "native", mapping=None,
               sieve: Sieve | None = None) -> Reading:
    """Read ``paths`` as ``input_format`` (``native`` or ``ftm``), or through the mapping
    file ``mapping``, into raw records and the problems the reader found. Rows that
    ``sieve`` sets aside are left out (their text kept in it)."""
    if mapping is not None:
        if input_format not in (None, "native"):
            raise ParameterError(f"a mapping reads CSV or JSON Lines; it cannot be combined "
                                 f"with the {input_format} format")
        return read_mapped(paths, mapping, sieve)
    if input_format in (None, "native"):
        problems: list[Problem] = []
        with paused_gc():
            records = list(iter_dataset(paths, problems, sieve))
        return Reading(records, problems)
    if input_format == "ftm":
        from .ftm import read_ftm  # imports followthemoney, which takes a moment
        reading = read_ftm(paths)
        if sieve is not None:  # FtM records are set aside one by one, as JSON
            sieve.files.update(p.file for p in reading.problems)
            sieve.files.update(r.file for r in reading.records)
            kept = [r for r in reading.records
                    if not sieve.leave_out(r.file, r.line, lambda r=r: _as_json(r.values))]
            reading.records = kept
        return reading
    raise ParameterError(f"unknown input format {input_format!r}; expected one of: "
                         + ", ".join(INPUT_FORMATS))


def _problems(reading: Reading, found: list[Problem], strict: bool = False) -> list[Problem]:
    """The reader's problems, then validation's ``found`` — less a value the reader
    already reported and dropped, which is not "missing" as well. ``strict`` makes
    every warning an error."""
    out = list(reading.problems) + [p for p in found if not (
        p.message == "is required" and (p.file, p.line, p.field) in reading.covered)]
    return [p.as_error() for p in out] if strict else out


def _has_errors(*lists) -> bool:
    return any(p.severity != "warning" for problems in lists for p in problems)


def _validate(reading: Reading, store: Store, strict: bool = False) -> tuple[Batch, list]:
    validator = Validator(store)
    with paused_gc():
        batch = validator.feed(reading.records, last=True)
    problems = _problems(reading, validator.problems, strict)
    errors = errors_of(problems)
    if errors:
        raise LoadError(errors)
    return batch, problems


def check_paths(store: Store, paths: list, input_format: str = "native",
                mapping=None, *, strict: bool = False, model_extension=None) -> Batch:
    """Read and validate ``paths`` against ``store`` without writing; raises LoadError
    for errors (and, if ``strict``, for warnings)."""
    use_load_model(store, given_extension(paths, input_format, mapping, model_extension))
    return _validate(read_paths(paths, input_format, mapping), store, strict)[0]


def load_paths(store: Store, paths: list, input_format: str = "native",
               mapping=None, *, strict: bool = False, skip_bad_rows: bool = False,
               rejects: str | Path | None = None, model_extension=None) -> ApplySummary:
    """Read, validate and write ``paths`` into ``store`` in one atomic write.

    ``input_format`` is ``native`` (dealgraph's own CSV/JSON/YAML) or ``ftm``
    (FollowTheMoney entity streams); ``mapping`` names a mapping file for any
    other CSV or JSON Lines file (docs/mapping.md).
    Raises LoadError listing every problem; the store is then unchanged.
    Loading the same files again changes nothing.

    Records are validated and handed to the store in chunks of ``CHUNK``, inside
    one transaction: the embedded store writes each chunk at once, so a load of
    millions of rows needs memory for one chunk plus a few hundred bytes per
    record (ids and party keys for the checks that span the load).

    Implausible values in optional fields (a year 1201, an end before the start,
    a negative amount) are dropped and reported as warnings in the summary's
    ``warnings``; ``strict=True`` makes them errors. So are facts that rows give
    differently for one record (loaders/conflicts.py), with codes ``conflict-FIELD``.

    ``model_extension`` names a model extension file (docs/schema.md); without it a
    dataset directory's ``model.yaml`` or the mapping's ``model:`` is used. The store
    keeps the extension, so later loads and reads need not name it again.

    ``skip_bad_rows=True`` loads every valid row and sets the others aside: each
    source row with an error is left out whole, then every row that depended on
    one (a party row of a set-aside deal, a deal left with no party) is set aside
    too, until what remains is valid; that is written, atomically as ever, and the
    rows set aside are written unchanged, with file, line, field and reason, to
    the CSV file ``rejects`` (default: ``default_rejects_path(paths)``). Problems
    with a file as a whole (unreadable, a bad header, a bad mapping) still stop
    the load. Loading the same input again with it changes nothing.
    """
    previous = active_model()
    store_ext = use_load_model(store, given_extension(paths, input_format, mapping,
                                                      model_extension))
    try:
        if skip_bad_rows:
            return _load_skipping(store, paths, input_format, mapping, strict, rejects,
                                  store_ext)
        problems: list[Problem] = []
        sieve = Sieve()
        summary = _load_columnar(store, paths, input_format, mapping, sieve, store_ext,
                                 strict)
        if summary is not None:  # a clean native CSV dataset, loaded column-wise
            return summary
        try:
            return load_reading(store, _stream_paths(paths, input_format, mapping, problems,
                                                     sieve),
                                problems, strict=strict, model_extension=store_ext)
        except LoadError as exc:
            exc.skippable = any(not p.whole_file and p.file in sieve.files
                                for p in exc.problems)
            raise
    except BaseException:
        use_model(previous)  # nothing was written: the store's model stays in use
        raise


def load_reading(store: Store, reading: Reading, problems: list[Problem] | None = None,
                 *, strict: bool = False,
                 model_extension: ModelExtension | None = None,
                 validator: Validator | None = None) -> ApplySummary:
    """Validate and write what a reader found, as ``load_paths`` does. A list of
    records is consumed as it goes (each record dropped once validated); ``problems``
    may grow while an iterator of records is read. ``model_extension`` is kept by the
    store with the load (see ``use_load_model``); ``validator`` is a new Validator of
    ``store`` (made here if not given)."""
    problems = [] if problems is None else problems
    total = len(reading.records) if isinstance(reading.records, list) else None
    with paused_gc(), store.writer() as load, task("loading records", total) as progress:
        load.model_extension = model_extension
        validator = Validator(store) if validator is None else validator
        failed = False
        for chunk, last in _chunks(reading.records, CHUNK):
            batch = validator.feed(chunk, last)
            progress.advance(len(chunk))
            del chunk
            if not failed:
                failed = strict and bool(validator.problems or problems or reading.problems) \
                    or _has_errors(validator.problems, problems, reading.problems)
            if not failed:
                load.write(batch)  # after the first error only validation goes on
            del batch
        found = problems + _problems(reading, validator.problems)
        found = [p.as_error() for p in found] if strict else found
        errors = errors_of(found)
        if errors:
            raise LoadError(errors)
        summary = load.commit()
    summary.warnings = warnings_of(found)
    return _naming_extension(store, summary)


def _naming_extension(store: Store, summary: ApplySummary) -> ApplySummary:
    """``summary`` naming the model extension the store now has, if any."""
    if store.model_extension is not None:
        summary.model_extension = str(store.model_extension)
    return summary


CHUNK = 100_000

# Loads of native CSV files at least this big try the columnar path first (importing
# pyarrow takes a third of a second: not worth it for a few hundred rows).
COLUMNAR_MIN_BYTES = 1_000_000


def _load_columnar(store: Store, paths: list, input_format: str, mapping, sieve: Sieve,
                   model_extension, strict: bool = False) -> ApplySummary | None:
    """The load done column-wise (``columnar.load_columnar``, or for a mapping
    ``columnar_mapping.load_mapped_columnar``) if ``paths`` are CSV files of at least
    COLUMNAR_MIN_BYTES and that path can vouch for them; else None and nothing
    written: the row-by-row load runs."""
    if input_format not in (None, "native") or _input_bytes(paths) < COLUMNAR_MIN_BYTES:
        return None
    if mapping is not None:
        from .columnar_mapping import load_mapped_columnar
        summary = load_mapped_columnar(store, paths, mapping, sieve, model_extension, strict)
    else:
        from .columnar import load_columnar
        summary = load_columnar(store, paths, sieve, model_extension)
    return None if summary is None else _naming_extension(store, summary)


def _input_bytes(paths: list) -> int:
    """The size of the regular files ``paths`` name (a directory's files counted)."""
    total = 0
    for raw in paths:
        path = input_path(raw)
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.iterdir() if p.is_file())
            elif path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def default_rejects_path(paths: list) -> Path:
    """Where a load of ``paths`` puts the rows it sets aside: next to the first input,
    named for it (``acq.csv`` -> ``acq.rejects.csv``; a directory ``ds`` ->
    ``ds.rejects.csv`` beside it; standard input -> ``stdin.rejects.csv`` here). No
    directory read as a dataset reads a ``*.rejects.csv`` file as data."""
    first = input_path(paths[0]) if paths else Path(STDIN)
    if str(paths[0] if paths else STDIN) == STDIN or is_stream(first):
        return Path("stdin" + REJECTS_SUFFIX)
    if first.is_dir():
        return first.parent / (first.resolve().name + REJECTS_SUFFIX)
    return first.parent / (base_stem(first) + REJECTS_SUFFIX)


REJECT_COLUMNS = ("file", "line", "field", "reason", "row")


def _setting_aside(store: Store, paths: list, input_format: str, mapping, run, first=None
                   ) -> tuple[object, Sieve, dict[tuple[str, int], list[Problem]]]:
    """Pass after pass over ``paths``, each leaving out the rows set aside so far:
    ``run(reading, problems, validator)`` either gives what the pass is for (the load
    itself, or a preview) or raises LoadError; the rows of its errors are set aside,
    and in the next pass the rows that depended on them. Returns what the first pass
    without errors gave, its sieve (the texts of the rows set aside) and the rows set
    aside, each with its problems. Raises LoadError for a problem that no row can be
    blamed for.

    ``first(sieve)``, if given, is tried at the start of each pass: what it gives (not
    None) ends the passes as a pass without errors would (the columnar load, which
    gives None unless it can vouch for every row the pass would read)."""
    reasons: dict[tuple[str, int], list[Problem]] = {}
    gone: set[str] = set()  # ids of records found invalid: what refers to them is set aside
    while True:
        if first is not None:
            sieve = Sieve(set(reasons))
            done = first(sieve)
            if done is not None:
                return done, sieve, reasons
        sieve = Sieve(set(reasons))
        problems: list[Problem] = []
        reading = _stream_paths(paths, input_format, mapping, problems, sieve)
        validator = Validator(store, gone)
        try:
            return run(reading, problems, validator), sieve, reasons
        except LoadError as exc:
            found = exc.problems
        gone.update(validator.broken_ids)
        errors = [p for p in found if (p.file, p.line) not in reasons]
        fatal = [p for p in errors if p.whole_file or p.file not in sieve.files]
        if fatal or not errors:
            raise LoadError(fatal or found)
        for p in errors:
            reasons.setdefault((p.file, p.line), []).append(p)


@contextmanager
def _spooled(paths: list):
    """``paths`` with every stream (``-``, a pipe) copied to a temporary file, since
    setting rows aside reads the input more than once; and the names to report for
    the copies (the stream's own)."""
    with tempfile.TemporaryDirectory(prefix="dealgraph-") as tmp:
        out, names = [], {}
        for i, raw in enumerate(paths):
            path = input_path(raw)
            if str(raw) == STDIN or is_stream(path):
                copy = Path(tmp) / f"{i}-{path.name}"
                with open(path, "rb") as src, open(copy, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                out.append(copy)
                names[str(copy)] = str(path)
            else:
                out.append(raw)
        yield out, names


def _renamed(problems: list[Problem], names: dict) -> list[Problem]:
    if not names:
        return problems
    return [replace(p, file=names.get(p.file, p.file)) for p in problems]


def _load_skipping(store: Store, paths: list, input_format: str, mapping, strict: bool,
                   rejects, model_extension: ModelExtension | None = None) -> ApplySummary:
    """``load_paths`` with ``skip_bad_rows``."""
    target = Path(rejects) if rejects is not None else default_rejects_path(paths)
    inputs = {os.path.realpath(input_path(p)) for p in paths}
    if os.path.realpath(target) in inputs or target.is_dir():
        raise ParameterError(f"--rejects {target}: must be a new file, not an input "
                             "or a directory")
    with _spooled(paths) as (files, names):
        # each pass is tried column-wise first (it loads what remains if it can vouch
        # for all of it), then row by row; the pass that finds no error is the load
        def columnar(sieve: Sieve) -> ApplySummary | None:
            return _load_columnar(store, files, input_format, mapping, sieve,
                                  model_extension, strict)

        def load(reading: Reading, problems: list, validator: Validator) -> ApplySummary:
            return load_reading(store, reading, problems, strict=strict,
                                model_extension=model_extension, validator=validator)
        try:
            summary, sieve, reasons = _setting_aside(store, files, input_format, mapping,
                                                     load, columnar)
        except LoadError as exc:
            raise LoadError(_renamed(exc.problems, names)) from None
    summary.warnings = _renamed(summary.warnings, names)
    summary.set_aside, summary.rows_loaded = len(reasons), sieve.rows
    summary.rejects = str(target)
    _write_rejects(target, reasons, sieve.texts, names)
    return summary


def _write_rejects(target: Path, reasons: dict, texts: dict, names: dict) -> None:
    """The rejects file: one row per row set aside, in file and line order, its source
    text unchanged in ``row``; written whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".rejects-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(REJECT_COLUMNS)
            for (file, line), found in sorted(reasons.items()):
                fields = list(dict.fromkeys(p.field for p in found if p.field))
                out.writerow([names.get(file, file), line, "; ".join(fields),
                              "; ".join(dict.fromkeys(p.message for p in found)),
                              texts.get((file, line), "")])
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _as_json(values: dict) -> str:
    import json
    return json.dumps(values, ensure_ascii=False, default=str)


def _stream_paths(paths: list, input_format: str, mapping, problems: list,
                  sieve: Sieve | None = None) -> Reading:
    """As ``read_paths``, but native records come one at a time (the mapping and FtM
    readers deduplicate across the whole input, so they hand over their records
    at the end); problems of unreadable files land in ``problems``."""
    if mapping is None and input_format in (None, "native"):
        return Reading(iter_dataset(paths, problems, sieve))
    return read_paths(paths, input_format, mapping, sieve)


def _chunks(records, size: int):
    """(chunk, is_last) pairs of up to ``size`` records, looking one record ahead."""
    if isinstance(records, list):
        it = _drain(records)
    else:
        it = records.drain() if hasattr(records, "drain") else iter(records)
    chunk = list(islice(it, size))
    while True:
        nxt = next(it, _END)
        if nxt is _END:
            yield chunk, True
            return
        yield chunk, False
        chunk = [nxt]
        chunk.extend(islice(it, size - 1))


_END = object()


def _drain(records: list):
    """The records of a list, each removed from it as it is handed out."""
    for i in range(len(records)):
        rec, records[i] = records[i], None
        yield rec
    records.clear()


@dataclass
class Preview:
    """What a load would do: records per kind that would be written (``parties`` for
    parties; nothing while errors stand), records read per kind, what the reader
    skipped, every error (``problems``) and every warning."""
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    set_aside: list[Problem] = field(default_factory=list)
    rows_set_aside: int | None = None
    model_extension: str | None = None  # the names of the extension the load would use

    def as_dict(self) -> dict:
        out: dict = {"would_load": self.counts}
        if self.problems:
            out["read"] = self.read
        if self.rows_set_aside is not None:
            out["rows_set_aside"] = self.rows_set_aside
        if self.skipped:
            out["skipped"] = self.skipped
        if self.problems:
            out["problems"] = len(self.problems)
        if self.warnings:
            out["warnings"] = count_by_code(self.warnings)
        if self.model_extension:
            out["model_extension"] = self.model_extension
        return out


def preview_paths(store: Store, paths: list, input_format: str = "native",
                  mapping=None, *, strict: bool = False, skip_bad_rows: bool = False,
                  model_extension=None) -> Preview:
    """Read and validate ``paths`` without writing. Unlike ``check_paths`` it does not
    raise for problems in the data: it returns them, with the warnings, the counts
    of what was read and (when there are no errors) of what would be written. With
    ``skip_bad_rows`` the rows a load would set aside are in ``set_aside`` and the
    counts are those of what would still be written."""
    try:
        ext = use_load_model(store, given_extension(paths, input_format, mapping,
                                                    model_extension))
    except InvalidModel as exc:
        return Preview({}, [Problem(str(model_extension or mapping or paths[0]), 0, "",
                                    str(exc))])
    ext_name = str(ext or store.model_extension or "") or None
    preview = _preview_skipping(store, paths, input_format, mapping, strict, skip_bad_rows)
    preview.model_extension = ext_name
    return preview


def _preview_skipping(store: Store, paths: list, input_format: str, mapping, strict: bool,
                      skip_bad_rows: bool) -> Preview:
    if not skip_bad_rows:
        return _preview(store, paths, input_format, mapping, strict, None)
    def previewed(reading: Reading, problems: list, validator: Validator) -> Preview:
        preview = _previewed(reading, problems, strict, validator)
        if preview.problems:
            raise LoadError(preview.problems)
        return preview
    with _spooled(paths) as (files, names):
        try:
            preview, _, reasons = _setting_aside(store, files, input_format, mapping,
                                                 previewed)
        except LoadError as exc:
            return Preview({}, _renamed(exc.problems, names))
    preview.warnings = _renamed(preview.warnings, names)
    preview.set_aside = _renamed([p for found in reasons.values() for p in found], names)
    preview.rows_set_aside = len(reasons)
    return preview


def _preview(store: Store, paths: list, input_format: str, mapping, strict: bool,
             sieve: Sieve | None) -> Preview:
    try:
        reading = read_paths(paths, input_format, mapping, sieve)
    except LoadError as exc:  # a broken mapping file
        return Preview({}, exc.problems)
    return _previewed(reading, [], strict, Validator(store))


def _previewed(reading: Reading, problems: list, strict: bool,
               validator: Validator) -> Preview:
    """What ``reading`` would load (``problems``: those of a stream's files)."""
    valid: dict[str, int] = {}
    read = {MODEL.kinds[k].label: 0 for k in MODEL.node_kinds}
    read["parties"] = 0
    with paused_gc():  # in chunks, as a load: a dry run of a big file fits in memory too
        for chunk, last in _chunks(reading.records, CHUNK):
            for rec in chunk:
                key = rec.kind.label or "parties"
                read[key] = read.get(key, 0) + 1
            for key, n in validator.feed(chunk, last).counts().items():
                valid[key] = valid.get(key, 0) + n
    problems = [p.as_error() for p in problems] if strict else problems
    problems = problems + _problems(reading, validator.problems, strict)
    errors, warnings = errors_of(problems), warnings_of(problems)
    read = {k: v for k, v in read.items() if v}
    if errors:
        return Preview({}, errors, reading.skipped, warnings, read)
    return Preview(valid, [], reading.skipped, warnings, read)
