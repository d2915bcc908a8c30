"""Entities layer through the spaCy pipeline: named bodies vs roles, 文号, titles, dates, exact offsets."""

from __future__ import annotations

from collections import Counter

from conftest import STEMS, parsed

from extractors.nlp import SPAN_KEY, entities, entity_spans, get_nlp


def doc(doc_id: str, fmt: str = "clean"):
    for key in STEMS:
        for d in parsed(key, fmt, layers=False).documents:
            if d.id == doc_id:
                return d
    raise KeyError(doc_id)


def found(text: str, *labels: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in entities(text) if e.label in labels]


def test_pipeline_is_blank_zh_with_jieba_and_our_components():
    nlp = get_nlp()
    assert nlp is get_nlp()  # built once per process
    assert nlp.lang == "zh" and nlp.config["nlp"]["tokenizer"]["segmenter"] == "jieba"
    assert nlp.pipe_names == ["policykit_titles", "policykit_dates", "policykit_quantities", "policykit_authorities"]
    assert nlp.meta["name"] == "pipeline"  # a blank pipeline, not a downloaded model


def test_spans_sit_on_tokens_but_keep_exact_offsets():
    text = "自2021年6月1日起施行"
    sdoc = get_nlp()(text)
    (span,) = [s for s in sdoc.spans[SPAN_KEY] if s.label_ == "DATE"]
    # jieba makes 日起 one token, so the spaCy span is widened to it; the exact range rides along.
    assert span.text == "2021年6月1日起"
    assert (span._.pk["start"], span._.pk["end"], span._.pk["text"]) == (1, 10, "2021年6月1日")
    assert [(e.label, e.text, e.start, e.end) for e in entities(text)] == [("DATE", "2021年6月1日", 1, 10)]


def test_named_bodies_and_generic_roles():
    assert found("由省医疗保障局负责解释", "AUTHORITY", "ROLE") == [("AUTHORITY", "省医疗保障局")]
    assert found("各地级以上市医疗保障局：", "AUTHORITY", "ROLE") == [("ROLE", "各地级以上市医疗保障局")]
    assert found("各县（市、区）医疗保障局，市医疗保障事业管理中心：", "AUTHORITY", "ROLE") == [
        ("ROLE", "各县（市、区）医疗保障局"),
        ("AUTHORITY", "市医疗保障事业管理中心"),
    ]
    assert found("省、自治区、直辖市人民政府按照国家规定的权限", "AUTHORITY") == []
    assert found("经2022年州医疗保障局第5次党组会议审议通过", "AUTHORITY") == [("AUTHORITY", "州医疗保障局")]
    assert found("国务院医疗保障行政部门主管全国的", "AUTHORITY", "ROLE") == [("ROLE", "国务院医疗保障行政部门")]
    assert found("统筹地区经办机构应当即时受理", "ROLE") == [("ROLE", "统筹地区经办机构")]
    (e,) = [e for e in entities("报国家医保局备案") if e.label == "AUTHORITY"]
    assert e.data == {"name": "国家医保局", "body": "医保局", "level": "national"}


def test_doc_numbers_and_titles_take_precedence_over_what_is_inside_them():
    text = "根据《广东省行政规范性文件管理规定》（广东省人民政府令第277号）规定"
    assert [(e.label, e.text) for e in entities(text)] == [
        ("LAW_TITLE", "《广东省行政规范性文件管理规定》"),
        ("DOC_NUMBER", "广东省人民政府令第277号"),
    ]
    (num,) = [e for e in entities("楚医保〔2022〕10 号") if e.label == "DOC_NUMBER"]
    assert num.text == "楚医保〔2022〕10 号" and num.data["normalized"] == "楚医保〔2022〕10号"


def test_gd_measure_entities_on_the_parsed_rule():
    spans = entity_spans(doc("gd-measure"))
    by = lambda label: [(s.eid, s.text) for s in spans if s.label == label]  # noqa: E731
    assert by("AUTHORITY") == [("chp_7__art_50__para_1", "省医疗保障局"), ("chp_7__art_53__para_1", "广东省医疗保障局")]
    assert by("DOC_NUMBER") == [("chp_1__art_1__para_1", "中发〔2020〕5号"), ("chp_1__art_1__para_1", "国家医疗保障局令第2号")]
    assert by("DATE") == [("chp_7__art_53__para_1", "2021年6月1日")]
    (gd,) = [s for s in spans if s.text == "广东省医疗保障局"]
    assert gd.data == {"name": "广东省医疗保障局", "body": "医疗保障局", "place": "广东省", "level": "province"}
    titles = [s.data["title"] for s in spans if s.label == "LAW_TITLE"]
    assert titles == [
        "中华人民共和国社会保险法",
        "中华人民共和国基本医疗卫生与健康促进法",
        "医疗机构管理条例",
        "中共中央 国务院关于深化医疗保障制度改革的意见",
        "医疗机构医疗保障定点管理暂行办法",
    ]
    # 中共中央 / 国务院 inside the title are not separate authorities.
    assert not [s for s in spans if s.label == "AUTHORITY" and s.eid == "chp_1__art_1__para_1"]


def test_nested_title_keeps_its_inner_title():
    (t,) = [s for s in entity_spans(doc("zj-notice-2025-42")) if s.label == "LAW_TITLE"]
    assert t.data["inner_titles"] == ["广东省定点医药机构相关人员医保支付资格管理实施细则（试行）"]
    assert t.text.startswith("《广东省医疗保障局 广东省卫生健康委员会") and t.text.endswith("〉的通知》")


def test_every_entity_quotes_its_node_exactly_across_the_corpus():
    n = 0
    for key in STEMS:
        for d in parsed(key, "clean", layers=False).documents:
            nodes = {x.eid: x for x in d.nodes()}
            for s in entity_spans(d):
                assert nodes[s.eid].text[s.start : s.end] == s.text, (d.id, s)
                n += 1
    assert n > 600


def test_same_entities_from_pdf_and_clean_text():
    def labels(d):
        return sorted(Counter(s.label for s in entity_spans(d)).items())

    expected = [("AUTHORITY", 2), ("COUNT", 3), ("DATE", 1), ("DOC_NUMBER", 2), ("DURATION", 21), ("LAW_TITLE", 5), ("ROLE", 106)]
    assert labels(doc("gd-measure")) == expected
    assert labels(doc("gd-measure", "pdf")) == expected
