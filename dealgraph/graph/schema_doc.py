"""Render docs/schema.md from the model, so the schema documentation cannot drift.

Regenerate with ``python -m dealgraph.graph.schema_doc > docs/schema.md``;
``tests/graph/test_schema_doc.py`` fails when the file is stale.
"""

from __future__ import annotations

from .extension import EXTENSION_FILE, EXTENSION_TYPES, extended_model, parse_extension
from .model import BASE_MODEL, Model

__all__ = ["render_schema"]

_TYPE_DOC = {
    "id": "identifier: letters, digits, `.`, `_`, `:`, `-`; unique across all record kinds",
    "text": "free text (no NUL characters, at most 10,000 characters)",
    "list": "several texts, separated by `{sep}` in a CSV cell, or a JSON/YAML list",
    "country": "ISO 3166-1 alpha-2 code (`CN`, `DE`, `US`; `EU` for EU bodies); loads also "
               "take alpha-3 codes (`CHN`) and English names (`China`)",
    "countries": "one or more countries as `country` reads them, separated by `{sep}` in a "
                 "CSV cell, or a JSON/YAML list; the entity counts as in each (filters, "
                 "cross-border, maps, exports)",
    "currency": "ISO 4217 code (`USD`, `EUR`, `CNY`)",
    "date": "ISO date, full or partial: `2023`, `2023-01` or `2023-01-05`",
    "number": "decimal number, at least 0 (no thousands separators; `1.5e9` allowed)",
    "integer": "whole number (`12`, `-3`; `12.0` reads as 12); stored as an integer in both "
               "stores",
    "percent": "number from 0 to 100",
    "url": "`http://` or `https://` URL",
    "enum": "one of the values listed below (case and spaces/hyphens are forgiven: "
            "`In talks` reads as `in_talks`)",
    "ref": "id of another record",
    "refs": "ids of other records, separated by `{sep}` in a CSV cell, or a JSON/YAML list",
}


def _type_cell(field) -> str:
    if field.type == "enum":
        return f"enum `{field.enum}`"
    if field.type in ("ref", "refs"):
        return f"{field.type} → {' / '.join(field.ref)}"
    return field.type


# The example extension docs/schema.md shows; a test loads it on both stores.
EXAMPLE_EXTENSION = """\
# model.yaml in the dataset directory (or: --model-extension FILE, or model: in a mapping)
extension: payments
doc: Payments between firms, as a payments register lists them.
enums:
  kind: {values: [payment, transfer], doc: "payment: one payment; transfer: a series."}
  role: [filer, payer, payee]
  status: [filed]
  channel: {values: [wire, card, cash], doc: How the money moved.}
fields:
  Deal:
    transaction_count: {type: integer, example: 12, doc: How many transactions it covers.}
    channel: {type: enum, enum: channel, example: wire, doc: How the money moved.}
  Party:
    share: {type: percent, example: 40, doc: Share of the amount this party paid or got.}
  Entity:
    register_no: {type: text, example: HRB 1234, doc: Number in the payments register.}
style:
  dashed_status: [filed]   # on maps, filed payments are drawn dashed, as rumoured deals are
"""


def _extension_section(model: Model) -> list[str]:
    ext = parse_extension(EXAMPLE_EXTENSION, "example")
    extended = extended_model(ext)
    deal = extended.kinds["Deal"].fields["transaction_count"]
    return [
        "## Model extensions", "",
        "A dataset whose facts the built-in model has no words for (a payment, the party "
        "that files a report, a count of transactions) brings a *model extension*: a small "
        "YAML file, read safely (no code, no YAML aliases) and validated like the model "
        "itself. It can add values to the enumerations above, declare its own "
        "enumerations, and add optional typed fields to `Deal`, `Party` (stored on the "
        "PARTY_TO relationship), `Firm`, `Government`, `Person`, or `Entity` (all three). "
        "It cannot change or remove a built-in field or value, add record kinds or "
        "relationships, or make a field required, so every dataset valid without it stays "
        "valid with it. Types extensions may use: "
        + ", ".join(f"`{t}`" for t in EXTENSION_TYPES) + ".", "",
        "Where dealgraph finds it: `--model-extension FILE` on `dealgraph load`; else "
        f"`{EXTENSION_FILE}` in a dataset directory (that file is never read as data); "
        "else the file named by a mapping's `model:` key (relative to the mapping file). "
        "Extension fields are columns like any other (e.g. `transaction_count` in "
        "`deals.csv`, `share` in `parties.csv`).", "",
        "```yaml", *EXAMPLE_EXTENSION.rstrip("\n").splitlines(), "```", "",
        f"With it, `kind` also takes {', '.join(f'`{v}`' for v in ext.enums['kind']['values'])}, "
        f"and `Deal.transaction_count` is a field of type `{deal.type}`.", "",
        "**The store remembers its extension.** A load keeps the extension in the store's "
        "metadata (as data: JSON in the embedded store's `meta` table, a `DealgraphMeta` "
        "node in Neo4j). Opening the store later reads it, so queries, maps, exports and "
        "further loads work without the file; a `dataset` export writes it back as "
        f"`{EXTENSION_FILE}`. Loading with another extension keeps the union of both; an "
        "extension that contradicts the stored one (the same field with another type or "
        "enumeration) is refused with a message naming both, and nothing is written. "
        "Emptying a store forgets its extension. In Neo4j, extension fields get property "
        "type constraints where the server supports them (Enterprise); on Community the "
        "values still have their types (an `integer` field is a Cypher INTEGER).", "",
    ]


def render_schema(model: Model = BASE_MODEL) -> str:
    sep = model.separator
    out = ["# Dataset schema", "",
           "<!-- Generated from dealgraph/graph/model.yaml by "
           "`python -m dealgraph.graph.schema_doc`; do not edit by hand. -->", "",
           "A dataset is a directory of CSV files, one per record kind, or the same records "
           "as JSON or YAML (see *File formats* below). Each file's header names the columns "
           "below; optional columns may be left out. Cells in multi-valued columns are "
           f"separated by `{sep}`. Empty cells mean \"not known\".", "",
           "Loading is atomic: every problem in the input is reported with file, line and "
           "field, and if there is any, nothing is written. Loading the same files again "
           "changes nothing; loading an edited file updates the records that changed. A deal's "
           "parties are replaced by the parties a load lists for it.", ""]
    for kind in model.kinds.values():
        out += [f"## {kind.name} — `{kind.file}.csv`", "", kind.doc, ""]
        out += ["| column | type | required | example | meaning |",
                "|---|---|---|---|---|"]
        for f in kind.fields.values():
            example = f.example.replace("|", "\\|")
            out.append(f"| `{f.name}` | {_type_cell(f)} | {'yes' if f.required else ''} | "
                       f"`{example}` | {f.doc} |")
        out.append("")
    out += ["## Enumerations", ""]
    for enum in model.enums.values():
        out += [f"- **{enum.name}**: {', '.join(f'`{v}`' for v in enum.values)}. {enum.doc}"]
    out += ["", "## Field types", ""]
    for t, doc in _TYPE_DOC.items():
        out.append(f"- **{t}**: {doc.format(sep=sep)}")
    out += ["", "## Graph", "",
            "Records become a property graph, the same in both stores. Firm, Government and "
            "Person nodes also carry the label `Entity`. Relationship types:", ""]
    for name, rel in model.relationships.items():
        out.append(f"- `{name}`: ({' / '.join(rel['from'])}) → ({' / '.join(rel['to'])}). "
                   f"{rel.get('doc', '')}")
    out += [""] + _extension_section(model)
    out += ["## File formats", "",
            "- **CSV**: `firms.csv`, `governments.csv`, `people.csv`, `deals.csv`, `parties.csv`, "
            "`sources.csv`; UTF-8 (a BOM is fine), comma-separated, a header row, standard "
            "quoting. Line numbers in error messages are the file's lines.",
            "- **JSON / YAML**: `firms.json` (or `.yaml`) holding a list of records, or any other "
            "`.json`/`.yaml` file holding a mapping from record kinds to lists, e.g. "
            "`{\"firms\": [...], \"deals\": [...], \"parties\": [...]}`. Multi-valued fields "
            "may be lists.",
            "- **JSON Lines**: one record per line; in a file not named for a kind, each line "
            "has `\"record\": \"firms\"` (or another kind) besides its fields.",
            "", "Example (`parties.csv`):", "", "```csv", "deal,entity,role,note",
            "deal-huawei-mercedes-stake-offer,huawei,offeror,",
            "deal-huawei-mercedes-stake-offer,huawei-ias,target,",
            "deal-huawei-mercedes-stake-offer,mercedes-benz,investor,showed little interest",
            "```", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render_schema(), end="")
