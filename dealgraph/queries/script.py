"""Cypher scripts on Neo4j: many statements separated by ``;``, as ``export --format cypher``
writes them and as people keep them in files.

``split_statements`` cuts a script at every ``;`` that is not inside a string literal, a
`quoted name` or a comment, and remembers where each statement starts (its number and
line). ``run_cypher_script`` runs them in order:

- schema statements (``CREATE``/``DROP`` ``CONSTRAINT``/``INDEX``) each in a transaction of
  their own, because Neo4j refuses a schema change and a data write in one transaction;
- every other run of statements in transactions of at most ``batch`` statements.

Without ``write=True`` the script is read-only: it is checked before anything is sent,
and the first statement that writes is named. A statement the server refuses stops the
script with its number and line; the message says how many statements were committed
before it (earlier transactions stay committed; the failing one is rolled back).

>>> [(s.number, s.line, s.text) for s in split_statements("RETURN 1;\\n// c;\\nRETURN ';' AS x;")]
[(1, 1, 'RETURN 1'), (2, 3, "RETURN ';' AS x")]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import DealgraphError, ParameterError, StoreUnavailable
from . import QueryResult
from .adhoc import _plain, write_clauses

__all__ = ["Statement", "split_statements", "is_schema", "run_cypher_script", "BATCH"]

BATCH = 1000  # statements per transaction: a few hundred KB of MERGEs, well within memory
_SCHEMA = re.compile(r"^\s*(CREATE|DROP)\s+(OR\s+REPLACE\s+)?"
                     r"((RANGE|TEXT|POINT|LOOKUP|FULLTEXT|VECTOR)\s+)?(CONSTRAINT|INDEX)\b",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its position (1-based), the line it starts on, its text."""
    number: int
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"statement {self.number} (line {self.line})"


def split_statements(text: str) -> list[Statement]:
    """The statements of a script, without their ``;`` and without empty ones."""
    out: list[Statement] = []
    buf: list[str] = []
    start_line: int | None = None
    line = 1
    i, n = 0, len(text)

    def flush():
        nonlocal buf, start_line
        stmt = "".join(buf).strip()
        if stmt:
            out.append(Statement(len(out) + 1, start_line or line, stmt))
        buf, start_line = [], None

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            buf.append(" ")
            i = j
            continue
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            j = min(j + 1, n)
            if start_line is None:
                start_line = line
            buf.append(text[i:j])
            line += text.count("\n", i, j)
            i = j
            continue
        if c == ";":
            flush()
            i += 1
            continue
        if c == "\n":
            line += 1
        elif start_line is None and not c.isspace():
            start_line = line
        buf.append(c)
        i += 1
    flush()
    return out


def is_schema(stmt: Statement) -> bool:
    """Whether the statement creates or drops a constraint or an index."""
    return bool(_SCHEMA.match(stmt.text))


def _plan(statements: list[Statement], batch: int) -> list[list[Statement]]:
    """Transactions: each schema statement alone, the others in runs of at most ``batch``."""
    txs: list[list[Statement]] = []
    for stmt in statements:
        if is_schema(stmt):
            txs.append([stmt])
            txs.append([])
        elif not txs or len(txs[-1]) >= batch or (txs[-1] and is_schema(txs[-1][0])):
            txs.append([stmt])
        else:
            txs[-1].append(stmt)
    return [tx for tx in txs if tx]


def run_cypher_script(store, text: str, params: dict | None = None, write: bool = False,
                      batch: int = BATCH, source: str = "script") -> QueryResult:
    """Run a multi-statement Cypher script on a Neo4j store (see the module docstring).

    The rows are those of the last statement that returned any; the notes say how many
    statements ran in how many transactions, and what changed. ``source`` names the
    script in messages (its file name).
    """
    if getattr(store, "backend", "") != "neo4j":
        raise DealgraphError("Cypher scripts need Neo4j (use --backend neo4j)")
    statements = split_statements(text)
    if not statements:
        raise ParameterError(f"{source}: no Cypher statement in it")
    if not write:
        for stmt in statements:
            found = write_clauses(stmt.text)
            if found:
                raise DealgraphError(
                    f"{source}: {stmt.where} writes or administers ({', '.join(found)}); "
                    "scripts are read-only unless you add --write; nothing was run")
    import neo4j
    from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired
    mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
    committed = 0
    columns: tuple = ()
    rows: list[dict] = []
    changes: dict[str, int] = {}
    plan = _plan(statements, max(1, batch))
    current: Statement | None = None
    try:
        with store.driver.session(database=store.database, default_access_mode=mode) as session:
            for group in plan:
                with session.begin_transaction() as tx:
                    for stmt in group:
                        current = stmt
                        result = tx.run(stmt.text, params or {})
                        records = list(result)
                        summary = result.consume()
                        if records:
                            keys = tuple(records[0].keys())
                            columns = keys
                            rows = [{k: _plain(r[k]) for k in keys} for r in records]
                        _count(summary.counters, changes)
                    tx.commit()
                committed += len(group)
    except ClientError as exc:
        if exc.code == "Neo.ClientError.Statement.AccessMode":
            reason = "it writes, and the script runs read-only unless you add --write"
        else:
            reason = _first_line(exc.message)
        raise DealgraphError(f"{source}: {current.where}: Neo4j refused it: {reason}; "
                             f"{_done(committed)}") from None
    except (ServiceUnavailable, SessionExpired) as exc:
        raise StoreUnavailable(f"lost Neo4j at {store.uri} at {source} {current.where} "
                               f"({_first_line(str(exc))}); {_done(committed)}") from None
    except Neo4jError as exc:
        raise DealgraphError(f"{source}: {current.where}: Neo4j error: "
                             f"{_first_line(exc.message or str(exc))}; {_done(committed)}"
                             ) from None
    notes = [f"ran {len(statements)} statements in {len(plan)} transactions"]
    if changes:
        notes.append("changes: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                             for k, v in sorted(changes.items())))
    return QueryResult(columns, rows, notes)


def _count(counters, into: dict[str, int]) -> None:
    for key, value in vars(counters).items():
        if not key.startswith("_") and isinstance(value, int) and not isinstance(value, bool) \
                and value:
            into[key] = into.get(key, 0) + value


def _done(committed: int) -> str:
    if not committed:
        return "nothing of the script was committed"
    return (f"the {committed} statements before its transaction were committed, the rest "
            "were not")


def _first_line(text: str | None) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else "unknown error"
