"""Every notice and agreement type, for each region, rendered from the real corpus: the DOCX
quotes the stored node text exactly, paragraph for paragraph, and passes the GB/T 9704 check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from docx import Document

from toolkit.documents import gbt9704 as G
from toolkit.documents.basis import DocumentError, standalone_lines
from toolkit.documents.cases import parse_case
from toolkit.documents.doctypes import TYPES
from toolkit.documents.layout_check import check_docx
from toolkit.documents.render import generate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ON = date(2026, 11, 23)
REGIONS = ("guangdong", "jiangsu", "chuxiong")
RULE = {"guangdong": "gd-measure", "jiangsu": "js-rules", "chuxiong": "cx-rules"}

# Per region: the grounds a case gives (item, sub) and the eId that item must resolve to,
# written out by hand from the rules (tests/data/clean/000, 002, 004).
GROUNDS = {
    ("refusal", "guangdong"): ([{"item": 5}], ["chp_2__art_9__para_1__point_5"]),
    ("refusal", "jiangsu"): ([{"item": 5}], ["chp_2__art_9__para_1__point_5"]),
    ("refusal", "chuxiong"): ([{"item": 5}], ["chp_2__art_13__para_1__point_1__point_5"]),
    ("suspension", "guangdong"): ([{"item": 2}], ["chp_5__art_41__para_2__point_2"]),
    ("suspension", "jiangsu"): ([{"item": 7}], ["chp_7__art_44__para_1__point_7"]),
    ("suspension", "chuxiong"): ([{"item": 2}], ["chp_7__art_34__para_1__point_2__point_2"]),
    ("termination", "guangdong"): ([{"item": 3}], ["chp_5__art_42__para_1__point_3"]),
    ("termination", "jiangsu"): ([{"item": 4}], ["chp_7__art_44__para_1__point_4"]),
    ("termination", "chuxiong"): ([{"item": 3}], ["chp_7__art_35__para_1__point_1__point_3"]),
}

# The concepts each type quotes in full (besides grounds), by region where they differ.
CONCEPTS = {
    "refusal": ["application_remedies"],
    "supplement": ["supplement_notice"],
    "evaluation_failed": ["evaluation_failed", "application_remedies"],
    "suspension": ["suspension_effect", "decision_remedies"],
    "termination": ["termination_effect", "decision_remedies"],
    "interview": ["interview"],
    "service_agreement": ["agreement_term", "payment_deadline", "breach_handling", "suspension",
                          "termination", "remedies"],
    "internet_plus": ["internet_plus", "payment_deadline"],
}
ALL_REGION_TYPES = [t for t in TYPES if not t.startswith("staff_")]


def example(doc_type: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{doc_type}.yaml").read_text(encoding="utf-8"))


def case_for(doc_type: str, region: str, **changes):
    data = example(doc_type) | {"region": region} | changes
    if (doc_type, region) in GROUNDS and "grounds" not in changes:
        items, _ = GROUNDS[(doc_type, region)]
        data["grounds"] = [i | {"facts": f"事实{n}"} for n, i in enumerate(items, 1)]
    if doc_type == "service_agreement" and region != "jiangsu":
        data.pop("deposit", None)  # only Jiangsu's rules set a rate
    return parse_case(data, f"examples/{doc_type}.yaml")


@pytest.fixture(scope="module")
def corpus(corpus_store):
    from toolkit.corpus import Corpus

    c = Corpus.open(corpus_store)
    yield c
    c.store.close()


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def assert_quoted(paras: list[str], citation) -> None:
    """The lead names the rule and the label; the next paragraphs are the node's exact lines."""
    lines = list(standalone_lines(citation))  # a lead-in without its items is left out
    lead = f"《{citation.doc_title}》"
    for i, p in enumerate(paras):
        if p.startswith(lead):
            if citation.label in p and paras[i + 1:i + 1 + len(lines)] == lines:
                return
    raise AssertionError(f"{citation.reference} not quoted exactly; lines: {lines[:2]}…")


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("doc_type", ALL_REGION_TYPES)
def test_every_type_quotes_the_corpus_exactly(corpus, tmp_path, doc_type, region):
    case = case_for(doc_type, region)
    result = generate(doc_type, case, corpus, tmp_path)
    paras = paragraphs(result.path)
    pharmacy = case.model_dump().get("applicant", {}).get("kind") == "零售药店"
    for concept in CONCEPTS[doc_type]:
        try:
            cites = corpus.cite(concept, region, case.date, pharmacy=pharmacy)
        except Exception as e:  # a concept the region's rules lack must be absent, not blank
            assert type(e).__name__ == "ConceptNotInRegion"
            continue
        assert cites
        for c in cites:
            assert_quoted(paras, c)
    if (doc_type, region) in GROUNDS:
        for eid in GROUNDS[(doc_type, region)][1]:
            assert_quoted(paras, corpus.cite_node(RULE[region], eid, case.date))
    assert check_docx(result.path) == []


def test_refusal_quotes_the_item_as_printed_in_the_rule(corpus, tmp_path):
    # The words of 第九条第（五）项 as the Guangdong measure prints them (tests/data/clean/000).
    result = generate("refusal", case_for("refusal", "guangdong"), corpus, tmp_path)
    paras = paragraphs(result.path)
    i = paras.index("（五）因违法违规被解除协议未满3年或已满3年但未完全履行行政处罚责任的；")
    assert paras[i - 1] == ("《广东省医疗机构医疗保障定点管理暂行办法》（粤医保规〔2021〕1号）"
                           "第九条第（五）项规定：")
    assert "根据《广东省医疗机构医疗保障定点管理暂行办法》第九条的规定" in "".join(paras)


def test_chuxiong_pharmacy_refusal_uses_the_pharmacy_list(corpus, tmp_path):
    case = case_for("refusal", "chuxiong", applicant={"name": "某大药房", "kind": "零售药店"},
                    grounds=[{"item": 5, "facts": "事实"}])
    paras = paragraphs(generate("refusal", case, corpus, tmp_path).path)
    assert_quoted(paras, corpus.cite_node("cx-rules", "chp_2__art_13__para_1__point_2__point_5",
                                          ON))
    assert any("原定点零售药店" in p for p in paras)


def test_guangdong_has_no_pharmacy_refusal_list(corpus, tmp_path):
    case = case_for("refusal", "guangdong", applicant={"name": "某大药房", "kind": "零售药店"})
    with pytest.raises(DocumentError, match="零售药店"):
        generate("refusal", case, corpus, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_chuxiong_remedies_fall_back_to_the_national_regulation(corpus, tmp_path):
    paras = paragraphs(generate("termination", case_for("termination", "chuxiong"), corpus,
                                tmp_path).path)
    i = paras.index("四、救济途径")
    assert paras[i + 2] == "《医疗保障基金使用监督管理条例》（中华人民共和国国务院令第735号）第十三条第一款规定："
    assert paras[i + 3].endswith("定点医药机构及其相关责任人员有权进行陈述、申辩。")
    assert not any("未作规定" in p for p in paras)  # the concept map's reasoning is not printed


def test_jiangsu_suspension_accepts_only_the_suspending_items(corpus, tmp_path):
    case = case_for("suspension", "jiangsu", grounds=[{"item": 4, "facts": "事实"}])
    with pytest.raises(DocumentError, match="第7、9项"):
        generate("suspension", case, corpus, tmp_path)


def test_item_that_does_not_exist_is_refused(corpus, tmp_path):
    case = case_for("refusal", "guangdong", grounds=[{"item": 10, "facts": "事实"}])
    with pytest.raises(DocumentError, match="第10项不存在"):
        generate("refusal", case, corpus, tmp_path)


@pytest.mark.parametrize("doc_type", ["staff_points", "staff_suspension", "staff_termination"])
def test_staff_notices_quote_the_guangdong_staff_rules(corpus, tmp_path, doc_type):
    case = parse_case(example(doc_type))
    paras = paragraphs(generate(doc_type, case, corpus, tmp_path).path)
    for concept in ("staff_repair", "staff_appeal"):
        for c in corpus.cite(concept, "guangdong", ON):
            assert_quoted(paras, c)
    for g in case.grounds:
        eid = f"art_21__para_1__point_{g.item}" + (f"__point_{g.sub}" if g.sub else "")
        assert_quoted(paras, corpus.cite_node("gd-staff", eid, ON))
    if doc_type == "staff_points":
        assert_quoted(paras, corpus.cite_node("gd-staff", "art_17__para_1__point_1", ON))
    else:
        assert_quoted(paras, corpus.cite_node("gd-staff", "art_10__para_1__point_2", ON))
    assert check_docx(generate(doc_type, case, corpus, tmp_path / "again").path) == []


@pytest.mark.parametrize("region", ["jiangsu", "chuxiong"])
def test_staff_notices_are_refused_where_no_staff_rules_exist(corpus, tmp_path, region):
    case = parse_case(example("staff_points") | {"region": region})
    with pytest.raises(DocumentError, match="没有"):
        generate("staff_points", case, corpus, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_signature_and_date_paragraph_styles_for_the_seal(corpus, tmp_path):
    doc = Document(str(generate("refusal", case_for("refusal", "guangdong"), corpus,
                                tmp_path).path))
    styled = {p.style.name: p.text for p in doc.paragraphs if p.style.name in
              (G.S_SIGNATURE, G.S_DATE)}
    assert styled == {G.S_SIGNATURE: "揭阳市医疗保障局", G.S_DATE: "2026年11月23日"}
    names = [p.style.name for p in doc.paragraphs]
    closing = names.index(G.S_SIGNATURE) - 1
    assert all(doc.paragraphs[i].paragraph_format.keep_with_next
               for i in range(closing - 2, closing + 1))
    assert doc.paragraphs[names.index(G.S_SIGNATURE)].style.paragraph_format.keep_with_next
