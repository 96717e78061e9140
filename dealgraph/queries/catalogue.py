"""The query catalogue in ``docs/queries.md``, generated from the query modules.

``tests/queries/test_docs.py`` fails when the file differs from ``render()``;
regenerate it with ``python -m dealgraph.queries.catalogue > docs/queries.md``.
"""

from __future__ import annotations

import shlex

from ..graph.dates import AS_OF_TEXT_CYPHER
from . import builtin_queries
from .base import SavedQuery

__all__ = ["render", "example_command", "USER_QUERY_EXAMPLE"]

# The sample user query shown in the docs (tests/data/queries/suppliers.cypher is the same).
USER_QUERY_EXAMPLE = f"""\
// name: suppliers
// question: Who supplies the entity, in how many deals?
// param: entity entity The firm whose suppliers to list.
// param: min_deals int default=1 min=1 max=100 Fewest deals to count.
// columns: supplier, name, deals
// sort: -deals, supplier
MATCH (e:Entity {{id: $entity}})-[:PARTY_TO {{role: 'customer'}}]->(d:Deal)
      <-[:PARTY_TO {{role: 'supplier'}}]-(s:Entity)
WHERE {AS_OF_TEXT_CYPHER}
WITH s, count(DISTINCT d) AS deals
WHERE deals >= $min_deals
RETURN s.id AS supplier, s.name AS name, deals
"""

_INTRO = """\
# Saved queries

Generated from `dealgraph/queries/*.py` by `python -m dealgraph.queries.catalogue`;
a test fails if this file is out of date.

Every saved query runs on both stores and gives the same rows on both: on the
embedded store through its NetworkX implementation, on Neo4j through the Cypher
shown (run in a read transaction, values passed only as `$parameters`). Rows come
in a stable order, ties broken by id.

```
dealgraph query list
dealgraph query show NAME
dealgraph query run NAME -p key=value ... [--as-of DATE] [--format table|json|csv]
                                            [--limit N] [--map out.html]
```

Two entities are *counterparties* when both are parties to the same deal.
Every query takes `--as-of DATE` (YYYY, YYYY-MM or YYYY-MM-DD): deals announced
after it, or ended before it, are left out (a partial date means its last day).
Entity parameters take an id, a name or an alias. `--format json` prints a list
of objects keyed by the columns below; `--limit N` keeps the first N rows.

Your own queries: put `.cypher` files with a header in a directory and pass
`--queries DIR` (or set `DEALGRAPH_QUERIES`):

```
{example}```

They run on Neo4j, and on the embedded store through its Cypher engine when the
text is in the subset it runs (see docs/python.md; otherwise it says which
construct it lacks). A Python file with the same stem next to it (`suppliers.py`)
that defines `networkx(g, params)` returning the rows (and optionally
`SCOPE = {"entity": 1}` to read only that neighbourhood) runs instead on the
embedded store. Ad-hoc Cypher (`dealgraph cypher "MATCH ..."`) runs on both stores
the same way, and is read-only unless `--write` (Neo4j only).

| Query | Question |
|---|---|
"""


def example_command(query: SavedQuery) -> str:
    """The ``dealgraph query run`` command line of the query's example."""
    parts = ["dealgraph", "query", "run", query.name]
    for key, value in query.example.items():
        parts += ["-p", f"{key}={value}"]
    return " ".join(shlex.quote(p) for p in parts)


def _section(query: SavedQuery) -> str:
    lines = [f"## {query.name}", "", query.question, ""]
    if query.details:
        lines += [query.details, ""]
    lines += ["Parameters:", ""]
    if query.params:
        lines += ["| Name | Type | Default | Help |", "|---|---|---|---|"]
        for p in query.params:
            default = "(required)" if p.required else f"`{p.default}`"
            lines.append(f"| `{p.name}` | {p.describe()} | {default} | {p.help} |")
    else:
        lines.append("none")
    lines += ["", "Columns: " + ", ".join(f"`{c}`" + (" (with `--detail`)" if c in query.detail
                                                      else "") for c in query.columns), "",
              "Example:", "", "```", example_command(query), "```", "",
              "Cypher:", "", "```cypher", query.cypher.strip(), "```", ""]
    return "\n".join(lines)


def render() -> str:
    """The whole catalogue as Markdown."""
    queries = builtin_queries()
    table = "".join(f"| [`{q.name}`](#{q.name}) | {q.question} |\n" for q in queries.values())
    sections = "\n".join(_section(q) for q in queries.values())
    return _INTRO.replace("{example}", USER_QUERY_EXAMPLE) + table + "\n" + sections


if __name__ == "__main__":
    print(render(), end="")
