"""Loader of outside CSV / JSON Lines data through a declarative mapping file: the public
names of the modules that do it, in one place (``read_mapping``, ``read_mapped``, ...).

A mapping (YAML, documented in ``docs/mapping.md``) says which columns of a
row make which entities, which make the row's deal, its parties and their
roles, and where the facts come from. ``read_mapped(paths, mapping)`` streams
the rows and returns ``RawRecord`` objects (each with its data file and line)
for ``build_batch`` to validate, plus the problems found while mapping cells
(a date that does not match its format, an amount that is not a number).

Entities named by many rows are one record, deduplicated by id as rows are
read: the first non-empty value of each field wins. Ids come from a column or
from a slug of the name; deal ids from a column or from a hash of the deal's
mapped values and parties, so reloading, or reordering the rows, gives the
same ids.

The work is split by topic: ``parse.py`` (value parsing), ``compiler.py`` (the
mapping file into a ``Mapping``), ``mapper.py`` (rows into records) and
``reading.py`` (the record and reading types every reader shares); examples of the
value parsing are in ``parse.py``.
"""

from __future__ import annotations

from .compiler import Mapping, read_mapping
from .mapper import DATA_SUFFIXES, mapping_model_path, read_mapped
from .parse import parse_amount, parse_date_text, slug
from .reading import Reading, json_objects

__all__ = ["Reading", "Mapping", "read_mapping", "read_mapped", "slug", "parse_date_text",
           "parse_amount", "json_objects", "DATA_SUFFIXES", "mapping_model_path"]
