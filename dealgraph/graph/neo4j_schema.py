"""What dealgraph declares in a Neo4j database: constraints, range indexes, the native DATE
companions of date fields, and the store-format marker. Shared by the Neo4j store and the
Cypher export, which creates the same schema (same names) and the same companions.

Date fields keep their value as given (text, possibly partial: ``2023``, ``2023-01``) and
get two DATE companions, ``<field>_from`` and ``<field>_to`` (see ``dealgraph.graph.dates``).
Entity ``country`` is a list (an entity may be in several countries). A database written
by a dealgraph from before the companions, or from before countries were lists, is
*outdated*: its saved queries would silently leave deals out, so the store refuses them
until it is migrated (``Neo4jStore.migrate``, ``dealgraph migrate``) or loaded again. ``FORMAT`` is kept on a
``DealgraphStore`` node once a database is known to be current.

Entities also carry ``name_keys``: their ``entity_keys`` (what users may type to find
them, see ``dealgraph.graph.resolve``) as one text, one key per line and a line break
at each end, with a text index, so that looking a name up is ``name_keys CONTAINS
'\nkey\n'`` on the index (Neo4j cannot index the items of a list). Like the DATE
companions it is derived, written with the entity and left out when nodes are read.
"""

from __future__ import annotations

from .dates import DATE_FROM, DATE_TO, date_fields
from .model import ENTITY_LABEL, MODEL
from .resolve import entity_keys

__all__ = ["FORMAT", "FORMAT_LABEL", "KEY_LABELS", "DATE_LABELS", "schema_statements",
           "companion_set", "companion_keys", "outdated_query", "migrate_statements",
           "NAME_KEYS", "name_keys_text", "derived_props"]

# 1: dates as text only; 2: with DATE companions; 3: entity countries as lists;
# 4: entities with name_keys
FORMAT = 4
FORMAT_LABEL = "DealgraphStore"  # not a model label; one node {id: 'store', format: FORMAT}
KEY_LABELS = (ENTITY_LABEL, "Deal", "Source")
NAME_KEYS = "name_keys"
_ENTITY_KIND_LABELS = frozenset(MODEL.kinds[k].label for k in MODEL.entity_kinds)
# node labels that have date fields, with those fields
DATE_LABELS = {MODEL.kinds[k].label: date_fields(MODEL.kinds[k].label)
               for k in MODEL.node_kinds if date_fields(MODEL.kinds[k].label)}

# Range indexes on what the saved queries and the selection filters look up or compare.
_INDEXES = (
    ("dealgraph_entity_name", ENTITY_LABEL, "name"),
    ("dealgraph_entity_country", ENTITY_LABEL, "country"),
    ("dealgraph_deal_kind", "Deal", "kind"),
    ("dealgraph_deal_status", "Deal", "status"),
    ("dealgraph_deal_announced", "Deal", "announced" + DATE_FROM),
    ("dealgraph_deal_end", "Deal", "end" + DATE_TO),
)


def schema_statements() -> list[str]:
    """The constraints (unique ``id`` per key label) and range indexes, each one statement
    that changes nothing when it already exists."""
    out = [f"CREATE CONSTRAINT dealgraph_{label.lower()}_id IF NOT EXISTS "
           f"FOR (n:{MODEL.label(label)}) REQUIRE n.id IS UNIQUE" for label in KEY_LABELS]
    out += [f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{MODEL.label(label)}) ON (n.{prop})"
            for name, label, prop in _INDEXES]
    out.append(f"CREATE TEXT INDEX dealgraph_entity_name_keys IF NOT EXISTS "
               f"FOR (n:{ENTITY_LABEL}) ON (n.{NAME_KEYS})")
    return out


def name_keys_text(entity_id: str, props: dict) -> str:
    """The ``name_keys`` value of an entity: its ``entity_keys``, one per line, with a
    line break at each end (so ``CONTAINS '\nkey\n'`` matches whole keys only)."""
    return "\n" + "\n".join(sorted(entity_keys(entity_id, props))) + "\n"


def derived_props(label: str, entity_id: str, props: dict) -> dict:
    """The properties the store derives from a node's own and writes beside them,
    other than the DATE companions (which Cypher computes): ``name_keys`` of entities."""
    if label in _ENTITY_KIND_LABELS:
        return {NAME_KEYS: name_keys_text(entity_id, props)}
    return {}


def _ceiling(expr: str) -> str:
    # the last day of a date given as YYYY, YYYY-MM or YYYY-MM-DD: Neo4j's date() reads all
    # three as their first day; a duration adds its months before its days
    return (f"date({expr}) + CASE size({expr}) WHEN 4 THEN duration({{years: 1, days: -1}}) "
            f"WHEN 7 THEN duration({{months: 1, days: -1}}) ELSE duration({{days: 0}}) END")


def companion_set(label: str, var: str = "n", source: str | None = None) -> str:
    """A Cypher SET fragment (``, n.announced_from = ..., ...``, to follow a SET) that sets the
    companions of ``var``'s date fields from ``source`` (default: ``var`` itself), or ''."""
    source = source or var
    parts = []
    for name in DATE_LABELS.get(label, ()):
        expr = f"{source}.`{name}`"
        parts.append(f"{var}.`{name}{DATE_FROM}` = date({expr})")
        parts.append(f"{var}.`{name}{DATE_TO}` = {_ceiling(expr)}")
    return "".join(", " + p for p in parts)


def companion_keys(label: str) -> frozenset[str]:
    """The derived properties of a node of kind ``label``: DATE companions, and the
    ``name_keys`` of entities (left out when nodes are read)."""
    extra = {NAME_KEYS} if label in _ENTITY_KIND_LABELS else set()
    return frozenset(name + suffix for name in DATE_LABELS.get(label, ())
                     for suffix in (DATE_FROM, DATE_TO)) | extra


# an entity whose country is one text value, as dealgraph wrote it before countries were lists
_SCALAR_COUNTRY = (f"MATCH (n:{ENTITY_LABEL}) WHERE n.country IS NOT NULL "
                   "AND NOT valueType(n.country) STARTS WITH 'LIST'")


# an entity written before name keys were stored
WITHOUT_NAME_KEYS = f"MATCH (n:{ENTITY_LABEL}) WHERE n.{NAME_KEYS} IS NULL"


def outdated_query() -> str:
    """Cypher returning one row if some node has a date field without its companion, an
    entity keeps its country as one text value, or an entity has no ``name_keys``."""
    parts = []
    for label, names in DATE_LABELS.items():
        cond = " OR ".join(f"(n.`{f}` IS NOT NULL AND n.`{f}{DATE_FROM}` IS NULL)" for f in names)
        parts.append(f"MATCH (n:{MODEL.label(label)}) WHERE {cond} RETURN n.id AS id LIMIT 1")
    parts.append(f"{_SCALAR_COUNTRY} RETURN n.id AS id LIMIT 1")
    parts.append(f"{WITHOUT_NAME_KEYS} RETURN n.id AS id LIMIT 1")
    return " UNION ".join(parts)


def migrate_statements() -> list[tuple[str, int]]:
    """Statements (each for an implicit transaction, in transactions of 10,000 nodes) that
    give every dated node without them its companions and make every one-value country a
    list; each with the number of properties it sets per value migrated."""
    out = []
    for label, names in DATE_LABELS.items():
        cond = " OR ".join(f"(n.`{f}` IS NOT NULL AND n.`{f}{DATE_FROM}` IS NULL)" for f in names)
        out.append((f"MATCH (n:{MODEL.label(label)}) WHERE {cond} "
                    f"CALL (n) {{ SET {companion_set(label)[2:]} }} "
                    "IN TRANSACTIONS OF 10000 ROWS", 2))
    out.append((f"{_SCALAR_COUNTRY} CALL (n) {{ SET n.country = [n.country] }} "
                "IN TRANSACTIONS OF 10000 ROWS", 1))
    return out
