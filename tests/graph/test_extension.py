"""Model extensions: validated with named errors, merged without contradictions, safe YAML."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from dealgraph.graph.extension import (ModelExtension, extended_model, merge_extensions,
                                       parse_extension, read_extension)
from dealgraph.graph.model import BASE_MODEL, MODEL, InvalidModel, model_in_use
from dealgraph.graph.schema_doc import EXAMPLE_EXTENSION

FILINGS = """\
extension: filings
enums: {kind: [payment], role: [filer]}
fields:
  Deal: {transaction_count: {type: integer}}
"""


def test_the_documented_example_extends_the_built_in_model(data_dir):
    ext = parse_extension(EXAMPLE_EXTENSION)
    model = extended_model(ext)
    assert model.enums["kind"].values[-2:] == ("payment", "transfer")
    assert "filer" in model.enums["role"].values
    assert model.enums["channel"].values == ("wire", "card", "cash")
    assert model.kinds["Deal"].fields["transaction_count"].type == "integer"
    assert model.kinds["Deal"].fields["channel"].enum == "channel"
    assert model.kinds["Party"].fields["share"].type == "percent"
    for kind in ("Firm", "Government", "Person"):  # Entity: every entity kind
        assert model.kinds[kind].fields["register_no"].extension
    assert "filed" in model.style["dashed_status"]
    # the built-in model is untouched, and the test fixture is the documented example
    assert "payment" not in BASE_MODEL.enums["kind"].values
    assert "transaction_count" not in BASE_MODEL.kinds["Deal"].fields
    assert read_extension(data_dir / "payments" / "model.yaml") == ext


def test_model_stands_for_the_model_in_use():
    ext = parse_extension(FILINGS)
    assert "payment" not in MODEL.enums["kind"].values
    with model_in_use(extended_model(ext)):
        assert "payment" in MODEL.enums["kind"].values
        assert MODEL.extension == ext
    assert MODEL.extension is None


@pytest.mark.parametrize("text, message", [
    ("enums: {kind: [payment]}", "extension: is required"),
    ("extension: x\nkinds: {}", "kinds: unknown key"),
    ("extension: x\nfields: {Deal: {n: {type: blob}}}", "fields.Deal.n.type: 'blob' is not a type"),
    ("extension: x\nfields: {Deal: {n: {type: ref}}}", "'ref' is not a type"),
    ("extension: x\nfields: {Deal: {value: {type: text}}}", "Deal.value is a built-in field"),
    ("extension: x\nfields: {Deal: {n: {type: integer, required: true}}}",
     "fields.Deal.n.required: unknown key"),
    ("extension: x\nfields: {Source: {n: {type: text}}}", "fields.Source: extensions add fields"),
    ("extension: x\nfields: {Deal: {n: {type: enum, enum: nope}}}", "unknown enumeration 'nope'"),
    ("extension: x\nfields: {Deal: {bad-name: {type: text}}}", "field names must be identifiers"),
    ("extension: x\nenums: {kind: [Bank Transfer]}", "'Bank Transfer' is not a valid value"),
    ("extension: x\nenums: {kind: []}", "enums.kind: must be a list of values"),
    ("extension: x\nstyle: {dashed_status: [paid]}", "'paid' is not a status"),
    ("extension: x\nstyle: {colour: [paid]}", "style.colour: unknown key"),
    ("- a list", "must be a mapping"),
    ("extension: [x, 1]", "extension: must name the extension"),
    ("extension: x\nfields: {Deal: {n: {type: text}}}\n  bad: [", "invalid YAML"),
])
def test_wrong_extensions_are_refused_with_a_named_error(text, message):
    with pytest.raises(InvalidModel, match=message.replace("[", r"\[").replace("(", r"\(")) as exc:
        parse_extension(text, "ext.yaml")
    assert str(exc.value).startswith("ext.yaml")
    assert "\n" not in str(exc.value)


def test_an_alias_bomb_is_one_line_in_bounded_memory(tmp_path):
    """Nine levels of nine aliases would stand for 9**9 values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    bomb = tmp_path / "model.yaml"
    bomb.write_text("extension: bomb\nenums:\n  kind: *a9\n" + "\n".join(lines) + "\n")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InvalidModel) as exc:
        read_extension(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 5_000_000
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"{bomb}:") and "alias" in message


def test_extensions_merge_into_their_union():
    a = parse_extension(FILINGS)
    b = parse_extension("extension: more\nenums: {kind: [transfer], role: [filer, payee]}\n"
                        "fields: {Deal: {transaction_count: {type: integer, doc: Count.}},"
                        " Party: {share: {type: percent}}}")
    merged = merge_extensions(a, b)
    assert merged.names == ("filings", "more")
    assert merged.enums["kind"]["values"] == ["payment", "transfer"]
    assert merged.enums["role"]["values"] == ["filer", "payee"]
    assert set(merged.fields) == {"Deal", "Party"}
    assert merge_extensions(a, None) is a and merge_extensions(None, b) is b
    assert merge_extensions(a, a) is a


def test_contradicting_extensions_are_refused_naming_both():
    a = parse_extension(FILINGS)
    b = parse_extension("extension: other\nfields: {Deal: {transaction_count: {type: text}}}")
    with pytest.raises(InvalidModel, match=r"other declares Deal.transaction_count as text.*"
                                           r"extension filings, which declares it as integer"):
        merge_extensions(a, b)


def test_an_extension_survives_its_stored_and_written_forms():
    ext = parse_extension(EXAMPLE_EXTENSION)
    assert ModelExtension.from_json(ext.to_json()) == ext
    again = parse_extension(ext.to_yaml())
    assert extended_model(again).kinds == extended_model(ext).kinds
    with pytest.raises(InvalidModel, match="stored model extension is unreadable"):
        ModelExtension.from_json("{not json")
