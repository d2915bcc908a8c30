"""Staffing by beds from the Shenzhen guide: thresholds read from the guide's items, not code."""

from __future__ import annotations

import copy

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.engine import DecisionError
from toolkit.rules.staffing import brackets, decide_staffing
from toolkit.rules.tables import load_tables


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


@pytest.mark.parametrize("beds, staff", [
    (2001, 13), (2000, 9), (1001, 9), (1000, 8), (501, 8), (500, 6), (301, 6), (300, 4),
    (101, 4), (100, 2), (1, 2),
])
def test_minimum_staff_by_beds(corpus, beds, staff):
    d = decide_staffing(beds, corpus, region="shenzhen")
    assert d.extra["minimum_staff"] == staff and d.extra["full_time"] is True
    (g,) = d.grounds
    assert g.citations[0].doc_id == "sz-guide"
    assert f"配备{staff}名以上专职医保管理人员" in g.citations[0].text
    assert g.citations[0].advisory  # the guide carries no dates: cited as a reference standard


def test_brackets_come_from_the_guide(corpus):
    table = load_tables()["shenzhen"]
    found = sorted(brackets(corpus, table, table.staffing), key=lambda b: b.low)
    assert [(b.low, b.high, b.staff) for b in found] == [
        (0, 100, 2), (100, 300, 4), (300, 500, 6), (500, 1000, 8), (1000, 2000, 9), (2000, None, 13)]
    assert {b.eid for b in found} == {f"hcontainer_1__hcontainer_2__para_3__point_{i}" for i in range(1, 7)}


def test_a_revised_guide_changes_the_answer(corpus_store):
    revised = open_corpus(corpus_store)
    doc = copy.deepcopy(revised.document("sz-guide"))
    item = doc.node("hcontainer_1__hcontainer_2__para_3__point_2")
    item.text = item.text.replace("配备9名以上", "配备10名以上")
    revised._docs["sz-guide"] = doc
    assert decide_staffing(1500, revised, region="shenzhen").extra["minimum_staff"] == 10


def test_outpatient_only(corpus):
    d = decide_staffing(None, corpus, region="shenzhen", outpatient_only=True)
    assert (d.extra["minimum_staff"], d.extra["full_time"]) == (1, False)
    assert d.grounds[0].citations[0].eid == "hcontainer_1__hcontainer_2__para_4"
    assert assert_citations_real(corpus, d.to_json()) == 1


def test_zero_beds_is_not_a_bracket(corpus):
    with pytest.raises(DecisionError, match="0 is outside the guide's brackets"):
        decide_staffing(0, corpus, region="shenzhen")


def test_region_without_staffing_table(corpus):
    with pytest.raises(DecisionError, match="the jiangsu rules state no staffing by beds"):
        decide_staffing(200, corpus, region="jiangsu")


def test_citations_are_real(corpus):
    assert assert_citations_real(corpus, decide_staffing(750, corpus, region="shenzhen").to_json()) == 1
