"""YAML from users, read safely and in bounded memory.

``yaml.safe_load`` never runs code, but it does expand aliases: a file of a few
hundred bytes with nine levels of nine aliases (a "billion laughs" file) stands
for 9**9 values, and anything that walks the result — or re-builds it node by
node, as a loader that keeps line numbers does — runs out of memory. dealgraph's
own files (model extensions, mapping files) never need aliases, so this loader
refuses the first one it meets, with its line, before anything is built. Files
are also capped in size, and nesting too deep for Python's stack is reported as
such.

>>> load_yaml("a: 1")
{'a': 1}
>>> try:
...     load_yaml("a: &x [1]\\nb: *x", "f.yaml")
... except YamlProblem as exc:
...     print(exc)
f.yaml:2: uses a YAML alias (*x); dealgraph files do not allow aliases, write the values out
"""

from __future__ import annotations

import yaml

__all__ = ["YamlProblem", "NoAliasLoader", "compose_yaml", "load_yaml", "MAX_YAML_BYTES"]

MAX_YAML_BYTES = 10_000_000


class YamlProblem(ValueError):
    """A YAML file that cannot be read: ``line`` (0 when unknown) and ``reason``."""

    def __init__(self, source: str, line: int, reason: str):
        self.source, self.line, self.reason = source, line, reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


class NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases while composing, before any node is
    built from them. Subclass it to change resolvers (as the mapping loader does)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Alias(event.anchor, event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _Alias(Exception):
    def __init__(self, anchor: str, line: int):
        self.anchor, self.line = anchor, line


def _invalid(source: str, exc: Exception) -> YamlProblem:
    """The YamlProblem for what PyYAML raised on invalid YAML, at the line it names."""
    if isinstance(exc, RecursionError):
        return YamlProblem(source, 0, "invalid YAML: nested too deeply")
    mark = getattr(exc, "problem_mark", None)
    reason = str(getattr(exc, "problem", None) or exc).splitlines()[0]
    return YamlProblem(source, mark.line + 1 if mark else 0, f"invalid YAML: {reason}")


def compose_yaml(text: str, source: str = "<yaml>", loader: type = NoAliasLoader):
    """The node tree of ``text`` (None for an empty document); YamlProblem for invalid
    YAML, an alias, a file above ``MAX_YAML_BYTES`` or nesting too deep."""
    if len(text) > MAX_YAML_BYTES:
        raise YamlProblem(source, 0, f"is larger than {MAX_YAML_BYTES:,} bytes")
    try:
        return yaml.compose(text, Loader=loader)
    except _Alias as exc:
        raise YamlProblem(source, exc.line, f"uses a YAML alias (*{exc.anchor}); dealgraph "
                          "files do not allow aliases, write the values out") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise _invalid(source, exc) from None


def load_yaml(text: str, source: str = "<yaml>", loader: type = NoAliasLoader):
    """Python values of ``text`` (dicts, lists, texts, numbers), or YamlProblem."""
    node = compose_yaml(text, source, loader)
    if node is None:
        return None
    try:
        return loader("").construct_document(node)
    except (yaml.YAMLError, RecursionError) as exc:
        raise _invalid(source, exc) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise YamlProblem(source, 0, f"invalid YAML: {exc}") from None
