"""dealgraph: a graph database and relationship explorer for partnership networks
of firms, governments and deals.

The library API is small: open a store, load datasets into it, read it back.

>>> import dealgraph
>>> store = dealgraph.open_store("embedded", path=":memory:")
>>> summary = dealgraph.load_paths(store, [dealgraph.SEED_DIR])
>>> store.stats()["Deal"] >= 15
True
"""

from .errors import DealgraphError, LoadError, NotFound, ParameterError, StoreUnavailable
from .graph.backends import Neo4jSettings, open_store
from .graph.resolve import resolve_entity
from .loaders import SEED_DIR, check_paths, load_paths

__version__ = "0.1.0"

__all__ = ["open_store", "Neo4jSettings", "load_paths", "check_paths", "resolve_entity",
           "SEED_DIR", "DealgraphError", "LoadError", "NotFound", "ParameterError",
           "StoreUnavailable", "__version__"]
