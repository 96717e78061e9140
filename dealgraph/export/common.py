"""What the export formats share: flat attribute tables, node styling, safe XML text, atomic writes.

Graph formats (GraphML, GEXF, JSON, CSV) describe every node with the same
attributes: ``type`` (the kind: Firm, Government, Person, Deal, Source),
``label`` (the display name: name, else title, else id) and the node's
properties under their model names. Relationships carry ``type`` (PARTY_TO,
CITES, ...) and their properties (``role``, ``note``). Formats without a list
type join list values with the model's separator ``|``.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Iterable
from pathlib import Path

from ..graph.model import MODEL, active_model
from ..graph.records import Node, Rel, Subgraph
from ..graph.select import WholeGraph
from ..graph.store import node_order_key, rel_order
# The map's fill for deals whose status is in style.grey_status (rejected, cancelled, expired),
# and its colour for kinds without one, so that exports look like the map.
from ..viz.elements import DEFAULT_STYLE as _MAP_DEFAULT
from ..viz.elements import GREY

__all__ = ["TYPE_ATTR", "LABEL_ATTR", "COLOR_ATTR", "RESERVED", "node_attrs", "rel_attrs", "flat",
           "flat_attrs", "attribute_types", "node_columns", "rel_columns", "list_fields",
           "node_colour", "node_shape", "GREY", "xml_text", "xml_attr", "write_text",
           "write_bytes", "write_chunks", "ordered_nodes", "ordered_rels", "stream_nodes", "stream_rels",
           "ordered_props", "edge_kind", "is_grey", "is_dashed"]

TYPE_ATTR = "type"
LABEL_ATTR = "label"
# Attribute names the formats use for themselves; no model field may be called so.
COLOR_ATTR = "color"
RESERVED = frozenset({TYPE_ATTR, LABEL_ATTR, COLOR_ATTR, "id", "source", "target", "key"})



# -- attribute tables ------------------------------------------------------------

def ordered_nodes(sub: Subgraph) -> list[Node]:
    """Nodes by kind in model order, then by id: the order every format writes."""
    return sorted(sub.nodes.values(), key=node_order_key())


def ordered_rels(sub: Subgraph) -> list[Rel]:
    return sorted(sub.rels, key=rel_order)


def stream_nodes(sub: Subgraph) -> Iterable[Node]:
    """``ordered_nodes``, for a format that goes through them once: the whole graph of a
    store (``WholeGraph``) is then read from the store a part at a time, not held."""
    if isinstance(sub, WholeGraph) and sub.streamed:
        return sub.store.iter_nodes()
    return ordered_nodes(sub)


def stream_rels(sub: Subgraph) -> Iterable[Rel]:
    """``ordered_rels`` once through; see ``stream_nodes``."""
    if isinstance(sub, WholeGraph) and sub.streamed:
        return sub.store.iter_rels()
    return ordered_rels(sub)


_ORDERS: dict[int, tuple[dict, dict]] = {}


def _orders() -> tuple[dict[str, int], dict[str, int]]:
    """The order of node and of relationship properties in the model in use (so a
    model extension's fields come after the built-in ones, in their declared order)."""
    model = active_model()
    orders = _ORDERS.get(id(model))
    if orders is None:
        nodes: dict[str, int] = {}
        for kind in model.kinds.values():
            if kind.is_node:
                for f in kind.prop_fields:
                    nodes.setdefault(f.name, len(nodes))
        rels = {f.name: i for i, f in enumerate(
            f for k in model.kinds.values() if k.rel for f in k.fields.values()
            if f.type not in ("ref", "refs"))}
        orders = _ORDERS[id(model)] = (nodes, rels)
    return orders


def list_fields() -> list[str]:
    """Names of the node properties that hold lists (``aliases``)."""
    out: list[str] = []
    for kind in MODEL.kinds.values():
        for f in kind.prop_fields:
            if f.multi and f.name not in out:
                out.append(f.name)
    return out


def _sorted_keys(keys, order: dict[str, int]) -> list[str]:
    return sorted(keys, key=lambda k: (order.get(k, len(order)), k))


def edge_kind(rel: Rel) -> str:
    """What tells a relationship from a parallel one for Gephi (GEXF's edge ``kind``, the
    ``label`` attribute of a GraphML edge): its type, with the role when it has one
    (``PARTY_TO:acquirer``). Gephi merges parallel edges only within one kind."""
    role = rel.props.get("role")
    return f"{rel.type}:{role}" if role else rel.type


def ordered_props(props: dict, rel: bool = False) -> dict:
    """A node's (or, with ``rel``, a relationship's) properties in model field order, then
    by name: the same order whichever store they were read from."""
    order = _orders()[1 if rel else 0]
    return {k: props[k] for k in _sorted_keys(props, order)}


def node_attrs(node: Node) -> dict:
    """``type``, ``label`` and the properties of a node (lists kept as lists)."""
    out = {TYPE_ATTR: node.label, LABEL_ATTR: node.name}
    for k in _sorted_keys(node.props, _orders()[0]):
        out[k] = node.props[k]
    return out


def rel_attrs(rel: Rel) -> dict:
    out = {TYPE_ATTR: rel.type}
    for k in _sorted_keys(rel.props, _orders()[1]):
        out[k] = rel.props[k]
    return out


def flat(value):
    """A value as formats without lists hold it: lists joined with ``|``."""
    if isinstance(value, (list, tuple)):
        return MODEL.separator.join(str(v) for v in value)
    return value


def flat_attrs(attrs: dict) -> dict:
    return {k: flat(v) for k, v in attrs.items() if v is not None}


def node_columns(sub: Subgraph) -> list[str]:
    """``type``, ``label`` and every node property of the model (model order), plus any
    other property the subgraph's nodes carry."""
    order = _orders()[0]
    nodes = stream_nodes(sub) if isinstance(sub, WholeGraph) else sub.nodes.values()
    extra = {k for n in nodes for k in n.props if k not in order}
    return [TYPE_ATTR, LABEL_ATTR] + list(order) + sorted(extra)


def rel_columns(sub: Subgraph) -> list[str]:
    order = _orders()[1]
    rels = stream_rels(sub) if isinstance(sub, WholeGraph) else sub.rels
    extra = {k for r in rels for k in r.props if k not in order}
    return [TYPE_ATTR] + list(order) + sorted(extra)


def attribute_types(rows: list[dict]) -> dict[str, str]:
    """For each attribute of ``rows`` (flat dicts), in first-seen order: ``long`` when every
    value is an int, ``double`` when every value is a number, else ``string``."""
    kinds: dict[str, set] = {}
    for row in rows:
        for k, v in row.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                t = "string"
            else:
                t = "long" if isinstance(v, int) else "double"
            kinds.setdefault(k, set()).add(t)
    out = {}
    for k, ts in kinds.items():
        out[k] = "string" if "string" in ts else "double" if "double" in ts else "long"
    return out


# -- styling (the map's colours and shapes, from model.yaml) ---------------------------------

def is_grey(node: Node) -> bool:
    return node.label == "Deal" and node.props.get("status") in MODEL.style.get("grey_status", [])


def is_dashed(node: Node) -> bool:
    return node.label == "Deal" and node.props.get("status") in \
        MODEL.style.get("dashed_status", [])


def node_colour(node: Node) -> str:
    """``#rrggbb`` of a node as the map draws it: its kind's colour, grey for dead deals."""
    if is_grey(node):
        return GREY
    return (MODEL.style.get(node.label) or {}).get("color", _MAP_DEFAULT["color"])


def node_shape(node: Node) -> str:
    """The kind's map shape: dot, diamond, triangle, square or box."""
    return (MODEL.style.get(node.label) or {}).get("shape", "dot")


# -- XML text -----------------------------------------------------------------------

# Characters XML 1.0 cannot hold at all; they are replaced by U+FFFD.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    """Text escaped for XML element content. Carriage returns become ``&#13;`` so that
    parsers do not fold them away; characters XML cannot hold become U+FFFD."""
    text = _XML_INVALID.sub("\ufffd", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def xml_attr(value) -> str:
    """Text escaped for a double-quoted XML attribute (whitespace kept as character refs)."""
    return (xml_text(value).replace('"', "&quot;").replace("\n", "&#10;")
            .replace("\t", "&#9;"))


# -- writing --------------------------------------------------------------------------

def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a reader sees the old file or the new one."""
    return write_chunks(path, [data])


def write_chunks(path: Path, chunks: Iterable[bytes | str]) -> Path:
    """Write the chunks (text is written as UTF-8) to ``path`` one by one, atomically as
    ``write_bytes``: a big export is streamed, never held whole in memory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; exports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))
