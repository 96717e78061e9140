"""neo4j-import export: header and data files for Neo4j's offline importer,
``neo4j-admin database import full``, which fills an empty database far faster than
any transactional load.

The directory gets, for each node kind, ``nodes-<Label>-header.csv`` and
``nodes-<Label>.csv``; for each relationship type, ``rels-<TYPE>-header.csv`` and
``rels-<TYPE>.csv``; and ``arguments.txt``, the importer's arguments (one per line,
file names relative to the directory), which ``scripts/neo4j-local import DIR`` uses.
The graph is shaped as dealgraph's Neo4j store shapes it: ``id`` is the node key (one
id space, as ids are unique across kinds), entities carry ``Entity`` and their kind's
label, date fields keep their text and get ``<field>_from``/``<field>_to`` DATE
companions, entities get their ``name_keys`` (see ``dealgraph.graph.neo4j_schema``), lists are ``string[]`` joined with ``|``, numbers are ``long`` when every
value of the field is whole and ``double`` otherwise. dealgraph creates its
constraints and indexes when it first opens the imported database.

>>> headers_for([], "Firm")[:2]
['id:ID', ':LABEL']
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import DealgraphError
from ..graph.dates import DATE_FROM, DATE_TO, date_companions, date_fields
from ..graph.model import ENTITY_LABEL, MODEL
from ..graph.neo4j_schema import NAME_KEYS, derived_props
from ..graph.records import Subgraph
from .common import stream_nodes, stream_rels, write_text

__all__ = ["write", "ARRAY_DELIMITER", "SUFFIX"]

SUFFIX = ""
DIRECTORY = True
ARRAY_DELIMITER = "|"
_ENTITY_LABELS = {MODEL.kinds[k].label for k in MODEL.entity_kinds}


def _kind_fields(label: str):
    for kind in MODEL.kinds.values():
        if kind.label == label:
            return [f for f in kind.prop_fields]
    return []


def _number_type(values) -> str:
    return "long" if all(isinstance(v, int) and not isinstance(v, bool) for v in values) \
        else "double"


def headers_for(nodes, label: str) -> list[str]:
    """The header of a node file: the key, the labels, then every property with its type
    (model fields in model order, then any other property the nodes carry)."""
    out = ["id:ID", ":LABEL"]
    names = [f.name for f in _kind_fields(label)]
    names += sorted({k for n in nodes for k in n.props} - set(names))
    for name in names:
        values = [n.props[name] for n in nodes if name in n.props]
        if name in date_fields(label):
            out += [name, f"{name}{DATE_FROM}:date", f"{name}{DATE_TO}:date"]
        elif values and all(isinstance(v, (list, tuple)) for v in values):
            out.append(f"{name}:string[]")
        elif values and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                            for v in values):
            out.append(f"{name}:{_number_type(values)}")
        elif values and all(isinstance(v, bool) for v in values):
            out.append(f"{name}:boolean")
        else:
            out.append(name)
    if label in _ENTITY_LABELS:
        out.append(NAME_KEYS)
    return out


def _cell(value, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        bad = [v for v in value if ARRAY_DELIMITER in str(v)]
        if bad:
            raise DealgraphError(f"{where}: the list value {bad[0]!r} contains "
                                 f"'{ARRAY_DELIMITER}', the importer's array delimiter; "
                                 "export --format cypher or dataset instead")
        return ARRAY_DELIMITER.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.csv"):  # an earlier export of another selection
        if old.name.startswith(("nodes-", "rels-")):
            old.unlink()
    written: list[Path] = []
    args: list[str] = []
    by_label: dict[str, list] = {}
    for node in stream_nodes(sub):
        by_label.setdefault(node.label, []).append(node)
    for label, nodes in by_label.items():
        header = headers_for(nodes, label)
        labels = ARRAY_DELIMITER.join([ENTITY_LABEL, label] if label in _ENTITY_LABELS else [label])
        rows = []
        for node in nodes:
            extra = date_companions(label, node.props)
            derived = derived_props(label, node.id, node.props)
            row = []
            for col in header:
                name = col.split(":", 1)[0]
                if col == "id:ID":
                    row.append(node.id)
                elif col == ":LABEL":
                    row.append(labels)
                elif name in extra:
                    row.append(extra[name].isoformat())
                elif name in derived:
                    row.append(derived[name])
                else:
                    row.append(_cell(node.props.get(name), f"{node.id}.{name}"))
            rows.append(row)
        head = path / f"nodes-{label}-header.csv"
        data = path / f"nodes-{label}.csv"
        written += [write_text(head, _csv([header])), write_text(data, _csv(rows))]
        args.append(f"--nodes={head.name},{data.name}")
    by_type: dict[str, list] = {}
    for rel in stream_rels(sub):
        by_type.setdefault(rel.type, []).append(rel)
    for rtype, rels in by_type.items():
        names = sorted({k for r in rels for k in r.props},
                       key=lambda k: (k != "role", k))
        header = [":START_ID", ":END_ID"] + names
        rows = [[r.src, r.dst] + [_cell(r.props.get(k), f"{r.src}->{r.dst}.{k}") for k in names]
                for r in rels]
        head = path / f"rels-{MODEL.rel_type(rtype)}-header.csv"
        data = path / f"rels-{MODEL.rel_type(rtype)}.csv"
        written += [write_text(head, _csv([header])), write_text(data, _csv(rows))]
        args.append(f"--relationships={MODEL.rel_type(rtype)}={head.name},{data.name}")
    args += [f"--array-delimiter={ARRAY_DELIMITER}", "--multiline-fields=true"]
    written.append(write_text(path / "arguments.txt", "\n".join(args) + "\n"))
    return written
