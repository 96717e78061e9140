"""Fuzzing model extension files.

Random extension files (the documented example with keys dropped, values replaced by
hostile or wrongly shaped ones, junk added) and byte-level damage to a good one,
loaded with the payments dataset into a store that holds tests/data/small. Only two
outcomes may happen: the load succeeds, and the store then holds the small dataset,
the payments records and the extension (loading again changes nothing); or it
fails with a LoadError or an InvalidModel that names the extension or data file,
and the store is exactly as before, its stored extension included.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import BASE_MODEL, InvalidModel, use_model
from dealgraph.graph.schema_doc import EXAMPLE_EXTENSION
from dealgraph.loaders import load_paths

from .hostile import SMALL, awkward_text, count, dump_embedded, fuzz, mutated

PAYMENTS = Path(__file__).resolve().parents[1] / "data" / "payments"
GOOD = yaml.safe_load(EXAMPLE_EXTENSION)
PAYMENT_IDS = {"pay-001", "pay-002", "acme-pay", "bolt-bank", "corvid-ltd"}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(),
                    awkward_text, st.sampled_from(
                        ["integer", "text", "enum", "countries", "ref", "id", "payment",
                         "filer", "Deal", "Party", "Entity", "Source", "kind", "role",
                         "status", "channel", "value", "name", "country", "Bad Value", ""]))
anything = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(scalars.filter(
        lambda v: isinstance(v, str)), inner, max_size=3)), max_leaves=6)


@st.composite
def extension_tree(draw):
    tree = copy.deepcopy(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from([
            ("extension",), ("doc",), ("enums",), ("enums", "kind"), ("enums", "role"),
            ("enums", "channel"), ("fields",), ("fields", "Deal"),
            ("fields", "Deal", "transaction_count"), ("fields", "Deal", "transaction_count",
                                                      "type"),
            ("fields", "Party", "share", "type"), ("fields", "Entity"), ("style",),
            ("style", "dashed_status"), ("junk",), ("fields", "Deal", "channel", "enum")]))
        target = tree
        for key in path[:-1]:
            if not isinstance(target, dict) or not isinstance(target.get(key), dict):
                target = None
                break
            target = target[key]
        if target is None:
            continue
        if draw(st.booleans()):
            target.pop(path[-1], None)
        else:
            target[path[-1]] = draw(anything)
    return tree


def _attempt(name: str, ext_text: bytes) -> str:
    use_model(BASE_MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "payments"
        shutil.copytree(PAYMENTS, data)
        ext = data / "model.yaml"
        ext.write_bytes(ext_text)
        store = EmbeddedStore(Path(tmp) / "s.db")
        load_paths(store, [SMALL])
        before = dump_embedded(store)
        try:
            summary = load_paths(store, [data])
        except (LoadError, InvalidModel) as exc:
            text = str(exc)
            assert text.startswith(str(data)), text
            assert dump_embedded(store) == before, "the store changed although the load failed"
            assert store.stored_extension() is None
            count(name, "rejected")
            return "rejected"
        finally:
            use_model(BASE_MODEL)
        # loaded: everything valid is in, the extension is kept, a reload is a no-op
        assert summary.created == len(PAYMENT_IDS) + 1  # and the register source
        reopened = EmbeddedStore(Path(tmp) / "s.db")
        assert PAYMENT_IDS <= set(reopened.subgraph(None).nodes)
        assert reopened.stored_extension() is not None
        again = load_paths(reopened, [data])
        assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0,) * 4
        use_model(BASE_MODEL)
        count(name, "loaded")
        return "loaded"


@fuzz(100)
@given(tree=extension_tree())
@example(tree=GOOD)
def test_random_extension_files(tree):
    text = yaml.safe_dump(tree, allow_unicode=True).encode("utf-8", "surrogatepass")
    _attempt("extension: random extension files", text)


@fuzz(100)
@given(data=st.data())
def test_damaged_extension_files(data):
    content, _ = data.draw(mutated(EXAMPLE_EXTENSION.encode()))
    _attempt("extension: damaged extension files", content)
