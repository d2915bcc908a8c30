"""The concept map resolves to real nodes, and citations are exact, labelled and in force."""

from __future__ import annotations

from datetime import date

import pytest

from toolkit.corpus import (
    ConceptNotInRegion,
    Corpus,
    NotInForce,
    UnknownConcept,
    UnknownRegion,
    load_concepts,
)

ON = date(2026, 11, 23)


@pytest.fixture(scope="module")
def corpus(corpus_store):
    c = Corpus.open(corpus_store)
    yield c
    c.store.close()


def test_every_mapped_node_exists(corpus):
    refs = load_concepts().all_refs()
    assert len(refs) > 80
    missing = [(key, region, r.doc_id, r.eid) for key, region, r in refs
               if corpus.document(r.doc_id).node(r.eid) is None]
    assert missing == []


def test_citation_is_exact_labelled_and_sourced(corpus):
    (c,) = corpus.cite("refusal_grounds", "guangdong", ON)
    assert (c.doc_id, c.eid, c.label) == ("gd-measure", "chp_2__art_9", "第九条")
    assert c.text.startswith("第九条 医疗机构存在下列情形之一的，不予受理定点申请：\n（一）以医疗美容")
    assert c.text.endswith("（九）法律、法规规定的其他不予受理的情形。")
    assert c.source == "粤医保规〔2021〕1号"  # the rule is published by that notice
    item = corpus.cite_node("gd-measure", "chp_2__art_9__para_1__point_5", ON)
    assert item.reference == "《广东省医疗机构医疗保障定点管理暂行办法》第九条第（五）项"
    assert item.text == "（五）因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的；"


def test_regional_nodes_differ_where_the_rules_do(corpus):
    gd, = corpus.cite("evaluation_period", "guangdong", ON)
    js, = corpus.cite("evaluation_period", "jiangsu", ON)
    cx, = corpus.cite("evaluation_period", "chuxiong", ON)
    assert "应当在3个月内完成对医疗机构的评估" in gd.text
    assert js.label == "第十二条第二款" and "反馈评估结果不超过20个工作日" in js.text
    assert cx.label == "第十五条" and "评估时间不超过15个工作日" in cx.text
    pharmacy, = corpus.cite("refusal_grounds", "chuxiong", ON, pharmacy=True)
    assert pharmacy.eid == "chp_2__art_13__para_1__point_2" and pharmacy.label == "第十三条第（二）项"


def test_own_text_leaves_out_the_items(corpus):
    gd, = corpus.cite("termination_effect", "guangdong", ON)
    assert gd.eid == "chp_5__art_42__para_1"
    assert gd.text == corpus.document("gd-measure").node("chp_5__art_42__para_1").text
    assert "（一）" not in gd.text and gd.text.endswith("并向社会公布解除医保协议的医疗机构名单：")
    whole = corpus.cite_node("gd-measure", "chp_5__art_42__para_1", ON)
    assert "（十四）法律、法规、规章规定的应当解除协议的其他情形。" in whole.text


def test_fallback_region_is_flagged(corpus):
    # A decision's remedies where Chuxiong is silent: the national right of 陈述、申辩 against the
    # agency's measures (第十三条第一款), never 第二款 (remedies against the agency's own breach).
    (c,) = corpus.cite("decision_remedies", "chuxiong", ON)
    assert c.fallback and c.doc_id == "order-735" and c.label == "第十三条第一款"
    assert c.text.endswith("直至解除服务协议；定点医药机构及其相关责任人员有权进行陈述、申辩。")
    (gd,) = corpus.cite("decision_remedies", "guangdong", ON)
    assert not gd.fallback and gd.label == "第四十五条"
    # The agreement's disputes: both parties' breaches, the whole of 第十三条.
    (agreement,) = corpus.cite("remedies", "chuxiong", ON)
    assert agreement.label == "第十三条" and "也可以依法申请行政复议或者提起行政诉讼" in agreement.text


def test_applicants_get_only_the_remedies_a_rule_grants_them(corpus):
    # Guangdong 第四十五条 covers 定点医疗机构 only; Jiangsu 第四十六条 any 医疗机构 (签订 disputes).
    (js,) = corpus.cite("application_remedies", "jiangsu", ON)
    assert (js.doc_id, js.label) == ("js-rules", "第四十六条") and js.text.startswith("第四十六条 医疗机构与")
    for region in ("guangdong", "chuxiong"):
        with pytest.raises(ConceptNotInRegion):
            corpus.cite("application_remedies", region, ON)


def test_validity_guards_citations(corpus):
    # In force on its last extended day, refused the day after.
    assert corpus.cite("refusal_grounds", "guangdong", date(2027, 6, 1))
    with pytest.raises(NotInForce) as e:
        corpus.cite("refusal_grounds", "guangdong", date(2027, 6, 2))
    assert "已失效" in str(e.value) and e.value.status.last_day == date(2027, 6, 1)
    with pytest.raises(NotInForce):
        corpus.cite("refusal_grounds", "jiangsu", date(2023, 12, 31))  # effective 2024-01-01
    assert corpus.cite("refusal_grounds", "jiangsu", date(2024, 1, 1))


def test_unknown_keys_are_clear_errors(corpus):
    with pytest.raises(UnknownConcept):
        corpus.cite("no_such_concept", "guangdong", ON)
    with pytest.raises(UnknownRegion):
        corpus.cite("refusal_grounds", "hainan", ON)
    with pytest.raises(ConceptNotInRegion):
        corpus.cite("breach_penalty_general", "guangdong", ON)
