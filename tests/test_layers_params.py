"""Parameters of the three 定点管理 rules: the same key finds the same provision in every region."""

from __future__ import annotations

from collections import defaultdict

import pytest
import yaml
from conftest import parsed

from extractors.layers.params import KEYS_FILE, document_params, find_params, param_spans
from extractors.nlp import entity_spans

RULES = {"gd": ("000", "gd-measure"), "js": ("002", "js-rules"), "cx": ("004", "cx-rules")}


def rule(region: str, fmt: str = "clean"):
    key, doc_id = RULES[region]
    return next(d for d in parsed(key, fmt, layers=False).documents if d.id == doc_id)


def article_of(doc, eid: str) -> int:
    return next(a.number for a in doc.articles() if eid == a.eid or eid.startswith(a.eid + "__"))


def table(doc) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = defaultdict(set)
    for p in document_params(doc):
        out[p.key].add((article_of(doc, p.eid), p.value, p.unit, p.comparator))
    return out


def test_evaluation_period_in_each_region():
    assert table(rule("gd"))["evaluation_period"] == {(12, 3, "个月", "≤")}
    assert table(rule("js"))["evaluation_period"] == {(12, 20, "工作日", "≤")}
    assert table(rule("cx"))["evaluation_period"] == {(15, 15, "工作日", "≤")}
    (p,) = [p for p in document_params(rule("gd")) if p.key == "evaluation_period"]
    assert p.label == "评估期限" and p.text == "3个月" and p.eid == "chp_2__art_12__para_1"
    assert p.quote == "自受理申请材料之日起，应当在3个月内完成对医疗机构的评估，医疗机构补充材料时间不计入评估期限。"
    node = rule("gd").node(p.eid)
    assert node.text[p.quote_start : p.quote_end] == p.quote and node.text[p.start : p.end] == "3个月"


EXPECTED = {
    "gd": {
        "operating_minimum": {(6, 3, "个月", "≥")},
        "physician_minimum": {(6, 1, "名", "≥")},
        "bed_threshold": {(6, 100, "张", "≥")},
        "fraud_application_ban": {(9, 3, "年", "<")},
        "violation_termination_ban": {(9, 3, "年", "<"), (9, 3, "年", "≥")},
        "breach_termination_ban": {(9, 1, "年", "<"), (9, 1, "年", "≥")},
        "controller_termination_ban": {(9, 5, "年", "<")},
        "supplement_notice": {(10, 5, "工作日", "≤")},
        "publicity_period": {(12, 7, "工作日", None)},
        "rectification_period": {(12, 3, "个月", "after")},
        "reapplication_ban": {(12, 1, "年", "≤")},
        "agreement_term": {(13, 1, "年", None)},
        "payment_deadline": {(31, 30, "工作日", "≤")},
        "change_report_deadline": {(39, 30, "工作日", "≤")},
        "renewal_window": {(40, 3, "个月", "before")},
        "fixed_agreement_minimum": {(40, 2, "年", "≥")},
        "suspension_cap": {(41, 180, "日", "≤")},
        "suspension_lapse": {(41, 180, "日", ">")},
        "suspension_count_for_termination": {(42, 2, "次", "≥")},
        "exit_notice": {(43, 3, "个月", "before")},
        "validity_period": {(53, 3, "年", None)},
        "effective_date": {(53, "2021-06-01", "date", None)},
    },
    "js": {
        "operating_minimum": {(6, 3, "个月", "≥")},
        "physician_minimum": {(6, 1, "名", "≥")},
        "bed_threshold": {(6, 100, "张", "≥")},
        "fraud_application_ban": {(9, 3, "年", "<")},
        "violation_termination_ban": {(9, 3, "年", "<"), (9, 3, "年", "≥")},
        "breach_termination_ban": {(9, 1, "年", "<"), (9, 1, "年", "≥")},
        "controller_termination_ban": {(9, 5, "年", "<")},
        "supplement_notice": {(11, 5, "工作日", "≤")},
        "publicity_period": {(13, 5, "工作日", None)},
        "rectification_period": {(13, 3, "个月", "after")},
        "reapplication_ban": {(13, 1, "年", "≤")},
        "agreement_term": {(14, 1, "年", None)},
        "quality_deposit_cap": {(29, 5, "%", "≤")},
        "payment_deadline": {(29, 30, "工作日", "≤")},
        "change_report_deadline": {(35, 30, "工作日", "≤")},
        "renewal_window": {(36, 3, "个月", "before")},
        "suspension_cap": {(37, 180, "日", "≤")},
        "suspension_lapse": {(37, 180, "日", ">")},
        "exit_notice": {(39, 3, "个月", "before")},
        "penalty_ordinary": {(43, 20, "%", "≤")},
        "penalty_serious": {(44, 20, "%", "≥"), (44, 30, "%", "≤")},
        "penalty_cap": {(48, 30, "%", "≤")},
        "effective_date": {(53, "2024-01-01", "date", None)},
    },
    "cx": {
        "operating_minimum": {(7, 3, "个月", "≥")},
        "physician_minimum": {(7, 1, "名", "≥")},
        "bed_threshold": {(7, 100, "张", "≥")},
        "pharmacy_operating_minimum": {(8, 3, "个月", "≥")},
        "pharmacist_minimum": {(8, 1, "名", "≥")},
        "insurance_staff_minimum": {(8, 2, "名", "≥")},
        "staff_contract_minimum": {(8, 1, "年", "≥")},
        "payment_category_deadline": {(9, 10, "工作日", "≤")},
        "supplement_notice": {(12, 5, "工作日", "≤")},
        "supplement_submission": {(12, 5, "工作日", "≤")},
        "fraud_application_ban": {(13, 3, "年", "<")},
        "violation_termination_ban": {(13, 3, "年", "<"), (13, 3, "年", "≥")},
        "breach_termination_ban": {(13, 1, "年", "<"), (13, 1, "年", "≥")},
        "controller_termination_ban": {(13, 5, "年", "<")},
        "onsite_inspector_minimum": {(17, 3, "人", "≥")},
        "rectification_period": {(18, 3, "个月", "after")},
        "reapplication_ban": {(18, 1, "年", "≤")},
        "publicity_start": {(19, 3, "工作日", "≤")},
        "publicity_period": {(19, 7, "工作日", None)},
        "negotiation_deadline": {(20, 10, "工作日", None)},
        "agreement_filing_deadline": {(23, 5, "工作日", "≤")},
        "system_activation_deadline": {(24, 10, "工作日", "≤")},
        "payment_deadline": {(27, 30, "工作日", "≤")},
        "change_report_deadline": {(32, 30, "工作日", "≤")},
        "change_processing_limit": {(32, 7, "工作日", "≤")},
        "renewal_frequency": {(33, 1, "年", None), (33, 1, "次", None)},
        "renewal_organisation": {(33, 1, "个月", "before")},
        "renewal_window": {(33, 30, "日", "within_before")},
        "suspension_cap": {(34, 180, "日", "≤")},
        "suspension_lapse": {(34, 180, "日", ">")},
        "suspension_count_for_termination": {(35, 2, "次", "≥")},
    },
}


@pytest.mark.parametrize("region", sorted(RULES))
def test_keys_per_region_with_exact_values_and_articles(region):
    got = table(rule(region))
    assert {k: got[k] for k in EXPECTED[region]} == EXPECTED[region]
    # Nothing else is claimed by a key: every other quantity of the rule is "other".
    assert set(got) - set(EXPECTED[region]) - {"evaluation_period"} <= {"other"}


def test_the_same_provisions_line_up_across_the_three_regions():
    common = set.intersection(*(set(table(rule(r))) for r in RULES)) - {"other"}
    assert common == {
        "operating_minimum", "physician_minimum", "bed_threshold", "fraud_application_ban",
        "violation_termination_ban", "breach_termination_ban", "controller_termination_ban",
        "supplement_notice", "evaluation_period", "publicity_period", "rectification_period",
        "reapplication_ban", "payment_deadline", "change_report_deadline", "renewal_window",
        "suspension_cap", "suspension_lapse",
    }


def test_other_keeps_the_governing_clause_and_comparators():
    ps = find_params("一个自然年度内记分达到9分及以上，暂停相关人员医保支付资格1个月以上6个月以下，由医保经办机构对已暂停医保支付资格的相关责任人员进行谈话提醒。")
    assert [(p.key, p.value, p.unit, p.comparator, p.comparator_text, p.label) for p in ps] == [
        ("other", 9, "分", "≥", "达到…及以上", "一个自然年度内记分达到9分及以上"),
        ("other", 1, "个月", "≥", "以上", "暂停相关人员医保支付资格1个月以上6个月以下"),
        ("other", 6, "个月", "≤", "以下", "暂停相关人员医保支付资格1个月以上6个月以下"),
    ]
    (r,) = find_params("属于参保人员的，暂停其医疗费用联网结算3个月至12个月：")
    assert (r.value, r.max, r.unit, r.comparator) == (3, 12, "个月", "range")


def test_every_quantity_of_the_rule_is_a_parameter_span():
    doc = rule("js")
    quantities = [s for s in entity_spans(doc) if s.label in ("DURATION", "RATIO", "COUNT", "AMOUNT", "DATE")]
    spans = param_spans(doc)
    assert [(s.eid, s.start, s.end) for s in spans] == [(s.eid, s.start, s.end) for s in quantities]
    assert len(spans) == 28
    assert all(s.label == "PARAM" and doc.node(s.eid).text[s.start : s.end] == s.text for s in spans)


def test_same_parameters_from_the_pdf():
    assert table(rule("cx", "pdf")) == table(rule("cx"))


def test_vocabulary_is_well_formed_data():
    keys = yaml.safe_load(KEYS_FILE.read_text(encoding="utf-8"))["keys"]
    names = [k["key"] for k in keys]
    assert len(names) == len(set(names))
    assert all(k["label"] and k["patterns"] and all("<Q>" in p for p in k["patterns"]) for k in keys)


def test_gd_staff_quantities_are_output_even_without_keys():
    doc = next(d for d in parsed("001", "clean", layers=False).documents if d.id == "gd-staff")
    ps = document_params(doc)
    art26 = [(p.key, p.value, p.unit, p.comparator) for p in ps if p.eid == "art_26__para_1"]
    assert art26 == [("other", 15, "工作日", "before")]
    assert [(p.key, p.value) for p in ps if p.eid == "art_30__para_1"] == [("effective_date", "2025-05-21"), ("validity_period", 3)]
