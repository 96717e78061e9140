"""The ``map`` command: select a subgraph and write it as one offline interactive HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NotFound
from ..graph.select import MAX_HOPS, Selection, select_subgraph
from .main import cli, store_options

VIEWS = ("deals", "counterparties")  # dealgraph.viz.elements.VIEWS; kept here so --help stays fast


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--kind a,b --kind c`` -> ``(a, b, c)``."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@cli.command("map")
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
@click.option("--view", type=click.Choice(VIEWS), default="deals", show_default=True,
              help="deals: deals are small nodes; counterparties: deals are labelled "
                   "edges between their parties.")
@click.option("--sources", "show_sources", is_flag=True,
              help="Also draw sources as nodes (they are always listed in the details).")
@click.option("--title", metavar="TEXT", help="Page title [default: what was selected].")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("map.html"), show_default=True, help="HTML file to write.")
@store_options
def map_command(focus, hops, kinds, statuses, countries, as_of, view, show_sources, title,
                out, opener):
    """Write an interactive map of the graph, or of the part selected, as one HTML file.

    The file works offline and makes no network request: search, filters by type,
    kind, status and country, an as-of slider, and details with sources on click.

    Example: dealgraph map --focus Huawei --hops 2 --status signed,completed -o huawei.html
    """
    from ..viz.render import write_map  # imports pyvis; only when a map is made

    sel = Selection(focus=focus, hops=hops, kinds=_split(kinds), statuses=_split(statuses),
                    countries=_split(countries), as_of=as_of)
    with opener() as store:
        sub = select_subgraph(store, sel)
    if not sub.nodes:
        raise NotFound(f"nothing to map: the selection ({sel.describe()}) is empty")
    info = write_map(sub, out, title=title or f"dealgraph map: {sel.describe()}", view=view,
                     show_sources=show_sources)
    click.echo(f"Wrote {info.describe()}")
