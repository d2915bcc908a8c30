"""The bundled corpus parsed into chains and trees: counts, metadata, traps, and format parity."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import STEMS, parsed

FORMATS = ["pdf", "docx", "clean", "seed"]


def doc(key: str, doc_id: str, fmt: str = "pdf"):
    return next(d for d in parsed(key, fmt, layers=False).documents if d.id == doc_id)


def kinds(d, kind):
    return [n for n in d.nodes() if n.kind == kind]


# --- chapters and articles per rule, from the PDFs as published ------------------------------

@pytest.mark.parametrize("key,doc_id,chapters,articles", [
    ("000", "gd-measure", 7, 53),
    ("002", "js-rules", 8, 53),
    ("004", "cx-rules", 8, 39),
    ("001", "gd-staff", 0, 30),
    ("735", "order-735", 5, 50),
])
def test_chapter_and_article_counts(key, doc_id, chapters, articles):
    d = doc(key, doc_id)
    assert len(kinds(d, "chapter")) == chapters
    arts = kinds(d, "article")
    assert [a.number for a in arts] == list(range(1, articles + 1))


def test_chapter_headings_are_squeezed():
    d = doc("000", "gd-measure")
    assert [c.heading for c in kinds(d, "chapter")] == [
        "总则", "定点医疗机构申请和确定", "定点医疗机构运行管理", "经办管理服务",
        "定点医疗机构的动态管理", "定点医疗机构的监督", "附则"]
    assert kinds(d, "chapter")[0].num == "第一章"


# --- the chain of each file -----------------------------------------------------------------

CHAINS = {
    "000": [
        ("jy-notice-2024-21", "notice", "揭医保〔2024〕21号",
         "揭阳市医疗保障局关于转发延长广东省医疗机构医疗保障定点管理暂行办法有效期的通知",
         ["揭阳市医疗保障局"], None, date(2024, 4, 30)),
        ("gd-notice-2024-4", "notice", "粤医保规〔2024〕4号",
         "广东省医疗保障局关于延长广东省医疗机构医疗保障定点管理暂行办法有效期的通知",
         ["广东省医疗保障局"], None, date(2024, 4, 23)),
        ("gd-notice-2021-1", "notice", "粤医保规〔2021〕1号",
         "广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知",
         ["广东省医疗保障局"], date(2021, 5, 26), None),
        ("gd-measure", "rule", None, "广东省医疗机构医疗保障定点管理暂行办法",
         ["广东省医疗保障局"], None, None),
    ],
    "001": [
        ("zj-notice-2025-42", "notice", "湛医保〔2025〕42号",
         "湛江市医疗保障局 湛江市卫生健康局 湛江市市场监督管理局关于转发《广东省定点医药机构相关人员医保支付资格管理实施细则（试行）》的通知",
         ["湛江市医疗保障局", "湛江市卫生健康局", "湛江市市场监督管理局"], None, None),
        ("gd-notice-2025-2", "notice", "粤医保规〔2025〕2号",
         "广东省医疗保障局 广东省卫生健康委员会 广东省药品监督管理局关于印发《广东省定点医药机构相关人员医保支付资格管理实施细则（试行）》的通知",
         ["广东省医疗保障局", "广东省卫生健康委员会", "广东省药品监督管理局"], date(2025, 4, 21), None),
        ("gd-staff", "rule", None, "广东省定点医药机构相关人员医保支付资格管理实施细则（试行）",
         ["广东省医疗保障局", "广东省卫生健康委员会", "广东省药品监督管理局"], None, None),
    ],
    "002": [
        ("nt-notice-2023-67", "notice", "通医保发〔2023〕67号",
         "转发江苏省医疗保障局关于印发《江苏省医疗机构医疗保障定点管理实施细则》的通知",
         ["南通市医疗保障局"], None, None),
        ("js-notice-2023-3", "notice", "苏医保规〔2023〕3号",
         "江苏省医疗保障局关于印发《江苏省医疗机构医疗保障定点管理实施细则》的通知",
         ["江苏省医疗保障局"], None, date(2023, 11, 17)),
        ("js-rules", "rule", None, "江苏省医疗机构医疗保障定点管理实施细则", ["江苏省医疗保障局"], None, None),
    ],
    "003": [
        ("sz-guide", "guide", None, "医疗保障定点医疗机构服务管理标准化指南", [], None, None),
    ],
    "004": [
        ("cx-notice-2022-10", "notice", "楚医保〔2022〕10号",
         "楚雄州医疗保障局关于印发《楚雄州医疗保障定点管理经办规程实施细则（试行）》的通知",
         ["楚雄州医疗保障局"], date(2022, 4, 28), date(2022, 4, 28)),
        ("cx-rules", "rule", None, "楚雄州医疗保障定点管理经办规程实施细则（试行）", ["楚雄州医疗保障局"], None, None),
    ],
    "735": [
        ("order-735", "regulation", "中华人民共和国国务院令第735号", "医疗保障基金使用监督管理条例",
         ["国务院"], date(2021, 1, 15), None),
    ],
}


@pytest.mark.parametrize("key", sorted(CHAINS))
def test_chain_documents(key):
    docs = parsed(key, "pdf", layers=False).documents
    got = [(d.id, d.kind, d.doc_number, d.title, d.issuers, d.signed.value if d.signed else None,
            d.printed.value if d.printed else None) for d in docs]
    assert got == CHAINS[key]
    # Each document after the first is forwarded, attached or published by the one before it.
    for prev, d in zip(docs, docs[1:], strict=False):
        assert d.parent == prev.id and d.id in prev.children


def test_chain_details_000():
    jy, gd24, gd21, measure = parsed("000", "pdf", layers=False).documents
    assert jy.addressees == "各县（市、区）医疗保障局，市医疗保障事业管理中心"
    assert jy.cc == ["揭阳市人力资源和社会保障局"] and jy.printed_by == "揭阳市医疗保障局办公室"
    assert jy.disclosure == "主动公开"
    assert gd24.cc == ["省人力资源社会保障厅", "省医保中心"] and gd24.printed_by == "广东省医疗保障局办公室"
    assert gd24.attachments == ["广东省医疗保障局关于印发广东省医疗机构医疗保障定点管理暂行办法的通知"]
    # The attachment is printed without its 版头: its 文号 is the one the extension notice cites.
    assert "粤医保规〔2021〕1号" in gd21.meta["inferred"]["doc_number"]
    assert "issuers" in measure.meta["inferred"]  # the rule takes its publisher's name, and says so


def test_chain_details_001_joint_issuers_and_unnamed_colophons():
    zj, gd25, staff = parsed("001", "pdf", layers=False).documents
    assert zj.disclosure == gd25.disclosure == "主动公开"
    # Neither 版记 prints the office's name: assigned innermost-first, and marked inferred.
    assert "版记" in zj.meta["inferred"] and "版记" in gd25.meta["inferred"]
    assert zj.printed is None and zj.printed_by is None


def test_chain_details_002_and_004_notes():
    nt, js, _ = parsed("002", "pdf", layers=False).documents
    assert nt.meta["note"] == "此件公开发布" and nt.disclosure == "此件公开发布"
    assert js.cc == ["国家医疗保障局"] and js.printed_by == "江苏省医疗保障局办公室"
    cx, _ = parsed("004", "pdf", layers=False).documents
    assert cx.addressees == "各县市医疗保障局，局机关各科室、直属单位"
    assert cx.printed_by == "楚雄州医疗保障局办公室"


def test_law_captions_735():
    law = doc("735", "order-735")
    kinds_dates = {(e.type, e.date) for e in law.events}
    assert ("adopted", date(2020, 12, 9)) in kinds_dates
    assert ("published", date(2021, 1, 15)) in kinds_dates
    assert law.effective.value == date(2021, 5, 1)


# --- paragraphs, items, page breaks, traps -------------------------------------------------

def test_sentence_cut_by_page_break_is_one_paragraph():
    d = doc("000", "gd-measure")
    para = d.node("chp_1__art_3__para_2")
    assert para.text == ("各统筹地区经办机构负责确定定点医疗机构，并与定点医疗机构签订医疗保障服务协议"
                         "（以下简称“医保协议”），提供经办服务，开展医保协议管理、考核等。")
    assert para.source.page == 5  # starts on page 5, ends on page 6
    item = d.node("chp_2__art_9__para_1__point_6")
    assert item.text == "因严重违反医保协议约定而被解除协议未满1年或已满1年但未完全履行违约责任的；"


def test_line_starting_with_tiao_after_a_page_break_is_no_article():
    d = doc("002", "js-rules")
    para = d.node("chp_3__art_13__para_2")
    assert "不属于本实施细则第九条情形之一的，应当将其纳入拟签订协议医疗机构名单" in para.text
    assert para.text.endswith("本次评估结果为不合格。")


def test_citation_of_a_kuan_at_line_start_is_no_article():
    d = doc("001", "gd-staff")
    item = d.node("art_17__para_1__point_1")
    assert "2号令第三十八条第（四）款或《广东省医疗机构医疗保障定点管理暂行办法》第三十七条第（四）款" in item.text


@pytest.mark.parametrize("key,doc_id,eid,paras,items", [
    ("000", "gd-measure", "chp_2__art_9", 1, [9]),
    ("000", "gd-measure", "chp_2__art_12", 3, [5, 0, 0]),  # the sentence after the items is a 款
    ("000", "gd-measure", "chp_2__art_5", 2, [6, 0]),
    ("000", "gd-measure", "chp_5__art_42", 1, [14]),
    ("002", "js-rules", "chp_7__art_44", 4, [10, 0, 0, 0]),
    ("004", "cx-rules", "chp_2__art_7", 2, [3, 0]),
    ("004", "cx-rules", "chp_7__art_35", 1, [2]),
    ("001", "gd-staff", "art_21", 1, [4]),
])
def test_paragraph_and_item_counts(key, doc_id, eid, paras, items):
    art = doc(key, doc_id).node(eid)
    ps = [c for c in art.children if c.kind == "paragraph"]
    assert len(ps) == paras
    assert [len([c for c in p.children if c.kind == "point"]) for p in ps] == items


def test_nested_items_and_titles_chuxiong():
    d = doc("004", "cx-rules")
    art = d.article(13)
    assert art.heading == "不予受理" and art.num == "第十三条"
    group = d.node("chp_2__art_13__para_1__point_1")
    assert group.num == "（一）" and group.text == "医疗机构有下列情形之一的，不予受理定点申请："
    assert [p.num for p in group.children] == [f"{i}." for i in range(1, 10)]
    assert d.node("chp_2__art_13__para_1__point_1__point_5").text == (
        "因违法违规被解除医保协议未满3年或已满3年但未完全履行行政处罚法律责任的；")
    staff = doc("001", "gd-staff").node("art_21__para_1__point_3__point_2")
    assert staff.text == "累计记分达到10分的，暂停医保支付资格3个月；一次性记分10分的，暂停医保支付资格4个月；"


def test_item_markers_are_normalised_but_text_kept():
    d = doc("000", "gd-measure")
    p = d.node("chp_2__art_5__para_1__point_6")
    assert p.num == "（六）"  # printed "(六)" with half-width brackets
    assert p.text == "养老机构内设的医疗机构。"
    # Half-width punctuation inside the text is kept as printed.
    assert d.node("chp_2__art_6__para_1__point_2").text.count("(专长)") == 1


def test_full_text_prints_the_article_as_published():
    art = doc("000", "gd-measure").article(10)
    assert art.full_text() == ("第十条 医疗机构提出定点申请，统筹地区经办机构应当即时受理。对申请材料不全的，"
                               "经办机构应当自收到材料之日起5个工作日内一次性告知医疗机构补充。")


def test_eids_are_unique_and_sources_located():
    for key in STEMS:
        for d in parsed(key, "pdf", layers=False).documents:
            eids = [n.eid for n in d.nodes()]
            assert len(eids) == len(set(eids)), d.id
            assert all(n.source and n.source.file.endswith(".pdf") and n.source.page for n in d.nodes()), d.id


# --- the standardization guide: headings without numbers -----------------------------------

def test_guide_headings_from_typography():
    d = doc("003", "sz-guide")
    top = [n.heading for n in d.root.children]
    assert top == ["组织与人员", "标识管理", "医保服务e站", "采购管理", "医药服务价格管理", "目录管理",
                   "医药服务", "信息化管理", "监督管理"]
    org = d.root.children[0]
    assert [c.heading for c in org.children] == ["医疗保障管理委员会", "内部医保管理部门", "专业技术人员配备与要求"]
    beds = d.node("hcontainer_1__hcontainer_2__para_3")
    assert beds.text.startswith("提供住院服务的定点医疗机构，应配备与本机构编制床位规模相适应的专职医保管理人员")
    assert [p.text for p in beds.children][0] == "床位数＞2000张，配备13名以上专职医保管理人员；"
    assert len(beds.children) == 6


# --- the same tree from every format of a source --------------------------------------------

def signature(ps):
    return {d.id: (d.kind, d.doc_number, d.title, tuple(d.issuers),
                   d.signed.value if d.signed else None, d.printed.value if d.printed else None,
                   d.disclosure, tuple(d.cc), d.addressees,
                   tuple((n.eid, n.kind, n.num, n.number, n.heading, n.text) for n in d.nodes()))
            for d in ps.documents}


@pytest.mark.parametrize("key", ["000", "001", "002", "004"])
@pytest.mark.parametrize("fmt", ["docx", "clean", "seed"])
def test_same_tree_from_every_format(key, fmt):
    assert signature(parsed(key, fmt, layers=False)) == signature(parsed(key, "pdf", layers=False))


def test_same_tree_735_docx_and_text():
    ref = signature(parsed("735", "pdf", layers=False))
    assert signature(parsed("735", "docx", layers=False)) == ref
    assert signature(parsed("735", "clean", layers=False)) == ref
