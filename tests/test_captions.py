"""#13.1: a national law's 题注 is not its title.

Real laws' title + 题注 blocks as the official collections print them: bracketed on one line,
bracketed and wrapped over lines, several amendments, 修订 by a body without a decision, a
行政法规 with its order and 施行, and the unbracketed one-act-a-line form of the bundled texts.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import parsed

from extractors.captions import caption_lines, legal_kind, parse_caption, split_title
from extractors.pipeline import parse_file

SOCIAL_INSURANCE = ["中华人民共和国社会保险法",
                    "（2010年10月28日第十一届全国人民代表大会常务委员会第十七次会议通过",
                    "根据2018年12月29日第十三届全国人民代表大会常务委员会第七次会议《关于修改〈中华人民共和国社会保险法〉的决定》修正）"]
ADMIN_LITIGATION = ["中华人民共和国行政诉讼法",
                    "（1989年4月4日第七届全国人民代表大会第二次会议通过　根据2014年11月1日第十二届全国人民代表大会"
                    "常务委员会第十一次会议《关于修改〈中华人民共和国行政诉讼法〉的决定》第一次修正　根据2017年6月27日"
                    "第十二届全国人民代表大会常务委员会第二十八次会议《关于修改〈中华人民共和国民事诉讼法〉和〈中华人民共和国"
                    "行政诉讼法〉的决定》第二次修正）"]
DRUG_ADMIN = ["中华人民共和国药品管理法",
              "（1984年9月20日第六届全国人民代表大会常务委员会第七次会议通过　根据2001年2月28日第九届全国人民代表大会",
              "常务委员会第二十次会议修订　根据2013年12月28日第十二届全国人民代表大会常务委员会第六次会议《关于修改〈中华",
              "人民共和国海洋环境保护法〉等七部法律的决定》第一次修正　根据2015年4月24日第十二届全国人民代表大会常务委员会",
              "第十四次会议《关于修改〈中华人民共和国药品管理法〉的决定》第二次修正　2019年8月26日第十三届全国人民代表大会",
              "常务委员会第十二次会议第二次修订）"]
ORDER_735 = ["医疗保障基金使用监督管理条例",
             "（2020年12月9日国务院第117次常务会议通过　2021年1月15日中华人民共和国国务院令第735号公布　"
             "自2021年5月1日起施行）"]
ARTICLES = ["第一章 总则",
            "第一条 为了规范有关关系，维护公民的合法权益，制定本法。",
            "第二条 国家建立有关制度。"]


def _kinds(entries):
    return [(e.type, e.date, e.ordinal) for e in entries]


@pytest.mark.parametrize("block,title,count", [
    (SOCIAL_INSURANCE, "中华人民共和国社会保险法", 2), (ADMIN_LITIGATION, "中华人民共和国行政诉讼法", 1),
    (DRUG_ADMIN, "中华人民共和国药品管理法", 5), (ORDER_735, "医疗保障基金使用监督管理条例", 1)])
def test_the_caption_block_ends_where_the_articles_begin(block, title, count):
    assert caption_lines(block[1:] + ARTICLES) == count
    assert split_title(block[0] + "".join(block[1:])) == (title, "".join(block[1:]))


def test_social_insurance_law_adoption_and_amendment():
    entries = parse_caption(SOCIAL_INSURANCE[1:])
    assert _kinds(entries) == [("adopted", date(2010, 10, 28), None), ("amended", date(2018, 12, 29), None)]
    amended = entries[1]
    assert amended.act == "修正" and amended.body == "第十三届全国人民代表大会常务委员会第七次会议"
    assert amended.decision == "关于修改〈中华人民共和国社会保险法〉的决定"
    assert entries[0].body == "第十一届全国人民代表大会常务委员会第十七次会议"
    assert legal_kind(SOCIAL_INSURANCE[0], entries, None) == "法律"


def test_several_amendments_and_a_decision_naming_two_laws():
    entries = parse_caption(ADMIN_LITIGATION[1:])
    assert _kinds(entries) == [("adopted", date(1989, 4, 4), None), ("amended", date(2014, 11, 1), "第一次"),
                               ("amended", date(2017, 6, 27), "第二次")]
    assert entries[2].decision == "关于修改〈中华人民共和国民事诉讼法〉和〈中华人民共和国行政诉讼法〉的决定"
    assert entries[0].body == "第七届全国人民代表大会第二次会议"


def test_wrapped_revisions_by_a_body_without_a_decision():
    entries = parse_caption(DRUG_ADMIN[1:])
    assert [(e.act, e.date, e.ordinal, e.decision is not None) for e in entries] == [
        ("通过", date(1984, 9, 20), None, False), ("修订", date(2001, 2, 28), None, False),
        ("修正", date(2013, 12, 28), "第一次", True), ("修正", date(2015, 4, 24), "第二次", True),
        ("修订", date(2019, 8, 26), "第二次", False)]
    assert entries[4].body == "第十三届全国人民代表大会常务委员会第十二次会议"


def test_administrative_regulation_order_and_effective_date():
    entries = parse_caption(ORDER_735[1:])
    assert _kinds(entries) == [("adopted", date(2020, 12, 9), None), ("published", date(2021, 1, 15), None),
                               ("effective", date(2021, 5, 1), None)]
    assert entries[1].order == "中华人民共和国国务院令第735号"
    assert legal_kind(ORDER_735[0], entries, None) == "行政法规"


@pytest.mark.parametrize("block,kind,last", [
    (SOCIAL_INSURANCE, "法律", date(2018, 12, 29)), (ADMIN_LITIGATION, "法律", date(2017, 6, 27)),
    (DRUG_ADMIN, "法律", date(2019, 8, 26)), (ORDER_735, "行政法规", date(2021, 1, 15))])
@pytest.mark.parametrize("joined", [False, True])
def test_a_law_file_gets_its_printed_title_history_and_kind(tmp_path, block, kind, last, joined):
    """Through the whole pipeline, each 题注 line its own line or all joined to the title line."""
    from toolkit.versions.works import version_of

    lines = ([block[0] + "".join(block[1:])] if joined else block) + ARTICLES
    path = tmp_path / "law.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    (doc,) = parse_file(path, layers=False).documents
    assert doc.title == block[0]
    assert doc.kind == "regulation" and doc.meta["legal_kind"] == kind
    assert [n.num for n in doc.nodes() if n.kind == "article"] == ["第一条", "第二条"]
    assert version_of(doc).date == last  # the history's latest point dates the text
    assert all(e.quote for e in doc.events) and doc.meta["history"][0]["quote"] in "".join(block[1:])
    dated = sorted({e.date for e in doc.events if e.type in ("adopted", "published", "amended")})
    assert dated[0] < dated[-1] == last  # an amended law has its first and its latest point


def test_the_bundled_corpus_titles_and_kinds():
    law = parsed("735").documents[0]
    assert law.title == "医疗保障基金使用监督管理条例" and law.meta["legal_kind"] == "行政法规"
    assert law.doc_number == "中华人民共和国国务院令第735号"
    rules = {d.id: d.meta.get("legal_kind") for key in ("000", "002", "004") for d in parsed(key).documents
             if d.kind == "rule"}
    assert rules == {"gd-measure": "规范性文件", "js-rules": "规范性文件", "cx-rules": "规范性文件"}
