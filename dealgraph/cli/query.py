"""Query commands: ``query list``, ``query show``, ``query run`` and ad-hoc ``cypher``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from ..api import Graph
from ..errors import DealgraphError, NotFound
from .main import cli, format_option, one_line, parse_params, store_options


def queries_option(func):
    """``--queries DIR``: also offer the ``.cypher`` queries in DIR."""
    return click.option("--queries", "queries_dir", envvar="DEALGRAPH_QUERIES", metavar="DIR",
                        type=click.Path(path_type=Path),
                        help="Directory of your own .cypher queries [env DEALGRAPH_QUERIES].")(func)


def params_option(func):
    return click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
                        help="A query parameter (repeatable).")(func)


def _cell(value, sep: str = "; ") -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return sep.join(_cell(v, sep) if not isinstance(v, (dict, list)) else json.dumps(v)
                        for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Table cells longer than this are cut (lists after the last whole item, with a count of
# the rest); JSON and CSV keep every value whole.
MAX_CELL = 60


def _table_cell(column: str, value, max_cell: int | None = MAX_CELL) -> str:
    """A value as one table cell: one line, a country code with its name beside it,
    and at most ``max_cell`` characters (None: whole)."""
    if column == "country" and value:
        from ..graph.countries import country_label
        if isinstance(value, str):
            value = country_label(value)
        elif isinstance(value, (list, tuple)):  # entities keep a list of countries
            value = [country_label(v) if isinstance(v, str) else v for v in value]
    text = one_line(" ".join(_cell(value).split()))
    if max_cell is None or len(text) <= max_cell:
        return text
    if isinstance(value, (list, tuple)):
        items = [one_line(" ".join(_cell(v).split())) for v in value]
        kept: list[str] = []
        for item in items:
            rest = f" … (+{len(items) - len(kept) - 1} more)"
            if len("; ".join(kept + [item])) + len(rest) > max_cell:
                break
            kept.append(item)
        if kept:
            return f"{'; '.join(kept)} … (+{len(items) - len(kept)} more)"
    return text[:max_cell - 1] + "…"


def render_rows(columns, rows, fmt: str, max_cell: int | None = MAX_CELL) -> str:
    """Rows as an aligned table (long cells cut, country codes named), a JSON list of
    objects keyed by ``columns``, or CSV (JSON and CSV hold every value whole)."""
    if fmt == "json":
        return json.dumps([{c: row.get(c) for c in columns} for row in rows], indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c), "|") for c in columns])
        return buf.getvalue()
    cells = [[_table_cell(c, row.get(c), max_cell) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


@cli.group("query")
def query_group():
    """Saved queries: list them, show one, run one on either store.

    Example: dealgraph query run partners -p entity=Huawei --as-of 2023-06
    """


@query_group.command("list")
@format_option("table", "json")
@queries_option
def list_command(fmt, queries_dir):
    """List the saved queries with the question each answers (no store is opened).

    Example: dealgraph query list
    """
    from ..queries import all_queries
    queries = all_queries(queries_dir)
    rows = [{"name": q.name, "question": q.question,
             "parameters": ", ".join(p.name for p in q.params)} for q in queries.values()]
    click.echo(render_rows(("name", "question", "parameters"), rows, fmt, max_cell=None),
               nl=False)


@query_group.command("show")
@click.argument("name")
@format_option("text", "json", default="text")
@queries_option
def show_command(name, fmt, queries_dir):
    """Show a saved query's parameters, columns and Cypher (no store is opened).

    Example: dealgraph query show paths
    """
    from ..queries import get_query
    from ..queries.catalogue import example_command
    q = get_query(name, queries_dir)
    if fmt == "json":
        click.echo(json.dumps({
            "name": q.name, "question": q.question,
            "parameters": [{"name": p.name, "type": p.describe(), "required": p.required,
                            "default": p.default, "help": p.help} for p in q.params],
            "columns": list(q.columns), "cypher": q.cypher, "origin": q.origin,
            "embedded": q.networkx is not None}, indent=2))
        return
    click.echo(f"{q.name}: {q.question}")
    if q.details:
        click.echo(q.details)
    click.echo("\nParameters:")
    for p in q.params:
        default = "required" if p.required else f"default {p.default}"
        click.echo(f"  {p.name} ({p.describe()}; {default})  {p.help}")
    if not q.params:
        click.echo("  none")
    click.echo("  --as-of DATE  leave out deals announced after DATE or ended before it")
    click.echo(f"\nColumns: {', '.join(q.columns)}")
    if q.example:
        click.echo(f"\nExample: {example_command(q)}")
    if q.networkx is None:
        click.echo("\nOn the embedded store its Cypher runs through the embedded engine "
                   "(no Python implementation).")
    click.echo("\nCypher:\n")
    click.echo(q.cypher.rstrip())


@query_group.command("run")
@click.argument("name")
@params_option
@click.option("--as-of", "as_of", metavar="DATE",
              help="Leave out deals announced after DATE or ended before it.")
@format_option("table", "json", "csv")
@click.option("--limit", type=int, metavar="N", help="Print only the first N rows.")
@click.option("--detail", is_flag=True,
              help="Add the columns the query keeps for detail (partner-list: the deals).")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.html", help="Also write a map of what the rows name.")
@queries_option
@store_options
def run_command(name, params, as_of, fmt, limit, detail, map_path, queries_dir, opener):
    """Run a saved query and print its rows.

    Parameters are given as -p key=value (see `dealgraph query show NAME`).

    Example: dealgraph query run investors -p target=Huawei --format json
    """
    raw = parse_params(params)
    with opener() as store:
        result = Graph(store).query(name, as_of=as_of, queries=queries_dir, params=raw,
                                    detail=detail)
        if limit is not None:
            result = result.head(limit)
        if map_path is not None:
            _write_map(result, map_path, name)
    click.echo(render_rows(result.columns, result.rows, fmt), nl=False)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _write_map(result, path: Path, name: str) -> None:
    try:
        info = result.map().save(path)
    except NotFound as exc:
        raise NotFound(f"--map: {exc}") from None
    click.echo(f"Wrote {info.describe()}", err=True)


@cli.command("cypher")
@click.argument("text", required=False)
@click.option("-f", "--file", "script", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              metavar="SCRIPT", help="Run the statements of this script (';'-separated) instead.")
@params_option
@format_option("table", "json", "csv")
@click.option("--write", is_flag=True, help="Allow statements that write (CREATE, MERGE, SET...).")
@store_options
def cypher_command(text, script, params, fmt, write, opener):
    """Run ad-hoc Cypher on either store, read-only unless --write (Neo4j only).

    -p values are read as JSON when they parse (numbers, true, null, lists, "quoted"),
    otherwise as text. On Neo4j it runs in a read transaction; on the embedded store
    the subset of Cypher in docs/python.md runs on its graph, and anything else is
    refused with the construct named.

    With --file, runs a script of ';'-separated statements (such as `export --format
    cypher` writes): schema statements each in its own transaction, the others in
    batches; prints the rows of the last statement that returned any.

    Example: dealgraph cypher "MATCH (f:Firm) WHERE $cc IN f.country RETURN f.id, f.name" -p cc=CN
    """
    from ..queries.adhoc import parse_value
    if (text is None) == (script is None):
        raise click.UsageError("give either the Cypher TEXT or --file SCRIPT")
    values = {k: parse_value(v) for k, v in parse_params(params).items()}
    with opener() as store:
        if script is not None:
            from ..queries.script import run_cypher_script
            result = run_cypher_script(store, _read_script(script), values, write=write,
                                       source=str(script))
        else:
            result = Graph(store).cypher(text, write=write, params=values)
    if result.columns or script is None:
        click.echo(render_rows(result.columns, result.rows, fmt), nl=False)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _read_script(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DealgraphError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DealgraphError(f"{path}: cannot read it ({exc.strerror})") from None
