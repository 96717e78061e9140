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

from dataclasses import dataclass, field
from importlib import resources
from itertools import islice
from pathlib import Path

from ..errors import LoadError, ParameterError, Problem, count_by_code, errors_of, warnings_of
from ..graph.model import MODEL
from ..graph.records import ApplySummary, Batch
from ..graph.store import Store, paused_gc
from .mapping import Reading, read_mapped
from .native import iter_dataset, read_dataset
from .validate import Validator, build_batch

__all__ = ["load_paths", "load_reading", "check_paths", "preview_paths", "read_paths", "Preview",
           "INPUT_FORMATS", "SEED_DIR"]

SEED_DIR = Path(str(resources.files("dealgraph").joinpath("data/seed")))
INPUT_FORMATS = ("native", "ftm")


def read_paths(paths: list, input_format: str = "native", mapping=None) -> Reading:
    """Read ``paths`` as ``input_format`` (``native`` or ``ftm``), or through the mapping
    file ``mapping``, into raw records and the problems the reader found."""
    if mapping is not None:
        if input_format not in (None, "native"):
            raise ParameterError(f"a mapping reads CSV or JSON Lines; it cannot be combined "
                                 f"with the {input_format} format")
        return read_mapped(paths, mapping)
    if input_format in (None, "native"):
        return Reading(read_dataset(paths))
    if input_format == "ftm":
        from .ftm import read_ftm  # imports followthemoney, which takes a moment
        return read_ftm(paths)
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
                mapping=None, *, strict: bool = False) -> Batch:
    """Read and validate ``paths`` against ``store`` without writing; raises LoadError
    for errors (and, if ``strict``, for warnings)."""
    return _validate(read_paths(paths, input_format, mapping), store, strict)[0]


def load_paths(store: Store, paths: list, input_format: str = "native",
               mapping=None, *, strict: bool = False) -> ApplySummary:
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
    ``warnings``; ``strict=True`` makes them errors.
    """
    problems: list[Problem] = []
    return load_reading(store, _stream_paths(paths, input_format, mapping, problems), problems,
                        strict=strict)


def load_reading(store: Store, reading: Reading, problems: list[Problem] | None = None,
                 *, strict: bool = False) -> ApplySummary:
    """Validate and write what a reader found, as ``load_paths`` does. A list of
    records is consumed as it goes (each record dropped once validated); ``problems``
    may grow while an iterator of records is read."""
    problems = [] if problems is None else problems
    with paused_gc(), store.writer() as load:
        validator = Validator(store)
        failed = False
        for chunk, last in _chunks(reading.records, CHUNK):
            batch = validator.feed(chunk, last)
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
    return summary


CHUNK = 100_000


def _stream_paths(paths: list, input_format: str, mapping, problems: list) -> Reading:
    """As ``read_paths``, but native records come one at a time (the mapping and FtM
    readers deduplicate across the whole input, so they hand over their records
    at the end); problems of unreadable files land in ``problems``."""
    if mapping is None and input_format in (None, "native"):
        return Reading(iter_dataset(paths, problems))
    return read_paths(paths, input_format, mapping)


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

    def as_dict(self) -> dict:
        out: dict = {"would_load": self.counts}
        if self.problems:
            out["read"] = self.read
        if self.skipped:
            out["skipped"] = self.skipped
        if self.problems:
            out["problems"] = len(self.problems)
        if self.warnings:
            out["warnings"] = count_by_code(self.warnings)
        return out


def preview_paths(store: Store, paths: list, input_format: str = "native",
                  mapping=None, *, strict: bool = False) -> Preview:
    """Read and validate ``paths`` without writing. Unlike ``check_paths`` it does not
    raise for problems in the data: it returns them, with the warnings, the counts
    of what was read and (when there are no errors) of what would be written."""
    try:
        reading = read_paths(paths, input_format, mapping)
    except LoadError as exc:  # unreadable files or a broken mapping file
        return Preview({}, exc.problems)
    valid: dict[str, int] = {}
    read = {MODEL.kinds[k].label: 0 for k in MODEL.node_kinds}
    read["parties"] = 0
    validator = Validator(store)
    with paused_gc():  # in chunks, as a load: a dry run of a big file fits in memory too
        for chunk, last in _chunks(reading.records, CHUNK):
            for rec in chunk:
                key = rec.kind.label or "parties"
                read[key] = read.get(key, 0) + 1
            for key, n in validator.feed(chunk, last).counts().items():
                valid[key] = valid.get(key, 0) + n
    problems = _problems(reading, validator.problems, strict)
    errors, warnings = errors_of(problems), warnings_of(problems)
    read = {k: v for k, v in read.items() if v}
    if errors:
        return Preview({}, errors, reading.skipped, warnings, read)
    return Preview(valid, [], reading.skipped, warnings, read)
