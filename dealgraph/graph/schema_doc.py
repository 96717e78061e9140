"""Render docs/schema.md from the model, so the schema documentation cannot drift.

Regenerate with ``python -m dealgraph.graph.schema_doc > docs/schema.md``;
``tests/graph/test_schema_doc.py`` fails when the file is stale.
"""

from __future__ import annotations

from .model import MODEL, Model

__all__ = ["render_schema"]

_TYPE_DOC = {
    "id": "identifier: letters, digits, `.`, `_`, `:`, `-`; unique across all record kinds",
    "text": "free text (no NUL characters, at most 10,000 characters)",
    "list": "several texts, separated by `{sep}` in a CSV cell, or a JSON/YAML list",
    "country": "ISO 3166-1 alpha-2 code (`CN`, `DE`, `US`; `EU` for EU bodies); loads also "
               "take alpha-3 codes (`CHN`) and English names (`China`)",
    "currency": "ISO 4217 code (`USD`, `EUR`, `CNY`)",
    "date": "ISO date, full or partial: `2023`, `2023-01` or `2023-01-05`",
    "number": "decimal number, at least 0 (no thousands separators; `1.5e9` allowed)",
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


def render_schema(model: Model = MODEL) -> str:
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
    out += ["", "## File formats", "",
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
