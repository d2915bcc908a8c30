"""The key-differences table: each parameter side by side, with its node and the exact sentence."""

from __future__ import annotations

import pytest
from compare_samples import CX, GD, JS, build_store, doc, three_way

from toolkit.compare.params_table import bound_text, format_value, parameter_table, provision_of
from toolkit.model import Document


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory)


@pytest.fixture(scope="module")
def table(store_path):
    return {r.key: r for r in parameter_table([doc(store_path, d) for d in (GD, JS, CX)])}


def _node_text(store_path, doc_id, eid):
    return doc(store_path, doc_id).node(eid).text


def test_evaluation_period_differs_and_keeps_working_days(table, store_path):
    row = table["evaluation_period"]
    assert row.label == "评估期限" and row.status == "different"
    got = {d: (v.value, v.unit, v.display(), v.eid, v.comparator) for d, v in row.values.items()}
    assert got == {
        GD: (3, "个月", "3个月", "chp_2__art_12__para_1", "≤"),
        JS: (20, "工作日", "20个工作日", "chp_3__art_12__para_2", "≤"),
        CX: (15, "工作日", "15个工作日", "chp_3__art_15__para_1", "≤"),
    }
    assert row.values[GD].quote == "自受理申请材料之日起，应当在3个月内完成对医疗机构的评估，医疗机构补充材料时间不计入评估期限。"
    assert row.values[JS].quote == "自受理申请材料之日起，反馈评估结果不超过20个工作日。"
    for d, v in row.values.items():  # the quote is exactly the node's words
        assert v.quote in _node_text(store_path, d, v.eid) and v.text in v.quote


def test_publicity_period_seven_five_seven(table):
    row = table["publicity_period"]
    assert {d: v.display() for d, v in row.values.items()} == {GD: "7个工作日", JS: "5个工作日", CX: "7个工作日"}
    assert {d: v.eid for d, v in row.values.items()} == {
        GD: "chp_2__art_12__para_2", JS: "chp_3__art_13__para_2", CX: "chp_3__art_19__para_1"}
    assert row.values[JS].quote.startswith("对于评估合格的，向社会公示，公示期为5个工作日")
    assert row.status == "different"


def test_same_only_and_second_occurrences(table):
    assert table["payment_deadline"].status == "same"
    assert {v.display() for v in table["payment_deadline"].values.values()} == {"30个工作日"}
    assert table["suspension_cap"].values[CX].display() == "180日"
    only = table["penalty_ordinary"]  # the Jiangsu penalty scale
    assert only.status == "only" and list(only.values) == [JS]
    assert (only.values[JS].value, only.values[JS].unit, only.values[JS].eid) == (20, "%", "chp_7__art_43__para_1")
    # Chuxiong states the refusal periods twice (hospitals, pharmacies): the first is shown,
    # the pharmacy list's copy is kept as a second node
    fraud = table["fraud_application_ban"].values[CX]
    assert fraud.eid == "chp_2__art_13__para_1__point_1__point_4"
    assert fraud.also == ("chp_2__art_13__para_1__point_2__point_2",)
    # renewal: 3 months before expiry (gd, js) vs within 30 days before (cx)
    renewal = table["renewal_window"]
    assert renewal.status == "different"
    assert (renewal.values[CX].display(), renewal.values[CX].bound()) == ("30日", "到期前30日内")
    assert renewal.values[GD].bound() == "提前3个月"
    assert renewal.values[CX].label == "第三十三条" and fraud.label == "第十三条第（一）项第4目"
    assert "other" not in table


def test_parameters_link_to_their_aligned_provision(store_path):
    al = three_way(store_path)
    assert provision_of(al, CX, "chp_3__art_17__para_1") == "chp_3__art_17__para_1__point_1"  # lead-in
    assert provision_of(al, CX, "chp_2__art_13__para_1__point_1__point_4") == "chp_2__art_13__para_1__point_1"
    assert provision_of(al, GD, "chp_2__art_12__para_2") == "chp_2__art_12"
    assert provision_of(al, GD, "chp_9__art_1") is None


def test_without_a_stored_layer_parameters_are_computed(store_path):
    gd = doc(store_path, GD)
    bare = Document(id=gd.id, source=gd.source, position=0, kind="rule", title=gd.title, root=gd.root)
    assert not bare.spans
    rows = {r.key: r for r in parameter_table([bare])}
    assert rows["evaluation_period"].values[GD].display() == "3个月"


def test_format_value():
    assert format_value(3, "个月") == "3个月"
    assert format_value(20, "工作日") == "20个工作日"
    assert format_value(5.0, "%") == "5%"
    assert format_value("2024-01-01", "date") == "2024年1月1日"
    assert format_value(None, "日") == "—"


def test_bounds_read_as_the_rules_write_them():
    """民法典 第一千二百五十九条: 以内 includes the number, 不满 excludes it (wording.yaml)."""
    assert bound_text("<", "3年") == "不满3年"
    assert bound_text("≤", "3个月", "DURATION") == "3个月以内"
    assert bound_text("≤", "5%", "RATIO") == "不超过5%"
    assert bound_text("≥", "100张", "COUNT") == "不少于100张"
    assert bound_text(">", "180日", "DURATION") == "超过180日"
    assert bound_text("after", "3个月") == "3个月后"
    assert bound_text("before", "3个月") == "提前3个月"
    assert bound_text("within_before", "30日") == "到期前30日内"
    assert bound_text(None, "1年") == "1年"


def test_status_counts_the_silent_documents(table):
    assert table["agreement_term"].status == "partial" and table["agreement_term"].silent == [CX]
    assert table["agreement_term"].status_label == "部分未规定"
    assert table["suspension_count_for_termination"].status == "partial"
    assert table["suspension_count_for_termination"].silent == [JS]
    assert table["exit_notice"].status == "partial" and table["effective_date"].status == "different"
    assert table["payment_deadline"].status == "same" and table["payment_deadline"].silent == []
    assert table["penalty_ordinary"].status == "only" and table["penalty_ordinary"].silent == [GD, CX]
