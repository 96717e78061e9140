"""Loader of FollowTheMoney entity streams, as exported by OpenSanctions and Aleph.

A stream is JSON Lines (one entity per line) or a JSON array of entities.
``read_ftm(paths)`` reads it with the ``followthemoney`` package's own schema
and returns ``RawRecord`` objects (with the line of each entity) for
``build_batch``: Company / Organization / LegalEntity become firms, PublicBody
governments, Person people, and the relationship schemata (Ownership,
Directorship, Payment, Sanction, ...) deals with their parties. The table is
in ``docs/mapping.md``; entities of other schemata (Address, Vessel, ...) and
links that involve them are skipped and counted.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

# followthemoney raises the process-wide csv.field_size_limit when it is imported; this
# module reads no CSV with it, and importing dealgraph changes no global state: put it back
_CSV_LIMIT = csv.field_size_limit()
from followthemoney import model as ftm  # noqa: E402
from followthemoney.exc import InvalidData  # noqa: E402
csv.field_size_limit(_CSV_LIMIT)

from ..errors import Problem
from ..graph.model import MODEL, Kind
from ..graph.values import COUNTRIES, ValueProblem
from .parse import parse_amount, slug
from .reading import RawRecord, Reading, json_objects

__all__ = ["read_ftm", "LINKS", "GOVERNMENT_LEVEL"]

GOVERNMENT_LEVEL = "agency"
"""The ``level`` given to a PublicBody (FtM does not say where a body sits)."""

FTM_SUFFIXES = (".json", ".jsonl", ".ndjson", ".ijson", ".ftm")

_FIRM, _GOV, _PERSON = (MODEL.kinds[k] for k in ("Firm", "Government", "Person"))
_DEAL, _PARTY, _SOURCE = (MODEL.kinds[k] for k in ("Deal", "Party", "Source"))
_STATUSES = set(MODEL.enums["status"].values)


@dataclass(frozen=True)
class Link:
    """How an FtM schema becomes a deal: its kind and which property gives which role."""
    kind: str
    roles: tuple[tuple[str, str], ...]   # (FtM property, dealgraph role)
    title: str                            # with {property} slots filled by entity names


LINKS: dict[str, Link] = {
    "Ownership": Link("investment", (("owner", "investor"), ("asset", "target")),
                      "{owner} owns {stake}{asset}"),
    "Directorship": Link("partnership", (("director", "partner"), ("organization", "partner")),
                         "{director}, {role} of {organization}"),
    "Membership": Link("partnership", (("member", "partner"), ("organization", "partner")),
                       "{member}, member of {organization}"),
    "Employment": Link("partnership", (("employee", "partner"), ("employer", "partner")),
                       "{employee}, {role} at {employer}"),
    "Representation": Link("supply", (("agent", "supplier"), ("client", "customer")),
                           "{agent} represents {client}"),
    "UnknownLink": Link("partnership", (("subject", "partner"), ("object", "partner")),
                        "{subject} – {object}"),
    "ContractAward": Link("supply", (("supplier", "supplier"),),
                          "{contract} awarded to {supplier}"),
    "Contract": Link("supply", (("authority", "customer"),), "{contract}"),
    "Payment": Link("supply", (("payer", "customer"), ("beneficiary", "supplier")),
                    "Payment from {payer} to {beneficiary}"),
    "Sanction": Link("sanction", (("entity", "sanctioned"),), "{authority} sanctions {entity}"),
}
"""FtM schemata read as deals; see docs/mapping.md for why each kind and role."""

_ROLE_DEFAULT = {"Directorship": "director", "Employment": "employee"}


def _entity_kind(schema) -> Kind | None:
    if schema.is_a("Person"):
        return _PERSON
    if schema.is_a("PublicBody"):
        return _GOV
    if schema.is_a("LegalEntity"):
        return _FIRM
    return None


@dataclass
class _Item:
    proxy: object
    file: str
    line: int
    datasets: list[str]


def _first_country(proxy, props) -> str | None:
    for prop in props:
        for value in proxy.get(prop, quiet=True):
            if value.upper() in COUNTRIES:
                return value.upper()
    return None


def _countries(proxy, props) -> list[str]:
    """Every country code of ``props``, in order: merged FtM entities (or one with a
    jurisdiction and a main country) keep all their countries, as dealgraph entities may."""
    return list(dict.fromkeys(v.upper() for prop in props for v in proxy.get(prop, quiet=True)
                              if v.upper() in COUNTRIES))


def _day(value: str) -> str:
    return value[:10]


def _stake(text: str) -> tuple[float, float] | None:
    """Low and high percentage from FtM's free-text ``percentage`` ("25", "25-50%")."""
    nums = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", "."))]
    nums = [n for n in nums if 0 <= n <= 100]
    if not nums:
        return None
    return min(nums[:2]), max(nums[:2])


def _num(value: float):
    return int(value) if float(value).is_integer() else value


class _Reader:
    def __init__(self):
        self.problems: list[Problem] = []
        self.items: dict[str, _Item] = {}
        self.order: list[str] = []
        self.skipped: dict[str, int] = {}
        self.sources: dict[str, RawRecord] = {}
        self.records: list[RawRecord] = []
        self.kinds: dict[str, Kind | None] = {}   # entity id -> dealgraph kind (None: unsupported)

    # -- pass 1: read and merge ------------------------------------------------------
    def read(self, path: Path) -> None:
        file = str(path)
        for line, obj in json_objects(path, self.problems):
            if not isinstance(obj, dict):
                self.problems.append(Problem(file, line, "", "each entity must be a JSON object"))
                continue
            schema = ftm.get(obj["schema"]) if isinstance(obj.get("schema"), str) else None
            if schema is None:
                self.problems.append(Problem(file, line, "schema", f"unknown FtM schema "
                                             f"{obj.get('schema')!r}"))
                continue
            if not obj.get("id") or not isinstance(obj["id"], str):
                self.problems.append(Problem(file, line, "id", "is required"))
                continue
            props = obj.get("properties") or {}
            if not isinstance(props, dict):
                self.problems.append(Problem(file, line, "properties", "must be an object"))
                continue
            datasets = _datasets(obj.get("datasets"))
            obj = {"id": obj["id"], "schema": schema.name,
                   "properties": {k: [x for x in (v if isinstance(v, list) else [v])
                                      if isinstance(x, (str, int, float))]
                                  for k, v in props.items() if v is not None}}
            try:
                proxy = ftm.get_proxy(obj)
            except (InvalidData, TypeError, ValueError) as exc:
                self.problems.append(Problem(file, line, "", f"invalid FtM entity: {exc}"))
                continue
            prev = self.items.get(proxy.id)
            if prev is None:
                self.items[proxy.id] = _Item(proxy, file, line, datasets)
                self.order.append(proxy.id)
                continue
            try:
                prev.proxy.merge(proxy)
            except InvalidData:
                self.problems.append(Problem(file, line, "id", f"{proxy.id!r} is a "
                                             f"{schema.name} here but a {prev.proxy.schema.name} "
                                             f"at {prev.file}:{prev.line}"))
            prev.datasets += [d for d in datasets if d not in prev.datasets]

    # -- pass 2: records -------------------------------------------------------------
    def build(self) -> None:
        for eid in self.order:
            self.kinds[eid] = _entity_kind(self.items[eid].proxy.schema)
        gov_by_name: dict[str, str] = {}
        for eid in self.order:
            item = self.items[eid]
            kind = self.kinds[eid]
            if kind is not None:
                self.entity(item, kind)
                if kind is not _PERSON:
                    for name in item.proxy.names:
                        gov_by_name.setdefault(name.casefold(), eid)
        self.gov_by_name = gov_by_name
        for eid in self.order:
            item = self.items[eid]
            if self.kinds[eid] is not None:
                continue
            schema = item.proxy.schema.name
            link = LINKS.get(schema)
            if link is None:
                self.skip(schema)
            else:
                self.deal(item, link)

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def name(self, eid: str) -> str:
        item = self.items.get(eid)
        return item.proxy.caption if item else eid

    def entity(self, item: _Item, kind: Kind) -> None:
        p = item.proxy
        values: dict = {"id": p.id, "name": p.caption}
        aliases = [a for a in p.get("alias") + p.get("previousName") if a != p.caption]
        if aliases:
            values["aliases"] = list(dict.fromkeys(aliases))
        if kind is _PERSON:
            country = _countries(p, ("nationality", "citizenship", "country", "mainCountry"))
            if p.get("position"):
                values["role"] = p.get("position")[0]
        else:
            props = ("jurisdiction", "country", "mainCountry")
            country = _countries(p, props)
            if not country and kind is _GOV:  # required: let validation name the bad code
                country = next((v.upper() for prop in props for v in p.get(prop)), None)
            for parent in p.get("parent", quiet=True):
                if self.kinds.get(parent) is kind:
                    values["parent"] = parent
                    break
        if kind is _FIRM and p.get("sector"):
            values["sector"] = p.get("sector")[0]
        if kind is _GOV:
            values["level"] = GOVERNMENT_LEVEL
        if country:
            values["country"] = country
        values["sources"] = self.cite(item)
        self.records.append(RawRecord(kind, item.file, item.line, values))

    # -- sources ---------------------------------------------------------------------
    def source(self, sid: str, item: _Item, **values) -> str:
        if sid not in self.sources:
            self.sources[sid] = RawRecord(_SOURCE, item.file, item.line, {"id": sid, **values})
        return sid

    def cite(self, item: _Item) -> list[str]:
        p = item.proxy
        publishers = p.get("publisher", quiet=True)
        out = []
        for url in p.get("sourceUrl", quiet=True):
            if url.startswith(("http://", "https://")):
                publisher = publishers[0] if publishers else (urlparse(url).hostname or url)
                out.append(self.source("src-" + _hash(url), item, publisher=publisher,
                                       title=url, url=url))
        if not out:
            urls = [u for u in p.get("publisherUrl", quiet=True)
                    if u.startswith(("http://", "https://"))]
            for pub in publishers:
                extra = {"url": urls[0]} if urls else {}
                out.append(self.source("src-" + _hash("publisher:" + pub), item,
                                       publisher=pub, title=pub, **extra))
        for ds in item.datasets:
            out.append(self.source("src-ftm-" + slug(ds), item, publisher=ds,
                                   title=f"FtM dataset {ds}"))
        if not out:
            name = Path(item.file).name
            out.append(self.source("src-ftm-" + slug(name), item, publisher="FtM stream",
                                   title=f"FtM stream {name}"))
        return out

    # -- deals -----------------------------------------------------------------------
    def deal(self, item: _Item, link: Link) -> None:
        p = item.proxy
        schema = p.schema.name
        parties: list[tuple[str, str, str | None]] = []
        names: dict[str, str] = {}
        ftm_role = (p.get("role", quiet=True) or [None])[0]
        same_roles = len({role for _, role in link.roles}) == 1 and len(link.roles) > 1
        for i, (prop, role) in enumerate(link.roles):
            ids = p.get(prop, quiet=True)
            for eid in ids:
                if eid in self.kinds and self.kinds[eid] is None:
                    self.skip(f"{schema} (a party is a {self.items[eid].proxy.schema.name})")
                    return
            names[prop] = " / ".join(self.name(e) for e in ids) or "?"
            note = prop if same_roles else None
            if i == 0 and ftm_role and len(link.roles) > 1:
                note = f"{prop}: {ftm_role}"
            parties.extend((eid, role, note) for eid in ids)
        values: dict = {"id": p.id, "kind": link.kind}
        summary: list[str] = []
        # contracts and awards: the buyer is the contract's authority
        if schema == "ContractAward":
            for cid in p.get("contract"):
                names["contract"] = self.name(cid)
                contract = self.items.get(cid)
                for auth in contract.proxy.get("authority") if contract else []:
                    if self.kinds.get(auth) is not None:
                        parties.append((auth, "customer", None))
            names.setdefault("contract", "Contract")
        if schema == "Contract":
            names["contract"] = p.caption
        if schema == "Sanction":
            authority = (p.get("authority") or [""])[0]
            names["authority"] = authority
            reg = self.regulator(item, authority) if authority else None
            if reg:
                parties.append((reg, "regulator", None))
            for prog in p.get("program"):
                summary.append(f"Programme: {prog}")
        names["role"] = ftm_role or _ROLE_DEFAULT.get(schema, "")
        names["stake"] = ""
        if schema == "Ownership":
            for pct in p.get("percentage"):
                stake = _stake(pct)
                if stake:
                    values["stake_low"], values["stake_high"] = (_num(s) for s in stake)
                    names["stake"] = (f"{_num(stake[0])}%" if stake[0] == stake[1]
                                      else f"{_num(stake[0])}–{_num(stake[1])}%") + " of "
                    break
            else:
                names["stake"] = "a stake in "
            if p.get("ownershipType"):
                summary.append(f"Ownership type: {p.get('ownershipType')[0]}")
        values["title"] = link.title.format_map(names)
        if schema == "Sanction" and not names["authority"]:
            values["title"] = f"Sanction on {names['entity']}"
        values["status"] = self.status(p)
        self.dates(p, values)
        self.money(p, values, summary)
        for prop in ("summary", "description", "purpose", "reason"):
            summary.extend(p.get(prop, quiet=True))
        if summary:
            values["summary"] = "; ".join(dict.fromkeys(summary))[:2000]
        values["sources"] = self.cite(item)
        self.records.append(RawRecord(_DEAL, item.file, item.line, values))
        seen = set()
        for eid, role, note in parties:
            if (eid, role) in seen:
                continue
            seen.add((eid, role))
            pv = {"deal": p.id, "entity": eid, "role": role}
            if note:
                pv["note"] = note
            self.records.append(RawRecord(_PARTY, item.file, item.line, pv))

    def regulator(self, item: _Item, authority: str) -> str | None:
        """The body that imposed a sanction: an entity of the stream with that name, else a
        Government made from the name and the sanction's country (level regulator)."""
        found = self.gov_by_name.get(authority.casefold())
        if found:
            return found
        country = _first_country(item.proxy, ("country",))
        if country is None:
            return None
        gid = "gov-" + slug(authority)
        if gid not in self.kinds:
            self.kinds[gid] = _GOV
            self.gov_by_name[authority.casefold()] = gid
            self.records.append(RawRecord(_GOV, item.file, item.line, {
                "id": gid, "name": authority, "country": country, "level": "regulator",
                "sources": self.cite(item)}))
        return gid

    @staticmethod
    def status(p) -> str:
        if p.schema.name == "Contract":
            cancelled = [v for v in p.get("cancelled") if v.lower() not in ("false", "no", "0")]
            return "cancelled" if cancelled else "signed"
        for s in p.get("status", quiet=True):
            norm = re.sub(r"[\s\-/]+", "_", s.strip().lower())
            if norm in _STATUSES:
                return norm
        return "completed"

    @staticmethod
    def dates(p, values: dict) -> None:
        announced = [_day(d) for prop in ("date", "listingDate", "contractDate")
                     for d in p.get(prop, quiet=True)]
        start = [_day(d) for d in p.get("startDate", quiet=True)]
        end = [_day(d) for d in p.get("endDate", quiet=True)]
        if announced:
            values["announced"] = min(announced)
        if start:
            values["effective"] = min(start)
        if end:
            values["end"] = max(end)

    @staticmethod
    def money(p, values: dict, summary: list[str]) -> None:
        """Value and currency: amount/currency, else amountUsd or amountEur, else (for
        Ownership) sharesValue/sharesCurrency. An amount without a currency goes to the
        summary, since a value needs one."""
        pairs = [("amount", "currency"), ("amountUsd", None), ("amountEur", None),
                 ("sharesValue", "sharesCurrency")]
        for prop, cur_prop in pairs:
            amounts = p.get(prop, quiet=True)
            if not amounts:
                continue
            currency = {"amountUsd": "USD", "amountEur": "EUR"}.get(prop)
            if cur_prop:
                currency = next((c.upper() for c in p.get(cur_prop, quiet=True)), None)
            try:
                amount = parse_amount(amounts[0])
            except ValueProblem:
                if prop == "sharesValue":  # free text in FtM: keep it as words
                    summary.append(f"Shares value: {amounts[0]}")
                    return
                amount = amounts[0]  # a number property: validation reports it
            if currency is None:
                summary.append(f"Amount: {amounts[0]} (no currency given)")
                return
            values["value"], values["currency"] = amount, currency
            return


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _expand(paths, problems: list[Problem]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in FTM_SUFFIXES)
            if not files:
                problems.append(Problem(str(path), 0, "", "holds no .json or .jsonl files"))
            yield from files
        elif path.is_file():
            yield path
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))


def read_ftm(paths: list) -> Reading:
    """Read FollowTheMoney entity streams (JSON Lines or JSON arrays) into raw records.

    Returns the records for ``build_batch``, the problems found while reading
    (invalid JSON, unknown schemata, conflicting duplicates; each with its
    file and line) and the counts of what was skipped, by schema.
    """
    reader = _Reader()
    for path in _expand(paths, reader.problems):
        try:
            reader.read(path)
        except UnicodeDecodeError as exc:
            reader.problems.append(Problem(str(path), 0, "", "is not UTF-8 text (byte "
                                           f"0x{exc.object[exc.start]:02x})"))
        except OSError as exc:
            reader.problems.append(Problem(str(path), 0, "", f"cannot be read: {exc.strerror}"))
    reader.build()
    return Reading([*reader.sources.values(), *reader.records], reader.problems,
                   skipped=dict(sorted(reader.skipped.items())))


def _datasets(value) -> list[str]:
    """The dataset names of an entity's ``datasets``: a list of texts (FtM's form), or one
    text; anything else names none."""
    if isinstance(value, str):
        return [value]
    return [d for d in value if isinstance(d, str)] if isinstance(value, list) else []
