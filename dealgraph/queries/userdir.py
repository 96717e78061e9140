"""User queries from a directory: ``.cypher`` files with a small header.

A file ``suppliers.cypher`` looks like::

    // name: suppliers
    // question: Who supplies the entity?
    // param: entity entity The firm whose suppliers to list.
    // param: min_deals int default=1 min=1 max=100 Fewest deals to count.
    // columns: supplier, name, deals
    // sort: -deals, supplier
    MATCH (e:Entity {id: $entity})<-[:PARTY_TO]- ...

``param`` lines give the name, the type (entity, int, str, country, date), then
optional ``default=``, ``min=`` and ``max=``, then the help text; a parameter
without a default is required. ``sort`` is optional (``-`` for descending). The
Cypher gets ``$as_of`` too (None when unset). It runs on Neo4j in a read
transaction. On the embedded store it runs through the embedded Cypher engine
(``graph_cypher``) if the text is in its subset, unless a Python file with the same
stem (``suppliers.py``) defines ``networkx(g, params)`` (and optionally ``SCOPE``, as
in the built-in queries), which then runs instead.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from ..errors import DealgraphError
from .base import PARAM_TYPES, Param, SavedQuery

__all__ = ["load_user_queries", "parse_cypher_file"]

_HEADER = re.compile(r"^//\s*(name|question|param|columns|sort|ordered)\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


def load_user_queries(directory) -> list[SavedQuery]:
    """Every ``*.cypher`` query in ``directory``, sorted by file name."""
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise DealgraphError(f"${{queries}}: {directory} is not a directory",
                             params={"queries": "queries"})
    queries = []
    seen: dict[str, Path] = {}
    for file in sorted(path.glob("*.cypher")):
        query = parse_cypher_file(file)
        if query.name in seen:
            raise DealgraphError(f"{file}: query name {query.name!r} is also used by "
                                 f"{seen[query.name]}")
        seen[query.name] = file
        queries.append(query)
    return queries


def _fail(file: Path, line: int, message: str):
    raise DealgraphError(f"{file}:{line}: {message}")


def _param(file: Path, line: int, text: str) -> Param:
    tokens = text.split()
    if len(tokens) < 2:
        _fail(file, line, "a param line needs a name and a type: // param: NAME TYPE help")
    name, ptype = tokens[0], tokens[1].lower()
    if not _IDENT.match(name) or name == "as_of":
        _fail(file, line, f"bad parameter name {name!r} (letters, digits, _; not as_of)")
    if ptype not in PARAM_TYPES:
        _fail(file, line, f"parameter {name}: unknown type {ptype!r} "
                          f"(expected one of: {', '.join(PARAM_TYPES)})")
    options: dict[str, str] = {}
    rest = tokens[2:]
    while rest and re.match(r"^(default|min|max)=", rest[0]):
        key, _, value = rest.pop(0).partition("=")
        options[key] = value
    bounds = {}
    for key in ("min", "max"):
        if key in options:
            if ptype != "int":
                _fail(file, line, f"parameter {name}: {key}= is only for int parameters")
            try:
                bounds[key] = int(options[key])
            except ValueError:
                _fail(file, line, f"parameter {name}: {key}={options[key]!r} is not a whole number")
    param = Param(name, ptype, help=" ".join(rest), **bounds)
    if "default" in options:
        try:
            default = param.parse(None, options["default"]) if ptype != "entity" \
                else options["default"]
        except DealgraphError as exc:
            _fail(file, line, f"bad default: {exc}")
        param = Param(name, ptype, default=default, help=param.help, required=False, **bounds)
    return param


def parse_cypher_file(file: Path) -> SavedQuery:
    """The query a ``.cypher`` file declares (with its ``.py`` twin, if present)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DealgraphError(f"{file}: cannot read ({exc})") from None
    header: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            param = _param(file, number, value)
            if any(p.name == param.name for p in params):
                _fail(file, number, f"parameter {param.name} is declared twice")
            params.append(param)
        elif key in header:
            _fail(file, number, f"{key} is declared twice")
        else:
            header[key] = value
    for key in ("name", "question", "columns"):
        if not header.get(key):
            _fail(file, 1, f"missing header line // {key}: ...")
    name = header["name"].lower()
    if not _NAME.match(name):
        _fail(file, 1, f"bad query name {header['name']!r} (lower-case letters, digits and '-')")
    columns = tuple(c.strip() for c in header["columns"].split(",") if c.strip())
    sort = tuple(c.strip() for c in header.get("sort", "").split(",") if c.strip())
    for col in sort:
        if col.lstrip("-") not in columns:
            _fail(file, 1, f"sort column {col!r} is not among the columns")
    ordered = tuple(c.strip() for c in header.get("ordered", "").split(",") if c.strip())
    module = _companion(file)
    return SavedQuery(
        name=name, question=header["question"], params=tuple(params), columns=columns,
        cypher=text, networkx=getattr(module, "networkx", None), sort=sort, ordered=ordered,
        scope=getattr(module, "SCOPE", None), local_graph=getattr(module, "local_graph", None),
        check=getattr(module, "check", None), origin=str(file),
        doc=f"User query from {file}.")


def _companion(file: Path):
    """The ``.py`` file next to ``file`` with the same stem, imported; or None."""
    py = file.with_suffix(".py")
    if not py.is_file():
        return None
    mod_name = f"dealgraph_user_queries.{re.sub(r'[^0-9A-Za-z_]', '_', file.stem)}"
    spec = importlib.util.spec_from_file_location(mod_name, py)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a user's file: report any failure as one line
        raise DealgraphError(f"{py}: cannot load ({type(exc).__name__}: {exc})") from None
    sys.modules[mod_name] = module
    if not callable(getattr(module, "networkx", None)):
        raise DealgraphError(f"{py}: defines no function networkx(g, params)")
    return module
