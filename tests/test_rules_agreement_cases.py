"""Agreement cases the engine once could not state (issue 13 §6): a public institution's barred
request (no period counted), the day a suspension starts where the rules tie it to the request
(楚雄 第三十四条: 收到申请之日; 广东、江苏: 经办机构同意之日), Jiangsu conduct outside its 违约金 lists
(第四十二条, or none), 第四十五条's offsets applied to a stated fine and suspension, and the
Guangdong staff rule's 50% share (gd-staff 第二十二条) — on the bundled texts."""

from __future__ import annotations

from datetime import date

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.agreement import decide_agreement
from toolkit.rules.cases import CaseError, validate_case
from toolkit.rules.engine import DecisionError

TERM = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def agreement(corpus, region="guangdong", on=date(2026, 11, 20), *, suspensions=(), facts=None,
              breach=None, public=False, term=TERM, kind="institution", **more):
    data = {"region": region, "date": on, "institution": {"name": "某某医院", "type": kind, "public": public},
            "agreement": term, "suspensions": list(suspensions), "facts": facts or {}, **more}
    if breach is not None:
        data["breach"] = breach
    return decide_agreement(validate_case(data, "agreement", "t.yaml"), corpus)


def labels(cites):
    return [c.label for c in cites]


# ------------------------------------------------------------------ 1. a public institution's request

@pytest.mark.parametrize("region, label", [("jiangsu", "第三十九条第一款"), ("guangdong", "第四十三条第一款"),
                                           ("chuxiong", "第三十四条")])
def test_public_request_to_suspend_stops_with_its_ground(corpus, region, label):
    # Started 2027-01-04: counting 180 days would need the 2027 calendar (unknown): it must not be counted.
    d = agreement(corpus, region, on=date(2027, 1, 4), term={"start": date(2026, 1, 1), "end": date(2028, 12, 31)},
                  suspensions=[{"start": date(2027, 1, 4), "requested": True}], public=True)
    assert d.outcome == "barred" and not d.errors
    (g,) = d.grounds
    assert labels(g.citations) == [label]
    assert "公立医疗机构不得主动提出中止" in g.citations[0].quote
    assert not d.deadlines
    assert not [c for c in d.checks if c.group == "lapse"]


def test_public_request_to_terminate_is_barred_where_the_rule_says_so(corpus):
    d = agreement(corpus, "guangdong", facts={"voluntary_termination": True}, public=True)
    assert d.outcome == "barred"
    assert "facts.voluntary_termination" in d.grounds[0].reason
    private = agreement(corpus, "guangdong", facts={"voluntary_termination": True})
    assert private.outcome == "terminate"


def test_the_agencys_own_grounds_still_apply_to_a_public_institution(corpus):
    d = agreement(corpus, "guangdong", suspensions=[{"start": date(2026, 5, 11), "requested": True}],
                  facts={"major_risk": True}, public=True)
    assert d.outcome == "suspend"
    assert any(c.key == "public_request" for c in d.checks)


# ------------------------------------------------------------------ 3. the day a suspension starts

def test_chuxiong_suspension_starts_the_day_the_request_is_received(corpus):
    # 楚雄 第三十四条: 经办机构收到中止申请之日中止医保协议. Received 2026-05-11: 180 days end 11-07
    # (Saturday), so the last day to ask to resume is Monday 11-09.
    d = agreement(corpus, "chuxiong", on=date(2026, 6, 1),
                  suspensions=[{"received": date(2026, 5, 11), "approved": date(2026, 5, 20), "requested": True}])
    (start,) = [c for c in d.checks if c.group == "suspension_start"]
    assert labels(start.citations) == ["第三十四条"]
    assert "收到定点医药机构中止申请或作出中止处理之日中止医保协议" in start.citations[0].quote
    assert "2026-05-11" in start.reason
    (dl,) = d.deadlines
    assert (dl.start, dl.end) == (date(2026, 5, 11), date(2026, 11, 9))


def test_chuxiong_imposed_suspension_starts_the_day_it_is_decided(corpus):
    d = agreement(corpus, "chuxiong", suspensions=[{"decided": date(2026, 2, 2), "end": date(2026, 3, 2)},
                                                   {"decided": date(2026, 3, 16), "end": date(2026, 4, 15)}])
    assert d.outcome == "terminate"  # twice suspended in the term, counted from the computed starts
    assert len([c for c in d.checks if c.group == "suspension_start"]) == 2


def test_a_fixed_start_overrides_a_different_stated_start(corpus):
    d = agreement(corpus, "chuxiong", on=date(2026, 6, 1),
                  suspensions=[{"start": date(2026, 5, 20), "received": date(2026, 5, 11), "requested": True}])
    assert d.deadlines[0].start == date(2026, 5, 11)
    assert any("is not the day the rules start it" in w for w in d.warnings)


@pytest.mark.parametrize("region, label", [("guangdong", "第四十一条第二款"), ("jiangsu", "第三十七条第二款")])
def test_guangdong_and_jiangsu_start_on_the_agencys_approval(corpus, region, label):
    d = agreement(corpus, region, on=date(2026, 6, 1),
                  suspensions=[{"received": date(2026, 5, 4), "approved": date(2026, 5, 11), "requested": True}])
    (start,) = [c for c in d.checks if c.group == "suspension_start"]
    assert labels(start.citations) == [label] and "经经办机构同意" in start.citations[0].quote
    assert start.note and "按经办机构同意之日起算" in start.note
    assert d.deadlines[0].end == date(2026, 11, 9)
    # A start the parties fixed prevails over the table's reading.
    fixed = agreement(corpus, region, on=date(2026, 6, 1),
                      suspensions=[{"start": date(2026, 5, 18), "approved": date(2026, 5, 11), "requested": True}])
    assert fixed.deadlines[0].start == date(2026, 5, 18) and not fixed.warnings


def test_start_that_cannot_be_known_is_one_clear_error(corpus):
    with pytest.raises(DecisionError, match=r"suspensions\[0\]: .*give approved \(经办机构同意中止之日\)"):
        agreement(corpus, "guangdong", suspensions=[{"received": date(2026, 5, 4), "requested": True}])
    with pytest.raises(CaseError, match="give start, or the day the request was received"):
        validate_case({"region": "guangdong", "date": date(2026, 6, 1), "institution": {"name": "某"},
                       "agreement": TERM, "suspensions": [{"requested": True}]}, "agreement", "t.yaml")


# ------------------------------------------------------------------ 2. Jiangsu conduct outside the 违约金 lists

def test_conduct_in_no_list_gets_no_liquidated_damages(corpus):
    d = agreement(corpus, "jiangsu", breach={"loss": 8000})
    assert d.outcome == "measures" and not d.errors
    (g,) = d.grounds
    assert g.key == "no_listed_penalty" and "不依这两条支付违约金" in g.label
    assert labels(g.citations) == ["第四十三条", "第四十四条第一款", "第三十二条"]
    assert "penalty" not in d.extra and "不依这两条支付违约金" in d.extra["no_penalty"]


def test_article_42_conduct_has_measures_but_no_damages(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "minor", "item": 3, "refused_to_correct": True})
    keys = [c.key for c in d.grounds]
    assert keys == ["no_listed_penalty", "interview", "withhold"]
    assert labels(d.grounds[0].citations)[0] == "第四十二条第（三）项"
    assert "penalty" not in d.extra and "不依这两条支付违约金" in d.extra["no_penalty"]
    withhold = d.grounds[2]
    assert "拒不改正的，暂停或者不予拨付费用" in withhold.citations[1].quote
    worse = agreement(corpus, "jiangsu", breach={"list": "minor", "item": 3, "refused_to_correct": True,
                                                  "serious_impact": True})
    assert [c.key for c in worse.grounds][-1] == "transfer"


def test_article_42_has_nine_items(corpus):
    with pytest.raises(DecisionError, match="has 9 items, not 10"):
        agreement(corpus, "jiangsu", breach={"list": "minor", "item": 10})


# ------------------------------------------------------------------ 2. 第四十五条's offsets

def test_damages_paid_do_not_reduce_the_fine_and_suspension_days_offset(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": 7, "loss": 100000, "damages_paid": 25000,
                                             "suspension_days": 30,
                                             "administrative": {"fine": 50000, "suspension_days": 90}})
    off = d.extra["offsets"]
    assert off["fine_due"] == "50000.00"
    assert off["suspension_days_due"] == 60
    fine = next(c for c in d.checks if c.key == "offset_fine")
    assert labels(fine.citations) == ["第四十五条"] and "不折抵罚款" in fine.citations[0].quote
    assert "罚款 50000.00 元；已支付违约金 25000.00 元不折抵罚款：应缴罚款 50000.00 元" == fine.reason
    susp = next(c for c in d.checks if c.key == "offset_suspension")
    assert "中止一日折抵暂停一日" in susp.citations[0].quote
    assert "尚需暂停 60 日" in susp.reason


def test_suspension_longer_than_the_administrative_one_leaves_nothing(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "serious", "item": 7, "loss": 0, "suspension_days": 120,
                                             "administrative": {"suspension_days": 90}})
    assert d.extra["offsets"]["suspension_days_due"] == 0


def test_offsets_for_conduct_outside_the_lists(corpus):
    d = agreement(corpus, "jiangsu", breach={"suspension_days": 15})
    assert d.extra["offsets"] == {"suspension_days_credit": 15}


# ------------------------------------------------------------------ gd-staff 第二十二条: the 50% share

@pytest.mark.parametrize("part, total, outcome", [(21, 40, "staff_measures"), (20, 40, "continue"), (3, 40, "continue")])
def test_staff_share_above_half(corpus, part, total, outcome):
    d = agreement(corpus, "guangdong", staff={"total": total, "suspended_or_terminated": part})
    assert d.outcome == outcome
    (c,) = [c for c in d.checks if c.key == "staff_share"]
    assert c.citations[0].doc_id == "gd-staff" and c.citations[0].label == "第二十二条第一款"
    assert "超过相关人员总人数50%以上" in c.citations[0].quote


def test_staff_share_in_a_region_without_the_rule_is_a_warning(corpus):
    d = agreement(corpus, "jiangsu", staff={"total": 10, "suspended_or_terminated": 9})
    assert d.outcome == "continue" and any("share of staff" in w for w in d.warnings)


def test_agreement_case_citations_are_real(corpus):
    d = agreement(corpus, "jiangsu", breach={"list": "minor", "item": 1, "refused_to_correct": True,
                                             "damages_paid": 100, "suspension_days": 3,
                                             "administrative": {"fine": 1000, "suspension_days": 10}},
                  suspensions=[{"approved": date(2026, 5, 11), "requested": True}])
    assert assert_citations_real(corpus, d.to_json()) >= 10
    d = agreement(corpus, "chuxiong", suspensions=[{"received": date(2026, 5, 11), "requested": True}], public=True)
    assert assert_citations_real(corpus, d.to_json()) >= 1
    d = agreement(corpus, "guangdong", staff={"total": 4, "suspended_or_terminated": 3})
    assert assert_citations_real(corpus, d.to_json()) >= 1


def test_an_imposed_suspension_where_no_rule_ties_its_start_needs_one(corpus):
    with pytest.raises(DecisionError, match=r"suspensions\[0\]: .*give start \(the guangdong rules tie it to no other day\)"):
        agreement(corpus, "guangdong", suspensions=[{"decided": date(2026, 2, 2)}])
