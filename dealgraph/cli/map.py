"""The ``map`` command: select a subgraph and write it as one offline interactive HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from .main import cli, selection_options, store_options

VIEWS = ("auto", "deals", "counterparties")  # dealgraph.viz.elements.VIEWS + auto; kept here so --help stays fast


@cli.command("map")
@selection_options
@click.option("--view", type=click.Choice(VIEWS), default="auto", show_default=True,
              help="deals: deals are small nodes; counterparties: deals are labelled "
                   "edges between their parties; auto: deals up to 60 deals. The page "
                   "switches between them.")
@click.option("--sources", "show_sources", is_flag=True,
              help="Also draw sources as nodes (they are always listed in the details).")
@click.option("--title", metavar="TEXT", help="Page title [default: what was selected].")
@click.option("--caption", metavar="TEXT", default="",
              help="A caption under the title, also in exported PNG/SVG pictures.")
@click.option("--positions", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="FILE", help="Reuse node positions saved from a map page "
                                   "(its Positions button), so a figure is rebuilt identically.")
@click.option("--overview/--no-overview", default=None,
              help="Open on clusters [default: above 3,000 nodes].")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("map.html"), show_default=True, help="HTML file to write.")
@store_options
def map_command(selection, view, show_sources, title, caption, positions, overview, out, opener):
    """Write an interactive map of the graph, or of the part selected, as one HTML file.

    The file works offline and makes no network request: an overview of clusters for
    big maps, search, filters by type, kind, status and country, a date range, paths
    between two entities, details on click, deals beyond the map's edge, and PNG/SVG
    and positions export.

    Example: dealgraph map --focus Huawei --hops 2 --status signed,completed -o huawei.html
    """
    from ..api import Graph

    sel = selection
    with opener() as store:
        chosen = Graph(store).subgraph(sel.focus, sel.hops, kind=sel.kinds, status=sel.statuses,
                                       country=sel.countries, as_of=sel.as_of, top=sel.top)
        page = chosen.map(title=title, view=view, show_sources=show_sources, caption=caption,
                          positions=positions, overview=overview)
    info = page.save(out)
    click.echo(f"Wrote {info.describe()}")
