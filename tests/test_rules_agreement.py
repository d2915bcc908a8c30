"""Agreement dynamics: termination and suspension grounds, the 180-day cap of a requested
suspension, Jiangsu's penalties (第四十三、四十四、四十八条) and its routing of 第四十四条's items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.agreement import decide_agreement
from toolkit.rules.cases import validate_case
from toolkit.rules.engine import DecisionError

TERM = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def agreement(corpus, region="guangdong", on=date(2026, 11, 20), *, suspensions=(), facts=None,
              breach=None, kind="institution", public=False, term=TERM):
    data = {"region": region, "date": on, "institution": {"name": "某某医院", "type": kind, "public": public},
            "agreement": term, "suspensions": list(suspensions), "facts": facts or {}}
    if breach is not None:
        data["breach"] = breach
    return decide_agreement(validate_case(data, "agreement", "t.yaml"), corpus)


IMPOSED_TWICE = [{"start": date(2026, 2, 2), "end": date(2026, 3, 2)},
                 {"start": date(2026, 3, 16), "end": date(2026, 4, 15)}]


@pytest.mark.parametrize("region, label", [
    ("guangdong", "第四十二条第（一）项"), ("chuxiong", "第三十五条第（一）项第1目")])
def test_suspended_twice_in_the_term_terminates(corpus, region, label):
    d = agreement(corpus, region, suspensions=IMPOSED_TWICE)
    assert d.outcome == "terminate"
    assert [g.key for g in d.grounds] == ["suspended_twice"]
    assert d.grounds[0].citations[0].label == label
    assert "2 项" in d.grounds[0].reason


@pytest.mark.parametrize("suspensions", [
    IMPOSED_TWICE[:1],
    [IMPOSED_TWICE[0], {"start": date(2026, 3, 16), "requested": True, "end": date(2026, 4, 15)}],
    [{"start": date(2025, 11, 3), "end": date(2025, 12, 1)}, IMPOSED_TWICE[1]],  # one in the previous term
])
def test_not_twice_in_the_term(corpus, suspensions):
    assert agreement(corpus, suspensions=suspensions).outcome == "continue"


def test_jiangsu_has_no_suspended_twice_rule(corpus):
    d = agreement(corpus, "jiangsu", suspensions=IMPOSED_TWICE)
    assert d.outcome == "continue"
    assert "suspended_twice" not in {c.key for c in d.checks}


@pytest.mark.parametrize("facts, outcome, key, label", [
    ({"fraud_confirmed": True}, "terminate", "fraud_confirmed", "第四十二条第（三）项"),
    ({"major_risk": True}, "suspend", "major_risk", "第四十一条第二款第（一）项"),
    ({"major_risk": True, "license_revoked": True}, "terminate", "license_revoked", "第四十二条第（九）项"),
])
def test_guangdong_grounds(corpus, facts, outcome, key, label):
    d = agreement(corpus, facts=facts)
    assert d.outcome == outcome
    assert [g.key for g in d.grounds] == [key]
    assert d.grounds[0].citations[0].label == label


def test_suspected_fact_is_to_verify(corpus):
    d = agreement(corpus, facts={"fraud_confirmed": None})
    assert d.outcome == "continue" and [c.key for c in d.unverified] == ["fraud_confirmed"]


def test_unknown_fact_key_names_the_known_ones(corpus):
    with pytest.raises(DecisionError, match=r"unknown key\(s\) fraud .*known: .*fraud_confirmed"):
        agreement(corpus, facts={"fraud": True})


# A suspension requested from 2026-05-11: its 180 days end on Saturday 2026-11-07, so the last day
# to ask to resume is Monday 2026-11-09 (第二百零三条); without a request it lapses on 11-10.
@pytest.mark.parametrize("on, resume, end, outcome", [
    (date(2026, 11, 9), None, None, "continue"),          # still in time
    (date(2026, 11, 10), None, None, "lapsed"),
    (date(2026, 11, 20), date(2026, 11, 9), None, "continue"),  # asked on the last day
    (date(2026, 11, 20), date(2026, 11, 10), None, "lapsed"),   # a day late
    (date(2026, 11, 20), None, date(2026, 8, 31), "continue"),  # the suspension ended in time
])
def test_requested_suspension_cap(corpus, on, resume, end, outcome):
    s = {"start": date(2026, 5, 11), "requested": True, "resume_requested": resume, "end": end}
    d = agreement(corpus, on=on, suspensions=[s])
    assert d.outcome == outcome
    (dl,) = d.deadlines
    assert dl.end == date(2026, 11, 9)
    assert "2026-11-07（休息日，顺延至 2026-11-09）" in dl.text
    lapse = next(c for c in d.checks if c.key == "requested_suspension_1")
    assert [c.label for c in lapse.citations] == ["第四十一条第二款", "第四十一条第二款"]
    assert lapse.result is {"lapsed": True, "continue": None if end is None and resume is None else False}[outcome]


def test_suspension_beyond_the_term_ends_the_agreement(corpus):
    d = agreement(corpus, on=date(2026, 12, 20),
                  suspensions=[{"start": date(2026, 11, 2), "end": date(2027, 1, 15)}])
    assert d.outcome == "lapsed"
    assert d.grounds[0].citations[0].label == "第四十一条第一款"
    assert "超过协议有效期的，协议自动终止" in d.grounds[0].citations[0].quote


def test_public_institution_may_not_request_suspension(corpus):
    d = agreement(corpus, "jiangsu", suspensions=[{"start": date(2026, 5, 11), "requested": True,
                                                   "resume_requested": date(2026, 6, 1)}], public=True)
    banned = next(c for c in d.checks if c.key == "public_request")
    assert banned.result is True and banned.citations[0].label == "第三十九条第一款"
    assert "a public institution may not itself request a suspension" in d.warnings


@pytest.mark.parametrize("breach, lo, hi", [
    # 第四十三条: no more than 20% of the loss.
    ({"list": "general", "item": 3, "loss": 10000}, "0.00", "2000.00"),
    # 第四十四条: 20% to 30%; 123456.78 × 20% = 24691.356 → 24691.36 (up), × 30% = 37037.034 → 37037.03 (down).
    ({"list": "serious", "item": 4, "loss": 123456.78}, "24691.36", "37037.03"),
])
def test_jiangsu_penalty_range(corpus, breach, lo, hi):
    d = agreement(corpus, "jiangsu", breach=breach)
    p = d.extra["penalty"]
    assert (str(p.minimum), str(p.maximum), p.cap_rate) == (lo, hi, 30)
    assert p.maximum <= p.loss * Decimal("0.30")
    check = next(c for c in d.checks if c.key == "penalty_range")
    assert [c.label for c in check.citations][1:] == [
        "第四十三条" if breach["list"] == "general" else "第四十四条第一款", "第四十八条第四款"]


@pytest.mark.parametrize("proposed, ok", [(30000, True), (24691.36, True), (24691.35, False), (37037.04, False)])
def test_proposed_penalty_checked(corpus, proposed, ok):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": 4, "loss": 123456.78,
                                             "proposed_penalty": proposed})
    assert d.extra["penalty"].proposed_ok is ok
    assert any("outside" in w for w in d.warnings) is (not ok)


@pytest.mark.parametrize("item, outcome, action, label", [
    (1, "measures", "transfer", "第四十四条第二款"),
    (4, "terminate", "terminate", "第四十四条第三款"),
    (8, "terminate", "terminate", "第四十四条第三款"),
    (7, "suspend", "suspend", "第四十四条第四款"),
    (9, "suspend", "suspend", "第四十四条第四款"),
    (10, "measures", "transfer", "第四十四条第二款"),
])
def test_jiangsu_article_44_routing(corpus, item, outcome, action, label):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": item, "loss": 1000})
    assert d.outcome == outcome
    routed = [c for c in d.checks if c.group == "routing"]
    assert [(c.action, c.citations[1].label) for c in routed] == [(action, label)]
    assert routed[0].citations[0].label == f"第四十四条第一款第（{'一二三四五六七八九十'[item - 1] if item < 10 else '十'}）项"


def test_jiangsu_article_43_measures(corpus):
    base = {"list": "general", "item": 1, "loss": 5000}
    keys = lambda d: [c.key for c in d.extra["measures"]]  # noqa: E731
    assert keys(agreement(corpus, "jiangsu", breach=base)) == ["interview", "recover", "penalty"]
    assert keys(agreement(corpus, "jiangsu", breach={**base, "loss": 0})) == ["interview"]
    d = agreement(corpus, "jiangsu", breach={**base, "refused_to_correct": True, "fraud_purpose": True})
    assert keys(d) == ["interview", "recover", "penalty", "suspend_service", "transfer"]
    assert d.outcome == "measures"


def test_jiangsu_particularly_serious(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": 2, "loss": 0, "particularly_serious": True})
    assert [c.key for c in d.extra["measures"]] == ["suspend_service", "suspend_until_termination"]


@pytest.mark.parametrize("breach, message", [
    ({"list": "serious", "item": 11, "loss": 1}, "has 10 items, not 11"),
    ({"list": "grave", "item": 1, "loss": 1}, "unknown list 'grave'"),
])
def test_bad_breach(corpus, breach, message):
    with pytest.raises(DecisionError, match=message):
        agreement(corpus, "jiangsu", breach=breach)


def test_guangdong_sets_no_penalty_rate(corpus):
    d = agreement(corpus, breach={"list": "general", "item": 1, "loss": 1000})
    assert "penalty" not in d.extra
    assert "the guangdong rules set no 违约金 percentage: 按协议约定" in d.warnings
    (c,) = [c for c in d.checks if c.key == "no_rate"]
    assert c.citations[0].label == "第三十七条"


def test_chuxiong_pharmacy_list(corpus):
    d = agreement(corpus, "chuxiong", kind="pharmacy", facts={"device_lent": True})
    assert d.outcome == "terminate"
    assert d.grounds[0].citations[0].label == "第三十五条第（二）项第7目"
    with pytest.raises(DecisionError, match="do not cover retail pharmacies"):
        agreement(corpus, "guangdong", kind="pharmacy")


def test_citations_are_real(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": 4, "loss": 1000},
                  suspensions=[{"start": date(2026, 5, 11), "requested": True}], public=True)
    assert assert_citations_real(corpus, d.to_json()) >= 12
    d = agreement(corpus, suspensions=IMPOSED_TWICE, facts={"major_risk": True})
    assert assert_citations_real(corpus, d.to_json()) >= 19
