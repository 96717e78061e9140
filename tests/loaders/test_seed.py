"""The bundled seed dataset: it loads, and it says what the three articles say."""

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths


@pytest.fixture(scope="module")
def seed():
    store = EmbeddedStore(":memory:")
    load_paths(store, [SEED_DIR])
    return store.subgraph(None)


def _parties(seed, deal):
    return {(r.src, r.props["role"]) for r in seed.rels if r.type == "PARTY_TO" and r.dst == deal}


def test_seed_counts(seed):
    counts = {}
    for node in seed.nodes.values():
        counts[node.label] = counts.get(node.label, 0) + 1
    assert counts == {"Firm": 23, "Government": 4, "Person": 4, "Deal": 22, "Source": 3}


def test_every_deal_cites_an_article_and_has_parties(seed):
    for deal in seed.of_label("Deal"):
        assert any(r.type == "CITES" and r.src == deal.id for r in seed.rels), deal.id
        assert _parties(seed, deal.id), deal.id


def test_mercedes_declined_a_small_stake_in_huaweis_car_unit(seed):
    deal = seed.nodes["deal-huawei-mercedes-stake-offer"].props
    assert (deal["kind"], deal["status"]) == ("stake_offer", "rejected")
    assert (deal["stake_low"], deal["stake_high"]) == (3, 5)
    assert (deal["valuation_low"], deal["valuation_high"], deal["currency"]) == \
        (28_000_000_000, 35_000_000_000, "USD")
    assert _parties(seed, "deal-huawei-mercedes-stake-offer") >= {
        ("huawei", "offeror"), ("huawei-ias", "target"), ("mercedes-benz", "investor")}


def test_huaweis_car_unit_is_a_subsidiary_and_audi_belongs_to_volkswagen(seed):
    links = {(r.src, r.dst) for r in seed.rels if r.type == "SUBSIDIARY_OF"}
    assert ("huawei-ias", "huawei") in links
    assert ("audi", "volkswagen") in links


def test_huawei_invited_chinese_carmakers_to_invest(seed):
    investors = {e for e, role in _parties(seed, "deal-huawei-ias-automaker-invitations")
                 if role == "investor"}
    assert {"chery", "jac", "baic-motor"} <= investors
    assert seed.nodes["deal-changan-ias-investment"].props["stake_high"] == 40


def test_us_commerce_blacklisted_huawei_and_licensed_auto_chips(seed):
    assert ("us-commerce", "regulator") in _parties(seed, "deal-us-huawei-blacklist-2019")
    assert ("huawei", "sanctioned") in _parties(seed, "deal-us-huawei-blacklist-2019")
    licence = seed.nodes["deal-huawei-auto-chip-licence-reapplications"].props
    assert (licence["value"], licence["value_high"]) == (1_000_000_000, 2_000_000_000)
    assert seed.nodes["us-commerce"].props["country"] == ["US"]


def test_xiaomi_talked_production_with_three_carmakers_and_waits_for_miit(seed):
    partners = set()
    for deal in seed.of_label("Deal"):
        parties = _parties(seed, deal.id)
        if deal.props["kind"] == "production_agreement" and ("xiaomi", "partner") in parties:
            assert deal.props["status"] == "in_talks"
            partners |= {e for e, _ in parties if e != "xiaomi"}
    assert partners == {"brilliance", "chery", "baic-group"}
    assert ("miit", "licensor") in _parties(seed, "deal-xiaomi-ev-production-licence")


def test_people_named_by_the_articles(seed):
    people = {n.props["name"]: n for n in seed.of_label("Person")}
    assert {"Richard Yu", "Xu Zhijun", "Lei Jun", "Richard Barnett"} <= set(people)
    assert ("richard-yu", "huawei") in {(r.src, r.dst) for r in seed.rels
                                        if r.type == "AFFILIATED_WITH"}
