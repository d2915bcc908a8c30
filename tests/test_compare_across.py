"""One provision across many rules (toolkit/compare/across.py), on the bundled rules and on a
prefecture's version of the Guangdong rule made from its clean text: one article dropped (every
later article renumbered) and the evaluation period changed."""

from __future__ import annotations

import re

import pytest
import yaml
from compare_samples import CX, GD, JS, build_store, doc
from conftest import ROOT, source_path

from extractors.normalize import cn_to_int, int_to_cn
from toolkit.compare.across import Entry, compare_across, reference, report_html
from toolkit.ingest import parse_source

CONCEPTS = yaml.safe_load((ROOT / "corpus" / "concepts.yaml").read_text(encoding="utf-8"))["concepts"]
NODES = CONCEPTS["evaluation_period"]["nodes"]


@pytest.fixture(scope="module")
def refs(tmp_path_factory):
    path = build_store(tmp_path_factory)
    return {"guangdong": reference("guangdong", doc(path, GD), NODES["guangdong"][0]),
            "jiangsu": reference("jiangsu", doc(path, JS), NODES["jiangsu"][0]),
            "chuxiong": reference("chuxiong", doc(path, CX), NODES["chuxiong"][0])}


def _local_gd(tmp_path, drop: int, old: str, new: str) -> object:
    """The Guangdong rule as a prefecture prints it: article ``drop`` left out, the rest
    renumbered, ``old`` replaced by ``new``."""
    text = source_path("000", "clean").read_text(encoding="utf-8")
    lines = text[text.index("广东省医疗机构医疗保障定点管理暂行办法\n第一章"):].split("\n")
    out, skipping = [], False
    for line in lines:
        m = re.match(r"第([一二三四五六七八九十]+)条", line)
        if m:
            n = cn_to_int(m.group(1))
            skipping = n == drop
            if n > drop:
                line = f"第{int_to_cn(n - 1)}条" + line[m.end():]
        if not skipping:
            out.append(line)
    body = "\n".join(out).replace("广东省医疗机构", "安平市医疗机构", 1)
    assert old in body
    path = tmp_path / "anping.txt"
    path.write_text(body.replace(old, new), encoding="utf-8")
    return parse_source(path).documents[-1]


def test_reference_is_the_concept_maps_provision_with_its_parameters(refs):
    gd = refs["guangdong"]
    assert gd.provision.label == "第十二条" and gd.provision.eid == "chp_2__art_12"
    shown = {k: [(v.bound(), v.label) for v in vs] for k, vs in gd.params.items()}
    assert shown == {"evaluation_period": [("3个月以内", "第十二条第一款")],
                     "publicity_period": [("7个工作日", "第十二条第二款")],
                     "rectification_period": [("3个月后", "第十二条第二款")],
                     "reapplication_ban": [("1年以内", "第十二条第二款")]}
    assert refs["chuxiong"].provision.label == "第十五条"
    assert [v.bound() for v in refs["chuxiong"].params["evaluation_period"]] == ["15个工作日以内"]


def test_renumbered_local_version_is_found_and_only_the_changed_value_reported(refs, tmp_path):
    local = _local_gd(tmp_path, 3, "应当在 3 个月内完成对医疗机构的评估", "应当在 2 个月内完成对医疗机构的评估")
    same = _local_gd(tmp_path, 40, "本办法", "本细则")  # reworded and renumbered after art. 40 only
    result = compare_across(refs, [Entry(local, "guangdong", "安平市医疗保障局"),
                                   Entry(same, "guangdong", "宝昌市医疗保障局")], "评估期限")
    changed, unchanged = result.matches
    assert changed.provision.label == "第十一条" and changed.score > 0.95
    assert [(d.key, d.label, d.kind) for d in changed.deviations] == [("evaluation_period", "评估期限", "changed")]
    dev = changed.deviations[0]
    assert [v.bound() for v in dev.reference] == ["3个月以内"] and [v.bound() for v in dev.local] == ["2个月以内"]
    assert dev.local[0].label == "第十一条第一款"
    assert dev.local[0].quote == "自受理申请材料之日起，应当在2个月内完成对医疗机构的评估，医疗机构补充材料时间不计入评估期限。"
    assert unchanged.provision.label == "第十二条" and unchanged.deviations == ()
    assert result.deviating == [changed]
    assert result.by_parameter()["guangdong"]["evaluation_period"] == {"3个月以内": 1, "2个月以内": 1}
    assert result.by_parameter()["guangdong"]["publicity_period"] == {"7个工作日": 2}


def test_another_provinces_rule_deviates_on_every_parameter_it_words_otherwise(refs):
    """Jiangsu's 第十二条 against Guangdong's: 20 working days instead of 3 months, and the
    publicity and rectification sentences are in its 第十三条, not in this provision."""
    js = refs["jiangsu"].doc
    result = compare_across(refs, [Entry(js, "guangdong", "江苏省医疗保障局")], "评估期限")
    m = result.matches[0]
    assert m.provision.label == "第十二条"
    assert [(d.key, d.kind) for d in m.deviations] == [
        ("evaluation_period", "changed"), ("publicity_period", "missing"),
        ("rectification_period", "missing"), ("reapplication_ban", "missing")]
    assert [v.bound() for v in m.deviations[0].local] == ["20个工作日以内"]


def test_a_rule_without_the_provision_is_unmatched_not_paired_with_a_stranger(refs):
    staff = parse_source(source_path("001", "clean")).documents[-1]  # staff qualification rules
    result = compare_across(refs, [Entry(staff, "guangdong", "湛江市医疗保障局")], "评估期限")
    assert result.unmatched == result.matches and result.matches[0].provision is None


def test_report_names_each_deviating_prefecture_with_both_values_and_the_local_sentence(refs, tmp_path):
    local = _local_gd(tmp_path, 3, "应当在 3 个月内完成", "应当在 2 个月内完成")
    staff = parse_source(source_path("001", "clean")).documents[-1]
    page = report_html(compare_across(refs, [Entry(local, "guangdong", "安平市医疗保障局 安医保〔2024〕3号"),
                                             Entry(staff, "guangdong", "湛江市医疗保障局")], "评估期限"))
    row = page[page.index("<tr class='changed'>"):]
    row = row[: row.index("</tr>")]
    for want in ("安平市医疗保障局 安医保〔2024〕3号", "第十一条", "评估期限", "数值不同", "3个月以内（第十二条第一款）",
                 "2个月以内（第十一条第一款）", "应当在2个月内完成对医疗机构的评估"):
        assert want in row
    assert "未找到对应条款的地区" in page and "湛江市医疗保障局" in page.split("未找到对应条款的地区")[1]
    assert "共2个地区，其中1个在参数上与省级规定不同，1个未找到对应条款" in page
    summary = page[page.index("实施它的2个地区各参数的规定"):page.index("与省级规定不同的地区")]
    # the one matched local rule keeps the publicity period and changes the evaluation period
    assert ("<td rowspan='1'>评估期限</td><td rowspan='1'>3个月以内</td><td class='changed'>2个月以内</td>"
            "<td class='n'>1</td>") in summary
    assert "<td rowspan='1'>公示期</td><td rowspan='1'>7个工作日</td><td>7个工作日</td><td class='n'>1</td>" in summary
