"""Dataset export: the native CSV directory that ``dealgraph load`` reads back.

Writes ``sources.csv``, ``firms.csv``, ``governments.csv``, ``people.csv``,
``deals.csv`` and ``parties.csv`` with the model's columns (docs/schema.md),
and the store's model extension, if it has one, as ``model.yaml``.
List fields are joined with ``|``; ``parent``, ``affiliation`` and ``sources``
come from the SUBSIDIARY_OF, PART_OF, AFFILIATED_WITH and CITES relationships;
``parties.csv`` from PARTY_TO. Loading the directory into an empty store gives
back the same nodes, properties and relationships.

What is written is exactly the selected subgraph. A reference to a record
outside it (a parent firm, a person's employer) is not in the subgraph, so it
is not written: the field is left empty rather than pointing at a record the
dataset does not hold. Sources are always in (every selection brings the
sources its records cite), and so are a deal's parties for the selections
that ``dealgraph export`` makes. A subgraph with a deal that has no party in
it cannot be written, because such a deal could not be loaded.

If a list value itself contains ``|`` (possible when it was loaded from JSON
or YAML), that kind's file is written as ``<file>.json`` instead of CSV, which
the loader reads the same way.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..errors import DealgraphError
from ..graph.extension import EXTENSION_FILE
from ..graph.model import MODEL, Kind
from ..graph.records import Subgraph
from ..loaders.native import DATA_SUFFIXES
from .common import write_text

__all__ = ["write", "records", "SUFFIX"]

SUFFIX = ""
DIRECTORY = True


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return MODEL.separator.join(_cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def records(sub: Subgraph) -> dict[str, list[dict]]:
    """The dataset's records, by kind name (Source, Firm, ..., Party), in load order.

    Values are as stored (lists as lists); fields without a value are left out.
    """
    out: dict[str, list[dict]] = {name: [] for name in MODEL.kinds}
    by_src: dict[tuple[str, str], list[str]] = {}
    for r in sub.rels:
        by_src.setdefault((r.src, r.type), []).append(r.dst)
    label_kind = {k.label: k for k in MODEL.kinds.values() if k.label}
    for node in sorted(sub.nodes.values(), key=lambda n: n.id):
        kind = label_kind.get(node.label)
        if kind is None:
            continue
        rec: dict = {"id": node.id}
        for f in kind.fields.values():
            if f.name == "id":
                continue
            if f.rel:
                allowed = {MODEL.kinds[k].label for k in f.ref}
                refs = sorted(d for d in by_src.get((node.id, f.rel), [])
                              if sub.nodes[d].label in allowed)
                if refs:
                    rec[f.name] = refs if f.multi else refs[0]
            elif f.name in node.props:
                rec[f.name] = node.props[f.name]
        out[kind.name].append(rec)
    party_kind = next(k for k in MODEL.kinds.values() if k.rel == "PARTY_TO")
    parties = sorted((r for r in sub.rels if r.type == party_kind.rel),
                     key=lambda r: (r.dst, r.src, r.props.get("role", "")))
    for r in parties:
        rec = {"deal": r.dst, "entity": r.src}
        rec.update({k: v for k, v in r.props.items() if k in party_kind.fields})
        out[party_kind.name].append(rec)
    with_party = {r.dst for r in parties}
    missing = sorted(n.id for n in sub.of_label("Deal") if n.id not in with_party)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise DealgraphError(f"cannot write a loadable dataset: {len(missing)} deal(s) have no "
                             f"party in the selection ({shown}); select them with their parties")
    return out


def _needs_json(kind: Kind, rows: list[dict]) -> bool:
    multi = [f.name for f in kind.fields.values() if f.multi]
    return any(MODEL.separator in str(v) for row in rows for name in multi
               for v in row.get(name, []))


def _csv(kind: Kind, rows: list[dict]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    columns = list(kind.fields)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) if c in row else "" for c in columns])
    return buf.getvalue()


def _check_directory(path: Path) -> None:
    if not path.is_dir():
        return
    ours = {f"{k.file}{s}" for k in MODEL.kinds.values() for s in (".csv", ".json")}
    ours.add(EXTENSION_FILE)
    others = sorted(p.name for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and p.name not in ours)
    if others:
        raise DealgraphError(f"{path} already holds other data files ({', '.join(others[:5])}), "
                             "which `dealgraph load` would read too; choose an empty directory")


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    path = Path(path)
    recs = records(sub)
    _check_directory(path)
    written = []
    for kind in MODEL.kinds.values():
        rows = recs[kind.name]
        as_json = _needs_json(kind, rows)
        target = path / f"{kind.file}{'.json' if as_json else '.csv'}"
        stale = path / f"{kind.file}{'.csv' if as_json else '.json'}"
        if as_json:
            text = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
        else:
            text = _csv(kind, rows)
        written.append(write_text(target, text))
        if stale.exists():
            stale.unlink()
    # the store's model extension travels with the dataset, as its model.yaml
    ext_file = path / EXTENSION_FILE
    if MODEL.extension is not None:
        written.append(write_text(ext_file, MODEL.extension.to_yaml()))
    elif ext_file.exists():
        ext_file.unlink()
    return written
