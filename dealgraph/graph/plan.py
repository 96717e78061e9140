"""The load planner: what a load changes in a store, worked out once for every store.

A load hands its validated records to a store writer batch by batch. For each batch the
planner reads what the store holds for those records (in chunks, through the store's
``StoredState``) and gives back a ``Part``: the nodes to create, the nodes to update,
the relationships to delete and the relationships to create. The writers (the embedded
store's SQL, the Neo4j store's Cypher) only carry parts out, in order; the counts of
created, updated and unchanged nodes and of relationships added and removed are the
planner's, so both stores report the same summary for the same load.

The rules the planner keeps (docs/storage.md, docs/neo4j.md):

* a node of the load replaces the stored node with its id: its label, properties and
  the relationships it owns (its reference fields: CITES, SUBSIDIARY_OF, ...); an
  entity owns the field relationships of every entity kind, so one that changed kind
  (or whose change of kind a stopped load left half-done) loses those of its old kind;
* the party rows of a deal the load gives parties to replace the deal's stored ones.
  They may be spread over several batches, so the rows a deal had before the load are
  read when it first appears, and those no load row gave again are deleted by the last
  part (``finish``);
* a node whose label and properties are as stored is unchanged; loading the same
  records again plans nothing;
* a relationship is identified by (start, type, end, role) and compared with its
  properties (canonical JSON text), so a changed note is a removal plus an addition;
* with ``ends_first`` a relationship is only planned once both its ends are written
  or stored (a reference to a record of a later batch waits), for stores whose
  relationship writes look their ends up (Neo4j's ``MATCH``).

>>> from dealgraph.graph.records import Batch, Node, Rel
>>> class Empty(StoredState):
...     def is_empty(self): return True
>>> planner = LoadPlanner(Empty())
>>> part = planner.part(Batch([Node("s1", "Source", {"title": "T"})]))
>>> [n.id for n in part.created], planner.summary.created
(['s1'], 1)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterable

from .model import MODEL
from .records import ApplySummary, Batch, Node, Rel

__all__ = ["LoadPlanner", "Part", "StoredState", "dumps", "rel_rows", "RelRow"]

# A relationship as the planner compares it: (src, type, dst, role, properties as JSON).
RelRow = tuple


def _canonical_json():
    """json.dumps(props, ensure_ascii=False, sort_keys=True, separators=(",", ":")): the one
    canonical text of a property dict. ``JSONEncoder.encode`` makes a new C encoder on
    every call (half its time for a small dict); this makes it once."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    # the arguments JSONEncoder.iterencode gives it; no markers: values of a load hold no
    # cycles (they come from parsed text)
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, ":", ",",
                  True, False, True)
    join = "".join

    def dumps(value) -> str:
        if value.__class__ is str:
            return json.encoder.encode_basestring(value)
        return join(chunks(value, 0))
    return dumps


dumps = _canonical_json()


def rel_rows(rels: Iterable[Rel]) -> set[RelRow]:
    """The ``RelRow`` of each relationship; the JSON of the usual properties (none, or
    only a role) is made once per role."""
    by_role: dict[str, str] = {}
    out = set()
    add = out.add
    for r in rels:
        props = r.props
        if not props:
            add((r.src, r.type, r.dst, "", "{}"))
            continue
        role = props.get("role", "")
        if len(props) == 1 and role.__class__ is str and role:
            text = by_role.get(role)
            if text is None:
                text = by_role[role] = dumps(props)
        else:
            text = dumps(props)
        add((r.src, r.type, r.dst, role, text))
    return out


class StoredState:
    """What a store tells the planner, each read bounded by the ids it is given (a
    store reads them in chunks). Reads happen inside the load's transaction."""

    def is_empty(self) -> bool:
        """Whether the store holds no node at all (a first import: nothing to compare)."""
        raise NotImplementedError

    def nodes(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """For each of ``ids`` that is stored: (label, properties as ``dumps`` text)."""
        raise NotImplementedError

    def owned_rels(self, rel_types: list[str], src_ids: list[str]) -> Iterable[RelRow]:
        """The stored relationships of ``rel_types`` that start at one of ``src_ids``."""
        raise NotImplementedError

    def party_rels(self, deal_ids: list[str]) -> Iterable[RelRow]:
        """The stored party relationships (PARTY_TO) of the deals ``deal_ids``."""
        raise NotImplementedError

    def stored_ids(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` that are stored nodes (only asked with ``ends_first``)."""
        return set(self.nodes(ids))


@dataclass
class Part:
    """One batch's share of a load's difference, in the order a writer carries it out:
    nodes (``created``, then ``updated``: the node as loaded with its properties' text),
    then ``gone`` relationships deleted, then ``new`` ones created."""
    created: list[Node] = field(default_factory=list)
    updated: list[tuple[Node, str]] = field(default_factory=list)
    gone: list[RelRow] = field(default_factory=list)
    new: list[RelRow] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # id -> label of this batch's nodes

    def rows(self) -> int:
        """How many nodes and relationships this part writes."""
        return len(self.created) + len(self.updated) + len(self.gone) + len(self.new)


class LoadPlanner:
    """The difference between one load and a store, batch by batch (see the module's
    docstring). ``summary`` counts what the parts given so far change."""

    def __init__(self, stored: StoredState, *, ends_first: bool = False):
        self.stored = stored
        self.summary = ApplySummary()
        self.empty = stored.is_empty()
        self.ends_first = ends_first
        self.touched: set[str] = set()  # deals whose stored party rows were read
        self.party_before: set[RelRow] = set()  # those rows, less the ones the load gave again
        self.written: set[str] = set()  # ids of the nodes planned so far (ends_first only)
        self.waiting: list[RelRow] = []  # new relationships with an end not written yet
        owned = {k.label: sorted({f.rel for f in k.rel_fields})
                 for k in MODEL.kinds.values() if k.label}
        entity_labels = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
        entity_owned = sorted({t for lab in entity_labels for t in owned.get(lab, [])})
        self.owned = {lab: tuple(entity_owned if lab in entity_labels else types)
                      for lab, types in owned.items()}
        self.party = MODEL.rel_type(MODEL.kinds["Party"].rel)

    def part(self, batch: Batch) -> Part:
        """The part of ``batch``: compare its nodes and relationships with the store."""
        summary, stored = self.summary, self.stored
        part = Part(labels={n.id: n.label for n in batch.nodes})
        old = {} if self.empty else stored.nodes([n.id for n in batch.nodes])
        owners: dict[tuple, list[str]] = {}  # the types a node owns -> stored nodes owning them
        for node in batch.nodes:
            prev = old.get(node.id)
            if prev is None:
                summary.created += 1
                part.created.append(node)
                continue
            text = dumps(node.props)
            if prev[0] == node.label and prev[1] == text:
                summary.unchanged += 1
            else:
                summary.updated += 1
                part.updated.append((node, text))
            types = self.owned.get(node.label)
            if types:
                owners.setdefault(types, []).append(node.id)

        # relationships owned by the nodes of this batch: compare, plan the difference
        before: set[RelRow] = set()
        for types, ids in owners.items():
            before.update(stored.owned_rels(list(types), ids))
        after = rel_rows(batch.rels)
        if batch.rows:
            after |= batch.rows
        if not self.empty:
            fresh = sorted(d for d in batch.party_deals
                           if d not in self.touched and (d in old or d not in part.labels))
            self.touched.update(batch.party_deals)
            if fresh:
                self.party_before.update(stored.party_rels(fresh))
        if self.party_before:
            kept = after & self.party_before
            self.party_before -= kept  # a load never gives one party row twice
            after -= kept
        gone, new = before - after, after - before
        summary.rels_added += len(new)
        summary.rels_removed += len(gone)
        part.gone = sorted(gone)
        part.new = self._ready(new, part.labels) if self.ends_first else sorted(new, key=_by_start)
        return part

    def _ready(self, new: set[RelRow], labels: dict[str, str]) -> list[RelRow]:
        """Of ``new``, those whose ends are written by now or stored; the others wait."""
        written = self.written
        written.update(labels)
        ready, unsure = [], []
        for row in new:
            if row[0] in written and row[2] in written:
                ready.append(row)
            else:
                unsure.append(row)
        if unsure:
            ends = {r[0] for r in unsure if r[0] not in written}
            ends |= {r[2] for r in unsure if r[2] not in written}
            stored = set() if self.empty else self.stored.stored_ids(sorted(ends))
            for row in unsure:
                if (row[0] in written or row[0] in stored) and (row[2] in written
                                                                or row[2] in stored):
                    ready.append(row)
                else:
                    self.waiting.append(row)
        return sorted(ready, key=_by_start)

    def finish(self) -> Part:
        """The last part: the party rows that deals of the load no longer have, and the
        relationships that waited for an end."""
        part = Part(gone=sorted(self.party_before), new=sorted(self.waiting, key=_by_start))
        self.summary.rels_removed += len(self.party_before)
        self.party_before, self.waiting = set(), []
        return part


# relationships in order of start node (locality for the writers; a full sort of the
# tuples takes 3x longer)
_by_start = itemgetter(0)
