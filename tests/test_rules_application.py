"""Designation applications: refusal grounds with their date boundaries, unmet conditions,
missing materials, the Chuxiong pharmacy rules, and the citations each outcome carries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.corpus import NotInForce
from toolkit.rules.application import decide_application
from toolkit.rules.cases import CaseError, validate_case
from toolkit.rules.engine import DecisionError

FULL_FACTS = {
    "eligible_category": True, "operating_since": date(2025, 1, 2), "physicians_first_registered": 2,
    "head_responsible": True, "insurance_staff": 1, "beds": 50, "insurance_department": False,
    "full_time_insurance_staff": 0, "management_systems": True, "information_system": True,
    "other_conditions": True,
}
ALL_MATERIALS = ["application_form", "license", "internal_rules", "information_system", "forecast_report"]


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def case(region: str = "guangdong", on: date = date(2026, 11, 20), *, history: dict | None = None,
         facts: dict | None = None, materials: list[str] | None = ALL_MATERIALS, kind: str = "institution",
         **more: Any):
    data = {"region": region, "date": on, "applicant": {"name": "某某医院", "type": kind},
            "history": history or {}, "facts": {**FULL_FACTS, **(facts or {})}, **more}
    if materials is not None:
        data["materials"] = materials
    return validate_case(data, "application", "test.yaml")


def grounds(decision) -> list[str]:
    return [g.key for g in decision.grounds]


def unmet(decision) -> list[str]:
    return [c.key for c in decision.unmet_conditions]


def test_eligible_institution(corpus):
    d = decide_application(case(), corpus)
    assert (d.outcome, d.grounds, d.unmet_conditions, d.unverified, d.missing_materials) == ("eligible", [], [], [], [])
    assert len(d.checks) == 9 + 8 + 5  # 第九条 (9 items), 8 condition rows of 第五、六条, 5 materials


# Terminated for violations on 2024-03-01; the 3-year period runs 2024-03-02 .. 2027-03-01
# (民法典 第二百零一条、第二百零二条), so 2027-03-01 is still 未满 and 2027-03-02 满3年.
@pytest.mark.parametrize("on, fulfilled, outcome", [
    (date(2027, 2, 28), True, "refused"),    # 未满3年
    (date(2027, 3, 1), True, "refused"),     # the period's last day: 未满
    (date(2027, 3, 2), True, "eligible"),    # 满3年 and the penalty fully performed
    (date(2027, 3, 2), False, "refused"),    # 已满3年但未完全履行行政处罚责任
    (date(2027, 3, 2), None, "to_verify"),   # whether it was performed is not stated
])
def test_terminated_for_violation_boundary(corpus, on, fulfilled, outcome):
    history = {"terminated_for_violation": {"date": date(2024, 3, 1), "fulfilled": fulfilled}}
    d = decide_application(case(on=on, history=history), corpus)
    assert d.outcome == outcome
    if outcome == "refused":
        assert grounds(d) == ["terminated_for_violation"]
        (cite,) = d.grounds[0].citations
        assert (cite.doc_id, cite.eid, cite.label) == ("gd-measure", "chp_2__art_9__para_1__point_5", "第九条第（五）项")
        assert cite.item == (5, None)
        assert "未满3年" in cite.text
    if outcome == "to_verify":
        assert [c.key for c in d.unverified] == ["terminated_for_violation"]


@pytest.mark.parametrize("region, eid, label", [
    ("guangdong", "chp_2__art_9__para_1__point_5", "第九条第（五）项"),
    ("jiangsu", "chp_2__art_9__para_1__point_5", "第九条第（五）项"),
    ("chuxiong", "chp_2__art_13__para_1__point_1__point_5", "第十三条第（一）项第5目"),
])
def test_same_ground_cites_each_regions_own_article(corpus, region, eid, label):
    history = {"terminated_for_violation": {"date": date(2024, 3, 1), "fulfilled": True}}
    d = decide_application(case(region, date(2026, 6, 1), history=history), corpus)
    assert grounds(d) == ["terminated_for_violation"]
    (cite,) = d.grounds[0].citations
    assert (cite.eid, cite.label) == (eid, label)
    assert cite.doc_id == {"guangdong": "gd-measure", "jiangsu": "js-rules", "chuxiong": "cx-rules"}[region]


@pytest.mark.parametrize("history, on, expected", [
    # 弄虚作假 found 2025-06-10: 3 years run to 2028-06-10 (the Jiangsu rules are open-ended).
    ({"fraud_found_on": date(2025, 6, 10)}, date(2028, 6, 10), ["fraudulent_application"]),
    ({"fraud_found_on": date(2025, 6, 10)}, date(2028, 6, 11), []),
    # 严重违约 termination 2025-06-30: 1 year runs to 2026-06-30.
    ({"terminated_for_breach": {"date": date(2025, 6, 30), "fulfilled": True}}, date(2026, 6, 30),
     ["terminated_for_breach"]),
    ({"terminated_for_breach": {"date": date(2025, 6, 30), "fulfilled": True}}, date(2026, 7, 1), []),
    ({"terminated_for_breach": {"date": date(2025, 6, 30), "fulfilled": False}}, date(2026, 7, 1),
     ["terminated_for_breach"]),
    # The controller's earlier institution terminated 2021-08-31: 5 years run to 2026-08-31.
    ({"controller_caused_termination_on": date(2021, 8, 31)}, date(2026, 8, 31), ["controller_termination"]),
    ({"controller_caused_termination_on": date(2021, 8, 31)}, date(2026, 9, 1), []),
    ({"non_basic_main_scope": True, "controller_dishonest": True}, date(2026, 1, 5),
     ["non_basic_scope", "controller_dishonest"]),
    ({"other_legal_ground": "《某某法》第十条"}, date(2026, 1, 5), ["other_legal_ground"]),
])
def test_jiangsu_refusal_grounds(corpus, history, on, expected):
    d = decide_application(case("jiangsu", on, history=history), corpus)
    assert grounds(d) == expected
    assert d.outcome == ("refused" if expected else "eligible")


@pytest.mark.parametrize("facts, expected", [
    # Opened 2026-05-01: the 3 months run to 2026-08-01, 满 from 2026-08-02.
    ({"operating_since": date(2026, 5, 1)}, ["operating"]),
    ({"physicians_first_registered": 0}, ["physician"]),
    ({"insurance_staff": 0}, ["insurance_management"]),
    ({"beds": 99}, []),  # under 100 beds no department is required
    ({"beds": 100}, ["insurance_department"]),  # 100张床位以上 includes 100
    ({"beds": 100, "insurance_department": True, "full_time_insurance_staff": 1}, []),
    ({"management_systems": False, "information_system": False}, ["management_systems", "information_system"]),
])
def test_guangdong_conditions(corpus, facts, expected):
    d = decide_application(case(on=date(2026, 8, 1), facts=facts), corpus)
    assert unmet(d) == expected
    assert d.outcome == ("conditions_unmet" if expected else "eligible")


def test_operating_three_months_boundary(corpus):
    opened = {"operating_since": date(2026, 5, 1)}
    assert unmet(decide_application(case(on=date(2026, 8, 1), facts=opened), corpus)) == ["operating"]
    assert unmet(decide_application(case(on=date(2026, 8, 2), facts=opened), corpus)) == []


def test_unstated_conditions_are_to_verify_not_met(corpus):
    d = decide_application(case(facts={"management_systems": None, "beds": None}), corpus)
    assert d.outcome == "to_verify"
    assert [c.key for c in d.unverified] == ["insurance_department", "management_systems"]


def test_unmet_conditions_json_carries_the_requirement_text(corpus):
    d = decide_application(case(facts={"beds": 150}), corpus)
    (row,) = d.to_json()["unmet_conditions"]
    assert row["key"] == "insurance_department"
    assert row["requirement"] == row["citations"][0]["text"]
    assert "100张床位以上的医疗机构应当设内部医保管理部门" in row["requirement"]
    assert row["citations"][0]["label"] == "第六条第（三）项"


def test_missing_materials_call_for_a_supplement_notice(corpus):
    # Received Thursday 2026-09-24: 5 working days → 09-28, 09-29, 09-30, 10-08, 10-09.
    d = decide_application(case(on=date(2026, 9, 24), materials=["application_form", "license"]), corpus)
    assert d.outcome == "supplement"
    assert [m.key for m in d.missing_materials] == ["internal_rules", "information_system", "forecast_report"]
    (dl,) = d.deadlines
    assert (dl.key, dl.end) == ("supplement_notice", date(2026, 10, 9))
    assert dl.citations[0].label == "第十条"


def test_data_shared_licence_is_exempt_only_where_the_rules_say_so(corpus):
    without_licence = [m for m in ALL_MATERIALS if m != "license"]
    gd = decide_application(case(materials=without_licence, data_shared=["license"]), corpus)
    assert gd.outcome == "eligible"
    lic = next(c for c in gd.checks if c.key == "license" and c.group == "material")
    assert [x.label for x in lic.citations] == ["第八条第一款第（二）项", "第八条第二款"]
    js = decide_application(case("jiangsu", materials=without_licence, data_shared=["license"]), corpus)
    assert [m.key for m in js.missing_materials] == ["license"]
    assert js.warnings == ["data_shared: the jiangsu rules exempt no material verifiable by data sharing; "
                           "it must be submitted"]


def test_refusal_wins_over_missing_materials(corpus):
    d = decide_application(case(materials=[], history={"price_policy_not_followed": True}), corpus)
    assert d.outcome == "refused" and grounds(d) == ["price_policy"]
    assert len(d.missing_materials) == 5


PHARMACY = {
    "drug_license": True, "operating_since": date(2026, 1, 10),
    "pharmacists": [{"name": "李某", "registered_here": True,
                     "contract": {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}}],
    "insurance_staff_list": [{"name": "王某", "contract": {"start": date(2026, 1, 1), "end": date(2027, 12, 31)}},
                             {"name": "赵某", "contract": {"start": date(2026, 3, 1), "end": date(2027, 2, 28)}}],
    "drug_classification": True, "management_systems": True, "information_system": True,
    "other_conditions": True,
}
PHARMACY_MATERIALS = ["application_form", "license", "pharmacist_certificates", "staff_contracts",
                      "internal_rules", "information_system", "forecast_report"]


def pharmacy(on=date(2026, 6, 15), **changes):
    facts = {**PHARMACY, **changes}
    return validate_case({"region": "chuxiong", "date": on, "applicant": {"name": "某某大药房", "type": "pharmacy"},
                          "materials": PHARMACY_MATERIALS, "facts": facts}, "application", "t.yaml")


def test_chuxiong_pharmacy_eligible(corpus):
    d = decide_application(pharmacy(), corpus)
    assert d.outcome == "eligible"
    assert {c.key for c in d.checks if c.group == "condition"} == {
        "drug_license", "operating", "pharmacist", "insurance_staff", "drug_classification",
        "management_systems", "information_system", "other_conditions"}
    pharmacist = next(c for c in d.checks if c.key == "pharmacist")
    assert pharmacist.citations[0].label == "第八条第（一）项第2目"


@pytest.mark.parametrize("changes, on, expected", [
    # The contract 2026-01-02 .. 2026-12-31 is one day short of 1 year.
    ({"pharmacists": [{"registered_here": True, "contract": {"start": date(2026, 1, 2), "end": date(2026, 12, 31)}}]},
     date(2026, 6, 15), ["pharmacist"]),
    ({"pharmacists": [{"registered_here": False, "contract": {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}}]},
     date(2026, 6, 15), ["pharmacist"]),
    # Out of the contract term on the application day (赵某 until 2027-02-28 is still in term).
    ({"pharmacists": [{"registered_here": True, "contract": {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}}]},
     date(2026, 6, 15), ["pharmacist"]),
    # Only one insurance staff member with a 1-year contract: 2 are required.
    ({"insurance_staff_list": [{"contract": {"start": date(2026, 1, 1), "end": date(2027, 12, 31)}},
                               {"contract": {"start": date(2026, 3, 1), "end": date(2026, 12, 31)}}]},
     date(2026, 6, 15), ["insurance_staff"]),
    # Opened 2026-01-10 at the address: 3 months end 2026-04-10, 满 from 2026-04-11.
    ({}, date(2026, 4, 10), ["operating"]),
    ({}, date(2026, 4, 11), []),
])
def test_chuxiong_pharmacy_conditions(corpus, changes, on, expected):
    assert unmet(decide_application(pharmacy(on, **changes), corpus)) == expected


def test_pharmacy_unknown_staff_is_to_verify(corpus):
    d = decide_application(pharmacy(pharmacists=[{"registered_here": None,
                                                  "contract": {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}}]),
                           corpus)
    assert d.outcome == "to_verify" and [c.key for c in d.unverified] == ["pharmacist"]


def test_pharmacy_refusal_uses_the_pharmacy_list(corpus):
    base = pharmacy()
    c = base.model_copy(update={"history": base.history.model_copy(update={"controller_caused_termination_on": date(2023, 1, 1)})})
    d = decide_application(c, corpus)
    assert grounds(d) == ["controller_termination"]
    assert d.grounds[0].citations[0].label == "第十三条第（二）项第5目"
    assert "原定点零售药店" in d.grounds[0].citations[0].text


def test_pharmacy_outside_a_rule_that_covers_only_institutions(corpus):
    with pytest.raises(DecisionError, match="no designation rules for applicants of type 'pharmacy'"):
        decide_application(case(kind="pharmacy"), corpus)


def test_unknown_material_key_names_the_known_ones(corpus):
    with pytest.raises(DecisionError, match=r"unknown material key\(s\) licence .*known: application_form"):
        decide_application(case(materials=["licence"]), corpus)


def test_rule_not_in_force_is_refused(corpus):
    # The Guangdong measure takes effect on 2021-06-01.
    with pytest.raises(NotInForce, match="gd-measure"):
        decide_application(case(on=date(2021, 5, 31)), corpus)
    assert decide_application(case(on=date(2021, 6, 1), facts={"operating_since": date(2021, 1, 1)}),
                              corpus).outcome == "eligible"


def test_case_errors_list_every_bad_field():
    with pytest.raises(CaseError) as e:
        validate_case({"region": "guangdong", "date": "2026-13-01", "applicant": {"name": ""},
                       "facts": {"beds": -1, "bedz": 3}}, "application", "cases/x.yaml")
    text = str(e.value)
    assert text.startswith("cases/x.yaml: 4 problem(s)")
    for field in ("date:", "applicant.name:", "facts.beds:", "facts.bedz: Extra inputs"):
        assert field in text


def test_every_citation_is_a_real_node_containing_its_quote(corpus):
    history = {"terminated_for_violation": {"date": date(2024, 3, 1), "fulfilled": False},
               "non_basic_main_scope": True}
    for region in ("guangdong", "jiangsu", "chuxiong"):
        d = decide_application(case(region, date(2026, 9, 24), history=history, facts={"beds": 300},
                                    materials=["application_form"]), corpus)
        data = d.to_json()
        assert assert_citations_real(corpus, data) >= 20
        assert {"kind", "region", "date", "outcome", "grounds", "deadlines", "unmet_conditions"} <= set(data)
        assert data["grounds"][0]["citations"][0].keys() >= {"doc_id", "eid", "label", "text"}
    assert assert_citations_real(corpus, decide_application(pharmacy(), corpus).to_json()) >= 20
