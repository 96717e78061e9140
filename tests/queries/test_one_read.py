"""Each saved query answers from one state of the store, even when a load commits
while it runs: on the embedded store every query reads inside one read transaction.

The tests commit a load from another connection in the middle of a query (after
its first read, or between the levels of a search) and check that the answer is
the one from before the load, never a mix of both states.
"""

from __future__ import annotations

import csv
from contextlib import contextmanager
from pathlib import Path

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.queries import builtin_queries, get_query


def _write(directory: Path, name: str, rows: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _firms(*ids: str) -> list[dict]:
    return [{"id": i, "name": i.upper(), "country": "DE"} for i in ids]


def _deals(*ids: str) -> list[dict]:
    return [{"id": i, "kind": "supply", "status": "signed", "title": i, "sources": "s1"}
            for i in ids]


def _parties(*pairs: tuple[str, str, str]) -> list[dict]:
    return [{"deal": d, "entity": e, "role": r} for d, e, r in pairs]


@pytest.fixture
def chain(tmp_path):
    """A store holding a -(d1)- b -(d2)- c, and a load (not yet run) that adds
    a -(d3)- e -(d4)- f and b -(d5)- g: it changes both levels of a search from a."""
    old, new = tmp_path / "old", tmp_path / "new"
    _write(old, "sources.csv", [{"id": "s1", "publisher": "Wire", "title": "News",
                                 "url": "https://example.org/news", "published": "2024"}])
    _write(old, "firms.csv", _firms("a", "b", "c"))
    _write(old, "deals.csv", _deals("d1", "d2"))
    _write(old, "parties.csv", _parties(("d1", "a", "supplier"), ("d1", "b", "customer"),
                                        ("d2", "b", "supplier"), ("d2", "c", "customer")))
    _write(new, "firms.csv", _firms("e", "f", "g"))
    _write(new, "deals.csv", _deals("d3", "d4", "d5"))
    _write(new, "parties.csv", _parties(("d3", "a", "supplier"), ("d3", "e", "customer"),
                                        ("d4", "e", "supplier"), ("d4", "f", "customer"),
                                        ("d5", "b", "supplier"), ("d5", "g", "customer")))
    path = tmp_path / "store.db"
    store = EmbeddedStore(path)
    load_paths(store, [old])
    yield store, path, new
    store.close()


class _LoadsMidway:
    """Stands in for the store's SQLite connection: after ``after`` SELECT statements it
    commits ``dataset`` into the same file through another connection, once."""

    def __init__(self, db, path: Path, dataset: Path, after: int = 1):
        self._db, self._path, self._dataset, self._left = db, path, dataset, after
        self.loaded = False

    def execute(self, *args):
        result = self._db.execute(*args)
        if args[0].lstrip().upper().startswith("SELECT"):
            self._left -= 1
        if self._left == 0:
            writer = EmbeddedStore(self._path)
            load_paths(writer, [self._dataset])
            writer.close()
            self.loaded = True
        return result

    def __getattr__(self, name):
        return getattr(self._db, name)


@contextmanager
def _load_midway(store: EmbeddedStore, path: Path, dataset: Path, after: int = 1):
    real = store.db
    store.db = hook = _LoadsMidway(real, path, dataset, after)
    try:
        yield hook
    finally:
        store.db = real


def _answer(store, name: str, raw: dict, midway=None) -> list[dict]:
    query = get_query(name)
    params = query.bind(store, raw)  # names are resolved before the answer is read
    if midway is None:
        return query.run(store, params)
    with _load_midway(store, *midway) as hook:
        rows = query.run(store, params)
    assert hook.loaded, "the load did not commit while the query ran"
    return rows


def _ids(rows) -> set[str]:
    return {r["entity"] for r in rows}


@pytest.mark.parametrize("name, raw, old, new", [
    ("network", {"entity": "a", "hops": 2}, {"b", "c"}, {"b", "c", "e", "f", "g"}),
    ("partners-of-partners", {"entity": "a"}, {"c"}, {"c", "f", "g"}),
])
@pytest.mark.parametrize("after", [1, 2])
def test_a_load_between_levels_of_a_search_is_not_seen(chain, name, raw, old, new, after):
    store, path, dataset = chain
    before = _answer(store, name, raw)
    assert _ids(before) == old
    # the load commits after the first read (the start's name), or after level 1
    during = _answer(store, name, raw, midway=(path, dataset, after))
    assert during == before
    assert _ids(_answer(store, name, raw)) == new  # and the next answer sees all of it


def test_the_check_sees_a_mixed_answer_without_one_read(chain, monkeypatch):
    """The control: reading level by level outside one transaction mixes both states
    (level 1 from before the load, level 2 from after)."""
    store, path, dataset = chain

    @contextmanager
    def each_read_alone(self):
        yield self

    monkeypatch.setattr(EmbeddedStore, "reading", each_read_alone)
    # reads: the start's name, level 1, then (after the load) level 2
    mixed = _answer(store, "network", {"entity": "a", "hops": 2}, midway=(path, dataset, 2))
    assert _ids(mixed) == {"b", "c", "g"}  # neither {b, c} nor {b, c, e, f, g}


@pytest.fixture
def seed(tmp_path):
    """The seed dataset in a store, and a load that adds a new firm as a party to every
    seed deal (so that almost every saved query's answer changes)."""
    path = tmp_path / "store.db"
    store = EmbeddedStore(path)
    load_paths(store, [SEED_DIR])
    with open(SEED_DIR / "parties.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    first_role = {}
    for row in rows:
        first_role.setdefault(row["deal"], row["role"])
    more = tmp_path / "more"
    _write(more, "firms.csv", [{"id": "intruder", "name": "Intruder", "country": "CN"}])
    _write(more, "parties.csv", rows + [{"deal": d, "entity": "intruder", "role": r, "note": ""}
                                        for d, r in first_role.items()])
    yield store, path, more
    store.close()


@pytest.mark.parametrize("name", sorted(builtin_queries()))
@pytest.mark.parametrize("after", [1, 2, 3])
def test_every_saved_query_answers_from_one_state(seed, name, after):
    """A load committing after the query's first, second or third read statement changes
    nothing in its answer (once a read transaction has read, it keeps its state)."""
    store, path, more = seed
    raw = dict(get_query(name).example)
    before = _answer(store, name, raw)
    query = get_query(name)
    params = query.bind(store, raw)
    with _load_midway(store, path, more, after) as hook:
        during = query.run(store, params)
    after_load = _answer(store, name, raw)
    if hook.loaded:  # (a query of fewer statements has ended before)
        assert during == before, f"{name}: the answer mixes two states of the store"
    else:
        assert during == after_load
