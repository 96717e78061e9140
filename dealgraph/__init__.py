"""dealgraph: a graph database and relationship explorer for partnership networks
of firms, governments and deals.

The front door is ``dealgraph.open``: a store path or a Neo4j URI gives a ``Graph``
to load data into, ask (saved queries, Cypher), select, map and export from
(docs/python.md).

>>> import dealgraph
>>> g = dealgraph.open(":memory:")
>>> summary = g.load(dealgraph.SEED_DIR)
>>> g.stats()["Deal"] >= 15
True

The pieces under it stay available: ``open_store``, ``load_paths``, ``check_paths``.
"""

from .api import Graph, open
from .errors import DealgraphError, LoadError, NotFound, ParameterError, StoreUnavailable
from .graph.backends import Neo4jSettings, open_store
from .graph.resolve import resolve_entity
from .loaders import SEED_DIR, check_paths, load_paths
from .mapview import Map
from .results import Rows, Selected

__version__ = "0.1.0"

__all__ = ["open", "Graph", "Rows", "Selected", "Map", "open_store", "Neo4jSettings",
           "load_paths", "check_paths", "resolve_entity", "SEED_DIR", "DealgraphError",
           "LoadError", "NotFound", "ParameterError", "StoreUnavailable", "__version__"]
