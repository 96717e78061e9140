"""The demo: load the bundled seed dataset and write what can be looked at."""

from __future__ import annotations

from pathlib import Path

from .graph.store import Store
from .loaders import SEED_DIR, load_paths

__all__ = ["run_demo"]


def run_demo(store: Store, out_dir: Path) -> str:
    """Load the seed dataset into ``store``, write ``out_dir/map.html`` and return a report."""
    summary = load_paths(store, [SEED_DIR])
    stats = store.stats()
    lines = [f"Loaded the seed dataset into the {store.backend} store "
             f"({_where(store)}): {summary.created} created, {summary.updated} updated, "
             f"{summary.unchanged} unchanged.",
             "  " + ", ".join(f"{stats[k]} {k}" for k in ("Firm", "Government", "Person",
                                                          "Deal", "Source"))
             + f", {stats['parties']} deal parties"]
    from .viz.render import write_map
    path = out_dir / "map.html"
    write_map(store.subgraph(None), path, title="dealgraph demo: seed network")
    lines.append(f"Map of the whole network: {path}")
    store_flag = f" --store {store.path}" if store.backend == "embedded" else " --backend neo4j"
    lines += ["Next, for example:",
              f"  dealgraph query run partners -p entity=Xiaomi{store_flag}",
              f"  dealgraph query run paths -p a=Xiaomi -p b=Audi{store_flag}",
              f"  dealgraph query list"]
    return "\n".join(lines)


def _where(store: Store) -> str:
    return getattr(store, "path", None) or getattr(store, "uri", "")
