"""Deterministic generator of realistic synthetic deal graphs, for tests and benchmarks.

Degrees are heavy-tailed: a few hub firms take part in many deals, most firms
in one or two; a handful of governments issue many licences and sanctions.
The same ``(deals, seed)`` always gives the same dataset.

>>> data = generate(200, seed=7)
>>> len(data["deals"])
200
>>> data == generate(200, seed=7)
True
"""

from __future__ import annotations

import bisect
import csv
import random
from pathlib import Path

from .graph.model import MODEL

__all__ = ["generate", "write_csv_dataset"]

_COUNTRIES = ["CN", "US", "DE", "JP", "KR", "FR", "GB", "TW", "IN", "IT", "SE", "NL", "BR"]
_SECTORS = ["automotive", "semiconductors", "software", "batteries", "telecoms", "finance",
            "logistics", "energy", "robotics", "materials"]
_DEAL_MIX = [("partnership", 30), ("supply", 20), ("investment", 12), ("stake_offer", 6),
             ("acquisition", 6), ("joint_venture", 8), ("production_agreement", 6),
             ("cooperation_agreement", 5), ("licence", 4), ("sanction", 2), ("export_control", 1)]
_ROLES = {"partnership": ("partner", "partner"), "supply": ("supplier", "customer"),
          "investment": ("investor", "target"), "stake_offer": ("offeror", "investor"),
          "acquisition": ("acquirer", "target"), "joint_venture": ("partner", "partner"),
          "production_agreement": ("manufacturer", "customer"),
          "cooperation_agreement": ("partner", "partner")}
_STATUSES = MODEL.enums["status"].values
# Firm of rank r takes part in deals with weight 1 / r ** HUB_EXPONENT, so firm degrees
# follow a power law with exponent 1 + 1 / HUB_EXPONENT (about 2.4, within the 2-3 usual
# for collaboration networks). At 0.7 the biggest hub is in about 5 % of 10,000 deals and
# 1.3 % of 1,000,000; at 0.9 it was in 8-15 %, so most firms were two steps from most of
# the graph.
HUB_EXPONENT = 0.7


def _pick_weighted(rng: random.Random, items):
    total = sum(w for _, w in items)
    x = rng.uniform(0, total)
    for item, w in items:
        x -= w
        if x <= 0:
            return item
    return items[-1][0]


def generate(deals: int, seed: int = 1) -> dict[str, list[dict]]:
    """Records keyed by file name (``firms``, ``deals``, ...), values as strings."""
    rng = random.Random(seed)
    n_firms = max(10, deals // 3)
    n_govs = max(3, deals // 2000)
    n_sources = max(5, deals // 20)
    n_people = max(2, deals // 50)
    sources = [{"id": f"s{i}", "publisher": f"Wire {i % 37}", "title": f"Report {i}",
                "url": f"https://news.example.org/{i}",
                "published": f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
               for i in range(n_sources)]
    firms = []
    for i in range(n_firms):
        firm = {"id": f"f{i}", "name": f"Firm {i} {rng.choice(_SECTORS).title()}",
                "country": rng.choice(_COUNTRIES), "sector": rng.choice(_SECTORS),
                "ownership": rng.choice(["state", "private", "listed"])}
        if i % 7 == 0:
            firm["aliases"] = f"F{i}|Firm{i}"
        if i > 20 and i % 11 == 0:
            firm["parent"] = f"f{rng.randrange(0, 20)}"
        if i % 5 == 0:
            firm["sources"] = f"s{rng.randrange(n_sources)}"
        firms.append(firm)
    governments = [{"id": "g0", "name": "Government 0", "country": "US", "level": "national"}]
    for i in range(1, n_govs):
        governments.append({"id": f"g{i}", "name": f"Agency {i}",
                            "country": rng.choice(_COUNTRIES[:4]),
                            "level": rng.choice(["ministry", "agency", "regulator"]),
                            "parent": "g0" if i % 2 else ""})
    people = [{"id": f"p{i}", "name": f"Person {i}", "role": "executive",
               "affiliation": f"f{rng.randrange(n_firms)}"} for i in range(n_people)]
    # Zipf-like weights give a few hubs and a long tail of small firms
    weights = [1.0 / (rank + 1) ** HUB_EXPONENT for rank in range(n_firms)]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)

    def firm_id() -> str:
        return f"f{bisect.bisect_left(cum, rng.uniform(0, acc))}"

    gov_weights = [(f"g{i}", 1.0 / (i + 1)) for i in range(n_govs)]
    deal_rows, party_rows = [], []
    for i in range(deals):
        kind = _pick_weighted(rng, _DEAL_MIX)
        year = rng.randrange(2012, 2026)
        month = rng.randrange(1, 13)
        deal = {"id": f"d{i}", "kind": kind, "status": rng.choice(_STATUSES),
                "title": f"Deal {i} ({kind})",
                "announced": f"{year}-{month:02d}" if i % 3 else f"{year}-{month:02d}-15",
                "sources": "|".join(sorted({f"s{rng.randrange(n_sources)}"
                                            for _ in range(1 + i % 2)}))}
        if i % 4 == 0:
            deal["end"] = f"{year + rng.randrange(1, 6)}"
        if kind in ("investment", "acquisition", "supply") and i % 2 == 0:
            deal["value"] = str(rng.randrange(1, 5000) * 1_000_000)
            deal["currency"] = rng.choice(["USD", "EUR", "CNY"])
        if kind in ("investment", "stake_offer"):
            low = rng.randrange(1, 40)
            deal["stake_low"], deal["stake_high"] = str(low), str(low + rng.randrange(0, 10))
        deal_rows.append(deal)
        if kind in ("licence", "sanction", "export_control"):
            gov = _pick_weighted(rng, gov_weights)
            role = "licensor" if kind == "licence" else "regulator"
            party_rows.append({"deal": deal["id"], "entity": gov, "role": role})
            other = "licensee" if kind == "licence" else "sanctioned"
            for f in sorted({firm_id() for _ in range(rng.randrange(1, 3))}):
                party_rows.append({"deal": deal["id"], "entity": f, "role": other})
            continue
        first, second = _ROLES[kind]
        a = firm_id()
        b = firm_id()
        while b == a:
            b = f"f{rng.randrange(n_firms)}"
        party_rows.append({"deal": deal["id"], "entity": a, "role": first})
        party_rows.append({"deal": deal["id"], "entity": b, "role": second})
        if i % 9 == 0:
            c = f"f{rng.randrange(n_firms)}"
            if c not in (a, b):
                party_rows.append({"deal": deal["id"], "entity": c, "role": "partner"})
    return {"sources": sources, "firms": firms, "governments": governments, "people": people,
            "deals": deal_rows, "parties": party_rows}


def write_csv_dataset(data: dict[str, list[dict]], directory: str | Path) -> Path:
    """Write generated records as the native CSV dataset in ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for file, rows in data.items():
        kind = MODEL.by_file[file]
        with open(directory / f"{file}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(kind.fields), extrasaction="raise")
            writer.writeheader()
            writer.writerows(rows)
    return directory
