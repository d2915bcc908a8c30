"""Management systems as a list (issue 13 §6, 5th bullet): each region's condition names its own
systems — 广东 and 楚雄 四种 (医保管理、财务、统计信息管理、医疗质量安全核心制度), 楚雄 pharmacies
five, 江苏 第六条第（四）项 only 与医保政策对应的内部管理制度 — and a case lists which exist. The
same institution meets Jiangsu's item and not Guangdong's; the unmet condition names what lacks."""

from __future__ import annotations

from datetime import date

import pytest
from rules_samples import assert_citations_real, open_corpus

from toolkit.rules.application import decide_application, list_vocabulary
from toolkit.rules.cases import validate_case
from toolkit.rules.engine import DecisionError

FACTS = {
    "eligible_category": True, "operating_since": date(2025, 1, 2), "physicians_first_registered": 2,
    "head_responsible": True, "insurance_staff": 1, "beds": 50, "insurance_department": False,
    "full_time_insurance_staff": 0, "information_system": True, "other_conditions": True,
}
MATERIALS = ["application_form", "license", "internal_rules", "information_system", "forecast_report"]
SOME = ["insurance_management", "financial"]


@pytest.fixture(scope="module")
def corpus(corpus_store):
    return open_corpus(corpus_store)


def decide(corpus, region, systems, kind="institution", facts=None):
    data = {"region": region, "date": date(2026, 11, 20), "applicant": {"name": "某某医院", "type": kind},
            "facts": {**(facts or FACTS), "management_systems": systems}, "materials": None}
    data = {k: v for k, v in data.items() if v is not None}
    return decide_application(validate_case(data, "application", "t.yaml"), corpus)


def systems_check(d):
    return next(c for c in d.checks if c.key == "management_systems")


def test_jiangsu_item_4_is_met_by_the_insurance_management_system(corpus):
    d = decide(corpus, "jiangsu", SOME)
    c = systems_check(d)
    assert c.result is True and d.outcome == "eligible"
    assert c.citations[0].label == "第六条第（四）项"
    assert "已有 与医保政策对应的内部管理制度" in c.reason
    assert "未列举财务、统计信息管理、医疗质量安全核心制度" in c.note


@pytest.mark.parametrize("region, label", [("guangdong", "第六条第（四）项"), ("chuxiong", "第七条第一款第（二）项第4目")])
def test_guangdong_and_chuxiong_need_all_four(corpus, region, label):
    d = decide(corpus, region, SOME)
    c = systems_check(d)
    assert c.result is False and d.outcome == "conditions_unmet"
    assert [x.key for x in d.unmet_conditions] == ["management_systems"]
    assert c.citations[0].label == label
    assert "缺少 统计信息管理制度、医疗质量安全核心制度" in c.reason
    assert d.to_json()["unmet_conditions"][0]["requirement"].startswith("（四）" if region == "guangdong" else "4.")
    full = decide(corpus, region, SOME + ["statistics", "quality_core"])
    assert systems_check(full).result is True and full.outcome == "eligible"


def test_chuxiong_pharmacy_names_five_systems(corpus):
    facts = {"drug_license": True, "operating_since": date(2025, 1, 2), "drug_classification": True,
             "information_system": True, "other_conditions": True}
    d = decide(corpus, "chuxiong", ["drug_management", "financial", "statistics"], kind="pharmacy", facts=facts)
    assert "缺少 医保人员管理制度、医保费用结算制度" in systems_check(d).reason


def test_no_systems_and_unknown_systems(corpus):
    assert systems_check(decide(corpus, "jiangsu", [])).result is False
    with pytest.raises(DecisionError, match="facts.management_systems: unknown key.*accounting.*known: drug_management, financial"):
        decide(corpus, "jiangsu", ["accounting"])
    # Keys another region names are known everywhere: Jiangsu simply does not require them.
    assert systems_check(decide(corpus, "jiangsu", ["insurance_management", "quality_core"])).result is True
    assert "quality_core" in list_vocabulary()["facts.management_systems"]


@pytest.mark.parametrize("stated, result", [(True, True), (False, False), (None, None)])
def test_a_yes_no_answer_still_reads_as_all_or_not_all(corpus, stated, result):
    assert systems_check(decide(corpus, "guangdong", stated)).result is result


def test_systems_citations_are_real(corpus):
    d = decide(corpus, "guangdong", SOME)
    assert assert_citations_real(corpus, d.to_json()) >= 9
