"""The ``export`` command: write a selected subgraph as GraphML, GEXF, JSON, CSV, a dataset,
a Cypher script, or an HTML/Markdown report."""

from __future__ import annotations

from pathlib import Path

import click

from ..graph.select import MAX_HOPS, Selection
from .main import cli, store_options

# dealgraph.export.FORMATS, kept here so that --help does not import the exporters
FORMATS = ("graphml", "gexf", "json", "csv", "dataset", "cypher", "report-html", "report-md")


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--kind a,b --kind c`` -> ``(a, b, c)``."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _params(values: tuple[str, ...]) -> dict:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not key=value", param_hint="-p/--param")
        out[key.strip()] = value
    return out


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="graphml, gexf, json (node-link), csv (nodes.csv + edges.csv), dataset "
                   "(what `dealgraph load` reads), cypher (script for Neo4j), report-html, "
                   "report-md (with an SVG picture next to it).")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, metavar="PATH",
              help="File to write; a directory for csv and dataset.")
@click.option("--focus", metavar="NAME", help="Centre on this entity (id, name or alias).")
@click.option("--hops", type=int, default=1, show_default=True,
              help=f"Counterparty steps around --focus (0-{MAX_HOPS}).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only deals of these kinds (repeat or comma-separate).")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="Only deals with these statuses (repeat or comma-separate).")
@click.option("--country", "countries", multiple=True, metavar="CC",
              help="Only deals with a party in these countries (ISO codes).")
@click.option("--as-of", "as_of", metavar="DATE", help="Only deals in force on this date.")
@click.option("--query", metavar="NAME",
              help="Export what this saved query returns instead (see `dealgraph query list`).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of --query (repeatable).")
@click.option("--title", metavar="TEXT", help="Title of the export [default: what was selected].")
@store_options
def export_command(fmt, out, focus, hops, kinds, statuses, countries, as_of, query, params,
                   title, opener):
    """Export the graph, or the part selected, for other tools and for reports.

    Select as `map` does (--focus/--hops, --kind, --status, --country, --as-of), or
    with a saved query (--query NAME -p key=value). An empty selection writes nothing.

    Example: dealgraph export --format report-html --focus Huawei --hops 2 -o huawei.html
    """
    from ..export import run_export  # the exporters load only when used

    filters_given = focus or kinds or statuses or countries
    selection = None
    if not query or filters_given:
        selection = Selection(focus=focus, hops=hops, kinds=_split(kinds),
                              statuses=_split(statuses), countries=_split(countries))
    with opener() as store:
        result = run_export(store, fmt, out, selection=selection, query=query,
                            params=_params(params), as_of=as_of, title=title)
    for path in result.paths:
        click.echo(f"Wrote {path}")
    click.echo(f"Exported {result.summary()}")
