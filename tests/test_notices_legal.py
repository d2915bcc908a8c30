"""Notices legally right on their face (issues #14, #13.4): remedies rest on the provision that
grants them, no internal reasoning printed, no dangling lead-in quoted, 附注 after the date."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from docx import Document

from toolkit.documents import gbt9704 as G
from toolkit.documents.cases import parse_case
from toolkit.documents.doctypes import TYPES
from toolkit.documents.render import build_context, generate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REGIONS = ("guangdong", "jiangsu", "chuxiong")

# Grounds each region's lists accept for the types that cite grounds (items as in the rules).
GROUND_ITEMS = {
    ("suspension", "jiangsu"): [{"item": 7, "facts": "事实"}],
    ("termination", "jiangsu"): [{"item": 4, "facts": "事实"}],
}


@pytest.fixture(scope="module")
def corpus(corpus_store):
    from toolkit.corpus import Corpus

    c = Corpus.open(corpus_store)
    yield c
    c.store.close()


def case_for(doc_type: str, region: str, **changes):
    data = yaml.safe_load((EXAMPLES / f"{doc_type}.yaml").read_text(encoding="utf-8"))
    data |= {"region": region}
    if (doc_type, region) in GROUND_ITEMS:
        data["grounds"] = GROUND_ITEMS[(doc_type, region)]
    if doc_type == "service_agreement" and region != "jiangsu":
        data.pop("deposit", None)
    return parse_case(data | changes, f"examples/{doc_type}.yaml")


def cases():
    """Every type × region the rules support, plus the extra examples (pharmacies …)."""
    out = []
    for key in TYPES:
        regions = ("guangdong",) if key.startswith("staff_") else REGIONS
        out += [(key, r, None) for r in regions]
    for path in sorted((EXAMPLES / "more").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append((data["type"], data["region"], path))
    return out


def quote_blocks(value):
    if isinstance(value, dict):
        if "lead" in value and "lines" in value:
            yield value
        for v in value.values():
            yield from quote_blocks(v)
    elif isinstance(value, list):
        for v in value:
            yield from quote_blocks(v)


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs if p.text]


def section(paras: list[str], heading: str) -> list[str]:
    i = paras.index(heading)
    return paras[i + 1: paras.index("特此决定。") if "特此决定。" in paras else None]


# --- remedies -------------------------------------------------------------------------------

REMEDIES = {  # (type, region) → (lead, last words of the quoted provision)
    ("suspension", "guangdong"): ("《广东省医疗机构医疗保障定点管理暂行办法》（粤医保规〔2021〕1号）第四十五条规定：",
                                  "也可以依法提起行政复议或行政诉讼。"),
    ("suspension", "jiangsu"): ("《江苏省医疗机构医疗保障定点管理实施细则》（苏医保规〔2023〕3号）第四十六条规定：",
                                "也可以依法提起行政复议或者行政诉讼。"),
    ("suspension", "chuxiong"): ("《医疗保障基金使用监督管理条例》（中华人民共和国国务院令第735号）第十三条第一款规定：",
                                 "定点医药机构及其相关责任人员有权进行陈述、申辩。"),
}
REMEDIES |= {("termination", region): v for (_, region), v in list(REMEDIES.items())}


@pytest.mark.parametrize("doc_type,region", sorted(REMEDIES))
def test_decisions_cite_the_provision_granting_the_remedies(corpus, tmp_path, doc_type, region):
    paras = paragraphs(generate(doc_type, case_for(doc_type, region), corpus, tmp_path).path)
    lead, ending = REMEDIES[(doc_type, region)]
    part = section(paras, "四、救济途径")
    assert part[0] == "你单位对本决定有异议的，可以依照下列规定处理："
    assert part[1] == lead and part[2].endswith(ending) and len(part) == 3
    # Never the clause on remedies against the agency's own breach of the agreement.
    assert not any("医疗保障经办机构违反服务协议的" in p for p in paras)


@pytest.mark.parametrize("doc_type", ["refusal", "evaluation_failed"])
def test_applicant_notices_quote_remedies_only_where_a_rule_grants_them(corpus, tmp_path,
                                                                       doc_type):
    js = paragraphs(generate(doc_type, case_for(doc_type, "jiangsu"), corpus, tmp_path / "js").path)
    i = next(i for i, p in enumerate(js) if p.startswith("你单位对本") and "有异议的" in p)
    assert js[i + 1] == "《江苏省医疗机构医疗保障定点管理实施细则》（苏医保规〔2023〕3号）第四十六条规定："
    assert js[i + 2].startswith("第四十六条 医疗机构与统筹地区经办机构就医保协议签订")
    for region in ("guangdong", "chuxiong"):  # 第四十五条 is for 定点医疗机构; nothing national
        paras = paragraphs(generate(doc_type, case_for(doc_type, region), corpus,
                                    tmp_path / region).path)
        assert not any("有异议的" in p or "救济途径" in p for p in paras)


@pytest.mark.parametrize("doc_type,region,path", cases())
def test_no_notice_prints_reasoning_or_a_dangling_lead_in(corpus, doc_type, region, path):
    if path is not None:
        case = parse_case(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    else:
        case = case_for(doc_type, region)
    ctx, _ = build_context(TYPES[doc_type], case, corpus)
    blocks = list(quote_blocks(ctx))
    assert blocks
    for q in blocks:
        assert "未作规定" not in q["lead"] and q["lead"].endswith("规定：")
        assert not q["lines"][-1].rstrip().endswith(("：", ":")), q


def test_termination_quotes_the_sentence_that_stands_alone(corpus, tmp_path):
    # Guangdong 第四十二条 opens its list with "…有以下情形之一的，…名单：": section 三 quotes the
    # definition sentence, not the lead-in without its items.
    paras = paragraphs(generate("termination", case_for("termination", "guangdong"), corpus,
                                tmp_path).path)
    part = section(paras, "三、解除协议后的有关事项")
    assert part[0] == "《广东省医疗机构医疗保障定点管理暂行办法》（粤医保规〔2021〕1号）第四十二条规定："
    assert part[1] == ("医保协议解除是指经办机构与定点医疗机构解除医保协议约定，协议关系不再存续，"
                       "协议解除后产生的医药费用，医疗保障基金不再结算。")
    assert part[2] == "四、救济途径"


# --- 附注 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("doc_type", [t for t in TYPES if TYPES[t].kind == "notice"])
def test_contact_is_the_annotation_after_the_date(corpus, tmp_path, doc_type):
    region = "guangdong"
    case = case_for(doc_type, region, contact={"person": "李明", "phone": "0663-8888888"})
    doc = Document(str(generate(doc_type, case, corpus, tmp_path).path))
    paras = [p for p in doc.paragraphs if p.text]
    texts = [p.text for p in paras]
    date_at = next(i for i, p in enumerate(paras) if p.style.name == G.S_DATE)
    assert texts[date_at + 1] == "（联系人：李明，联系电话：0663-8888888）"
    assert sum("联系人" in t for t in texts) == 1
    closing = next(i for i, t in enumerate(texts) if t.startswith("特此"))
    assert closing < date_at
