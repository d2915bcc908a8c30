"""Procedure deadlines per region, each expected date worked out by hand in the comment.

2026 calendar: Spring Festival 02-15..02-23 off (Saturdays 02-14, 02-28 worked); Labour Day
05-01..05-05 off (Saturday 05-09 worked); Mid-Autumn 09-25..09-27 off; National Day 10-01..10-07
off (Sunday 09-20, Saturday 10-10 worked). Counting starts the day after the trigger.
"""

from __future__ import annotations

from datetime import date

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.cases import CaseError, validate_case
from toolkit.rules.timeline import decide_timeline


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def timeline(corpus, region, **dates):
    return decide_timeline(validate_case({"region": region, **dates}, "timeline", "t.yaml"), corpus)


def ends(decision) -> dict[str, date | None]:
    return {d.key: d.end for d in decision.deadlines}


GUANGDONG = {
    "received": date(2026, 9, 24), "publicity_start": date(2026, 9, 29),
    "failure_served": date(2026, 11, 30), "second_failure_served": date(2026, 12, 1),
    "agreement_expires": date(2026, 12, 31), "change_approved": date(2026, 9, 18),
    "payment_declared": date(2026, 9, 30), "exit_effective": date(2027, 1, 4),
}


def test_guangdong(corpus):
    d = timeline(corpus, "guangdong", **GUANGDONG)
    assert d.outcome == "computed" and d.errors == []
    assert ends(d) == {
        # 09-24 + 5 working days: 09-28, 09-29, 09-30, (10-01..07 off) 10-08, 10-09.
        "supplement_notice": date(2026, 10, 9),
        # 3 months from 09-24: 12-24, a Thursday (working day).
        "evaluation": date(2026, 12, 24),
        # 7 working days from 09-29: 09-30, 10-08, 10-09, Sat 10-10, 10-12, 10-13, 10-14.
        "publicity": date(2026, 10, 14),
        # Served 11-30: 3 months end 2027-02-28 (no 02-30), re-evaluation from 03-01.
        "reevaluation": date(2027, 3, 1),
        # Second failure served 12-01: the year ends 2027-12-01; may apply again from 12-02.
        "reapplication_ban": date(2027, 12, 1),
        # Expiring 12-31: 09-30 + 3 months = 12-30 fits, 10-01 + 3 months = 2027-01-01 does not.
        "renewal": date(2026, 9, 30),
        # 09-18 + 30 working days: Sun 09-20 (1) .. 09-24 (5), 09-28..30 (8), 10-08, 10-09,
        # Sat 10-10 (11), 10-12..16 (16), 10-19..23 (21), 10-26..30 (26), 11-02..05 (30).
        "change_report": date(2026, 11, 5),
        # 09-30 + 30 working days: 10-08, 10-09, 10-10 (3), 10-12..16 (8), 10-19..23 (13),
        # 10-26..30 (18), 11-02..06 (23), 11-09..13 (28), 11-16, 11-17 (30).
        "payment": date(2026, 11, 17),
        # To stop on 2027-01-04, apply 3 months before: 2026-10-04 (a National Day holiday).
        "exit_notice": date(2026, 10, 4),
    }
    by = {x.key: x for x in d.deadlines}
    assert by["reapplication_ban"].first == date(2027, 12, 2)
    assert "2026-09-30" in by["exit_notice"].note  # the last working day before the holiday
    assert by["supplement_notice"].text == "自收到申请材料之日起5个工作日内（即2026年10月9日前）"
    assert by["evaluation"].citations[0].label == "第十二条第一款"
    assert by["publicity"].citations[0].quote == "公示期为7个工作日"
    assert assert_citations_real(corpus, d.to_json()) == 2 * 9  # each deadline and its check


def test_guangdong_evaluation_rolls_off_a_holiday(corpus):
    # 3 months from 07-01 end on 10-01 (National Day): the period ends on 10-08 (第二百零三条).
    d = timeline(corpus, "guangdong", received=date(2026, 7, 1))
    by = {x.key: x for x in d.deadlines}
    assert by["evaluation"].end == date(2026, 10, 8)
    assert "2026-10-01 为休息日，顺延至 2026-10-08" in by["evaluation"].note


def test_guangdong_supplement_time_does_not_count(corpus):
    # 3 months from 07-15 = 92 days; 07-20..08-10 (22 days) paused → 11-06 instead of 10-15.
    d = timeline(corpus, "guangdong", received=date(2026, 7, 15),
                 supplement={"notified": date(2026, 7, 20), "completed": date(2026, 8, 10)})
    assert ends(d)["evaluation"] == date(2026, 11, 6)
    assert d.deadlines[1].excluded == [(date(2026, 7, 20), date(2026, 8, 10))]


def test_evaluation_not_fixed_while_materials_are_outstanding(corpus):
    d = timeline(corpus, "jiangsu", received=date(2026, 9, 24), supplement={"notified": date(2026, 9, 28)})
    by = {x.key: x for x in d.deadlines}
    assert by["evaluation"].end is None and "材料尚未补充完整" in by["evaluation"].note


@pytest.mark.parametrize("supplement, end", [
    # No supplement: 09-24 + 20 working days: 09-28..30 (3), 10-08, 10-09, 10-10 (6),
    # 10-12..16 (11), 10-19..23 (16), 10-26..29 (20).
    (None, date(2026, 10, 29)),
    # Materials complete 10-12: the 20 working days start again: 10-13..16 (4), 10-19..23 (9),
    # 10-26..30 (14), 11-02..06 (19), 11-09 (20).
    ({"notified": date(2026, 9, 28), "completed": date(2026, 10, 12)}, date(2026, 11, 9)),
])
def test_jiangsu_evaluation_restarts(corpus, supplement, end):
    dates = {"received": date(2026, 9, 24)} | ({"supplement": supplement} if supplement else {})
    d = timeline(corpus, "jiangsu", **dates)
    by = {x.key: x for x in d.deadlines}
    assert by["evaluation"].end == end
    assert by["evaluation"].citations[0].label == "第十二条第二款"
    if supplement:
        assert by["evaluation"].start == date(2026, 10, 12)


def test_jiangsu_publicity_and_renewal(corpus):
    d = timeline(corpus, "jiangsu", publicity_start=date(2026, 9, 29), agreement_expires=date(2026, 11, 30))
    # 5 working days from 09-29: 09-30, 10-08, 10-09, Sat 10-10, 10-12.
    # Expiring 11-30: 08-31 + 3 months = 11-30 (no 11-31), so 08-31 is the last day to apply.
    assert ends(d) == {"publicity": date(2026, 10, 12), "renewal": date(2026, 8, 31)}


def test_chuxiong_around_the_spring_festival(corpus):
    d = timeline(corpus, "chuxiong", received=date(2026, 2, 10),
                 supplement={"notified": date(2026, 2, 11), "received_notice": date(2026, 2, 12),
                             "completed": date(2026, 2, 26)},
                 evaluation_passed=date(2026, 2, 13), publicity_start=date(2026, 2, 13),
                 agreement_signed=date(2026, 2, 13), agreement_expires=date(2026, 12, 31),
                 change_applied=date(2026, 9, 30), category_requested=date(2026, 4, 30),
                 failure_served=date(2026, 3, 31), second_failure_served=date(2026, 4, 15))
    assert d.errors == []
    assert ends(d) == {
        # 02-10 + 5: 02-11, 02-12, 02-13, Sat 02-14, (02-15..23 off) 02-24.
        "supplement_notice": date(2026, 2, 24),
        # Notice received 02-12 + 5: 02-13, 02-14, 02-24, 02-25, 02-26 (else the application lapses).
        "supplement_submission": date(2026, 2, 26),
        # 15 working days from 02-10 without 02-11..02-26: 02-27, Sat 02-28, 03-02..06 (7),
        # 03-09..13 (12), 03-16, 03-17, 03-18 (15).
        "evaluation": date(2026, 3, 18),
        # Passed 02-13 + 3: 02-14, 02-24, 02-25.
        "publicity_launch": date(2026, 2, 25),
        # Published 02-13 + 7: 02-14, 02-24..27 (5), Sat 02-28 (6), 03-02 (7).
        "publicity": date(2026, 3, 2),
        # 10 working days after the publicity's last day 03-02: 03-03..06 (4), 03-09..13 (9), 03-16.
        "negotiation": date(2026, 3, 16),
        # Served 03-31: 3 months end 06-30; re-evaluation from 07-01.
        "reevaluation": date(2026, 7, 1),
        # Served 04-15: 1 year to 2027-04-15.
        "reapplication_ban": date(2027, 4, 15),
        # Signed 02-13 + 5: 02-14, 02-24, 02-25, 02-26, 02-27; + 10: .. Sat 02-28, 03-02..05.
        "agreement_filing": date(2026, 2, 27),
        "system_activation": date(2026, 3, 5),
        # Window: 30 days before 12-31 → 12-01 .. 12-30.
        "renewal": date(2026, 12, 30),
        # Applied 09-30 + 7: 10-08, 10-09, Sat 10-10, 10-12, 10-13, 10-14, 10-15.
        "change_processing": date(2026, 10, 15),
        # Requested 04-30 + 10: (05-01..05 off) 05-06, 05-07, 05-08, Sat 05-09, 05-11..15 (9), 05-18.
        "payment_category": date(2026, 5, 18),
    }
    by = {x.key: x for x in d.deadlines}
    assert by["renewal"].first == date(2026, 12, 1)
    assert by["negotiation"].start == date(2026, 3, 2)
    assert by["evaluation"].citations[0].label == "第十五条"
    assert assert_citations_real(corpus, d.to_json()) == 2 * 13 + 2  # + 2 rows without a date


@pytest.mark.parametrize("region, days", [("guangdong", 7), ("jiangsu", 5), ("chuxiong", 7)])
def test_publicity_periods(corpus, region, days):
    d = timeline(corpus, region, publicity_start=date(2026, 6, 1))
    (p,) = [x for x in d.deadlines if x.key == "publicity"]
    assert p.span == f"{days}个工作日"
    assert f"公示期为{days}个工作日" in p.citations[0].text


def test_unknown_year_is_reported_not_guessed(corpus):
    # 3 months from 2026-11-20 end on 2027-02-20: whether that is a working day is unknown.
    d = timeline(corpus, "guangdong", received=date(2026, 11, 20))
    assert d.outcome == "incomplete"
    assert len(d.errors) == 1 and "2027" in d.errors[0] and "evaluation" in d.errors[0]
    # 11-20 + 5 working days: 11-23..27 — still computed.
    assert ends(d) == {"supplement_notice": date(2026, 11, 27)}


def test_dates_the_region_does_not_count_from_are_flagged(corpus):
    d = timeline(corpus, "jiangsu", received=date(2026, 6, 1), agreement_signed=date(2026, 6, 2))
    assert d.warnings == ["agreement_signed: the jiangsu rules state no period counted from this date"]


def test_a_case_without_dates_is_rejected():
    with pytest.raises(CaseError, match="give at least one date"):
        validate_case({"region": "guangdong"}, "timeline", "t.yaml")
