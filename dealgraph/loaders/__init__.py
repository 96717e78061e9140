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

from ..errors import LoadError, ParameterError, Problem
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


def _problems(reading: Reading, found: list[Problem]) -> list[Problem]:
    """The reader's problems, then validation's ``found`` — less a value the reader
    already reported and dropped, which is not "missing" as well."""
    return list(reading.problems) + [p for p in found if not (
        p.message == "is required" and (p.file, p.line, p.field) in reading.covered)]


def _validate(reading: Reading, store: Store) -> Batch:
    try:
        batch = build_batch(reading.records, store)
        problems = _problems(reading, [])
    except LoadError as exc:
        batch, problems = None, _problems(reading, exc.problems)
    if problems:
        raise LoadError(problems)
    return batch


def check_paths(store: Store, paths: list, input_format: str = "native",
                mapping=None) -> Batch:
    """Read and validate ``paths`` against ``store`` without writing; raises LoadError."""
    return _validate(read_paths(paths, input_format, mapping), store)


def load_paths(store: Store, paths: list, input_format: str = "native",
               mapping=None) -> ApplySummary:
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
    """
    problems: list[Problem] = []
    return load_reading(store, _stream_paths(paths, input_format, mapping, problems), problems)


def load_reading(store: Store, reading: Reading, problems: list[Problem] | None = None
                 ) -> ApplySummary:
    """Validate and write what a reader found, as ``load_paths`` does. A list of
    records is consumed as it goes (each record dropped once validated); ``problems``
    may grow while an iterator of records is read."""
    problems = [] if problems is None else problems
    with paused_gc(), store.writer() as load:
        validator = Validator(store)
        for chunk, last in _chunks(reading.records, CHUNK):
            batch = validator.feed(chunk, last)
            del chunk
            if not validator.problems and not problems and not reading.problems:
                load.write(batch)  # after the first problem only validation goes on
            del batch
        problems += _problems(reading, validator.problems)
        if problems:
            raise LoadError(problems)
        return load.commit()


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
    """What a load would do: records per kind (``parties`` for parties), what the
    reader skipped, and every problem (nothing can be loaded while there are any)."""
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        out: dict = {"would_load": self.counts}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.problems:
            out["problems"] = len(self.problems)
        return out


def preview_paths(store: Store, paths: list, input_format: str = "native",
                  mapping=None) -> Preview:
    """Read and validate ``paths`` without writing. Unlike ``check_paths`` it does not
    raise for problems in the data: it returns them with the counts of what was read."""
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
    problems = _problems(reading, validator.problems)
    if problems:
        return Preview({k: v for k, v in read.items() if v}, problems, reading.skipped)
    return Preview(valid, [], reading.skipped)
