"""The ``map`` command: select a subgraph and write it as one offline interactive HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NotFound
from ..graph.select import select_subgraph
from .main import cli, selection_options, store_options

VIEWS = ("deals", "counterparties")  # dealgraph.viz.elements.VIEWS; kept here so --help stays fast


@cli.command("map")
@selection_options
@click.option("--view", type=click.Choice(VIEWS), default="deals", show_default=True,
              help="deals: deals are small nodes; counterparties: deals are labelled "
                   "edges between their parties.")
@click.option("--sources", "show_sources", is_flag=True,
              help="Also draw sources as nodes (they are always listed in the details).")
@click.option("--title", metavar="TEXT", help="Page title [default: what was selected].")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("map.html"), show_default=True, help="HTML file to write.")
@store_options
def map_command(selection, view, show_sources, title, out, opener):
    """Write an interactive map of the graph, or of the part selected, as one HTML file.

    The file works offline and makes no network request: search, filters by type,
    kind, status and country, an as-of slider, and details with sources on click.

    Example: dealgraph map --focus Huawei --hops 2 --status signed,completed -o huawei.html
    """
    from ..viz.render import write_map  # imports pyvis; only when a map is made

    sel = selection
    with opener() as store:
        sub = select_subgraph(store, sel)
    if not sub.nodes:
        raise NotFound(f"nothing to map: the selection ({sel.describe()}) is empty")
    info = write_map(sub, out, title=title or f"dealgraph map: {sel.describe()}", view=view,
                     show_sources=show_sources)
    click.echo(f"Wrote {info.describe()}")
