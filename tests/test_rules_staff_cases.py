"""Staff cases the engine once could not state (issue 13 §6): a clerk's standing (current total
and status) with counts of completed repair activities, the person's status following the
institution's (第十一条第二款), the appeal route (第二十四条), and the citations a score rests on
(第十二条第一款 for a year's total, 第十六条 for the bands, 第二十五条第二款 for a repair granted
during a running term) — all on the bundled gd-staff text."""

from __future__ import annotations

from datetime import date

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.cases import CaseError, validate_case
from toolkit.rules.engine import DecisionError
from toolkit.rules.points import decide_staff


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def staff(corpus, events=(), on=None, **more):
    data = {"region": "guangdong", "person": {"name": "张某"}, "events": list(events), **more}
    if on is not None:
        data["date"] = on
    return decide_staff(validate_case(data, "staff", "t.yaml"), corpus)


def scoring(on, situations, responsibility="main", institution="甲医院", **more):
    return {"type": "scoring", "date": on, "institution": institution, "situations": situations,
            "responsibility": responsibility, **more}


def labels(citations):
    return [c["label"] if isinstance(c, dict) else c.label for c in citations]


# ------------------------------------------------------------------ citations (§6, 6th bullet)

def test_a_years_total_cites_article_12_and_the_bands_article_16(corpus):
    d = staff(corpus, [scoring(date(2026, 3, 2), ["agreement_penalty"]),
                       scoring(date(2026, 5, 20), ["admin_penalty_38_39"], "important")])
    second = d.extra["timeline"][-1]
    assert second["total"] == 8
    got = labels(second["citations"])
    assert "第十二条第一款" in got  # 记分在一个自然年度内累加计算
    assert "第十六条" in got and got.index("第十六条") < got.index("第十八条")
    quotes = [c["quote"] for c in second["citations"]]
    assert "一次记分的分值档次分为1—3分、4—6分、7—9分、10—12分" in quotes
    # The 6—8 talk rests on the year's cumulative total: it cites 第十二条第一款 too.
    talk = d.grounds[-1]
    assert talk.key == "talk" and labels(talk.citations) == ["第二十一条第（二）项", "第十二条第一款"]


def test_a_one_time_consequence_does_not_rest_on_the_year_total(corpus):
    d = staff(corpus, [scoring(date(2026, 6, 15), ["other_7_9"])])
    (g,) = d.grounds
    assert g.key == "suspension" and "第十二条第一款" not in labels(g.citations)


def test_repair_granted_during_a_term_cites_the_half_term_rule(corpus):
    base = [scoring(date(2026, 3, 2), ["admin_penalty_38_39"], "general"),
            scoring(date(2026, 3, 3), ["admin_penalty_38_39"], "main")]
    d = staff(corpus, base + [{"type": "repair", "date": date(2026, 4, 19), "measure": "study"}])
    r = d.extra["timeline"][-1]
    assert r["granted"] is True
    assert labels(r["citations"]) == ["第二十五条第一款第（一）项", "第二十五条第二款"]
    assert r["citations"][1]["quote"].startswith("对于医保支付资格为暂停或终止的相关人员")
    # Outside a term the half-term rule is not a ground of the repair.
    calm = staff(corpus, [scoring(date(2026, 3, 2), ["admin_penalty_38_39"]),
                          {"type": "repair", "date": date(2026, 4, 19), "measure": "study"}])
    assert labels(calm.extra["timeline"][-1]["citations"]) == ["第二十五条第一款第（一）项"]


# ------------------------------------------------------------------ rules left out (§6, 7th bullet)

def test_every_staff_decision_states_the_appeal_route(corpus):
    d = staff(corpus, [scoring(date(2026, 3, 2), ["other_1_3"])])
    (remedy,) = d.extra["remedies"]
    assert labels(remedy.citations) == ["第二十四条"]
    assert "陈述、申辩" in remedy.citations[0].quote
    assert d.to_json()["remedies"][0]["group"] == "remedy"


@pytest.mark.parametrize("action, outcome, state", [
    ("agreement_suspended", "suspended", "暂停"),
    ("service_suspended", "suspended", "暂停"),
    ("agreement_terminated", "terminated", "终止"),
])
def test_status_follows_the_institution_when_responsible(corpus, action, outcome, state):
    d = staff(corpus, [{"type": "institution", "date": date(2026, 7, 1), "action": action,
                        "responsible": True}], on=date(2026, 7, 20))
    assert d.outcome == outcome
    (g,) = d.grounds
    assert labels(g.citations) == ["第十一条第二款"]
    assert f"登记备案状态调整为{state}" in g.citations[0].quote
    assert d.extra["status"]["first"] == date(2026, 7, 1)


def test_institution_suspension_with_an_end_ends_the_persons_suspension(corpus):
    ev = {"type": "institution", "date": date(2026, 7, 1), "action": "agreement_suspended",
          "responsible": True, "end": date(2026, 8, 31)}
    assert staff(corpus, [ev], on=date(2026, 8, 31)).outcome == "suspended"
    assert staff(corpus, [ev], on=date(2026, 9, 1)).outcome == "normal"


def test_not_responsible_stays_normal(corpus):
    d = staff(corpus, [{"type": "institution", "date": date(2026, 7, 1), "action": "agreement_terminated",
                        "responsible": False}])
    assert d.outcome == "normal" and not d.grounds
    entry = d.extra["timeline"][0]
    assert "不负有责任的，登记备案状态仍为正常" in entry["citations"][0]["quote"]


# ------------------------------------------------------------------ standing + repair counts (§6, 4th bullet)

def test_repair_from_a_clerks_standing(corpus):
    # 10 points in 2026, suspended 3 months by the decision of 2026-03-03 (03-04 .. 06-03): half
    # served from 04-19. Completed: 4 study courses (capped at 3) and 1 publicity activity.
    d = staff(corpus, standing={"date": date(2026, 4, 1), "total": 10, "status": "suspended",
                                "decided": date(2026, 3, 3)},
              repair_request={"date": date(2026, 4, 19), "completed": {"study": 4, "publicity": 1}})
    tl = d.extra["timeline"]
    assert tl[0]["event"] == "standing" and tl[0]["term"]["last"] == date(2026, 6, 3)
    repairs = [e for e in tl if e["event"] == "repair"]
    assert [(e["granted"], e["total"]) for e in repairs] == [
        (True, 9), (True, 8), (True, 7), (False, 7), (True, 6)]
    assert "已达3分上限" in repairs[3]["reason"]
    assert d.extra["year_total"] == 6
    assert repairs[-1]["may_shorten"] == "修复后累计6分，已不足暂停或终止的分值：可相应缩短至期满"
    assert "第二十五条第二款" in labels(repairs[0]["citations"])
    assert d.outcome == "suspended"  # shortening is the agency's call (可), not automatic


def test_standing_repair_before_half_term_is_refused(corpus):
    d = staff(corpus, standing={"date": date(2026, 4, 1), "total": 10, "status": "suspended",
                                "decided": date(2026, 3, 3)},
              repair_request={"date": date(2026, 4, 18), "completed": {"study": 2}})
    repairs = [e for e in d.extra["timeline"] if e["event"] == "repair"]
    assert [e["granted"] for e in repairs] == [False, False]
    assert "2026-04-19起" in repairs[0]["reason"]


def test_standing_counts_repairs_already_granted_this_year(corpus):
    d = staff(corpus, standing={"date": date(2026, 5, 1), "total": 5, "repaired": {"study": 2}},
              repair_request={"date": date(2026, 5, 4), "completed": {"study": 2}})
    repairs = [e for e in d.extra["timeline"] if e["event"] == "repair"]
    assert [(e["granted"], e["total"]) for e in repairs] == [(True, 4), (False, 4)]
    assert d.outcome == "normal" and d.extra["year_total"] == 4


def test_standing_twelve_at_once_cannot_be_repaired(corpus):
    d = staff(corpus, standing={"date": date(2026, 9, 1), "total": 12, "status": "terminated",
                                "decided": date(2026, 4, 1), "one_time": True},
              repair_request={"date": date(2026, 12, 1), "completed": {"study": 1}})
    assert d.extra["terms"][0]["last"] == date(2029, 4, 1)
    r = d.extra["timeline"][-1]
    assert r["granted"] is False and r["citations"][-1]["quote"] == "一次记满12分的，不予修复"
    assert d.outcome == "terminated"


@pytest.mark.parametrize("standing, message", [
    ({"total": 5, "status": "suspended", "decided": date(2026, 3, 3)}, "give no suspension or termination"),
    ({"total": 12, "status": "suspended", "decided": date(2026, 3, 3)}, "not a suspended status"),
    ({"total": 5, "repaired": {"study": 4}}, "exceed the cap of 3分"),
    ({"total": 5, "repaired": {"volunteering": 1}}, "unknown repair measure 'volunteering'"),
])
def test_inconsistent_standing_is_an_error(corpus, standing, message):
    with pytest.raises(DecisionError, match=message):
        staff(corpus, standing={"date": date(2026, 4, 1), **standing})


def test_standing_case_errors_name_the_field():
    with pytest.raises(CaseError, match="standing: Value error, a suspended status needs the day"):
        validate_case({"region": "guangdong", "person": {"name": "张某"},
                       "standing": {"date": date(2026, 4, 1), "total": 10, "status": "suspended"}},
                      "staff", "t.yaml")
    with pytest.raises(CaseError, match="give the scoring events, or the person's standing"):
        validate_case({"region": "guangdong", "person": {"name": "张某"}}, "staff", "t.yaml")


def test_staff_case_citations_are_real(corpus):
    d = staff(corpus, [{"type": "institution", "date": date(2026, 7, 1), "action": "service_suspended",
                        "responsible": False}],
              standing={"date": date(2026, 4, 1), "total": 10, "status": "suspended", "decided": date(2026, 3, 3)},
              repair_request={"date": date(2026, 4, 19), "completed": {"study": 1, "report_fraud": 1}})
    assert assert_citations_real(corpus, d.to_json()) >= 10


def test_institution_suspension_with_an_end_has_a_restoration_day(corpus):
    # 第二十六条: 15 working days before 2026-08-31 → 2026-08-10 (no holiday in between).
    d = staff(corpus, [{"type": "institution", "date": date(2026, 7, 1), "action": "agreement_suspended",
                        "responsible": True, "end": date(2026, 8, 31)}])
    (t,) = d.extra["terms"]
    assert t["restore_from"] == date(2026, 8, 10)
    open_ended = staff(corpus, [{"type": "institution", "date": date(2026, 7, 1),
                                 "action": "agreement_terminated", "responsible": True}])
    assert open_ended.extra["terms"] == [] and open_ended.extra["status"]["last"] is None
    assert open_ended.outcome_label == "终止医保支付资格（自2026-07-01起）"
