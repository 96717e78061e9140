"""Interactive HTML maps of a subgraph: one self-contained, offline file rendered by pyvis.

``render.write_map(subgraph, path)`` is the entry point; ``elements`` turns a
subgraph into styled vis-network nodes and edges (styling read from the type
model), ``layout`` places large graphs in Python, and ``assets`` inlines the
JavaScript and CSS the page needs. See docs/maps.md.
"""
