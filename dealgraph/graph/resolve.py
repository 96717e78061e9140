"""Finding an entity from what a user typed: id, name or alias, case-insensitively.

A miss or an ambiguous name raises ``NotFound`` listing the closest matches.
"""

from __future__ import annotations

import difflib

from ..errors import NotFound
from .records import Node
from .store import Store

__all__ = ["resolve_entity", "match_entity"]


def match_entity(entities: list[Node], text: str) -> Node:
    """The entity whose id, name or alias equals ``text`` ignoring case."""
    wanted = text.strip().casefold()
    by_id = [e for e in entities if e.id.casefold() == wanted]
    if len(by_id) == 1:
        return by_id[0]
    hits = {e.id: e for e in entities
            if e.props.get("name", "").casefold() == wanted
            or wanted in (a.casefold() for a in e.props.get("aliases", []))}
    if len(hits) == 1:
        return next(iter(hits.values()))
    if len(hits) > 1:
        listed = "; ".join(f"{e.id} ({e.props.get('name')}, {e.label})"
                           for e in sorted(hits.values(), key=lambda e: e.id))
        raise NotFound(f"{text!r} is ambiguous: {listed}. Use an id.")
    names: dict[str, str] = {}
    for e in entities:
        for key in [e.id, e.props.get("name", "")] + list(e.props.get("aliases", [])):
            names.setdefault(key.casefold(), e.id)
    close = difflib.get_close_matches(wanted, list(names), n=8, cutoff=0.5)
    substr = [k for k in names if wanted and wanted in k][:8]
    ids = list(dict.fromkeys(names[k] for k in substr + close))[:5]
    by = {e.id: e for e in entities}
    hint = ("; closest: " + ", ".join(f"{i} ({by[i].props.get('name')})" for i in ids)) if ids \
        else ""
    raise NotFound(f"no entity matches {text!r}{hint}")


def resolve_entity(store: Store, text: str) -> Node:
    """Resolve ``text`` to one entity of ``store``; raises NotFound with suggestions.

    The exact lookup uses the store's index; only a miss reads every entity
    to suggest the closest names.
    """
    hits = store.find_entities(text)
    if len(hits) == 1:
        return hits[0]
    return match_entity(hits or store.entity_index(), text)
