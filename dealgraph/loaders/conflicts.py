"""Facts that disagree: what a reader does when rows give one record different values.

Several rows of a mapped file (or merged FollowTheMoney entities) often describe
one entity, and they do not always agree. Nothing is dropped silently:

- a different **name** is kept as an alias (the first name stays the name);
- another **country** is added: an entity with two countries is in both;
- other values of a list (aliases, sources) are added, without a warning;
- any other field is settled by the field's rule, set in the mapping
  (``on_conflict:`` on the field, or for the whole mapping): ``first`` keeps the
  value seen first (the default), ``last`` the value seen last, ``error`` makes
  the row an error, so the load stops until the data or the rule is fixed.

Every conflict is reported through the load's warnings, with file, line, field
and the code ``conflict-FIELD`` (``conflict-name``, ``conflict-country``...), so
the summary counts them by field; ``--strict`` makes them errors, and an
``error`` rule reports an error instead.

>>> from dealgraph.graph.model import MODEL
>>> from dealgraph.loaders.reading import RawRecord
>>> c = Conflicts()
>>> rec = RawRecord(MODEL.kinds["Firm"], "f.csv", 2, {"id": "acme", "name": "Acme", "country": ["US"]})
>>> c.merge(rec, MODEL.kinds["Firm"].fields["country"], ["DE"], "first", "f.csv", 5, "Country")
>>> c.merge(rec, MODEL.kinds["Firm"].fields["name"], "ACME Inc", "first", "f.csv", 5, "Name")
>>> rec.values["country"], rec.values["aliases"], [p.code for p in c.problems]
(['US', 'DE'], ['ACME Inc'], ['conflict-country', 'conflict-name'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Problem

__all__ = ["Conflicts", "CONFLICT_RULES", "DEFAULT_RULE"]

CONFLICT_RULES = ("first", "last", "error")
DEFAULT_RULE = "first"


@dataclass
class Conflicts:
    """What a reader found disagreeing, as ``problems`` for the reader's list: warnings
    (code ``conflict-FIELD``), and errors for fields whose rule is ``error``."""
    problems: list[Problem] = field(default_factory=list)

    def merge(self, rec, fld, value, rule: str, file: str, line: int, label: str) -> None:
        """Fold ``value`` for field ``fld``, given by the row at ``file``:``line``, into
        ``rec`` (a RawRecord) which already holds a value for it."""
        values = rec.values
        have = values.get(fld.name)
        if have is None or have == "" or have == []:
            values[fld.name] = value
            return
        if have == value:
            return
        what = f"{rec.kind.name} {values.get('id')!r}"
        if fld.name == "name" and "aliases" in rec.kind.fields:
            aliases = values.get("aliases")
            aliases = [] if aliases is None else (aliases if isinstance(aliases, list)
                                                  else [aliases])
            if value in aliases:
                return
            values["aliases"] = aliases + [value]
            self._count(fld.name, file, line, label,
                        f"{what} is also named {value!r}: kept as an alias of {have!r}")
            return
        if fld.multi:
            have_list = have if isinstance(have, list) else [have]
            new_list = value if isinstance(value, list) else [value]
            extra = [v for v in new_list if v not in have_list]
            if not extra:
                return
            values[fld.name] = have_list + extra
            if fld.type != "countries":
                return  # more aliases or sources: nothing disagrees
            self._count(fld.name, file, line, label,
                        f"{what} has {fld.name} {_show(extra)} here and {_show(have_list)} "
                        f"in an earlier row: kept all")
            return
        if rule == "error":
            self.problems.append(Problem(file, line, label,
                                         f"{what} has {fld.name} {value!r} here but {have!r} "
                                         "in an earlier row (on_conflict: error; set "
                                         "on_conflict to first or last to keep one)",
                                         code=f"conflict-{fld.name}"))
            return
        kept = have if rule == "first" else value
        values[fld.name] = kept
        self._count(fld.name, file, line, label,
                    f"{what} has {fld.name} {value!r} here but {have!r} in an earlier row: "
                    f"kept {kept!r} (on_conflict: {rule})")

    def _count(self, name: str, file: str, line: int, label: str, message: str) -> None:
        self.problems.append(Problem.warning(file, line, label, message, f"conflict-{name}"))


def _show(values: list) -> str:
    return ", ".join(repr(v) for v in values)
