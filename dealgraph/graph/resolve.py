"""Finding an entity from what a user typed: id, name or alias, as people type them.

Every command resolves an entity the same way, on both stores:

1. the id, a name or an alias, ignoring case;
2. the same ignoring accents, punctuation and a legal-form suffix (``Yahoo`` finds
   ``Yahoo!``, ``Deutsche Bank`` finds ``Deutsche Bank AG``, ``societe generale``
   finds ``Société Générale S.A.``); legal forms are the ones rigour knows (``AG``,
   ``plc``, ``Ltd``, ``S.A.`` ...) plus ``Corp``/``Co``/``Company``;
3. only when neither finds anything: fuzzy matching (rapidfuzz) of that normalised
   form against every stored name key.

Steps 1 and 2 are one indexed look-up in the store: each entity's name keys
(``entity_keys``: its id, names and aliases casefolded, and their ``name_key``
forms) are written with it at load (the embedded store's ``names`` table, the Neo4j
store's ``name_keys`` property with a text index), and the store returns the
entities that have one of the typed text's keys (``lookup_keys``). Step 3 reads the
keys only, not the entities.

One clear best match at step 2 or 3 is used, with a note (see ``dealgraph.report``)
saying what it was taken as; several equally good ones raise ``NotFound`` listing
each candidate with its id, kind, country and number of deals, to pick an id from.

>>> name_key("Société Générale S.A.")
'societe generale'
>>> name_key("Yahoo! Inc."), name_key("Deutsche Bank AG"), name_key("IBM Corp.")
('yahoo', 'deutsche bank', 'ibm')
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..errors import NotFound
from ..report import note
from .countries import country_name
from .records import Node
from .store import Store

__all__ = ["resolve_entity", "match_entity", "name_key", "entity_keys", "lookup_keys",
           "FUZZY_CUTOFF", "FUZZY_MARGIN"]

FUZZY_CUTOFF = 86   # rapidfuzz score (0-100) a fuzzy match needs to be taken at all
FUZZY_MARGIN = 4    # ... and by how much it must beat the next entity's best score
CANDIDATES = 6      # entities listed when a name is ambiguous or unknown

# Legal forms rigour does not remove but people leave off.
_MORE_FORMS = frozenset({"corp", "corporation", "co", "company", "incorporated", "limited"})
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def _is_legal_form(words: str) -> bool:
    if words in _MORE_FORMS:
        return True
    from rigour.names import remove_org_types
    return not remove_org_types(words).strip()


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """``text`` in the form names are compared in: casefolded, accents and punctuation
    dropped, one space between words, a leading "the" and legal-form words at the
    end removed (never the whole name). Single letters are joined (``S.A.`` -> ``sa``)."""
    text = str(text).casefold()
    if text.isalnum() and text.isascii():  # one plain word (most ids): nothing to drop
        return text
    if not text.isascii():  # ASCII text has no accents to drop (NFKD leaves it as is)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    words = _WORD.findall(text.replace("'", "").replace("’", ""))
    merged: list[list] = []  # initials typed with dots: "s a" -> "sa", "u s a" -> "usa"
    for w in words:
        if len(w) == 1 and merged and merged[-1][1]:
            merged[-1][0] += w
        else:
            merged.append([w, len(w) == 1])
    words = [w for w, _ in merged]
    if len(words) > 1 and words[0] == "the":
        del words[0]
    # a legal form ends in a word that is one by itself ("co ltd", "pte ltd"); checking
    # that word first keeps the check to one cached look-up for most names
    while len(words) > 1 and _is_legal_form(words[-1]):
        n = next(n for n in (3, 2, 1) if len(words) > n and _is_legal_form(" ".join(words[-n:])))
        del words[-n:]
    return " ".join(words)


def _names(e: Node) -> list[str]:
    return [e.id, str(e.props.get("name") or ""), *e.props.get("aliases", [])]


def _clean(text: str) -> str:
    # a key never holds a line break: the Neo4j store keeps an entity's keys as one
    # text, one key per line
    return str(text).strip().casefold().replace("\r", " ").replace("\n", " ")


def entity_keys(entity_id: str, props: dict) -> set[str]:
    """What a user may type to find an entity with ``props``, in compared form: its id,
    name and aliases casefolded, and their ``name_key`` forms. Stores write these with
    the entity so that ``find_entities`` is one indexed look-up."""
    names = [entity_id, str(props.get("name") or ""), *props.get("aliases", [])]
    keys = {_clean(n) for n in names if n}
    keys |= {name_key(k) for k in keys}
    keys.discard("")
    return keys


def lookup_keys(text: str) -> list[str]:
    """The keys ``text`` is looked up by: casefolded, and its ``name_key`` form. An
    entity whose ``entity_keys`` hold one of them is a candidate of steps 1 and 2."""
    return [k for k in dict.fromkeys((_clean(text), name_key(_clean(text)))) if k]


def _shown(e: Node) -> str:
    return f"{e.id} ({e.props.get('name') or e.id})"


def _describe(store: Store | None, entities: list[Node]) -> str:
    """``id (name, Kind, Country, N deals)`` for each, most deals first."""
    deals: dict[str, int] = {}
    if store is not None:
        ids = {e.id for e in entities}
        for rel in store.deal_parties(ids):
            if rel.src in ids:
                deals[rel.src] = deals.get(rel.src, 0) + 1
    listed = sorted(entities, key=lambda e: (-deals.get(e.id, 0), e.id))
    parts = []
    for e in listed:
        country = e.props.get("country")
        if isinstance(country, list):
            country = ", ".join(country_name(c) for c in country)
        else:
            country = country_name(country)
        bits = [str(e.props.get("name") or e.id), e.label] + ([country] if country else [])
        if store is not None:
            n = deals.get(e.id, 0)
            bits.append(f"{n} deal{'s' if n != 1 else ''}")
        parts.append(f"{e.id} ({', '.join(bits)})")
    return "; ".join(parts)


def match_entity(entities: list[Node], text: str, store: Store | None = None) -> Node:
    """The one entity of ``entities`` that ``text`` names (see the module docstring);
    ``store``, when given, supplies the deal counts shown for candidates."""
    wanted = text.strip().casefold()
    by_id = [e for e in entities if e.id.casefold() == wanted]
    if len(by_id) == 1:
        return by_id[0]
    exact = {e.id: e for e in entities
             if wanted in (n.casefold() for n in _names(e) if n)}
    if len(exact) == 1:
        return next(iter(exact.values()))
    if len(exact) > 1:
        raise NotFound(f"{text!r} is ambiguous: {_describe(store, list(exact.values()))}. "
                       "Use an id.")
    key = name_key(text)
    same = {e.id: e for e in entities if key and key in {name_key(n) for n in _names(e) if n}}
    if len(same) == 1:
        found = next(iter(same.values()))
        note(f"{text!r} taken as {_shown(found)}")
        return found
    if len(same) > 1:
        raise NotFound(f"{text!r} is ambiguous: {_describe(store, list(same.values()))}. "
                       "Use an id.")
    by_id = {e.id: e for e in entities}
    pairs = [(k, e.id) for e in entities for k in sorted(entity_keys(e.id, e.props))]
    return _fuzzy(pairs, text, key, store,
                  lambda ids: {i: by_id[i] for i in ids if i in by_id})


def _fuzzy(pairs, text: str, key: str, store: Store | None, nodes) -> Node:
    """Step 3 over ``pairs`` (name key, entity id); ``nodes(ids)`` gives the entities
    (a dict by id) to take or list."""
    from rapidfuzz import fuzz, process
    choices: list[str] = []
    owners: list[str] = []
    for k, eid in pairs:
        choices.append(k)
        owners.append(eid)
    best: dict[str, float] = {}
    if key:
        for _, score, i in process.extract(key, choices, scorer=fuzz.token_set_ratio,
                                           limit=CANDIDATES * 4, score_cutoff=50):
            eid = owners[i]
            if score > best.get(eid, -1):
                best[eid] = score
    ranked = sorted(best.items(), key=lambda es: (-es[1], es[0]))
    found = nodes([eid for eid, _ in ranked[:CANDIDATES]])
    ranked = [(score, found[eid]) for eid, score in ranked if eid in found]
    if ranked and ranked[0][0] >= FUZZY_CUTOFF and (
            len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= FUZZY_MARGIN):
        found = ranked[0][1]
        note(f"{text!r} taken as {_shown(found)} (closest name)")
        return found
    top = [e for _, e in ranked[:CANDIDATES]]
    if len(top) > 1 and ranked[0][0] >= FUZZY_CUTOFF:
        raise NotFound(f"{text!r} is ambiguous: {_describe(store, top)}. Use an id.")
    hint = f"; closest: {_describe(store, top)}" if top else ""
    raise NotFound(f"no entity matches {text!r}{hint}")


def resolve_entity(store: Store, text: str) -> Node:
    """Resolve ``text`` to one entity of ``store``; raises NotFound with candidates.

    Steps 1 and 2 take the entities the store's name index gives for ``text``
    (``find_entities``); only when it gives none does step 3 read every name key
    (``name_index``), and then the few entities it ranks highest."""
    hits = store.find_entities(text)
    if hits:
        return match_entity(hits, text, store)
    return _fuzzy(store.name_index(), text, name_key(_clean(text)), store,
                  lambda ids: {i: n for i, n in store.subgraph(ids).nodes.items()
                               if i in set(ids)})
