"""Store-neutral records: nodes, relationships, a batch to write, a subgraph read back.

Both stores take a ``Batch`` and give back ``Subgraph`` objects made of these,
which is what lets tests compare them field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Node", "Rel", "Batch", "Subgraph", "ApplySummary", "edge_key"]


@dataclass(frozen=True, slots=True)
class Node:
    """A node: its id, its kind's label (Firm, Government, Person, Deal, Source) and properties."""
    id: str
    label: str
    props: dict

    @property
    def name(self) -> str:
        return self.props.get("name") or self.props.get("title") or self.id


@dataclass(frozen=True, slots=True)
class Rel:
    """A relationship ``src -[type]-> dst``; PARTY_TO carries ``role`` (and maybe ``note``)."""
    src: str
    type: str
    dst: str
    props: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.src, self.type, self.dst, self.props.get("role", ""))


@dataclass
class Batch:
    """Validated records to upsert in one atomic write.

    ``nodes`` replace the properties and outgoing field relationships (CITES,
    SUBSIDIARY_OF, PART_OF, AFFILIATED_WITH) of nodes with the same id.
    ``party_deals`` are the deals whose PARTY_TO relationships are replaced by
    the ones in ``rels``. ``rows`` holds more relationships, already in the load
    planner's form (``graph.plan.RelRow`` tuples): the columnar loader makes them
    without a ``Rel`` object per row.
    """
    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)
    party_deals: set[str] = field(default_factory=set)
    rows: set[tuple] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.label] = out.get(n.label, 0) + 1
        out["parties"] = sum(1 for r in self.rels if r.type == "PARTY_TO") \
            + sum(1 for r in self.rows if r[1] == "PARTY_TO")
        return out


@dataclass
class ApplySummary:
    """What a write changed: nodes created, updated and left as they were, and
    relationships added and removed. A load adds what it reported on the way:
    ``warnings`` (``Problem`` objects of severity warning: records loaded with a
    value dropped or questioned), the source rows it set aside (``set_aside``;
    only with ``skip_bad_rows``) and where it wrote them (``rejects``)."""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rels_added: int = 0
    rels_removed: int = 0
    warnings: list = field(default_factory=list)
    set_aside: int = 0
    rows_loaded: int = 0
    rejects: str | None = None
    model_extension: str | None = None  # the names of the store's model extension

    def warning_counts(self) -> dict[str, int]:
        """Warnings by kind (their ``code``)."""
        out: dict[str, int] = {}
        for w in self.warnings:
            out[w.code or "other"] = out.get(w.code or "other", 0) + 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict:
        out = {"created": self.created, "updated": self.updated,
               "unchanged": self.unchanged, "relationships_added": self.rels_added,
               "relationships_removed": self.rels_removed}
        if self.rejects is not None:
            out["rows_loaded"] = self.rows_loaded
            out["rows_set_aside"] = self.set_aside
            out["rejects"] = self.rejects
        if self.warnings:
            out["warnings"] = self.warning_counts()
        if self.model_extension:
            out["model_extension"] = self.model_extension
        return out


@dataclass
class Subgraph:
    """A selection of the graph: nodes by id and the relationships among them."""
    nodes: dict[str, Node] = field(default_factory=dict)
    rels: list[Rel] = field(default_factory=list)

    def sorted(self) -> "Subgraph":
        """The same subgraph with nodes and relationships in a stable order."""
        return Subgraph(dict(sorted(self.nodes.items())), sorted(self.rels, key=lambda r: r.key))

    def keeping(self, ids) -> "Subgraph":
        """The nodes ``ids`` of this subgraph, the sources they cite, and the
        relationships among them (what ``Store.subgraph(ids)`` reads from a store)."""
        kept = set(ids)
        kept |= {r.dst for r in self.rels if r.type == "CITES" and r.src in kept}
        return Subgraph({nid: n for nid, n in self.nodes.items() if nid in kept},
                        [r for r in self.rels if r.src in kept and r.dst in kept])

    def of_label(self, *labels: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.label in labels]

    def __len__(self) -> int:
        return len(self.nodes)

    def to_networkx(self):
        """The subgraph as a NetworkX MultiDiGraph shaped like the embedded store's graph:
        node attribute ``label`` plus properties; edge key and attribute ``type`` (``TYPE:role``
        as key for PARTY_TO) plus properties."""
        import networkx as nx
        g = nx.MultiDiGraph()
        g.add_nodes_from((n.id, {"label": n.label, **n.props}) for n in self.nodes.values())
        g.add_edges_from((r.src, r.dst, edge_key(r.type, r.props), {"type": r.type, **r.props})
                         for r in self.rels)
        return g


def edge_key(rel_type: str, props: dict) -> str:
    """The MultiDiGraph edge key of a relationship: its type, plus the role for parties."""
    role = props.get("role")
    return f"{rel_type}:{role}" if role else rel_type
