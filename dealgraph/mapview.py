"""A map that shows itself: in Jupyter (JupyterLab, classic Notebook, VS Code) as a
sandboxed frame holding the offline map page, and as a file with ``save``.

The page is the one ``dealgraph map`` writes (no request, a Content-Security-Policy
that runs only its own two scripts). In a notebook it goes into an
``<iframe sandbox="allow-scripts" srcdoc="…">``: the whole page escaped as one
attribute value, so nothing in it is read as the notebook's HTML, and the sandbox
gives it an origin of its own, away from the notebook's cookies and kernel.

>>> from dealgraph.graph.records import Node, Subgraph
>>> m = Map.render(Subgraph({"a": Node("a", "Firm", {"name": "<A>"})}), title="t")
>>> m.nodes, m._repr_html_().startswith('<iframe sandbox="allow-scripts"')
(1, True)
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Map", "FRAME_HEIGHT"]

FRAME_HEIGHT = 640  # pixels of the frame in a notebook


@dataclass(frozen=True)
class Map:
    """An interactive map page (``html``) and what it draws: ``title``, ``view``,
    numbers of ``nodes`` and ``edges``, whether the page runs ``physics``."""
    html: str
    title: str
    view: str
    nodes: int
    edges: int
    physics: bool

    @classmethod
    def render(cls, subgraph, **options) -> "Map":
        """Render ``subgraph``; ``options`` go to ``dealgraph.viz.render.render_map``."""
        from .viz.elements import DEAL_LABEL
        from .viz.render import DEFAULT_TITLE, read_map_data, render_map
        page = render_map(subgraph, **options)
        data = read_map_data(page)
        meta = data.get("meta", {})
        view = meta.get("view", options.get("view", "deals"))
        # what the page draws first, counted as write_map counts it: not the ring of
        # outside deals ("r"); deals as nodes only in the deals view; edges of that view
        nodes = sum(1 for n in data.get("nodes", ()) if not n.get("r") and (
            view == "deals" or str(n.get("group", "")).split("/")[0] != DEAL_LABEL))
        edges = sum(1 for e in data.get("edges", ()) if not e.get("r")
                    and e.get("v") in (None, "d" if view == "deals" else "c"))
        return cls(page, options.get("title") or DEFAULT_TITLE, view, nodes, edges,
                   bool(meta.get("physics", True)))

    def save(self, path: str | os.PathLike):
        """Write the page to ``path`` (parent directories are created); returns a
        ``MapInfo`` saying what was written."""
        from .viz.render import MapInfo
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.html.encode("utf-8")
        path.write_bytes(data)
        return MapInfo(path, self.view, self.nodes, self.edges, self.physics, len(data))

    def _repr_html_(self) -> str:
        return (f'<iframe sandbox="allow-scripts" title="{html.escape(self.title)}" '
                f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 1px solid #ddd" '
                f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>')

    def __repr__(self) -> str:
        return f"<Map {self.title!r}: {self.nodes} nodes, {self.edges} edges>"
