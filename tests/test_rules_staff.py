"""Staff points under the Guangdong staff rules (gd-staff): scores per band and responsibility,
adjustments (第十五条第二款), highest score per act (第十二条), yearly reset, multi-site totals,
consequences cumulative vs at once (第二十一条), repair (第二十五条) and restoration (第二十六条)."""

from __future__ import annotations

from datetime import date

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.corpus import NotInForce
from toolkit.rules.cases import Scoring, validate_case
from toolkit.rules.engine import DecisionError
from toolkit.rules.points import consequence_for, decide_staff, score_act
from toolkit.rules.tables import load_tables

RULES = load_tables()["guangdong"].staff


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def act(situations, responsibility=None, adjustment=None, points=None):
    return Scoring(type="scoring", date=date(2026, 3, 2), institution="甲医院", situations=situations,
                   responsibility=responsibility, adjustment=adjustment, points=points)


@pytest.mark.parametrize("situations, responsibility, points", [
    (["agreement_penalty"], "general", 1),     # 第十七条: 一般1、重要2、主要3
    (["agreement_penalty"], "important", 2),
    (["agreement_penalty"], "main", 3),
    (["admin_penalty_38_39"], "general", 4),   # 第十八条
    (["admin_penalty_38_39"], "main", 6),
    (["impersonation"], "general", 7),         # 第十九条
    (["other_7_9"], "main", 9),
    (["admin_penalty_40"], "important", 11),   # 第二十条
    (["license_revoked"], None, 12),           # 第二十条第（二）项: 记12分, whatever the responsibility
    (["agreement_penalty", "impersonation"], "important", 8),  # one act, two situations: highest only
    (["other_1_3", "admin_penalty_38_39", "other_4_6"], "general", 4),
])
def test_score_by_band_and_responsibility(situations, responsibility, points):
    assert score_act(act(situations, responsibility), RULES).points == points


@pytest.mark.parametrize("situation, responsibility, adjustment, chosen, points", [
    ("admin_penalty_38_39", "main", "lighter_within", None, 5),   # one step lighter in 4—6
    ("admin_penalty_38_39", "main", "lighter_within", 4, 4),      # the lowest of the band
    ("impersonation", "general", "heavier_within", None, 8),
    ("impersonation", "important", "heavier_within", 9, 9),
    ("impersonation", "main", "lighter_band", None, 6),           # 减轻一档: 7—9 → 4—6, same position
    ("admin_penalty_38_39", "important", "heavier_band", None, 8),  # 加重一档: 4—6 → 7—9
    ("other_1_3", "general", "heavier_band", None, 4),
])
def test_adjustments(situation, responsibility, adjustment, chosen, points):
    a = score_act(act([situation], responsibility, adjustment, chosen), RULES)
    assert a.points == points
    assert any(getattr(c, "key", None) == adjustment for c in a.cited)


@pytest.mark.parametrize("situation, responsibility, adjustment, chosen, message", [
    ("admin_penalty_38_39", "general", "lighter_within", None, "already the lowest"),
    ("impersonation", "main", "heavier_within", None, "already the highest"),
    ("admin_penalty_38_39", "main", "lighter_within", 6, "allows 4—5, not 6"),
    ("other_1_3", "main", "lighter_band", None, "no band below 1—3"),
    ("admin_penalty_40", "general", "heavier_band", None, "no band above 10—12"),
    ("license_revoked", None, "lighter_band", None, "cannot be adjusted"),
    ("impersonation", "main", "lighter_band", 5, "not chosen when moving a band"),
    ("impersonation", "main", None, 7, "the rules give 9"),
    ("impersonation", None, None, None, "responsibility: needed"),
    ("bribery", "main", None, None, "unknown key"),
])
def test_impossible_scores_are_errors(situation, responsibility, adjustment, chosen, message):
    with pytest.raises(DecisionError, match=message):
        score_act(act([situation], responsibility, adjustment, chosen), RULES)


@pytest.mark.parametrize("total, once, expected", [
    (2, 2, None),
    (3, 3, "talk 3"), (5, 1, "talk 5"), (6, 6, "talk 6"), (8, 1, "talk 8"),
    (9, 1, "suspension 1 cumulative"),     # 累计记分达到9分：1个月
    (9, 9, "suspension 2 one_time"),       # 一次性记分9分：2个月
    (10, 3, "suspension 3 cumulative"), (10, 10, "suspension 4 one_time"),
    (11, 2, "suspension 5 cumulative"), (11, 11, "suspension 6 one_time"),
    (11, 9, "suspension 5 cumulative"),    # 2 then 9 at once: cumulative 11 (5 months) is heavier
    (12, 3, "termination 1 cumulative"),   # 累计记满12分：终止，1年内不得再次登记备案
    (12, 12, "termination 3 one_time"),    # 一次性记满12分：3年
    (15, 10, "termination 1 cumulative"),
])
def test_consequences(total, once, expected):
    c = consequence_for(total, once, RULES)
    if expected is None:
        assert c is None
        return
    kind, n, *how = expected.split()
    assert c.kind == kind
    if kind == "talk":
        assert c.level == int(n)
    else:
        assert c.span.n == int(n) and c.one_time is (how == ["one_time"])


def staff(corpus, events, on=None):
    data = {"region": "guangdong", "person": {"name": "张某"}, "events": events}
    if on is not None:
        data["date"] = on
    return decide_staff(validate_case(data, "staff", "t.yaml"), corpus)


def scoring(on, situations, responsibility="main", institution="甲医院", **more):
    return {"type": "scoring", "date": on, "institution": institution, "situations": situations,
            "responsibility": responsibility, **more}


def test_cumulative_nine_suspends_one_month(corpus):
    # 3 + 5 + 1 = 9 on 2026-06-15: suspension 06-16 .. 07-15 (1 month, 第二百零一条).
    d = staff(corpus, [scoring(date(2026, 3, 10), ["agreement_penalty"]),
                       scoring(date(2026, 5, 20), ["admin_penalty_38_39"], "important"),
                       scoring(date(2026, 6, 15), ["other_1_3"], "general")], on=date(2026, 7, 1))
    assert [e["total"] for e in d.extra["timeline"]] == [3, 8, 9]
    assert d.outcome == "suspended"
    (t,) = d.extra["terms"]
    assert (t["first"], t["last"], t["one_time"]) == (date(2026, 6, 16), date(2026, 7, 15), False)
    # 15 working days before 07-15: 07-14 .. 06-24 (06-19 Dragon Boat off).
    assert t["restore_from"] == date(2026, 6, 24)
    # Half of the 30 days served by 06-30: repair may be applied for from 07-01.
    assert t["repair_from"] == date(2026, 7, 1)
    assert [g.key for g in d.grounds] == ["talk", "talk", "suspension"]
    assert d.grounds[-1].citations[1].label == "第二十一条第（三）项第1目"


def test_nine_at_once_suspends_two_months(corpus):
    d = staff(corpus, [scoring(date(2026, 6, 15), ["other_7_9"])], on=date(2026, 6, 20))
    (t,) = d.extra["terms"]
    assert t["one_time"] and t["last"] == date(2026, 8, 15)
    assert "一次性记分9分：暂停医保支付资格2个月" == t["describe"]


@pytest.mark.parametrize("decision_ids, months, one_time", [
    ((None, None), 1, False),  # two acts scored separately: 5 + 4 reach 9 cumulatively
    (("D1", "D1"), 2, True),   # one scoring decision: 9 points at once
])
def test_one_decision_is_one_scoring(corpus, decision_ids, months, one_time):
    d = staff(corpus, [scoring(date(2026, 6, 15), ["admin_penalty_38_39"], "important", decision=decision_ids[0]),
                       scoring(date(2026, 6, 15), ["admin_penalty_38_39"], "general", decision=decision_ids[1])])
    t = d.extra["terms"][-1]
    assert t["one_time"] is one_time
    assert t["last"] == date(2026, 6 + months, 15)


def test_one_decision_cannot_span_dates(corpus):
    with pytest.raises(DecisionError, match="different dates"):
        staff(corpus, [scoring(date(2026, 6, 15), ["other_1_3"], decision="D1"),
                       scoring(date(2026, 6, 16), ["other_1_3"], decision="D1")])


def test_twelve_cumulative_terminates_with_a_one_year_ban(corpus):
    # 3 then 9 at once: total 12 → termination (cumulative 12, 1 year) beats one-time 9 (2 months).
    d = staff(corpus, [scoring(date(2026, 2, 2), ["agreement_penalty"]),
                       scoring(date(2026, 4, 1), ["other_7_9"])], on=date(2026, 4, 2))
    assert d.outcome == "terminated"
    t = d.extra["terms"][-1]
    assert (t["kind"], t["one_time"], t["last"]) == ("termination", False, date(2027, 4, 1))
    assert d.grounds[-1].citations[1].label == "第二十一条第（四）项第1目"


def test_twelve_at_once_terminates_for_three_years_and_cannot_be_repaired(corpus):
    d = staff(corpus, [scoring(date(2026, 4, 1), ["license_revoked"], None),
                       {"type": "repair", "date": date(2026, 12, 1), "measure": "study"}], on=date(2026, 12, 1))
    t = d.extra["terms"][-1]
    assert (t["one_time"], t["last"]) == (True, date(2029, 4, 1))
    repair = d.extra["timeline"][-1]
    assert repair["granted"] is False and "一次记满12分" in repair["reason"]
    assert repair["citations"][-1]["quote"] == "一次记满12分的，不予修复"


def test_year_boundary_resets_the_total(corpus):
    # 6 on 31 December and 6 on 1 January: two talks at 6, never 12.
    events = [scoring(date(2026, 12, 31), ["admin_penalty_38_39"]), scoring(date(2027, 1, 1), ["admin_penalty_38_39"])]
    d = staff(corpus, events)
    assert [(e["event"], e["total"]) for e in d.extra["timeline"]] == [("scoring", 6), ("year_reset", 0), ("scoring", 6)]
    assert d.extra["timeline"][1]["date"] == date(2027, 1, 1)
    assert d.extra["timeline"][1]["citations"][0]["quote"] == "记分在一个自然年度内累加计算，下一个自然年度自动清零"
    assert d.outcome == "normal" and d.extra["year_total"] == 6
    # Both on 31 December: 12 in the same year.
    same_year = staff(corpus, [events[0], scoring(date(2026, 12, 31), ["admin_penalty_38_39"])])
    assert same_year.outcome == "terminated"


def test_year_total_as_of_a_later_year_is_zero(corpus):
    d = staff(corpus, [scoring(date(2026, 3, 2), ["admin_penalty_38_39"])], on=date(2027, 1, 4))
    assert d.extra["year_total"] == 0 and d.outcome == "normal"


def test_multi_site_points_accumulate(corpus):
    d = staff(corpus, [scoring(date(2026, 3, 2), ["admin_penalty_38_39"], "important", "甲医院"),
                       scoring(date(2026, 3, 20), ["admin_penalty_38_39"], "general", "乙诊所")])
    assert d.extra["timeline"][-1]["total"] == 9 and d.outcome == "suspended"
    (multi,) = [c for c in d.checks if c.key == "multi_site"]
    assert [c.label for c in multi.citations] == ["第十二条第四款", "第十一条第一款"]
    assert multi.reason == "乙诊所、甲医院"


def test_repair_half_term_and_shortening(corpus):
    # 4 on 03-02, 6 on 03-03: cumulative 10 → 3 months, 03-04 .. 06-03 (92 days); half served
    # (46 days) by 04-18, so a repair is possible from 04-19.
    base = [scoring(date(2026, 3, 2), ["admin_penalty_38_39"], "general"),
            scoring(date(2026, 3, 3), ["admin_penalty_38_39"], "main")]
    early = staff(corpus, base + [{"type": "repair", "date": date(2026, 4, 18), "measure": "study"}])
    r = early.extra["timeline"][-1]
    assert r["granted"] is False and "2026-04-19起" in r["reason"] and r["total"] == 10
    late = staff(corpus, base + [{"type": "repair", "date": date(2026, 4, 19), "measure": "study"}])
    r = late.extra["timeline"][-1]
    assert (r["granted"], r["points"], r["total"]) == (True, -1, 9)
    # Repaired to 9: the term may be shortened to the 1 month of a cumulative 9, i.e. to 04-03.
    assert r["may_shorten"] == "可相应缩短为：累计记分9分：暂停医保支付资格1个月（自2026-03-03起，至2026-04-03）"
    assert r["shorten_citations"][0]["label"] == "第二十五条第三款"


def test_repair_caps_per_measure(corpus):
    events = [scoring(date(2026, 3, 2), ["admin_penalty_38_39"], "important"),
              scoring(date(2026, 3, 2), ["agreement_penalty"], "main")]  # 8: a talk, no suspension
    events += [{"type": "repair", "date": date(2026, 5, d), "measure": "study"} for d in (4, 5, 6, 7)]
    events += [{"type": "repair", "date": date(2026, 5, 8), "measure": "report_fraud"}]
    d = staff(corpus, events)
    repairs = [e for e in d.extra["timeline"] if e["event"] == "repair"]
    # study: −1 three times, the fourth refused (最多不超过3分); report_fraud: −3 → 8−3−3 = 2.
    assert [(e["granted"], e["total"]) for e in repairs] == [(True, 7), (True, 6), (True, 5), (False, 5), (True, 2)]
    assert "已达3分上限" in repairs[3]["reason"]


def test_repair_without_points_is_refused(corpus):
    d = staff(corpus, [{"type": "repair", "date": date(2026, 5, 4), "measure": "publicity"}])
    assert d.extra["timeline"][0]["granted"] is False and d.outcome == "normal"


def test_unknown_repair_measure(corpus):
    with pytest.raises(DecisionError, match="unknown repair measure 'volunteering'"):
        staff(corpus, [scoring(date(2026, 3, 2), ["other_1_3"]),
                       {"type": "repair", "date": date(2026, 5, 4), "measure": "volunteering"}])


def test_staff_rules_not_in_force_before_2025_05_21(corpus):
    with pytest.raises(NotInForce, match="gd-staff"):
        staff(corpus, [scoring(date(2025, 5, 20), ["other_1_3"])])
    assert staff(corpus, [scoring(date(2025, 5, 21), ["other_1_3"])]).outcome == "normal"


def test_restoration_in_an_unknown_year_is_a_warning_not_a_guess(corpus):
    # 11 at once on 2026-12-31: 6 months, ending 2027-06-30, in a year with no calendar yet.
    d = staff(corpus, [scoring(date(2026, 12, 31), ["other_10_12"], "important")])
    t = d.extra["terms"][-1]
    assert t["last"] == date(2027, 6, 30) and t["restore_from"] is None
    assert any("2027" in w for w in d.warnings)


def test_staff_citations_are_real(corpus):
    d = staff(corpus, [scoring(date(2026, 3, 2), ["admin_penalty_38_39", "agreement_penalty"], "important",
                               adjustment="heavier_within"),
                       scoring(date(2026, 3, 20), ["other_1_3"], "general", "乙诊所"),
                       {"type": "repair", "date": date(2026, 5, 4), "measure": "study"}])
    assert assert_citations_real(corpus, d.to_json()) >= 15
