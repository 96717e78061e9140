"""The ``export`` command: write a selected subgraph as GraphML, GEXF, JSON, CSV, a dataset,
a Cypher script, or an HTML/Markdown report."""

from __future__ import annotations

from pathlib import Path

import click

from .main import cli, parse_params, selection_options, store_options

# dealgraph.export.FORMATS, kept here so that --help does not import the exporters
FORMATS = ("graphml", "gexf", "json", "csv", "dataset", "cypher", "neo4j-import", "report-html",
           "report-md")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="graphml, gexf, json (node-link), csv (nodes.csv + edges.csv), dataset "
                   "(what `dealgraph load` reads), cypher (script for Neo4j), neo4j-import (files "
                   "for neo4j-admin database import; scripts/neo4j-local import), report-html, "
                   "report-md (with an SVG picture next to it).")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, metavar="PATH",
              help="File to write; a directory for csv, dataset and neo4j-import.")
@selection_options
@click.option("--query", metavar="NAME",
              help="Export what this saved query returns instead (see `dealgraph query list`).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of --query (repeatable).")
@click.option("--title", metavar="TEXT", help="Title of the export [default: what was selected].")
@store_options
def export_command(fmt, out, selection, query, params, title, opener):
    """Export the graph, or the part selected, for other tools and for reports.

    Select as `map` does (--focus/--hops, --kind, --status, --country, --as-of), or
    with a saved query (--query NAME -p key=value). An empty selection writes nothing.

    Example: dealgraph export --format report-html --focus Huawei --hops 2 -o huawei.html
    """
    from ..api import Graph
    from ..export import run_export  # the exporters load only when used

    sel = selection
    raw = parse_params(params)
    with opener() as store:
        if not query and not raw:  # a selection: Graph.subgraph(...).export(...)
            result = Graph(store).subgraph(sel.focus, sel.hops, kind=sel.kinds,
                                           status=sel.statuses, country=sel.countries,
                                           as_of=sel.as_of, top=sel.top
                                           ).export(fmt, out, title=title)
        else:  # a saved query's rows, exported as run_export describes them
            filters_given = (sel.focus or sel.kinds or sel.statuses or sel.countries
                             or sel.top)
            as_of, sel.as_of = sel.as_of, None  # run_export applies it to the query
            result = run_export(store, fmt, out, selection=sel if filters_given else None,
                                query=query, params=raw, as_of=as_of, title=title)
    for path in result.paths:
        click.echo(f"Wrote {path}")
    click.echo(f"Exported {result.summary()}")
