"""Answers on the seed dataset checked against the three source articles
(/work/shared/seeds): Huawei's stake offers for its smart-car unit, US licences for
chip sales to Huawei, Xiaomi's EV production talks. Each test runs on both stores."""

from __future__ import annotations

from dealgraph.queries import run_saved_query


def rows(store, name, as_of=None, **params):
    return run_saved_query(store, name, {k: str(v) for k, v in params.items()}, as_of=as_of).rows


def test_huawei_invited_carmakers_to_invest_in_its_car_unit(seed_store):
    found = {r["investor"]: r for r in rows(seed_store, "investors", target="Huawei")}
    # Mercedes and Audi were approached; Changan said it would buy in; in November Yu
    # named Chery, Jianghuai (JAC) and BAIC Motor, and Huawei hoped for FAW and Dongfeng.
    assert set(found) == {"mercedes-benz", "audi", "changan", "chery", "jac", "baic-motor",
                          "faw", "dongfeng"}
    assert {r["stake_in"] for r in found.values()} == {"huawei-ias"}
    mercedes = found["mercedes-benz"]
    assert (mercedes["stake_low"], mercedes["stake_high"]) == (3, 5)
    assert (mercedes["valuation_low"], mercedes["valuation_high"], mercedes["currency"]) == \
        (28_000_000_000, 35_000_000_000, "USD")
    assert mercedes["status"] == "rejected"  # limited interest: wants to keep its software
    assert found["changan"]["stake_high"] == 40  # could own up to 40% of the spun-off unit
    assert found["chery"]["date"] == "2022-11"


def test_the_car_unit_itself_has_the_same_investors(seed_store):
    by_unit = {r["investor"] for r in rows(seed_store, "investors", target="IAS")}
    by_parent = {r["investor"] for r in rows(seed_store, "investors", target="huawei")}
    assert by_unit == by_parent


def test_before_november_2022_only_changan_was_in_line(seed_store):
    found = {r["investor"] for r in rows(seed_store, "investors", as_of="2022-06", target="huawei")}
    assert found == {"changan"}


def test_xiaomi_talked_to_brilliance_chery_and_baic_about_production(seed_store):
    found = rows(seed_store, "partners", entity="Xiaomi")
    talks = {r["partner"] for r in found if r["kind"] == "production_agreement"}
    assert talks == {"brilliance", "chery", "baic-group"}
    assert {r["status"] for r in found if r["kind"] == "production_agreement"} == {"in_talks"}
    # and it waits for MIIT to licence its own production
    licence = [r for r in found if r["partner"] == "miit"]
    assert licence and licence[0]["kind"] == "licence" and licence[0]["roles"] == ["licensor"]
    assert all(r["sources"] for r in found)


def test_commerce_blacklist_and_chip_licences_expose_huawei(seed_store):
    found = rows(seed_store, "exposure", government="US government")
    first = {r["firm"]: r for r in found if r["order"] == 1}
    assert set(first) == {"huawei", "huawei-ias", "us-auto-chip-suppliers"}
    assert "us-commerce" in first["huawei"]["via"]
    assert {"deal-us-huawei-blacklist-2019", "deal-us-auto-chip-licences-2021"} \
        <= set(first["huawei"]["deals"])
    second = {r["firm"]: r for r in found if r["order"] == 2}
    # Huawei's carmaker partners are exposed through it
    assert {"seres", "changan", "audi", "mercedes-benz", "baic-group"} <= set(second)
    assert second["seres"]["via"] == ["huawei"]


def test_exposure_is_empty_before_the_2019_blacklist(seed_store):
    assert rows(seed_store, "exposure", as_of="2018", government="us-commerce") == []


def test_huawei_timeline_starts_with_the_2019_blacklist(seed_store):
    found = rows(seed_store, "timeline", entity="huawei")
    assert found[0]["deal"] == "deal-us-huawei-blacklist-2019"
    assert found[0]["counterparties"] == ["us-commerce"]
    dated = [r["date"] for r in found if r["date"]]
    assert dated == sorted(dated)
    assert found[-1]["date"] is None  # undated deals come last


def test_xiaomi_reaches_huawei_through_chery_or_baic(seed_store):
    found = rows(seed_store, "paths", a="xiaomi", b="huawei")
    middles = {r["to_entity"] for r in found if r["step"] == 1}
    assert middles == {"chery", "baic-group"}
    assert {r["path"] for r in found} == {1, 2}
    assert all(r["sources"] for r in found)
    common = {r["entity"] for r in rows(seed_store, "common-partners", a="huawei", b="xiaomi")}
    assert common == middles


def test_paths_respect_max_hops(seed_store):
    assert rows(seed_store, "paths", a="xiaomi", b="huawei", max_hops=1) == []
    assert rows(seed_store, "paths", a="xiaomi", b="seres", max_hops=2) == []
    assert len({r["path"] for r in rows(seed_store, "paths", a="xiaomi", b="seres",
                                        max_hops=3)}) == 2


def test_volkswagen_works_with_xpeng_and_horizon(seed_store):
    found = {r["partner"] for r in rows(seed_store, "partners", entity="VW")}
    assert found == {"xpeng", "horizon-robotics"}


def test_huawei_is_a_partner_of_xiaomis_partners(seed_store):
    found = {r["entity"]: r for r in rows(seed_store, "partners-of-partners", entity="xiaomi")}
    assert found["huawei"]["intermediaries"] == ["baic-group", "chery"]
    assert "chery" not in found  # a direct partner


def test_network_distances(seed_store):
    found = {r["entity"]: r["distance"] for r in rows(seed_store, "network", entity="xiaomi",
                                                      hops=2)}
    assert found["chery"] == 1 and found["huawei"] == 2
    assert "xiaomi" not in found
    assert max(found.values()) == 2


def test_german_carmakers_deals_with_chinese_parties(seed_store):
    found = {r["kind"]: r for r in rows(seed_store, "cross-border", country_a="cn",
                                        country_b="DE")}
    assert set(found["stake_offer"]["deals"]) == {"deal-huawei-mercedes-stake-offer",
                                                 "deal-huawei-audi-stake-offer"}
    assert "deal-audi-faw-jv" in found["joint_venture"]["deals"]
    assert found["partnership"]["count"] == 4


def test_huawei_is_the_main_broker(seed_store):
    found = rows(seed_store, "brokers", limit=3)
    assert [r["entity"] for r in found][0] == "huawei"
    assert len(found) == 3
    scores = [r["betweenness"] for r in found]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1
