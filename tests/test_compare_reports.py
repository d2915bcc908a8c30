"""Comparison outputs: redlines, the offline HTML report, the DOCX 对照表, JSON, CSV, terminal."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile

import docx
import pytest
from compare_samples import CX, GD, JS, NAT, build_store, three_way
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from lxml import html as lhtml
from rich.console import Console

from toolkit.compare.export import csv_bytes, json_bytes, to_json, write_reports
from toolkit.compare.params_table import alignment_parameters
from toolkit.compare.redline import Op, changed_share, other_side, redline, reference_side
from toolkit.compare.report_docx import docx_bytes
from toolkit.compare.report_html import html_bytes, render_html
from toolkit.compare.report_terminal import print_report


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory)


@pytest.fixture(scope="module")
def al(store_path):
    return three_way(store_path)


@pytest.fixture(scope="module")
def page(al):
    return lhtml.fromstring(html_bytes(al))


# --- redline ----------------------------------------------------------------------------------

def test_redline_groups_changes_into_readable_runs():
    a = "医疗机构存在下列情形之一的，不予受理定点申请："
    b = "医疗机构有下列情形之一的，不予受理定点申请："
    assert redline(a, b) == [Op("equal", "医疗机构"), Op("delete", "存在"), Op("insert", "有"),
                             Op("equal", "下列情形之一的，不予受理定点申请：")]
    # a one-character common run between two changes is folded into one change
    ops = redline("法定代表人或实际控制人", "法定代表人或者实际的控制人")
    assert all(len(op.text) >= 3 for op in ops if op.kind == "equal")
    assert reference_side(ops) == "法定代表人或实际控制人" and other_side(ops) == "法定代表人或者实际的控制人"
    assert redline("", "") == [] and changed_share(redline("abc", "abc")) == 0.0
    assert changed_share(redline("abc", "xyz")) == 1.0


# --- HTML ------------------------------------------------------------------------------------

def test_html_is_self_contained_and_offline(al):
    text = html_bytes(al).decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for needle in ("http://", "https://", "src=", "@import", "url(", "<script", "<link"):
        assert needle not in text, needle
    doc = lhtml.fromstring(text)
    assert doc.find(".//style") is not None


def test_html_sections_in_order(page):
    ids = [h.get("id") for h in page.iter("h2")]
    assert ids == ["parameters", "matrix", "only"]


def test_html_every_provision_has_its_anchor_and_every_link_resolves(page, al):
    ids = {e.get("id") for e in page.iter() if e.get("id")}
    for row in al.rows:
        for d, ps in row.members.items():
            for p in ps:
                assert f"{d}--{p.eid}" in ids
    links = [a.get("href")[1:] for a in page.iter("a") if (a.get("href") or "").startswith("#")]
    assert links and all(link in ids for link in links)


def _without(block, tag: str) -> str:
    text = copy.deepcopy(block.find_class("text")[0])
    for e in list(text.iter(tag)):
        e.drop_tree()
    return text.text_content()


def _body(al, doc_id: str, eid: str) -> str:
    return next(p.body for r in al.rows for p in r.members.get(doc_id, []) if p.eid == eid)


def test_html_refusal_row_cells_and_redline(page, al):
    cell = page.get_element_by_id("gd-measure--chp_2__art_9")
    assert cell.find_class("label")[0].text_content() == "第九条"
    assert cell.find_class("text")[0].text_content().startswith("医疗机构存在下列情形之一的，不予受理定点申请：\n（一）")
    row = cell.getparent().getparent()
    assert row.tag == "tr" and row.get("id", "").startswith("row-")
    js = page.get_element_by_id("js-rules--chp_2__art_9")
    assert [e.text for e in js.iter("del")][:1] == ["存在"] and [e.text for e in js.iter("ins")][:1] == ["有"]
    # the redline without its deletions is the Jiangsu article, without its insertions the Guangdong one
    assert _without(js, "del") == _body(al, JS, "chp_2__art_9")
    assert _without(js, "ins") == _body(al, GD, "chp_2__art_9")
    cx = page.get_element_by_id("cx-rules--chp_2__art_13__para_1__point_1")
    assert cx.find_class("label")[0].text_content() == "第十三条第（一）项"
    assert "0.8" in row.find_class("why")[0].text_content()


def test_html_split_row_has_one_block_per_provision(page):
    row = page.get_element_by_id("gd-measure--chp_2__art_12").getparent().getparent()
    js_blocks = [b.get("id") for b in row.find_class("prov") if b.get("id", "").startswith("js-rules")]
    assert js_blocks == ["js-rules--chp_3__art_12", "js-rules--chp_3__art_13"]
    js13 = page.get_element_by_id("js-rules--chp_3__art_13")
    text = js13.find_class("text")[0].text_content()
    assert "公示期为" in text and "5个工作日" in text


def test_html_parameter_table(page):
    row = page.get_element_by_id("param-evaluation_period")
    cells = row.findall("td")
    assert cells[0].text_content() == "评估期限"  # the label alone: no internal key on the page
    values = [c.find_class("value")[0].text for c in cells[1:4]]
    assert values == ["3个月以内", "20个工作日以内", "15个工作日以内"]
    # the article is printed, and it is the link into the matrix
    assert [c.find("a").text for c in cells[1:4]] == ["第十二条第一款", "第十二条第二款", "第十五条"]
    assert [c.find("a").get("href") for c in cells[1:4]] == [
        "#gd-measure--chp_2__art_12", "#js-rules--chp_3__art_12", "#cx-rules--chp_3__art_15"]
    assert cells[4].text_content() == "不同" and row.get("class") == "different"
    assert page.get_element_by_id("param-payment_deadline").get("class") == "same"


def _visible(page) -> str:
    """The text a reader sees (attributes and the stylesheet aside)."""
    body = copy.deepcopy(page.find("body"))
    return body.text_content()


def test_html_parameter_cells_cite_the_item_and_never_show_keys_or_comparators(page, al):
    seen = _visible(page)
    for p in alignment_parameters(al):
        assert p.key not in seen, p.key  # evaluation_period, agreement_term … stay in attributes
    for raw in ("3年 <", "3个月 之后", " ≥", " ≤", "到期前…内"):
        assert raw not in seen, raw
    ban = page.get_element_by_id("param-fraud_application_ban").findall("td")
    assert [c.find_class("value")[0].text for c in ban[1:4]] == ["不满3年"] * 3
    assert [c.find("a").text for c in ban[1:4]] == ["第九条第（四）项", "第九条第（四）项", "第十三条第（一）项第4目"]
    rect = page.get_element_by_id("param-rectification_period").findall("td")
    assert rect[1].find_class("value")[0].text == "3个月后"
    renewal = page.get_element_by_id("param-renewal_window").findall("td")
    assert [c.find_class("value")[0].text for c in renewal[1:4]] == ["提前3个月", "提前3个月", "到期前30日内"]
    assert page.get_element_by_id("param-effective_date").findall("td")[1].find_class("value")[0].text == \
        "2021年6月1日"


@pytest.mark.parametrize("key, silent", [("agreement_term", CX), ("suspension_count_for_termination", JS),
                                         ("exit_notice", CX)])
def test_html_a_silent_region_is_never_the_same(page, al, key, silent):
    """gd 1年, js 1年, cx nothing: 部分未规定 with 未规定 in the silent cell, never 相同."""
    row = page.get_element_by_id(f"param-{key}")
    cells = row.findall("td")
    by_doc = {c.get("data-doc"): c for c in cells[1:4]}
    assert by_doc[silent].text_content() == "未规定" and by_doc[silent].get("class") == "silent"
    assert all(c.find("a") is not None for d, c in by_doc.items() if d != silent)
    assert cells[4].text_content() == "部分未规定" != "相同"
    assert row.get("class") == "partial"


def test_no_row_with_a_silent_region_is_same(al):
    for p in alignment_parameters(al):
        if len(p.values) < len(al.documents):
            assert p.status in ("partial", "different", "only"), p.key
            assert p.silent == [d.id for d in al.documents if d.id not in p.values]
        else:
            assert p.silent == []


def test_html_weak_rows_are_marked_and_reasons_are_whole_words(page, al):
    rows = {int(tr.get("id")[4:]): tr for tr in page.iter("tr") if (tr.get("id") or "").startswith("row-")}
    weak = {n for n, tr in rows.items() if tr.get("class") == "weak"}
    scores = {n: r.score for n, r in enumerate(al.rows, 1) if r.aligned}
    # every row scored below 0.2 is marked, and only rows with a pair below 0.2 are
    assert {n for n, s in scores.items() if s < 0.2} <= weak
    assert all(rows[n].find_class("weak-mark") for n in weak)
    assert not any(rows[n].find_class("weak-mark") for n in set(rows) - weak)
    gd36 = next(n for n, r in enumerate(al.rows, 1) if r.members.get(GD, [None])[0] and
                r.members[GD][0].eid == "chp_4__art_36")
    assert gd36 in weak and "弱匹配" in rows[gd36].find_class("why")[0].text_content()
    # the reason names the shared words whole: no n-gram fragments of dates
    for tr in rows.values():
        why = tr.find_class("why")[0].text_content()
        assert "shared key terms" not in why and "月1日起施行" not in why and "自202" not in why
        assert "共同用语" in why or "几乎没有共同用语" in why or "的一部分（“" in why


def test_html_region_only_lists(page, al):
    only = page.get_element_by_id("only")
    h3 = [h.text_content() for h in only.getparent().iter("h3")]
    assert [h.rsplit("（", 1)[0] for h in h3] == [d.title for d in al.documents]
    assert page.get_element_by_id("js-rules--chp_7__art_43") is not None
    # region-only provisions are not in the matrix
    matrix = page.get_element_by_id("matrix").getnext()
    assert matrix.find(".//*[@id='js-rules--chp_7__art_43']") is None


def test_html_with_baseline_column(store_path):
    al = three_way(store_path, baseline=True)
    page = lhtml.fromstring(render_html(al))
    heads = [th.text_content() for th in page.get_element_by_id("matrix").getnext().iter("th")]
    assert heads[-2].startswith("基准") and heads[-1] == "相似度与理由"
    assert page.get_element_by_id(f"{NAT}--chp_2__art_15") is not None


# --- DOCX ------------------------------------------------------------------------------------

def test_docx_is_a_landscape_table_report(al):
    d = docx.Document(io.BytesIO(docx_bytes(al)))
    section = d.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    params, matrix, *only = d.tables
    assert len(only) == 3  # one region-only table per document
    assert len(matrix.rows) == 1 + len(al.matrix_rows) and len(al.matrix_rows) > len(al.aligned_rows)
    assert [c.text for c in matrix.rows[0].cells] == ["#", "广东办法", "江苏细则", "楚雄细则", "相似度与理由"]
    assert len(params.rows) == 1 + len(alignment_parameters(al)) == 42
    ev = next(r for r in params.rows if r.cells[0].text == "评估期限")  # no key under the label
    assert [c.paragraphs[0].text for c in ev.cells[1:4]] == [
        "3个月以内 第十二条第一款", "20个工作日以内 第十二条第二款", "15个工作日以内 第十五条"]
    assert ev.cells[4].text == "不同"
    term = next(r for r in params.rows if r.cells[0].text == "协议期限")
    assert [c.paragraphs[0].text for c in term.cells[1:4]] == ["1年 第十三条", "1年 第十四条第二款", "未规定"]
    assert term.cells[4].text == "部分未规定"
    row = next(r for r in matrix.rows[1:] if r.cells[1].text.startswith("第九条"))
    assert row.cells[1].text.startswith("第九条\n医疗机构存在下列情形之一的")
    assert row.cells[3].text.startswith("第十三条第（一）项\n【不予受理】")
    struck = [r.text for p in row.cells[2].paragraphs for r in p.runs if r.font.strike]
    assert struck[0] == "存在"
    # the header row repeats on every page; CJK font set for East Asian text
    assert matrix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    normal = d.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_docx_parameter_citations_link_to_the_provisions_and_weak_rows_are_shaded(al):
    d = docx.Document(io.BytesIO(docx_bytes(al)))
    body = d.element.body
    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    params, matrix, *_ = d.tables
    links = [h for h in params._tbl.iter(qn("w:hyperlink"))]
    assert links and all(h.get(qn("w:anchor")) in marks for h in links)
    texts = {"".join(t.text for t in h.iter(qn("w:t"))) for h in links}
    assert {"第十二条第一款", "第九条第（四）项", "第十三条第（一）项第4目"} <= texts
    ids = [b.get(qn("w:id")) for b in body.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids))
    weak = [r for r in matrix.rows[1:] if r.cells[-1].paragraphs[0].text.startswith("弱匹配")]
    assert len(weak) >= 4
    for r in weak:
        assert r.cells[1]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == "FFF3CD"
    strong = next(r for r in matrix.rows[1:] if r.cells[1].text.startswith("第九条"))
    assert strong.cells[1]._tc.tcPr.find(qn("w:shd")) is None
    assert "共同用语：" in strong.cells[-1].text and "shared key terms" not in strong.cells[-1].text


def test_docx_bytes_do_not_depend_on_the_clock(al):
    data = docx_bytes(al)
    assert data == docx_bytes(al)
    stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    assert stamps == {(2000, 1, 1, 0, 0, 0)}


# --- JSON, CSV, all reports ------------------------------------------------------------------------

def test_json_contract(al):
    data = json.loads(json_bytes(al))
    assert data["documents"] == [GD, JS, CX]
    row = next(r for r in data["rows"] if r["members"].get(GD) == ["chp_2__art_9"])
    assert row["members"] == {GD: ["chp_2__art_9"], JS: ["chp_2__art_9"], CX: ["chp_2__art_13__para_1__point_1"]}
    assert isinstance(row["score"], float) and 0.8 < row["score"] < 1 and row["reason"].startswith("gd 9 ↔ js 9")
    param = next(p for p in data["parameters"] if p["key"] == "evaluation_period")
    assert param["label"] == "评估期限"
    assert param["values"][GD] | {} == param["values"][GD]
    assert {k: param["values"][GD][k] for k in ("value", "unit", "eid")} == {
        "value": 3, "unit": "个月", "eid": "chp_2__art_12__para_1"}
    assert param["values"][JS]["unit"] == "工作日" and param["values"][CX]["value"] == 15
    assert param["values"][GD]["quote"].startswith("自受理申请材料之日起")
    only = [r for r in data["rows"] if not r["aligned"] and not r["parts"]]
    assert only and all(len(r["members"]) == 1 and r["score"] == 0.0 for r in only)
    # a multi-topic article in the row of one of its parts: the words that match, where they are
    gd30 = next(r for r in data["rows"] if r["members"].get(GD) == ["chp_4__art_30"])
    (part,) = gd30["parts"][JS]
    assert gd30["kind"] == "part" and gd30["kind_label"] == "部分对应" and not gd30["aligned"]
    assert part["eid"] == "chp_5__art_24" and "落实医保支付政策" in part["quote"]
    assert part["with"] == {GD: "chp_4__art_30"} and part["target"]["quote"].startswith("经办机构应当落实医保支付政策")
    assert gd30["parts_text"][0].startswith("江苏细则第二十四条的一部分（“")
    assert to_json(al)["rows"][0]["row"] == 1


def test_csv_is_one_table(al):
    rows = list(csv.DictReader(io.StringIO(csv_bytes(al).decode("utf-8"))))
    tables = [r["table"] for r in rows]
    assert tables == sorted(tables, key=
        lambda t: {"parameter": 0, "aligned": 1, "part": 1, "only": 2}[t])
    part = next(r for r in rows if r["table"] == "part" and r["gd_eids"] == "chp_4__art_30")
    assert part["js"] == "第二十四条（部分）" and "落实医保支付政策" in part["js_text"]
    ev = next(r for r in rows if r["id"] == "evaluation_period")
    assert (ev["gd"], ev["js"], ev["cx"], ev["status"]) == ("3个月以内", "20个工作日以内", "15个工作日以内", "不同")
    term = next(r for r in rows if r["id"] == "agreement_term")
    assert (term["gd"], term["js"], term["cx"], term["status"]) == ("1年", "1年", "未规定", "部分未规定")
    refusal = next(r for r in rows if r["gd_eids"] == "chp_2__art_9")
    assert refusal["cx"] == "第十三条第（一）项" and refusal["table"] == "aligned"


def test_write_reports_writes_four_files_and_no_leftovers(al, tmp_path):
    out = tmp_path / "out"
    paths = write_reports(al, out)
    assert sorted(p.name for p in out.iterdir()) == ["compare.csv", "compare.docx", "compare.html", "compare.json"]
    assert paths["json"].read_bytes() == json_bytes(al)
    again = write_reports(al, out)
    assert all(again[k].read_bytes() == paths[k].read_bytes() for k in paths)
    assert (paths["html"].stat().st_mode & 0o777) == 0o644


def test_write_reports_leaves_nothing_when_a_file_cannot_be_written(al, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "compare.docx").mkdir()  # a folder where the DOCX should go
    with pytest.raises(OSError):
        write_reports(al, out)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) in (
        ["compare.docx", "compare.html"], ["compare.docx"])
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_terminal_view(al):
    console = Console(record=True, width=200, highlight=False)
    print_report(al, console, redlines=True)
    text = console.export_text()
    assert "关键参数差异" in text and "条文对照" in text and "仅一方规定的条文" in text
    assert "20个工作日" in text and "15个工作日" in text
    assert "仅江苏细则（" in text and "第四十三条" in text
    assert "未规定" in text and "部分未规定" in text and "弱匹配" in text
    assert "chp_" not in text and "agreement_term" not in text and "3年 <" not in text
    assert "#1 " in text  # redline panels


# --- provision-level parts (issue 13 §2) --------------------------------------------------------

def _row_of(al, doc_id, eid):
    return next(n for n, r in enumerate(al.rows, 1) if [p.eid for p in r.members.get(doc_id, [])] == [eid])


def test_html_shows_a_multi_topic_article_in_the_rows_of_its_parts(page, al):
    # Jiangsu 第二十四条 (local management, training, internal controls, privacy) sits in the row of
    # Guangdong 第二十七条 and again, in part, in the row of Guangdong 第三十条 (internal controls)
    tr = page.get_element_by_id(f"row-{_row_of(al, GD, 'chp_4__art_30')}")
    part = tr.find_class("part")[0]
    assert part.get("data-eid") == "chp_5__art_24"
    label = part.find_class("label")[0]
    assert label.text_content() == "第二十四条（部分）"
    # the link goes to the article in its own row, where its id is (ids stay unique)
    target = label.find("a").get("href")[1:]
    assert target == "js-rules--chp_5__art_24" and page.get_element_by_id(target) is not None
    assert len(page.xpath(f'//*[@id="{target}"]')) == 1
    marked = [m.text_content() for m in part.iter("mark")]
    assert marked == ["落实医保支付政策，完善经办流程，建立完善的内部控制制度"]
    # readable: the sentence around the words, not the whole article (which has 属地管理 first)
    text = part.find_class("text")[0].text_content()
    assert text.startswith("…") and "属地管理" not in text
    why = tr.find_class("why")[0].text_content()
    assert "部分对应" in why and "江苏细则第二十四条的一部分（“落实医保支付政策" in why
    # the row is in the matrix, not in the region-only list
    row = al.rows[_row_of(al, GD, "chp_4__art_30") - 1]
    assert row in al.matrix_rows and row not in al.only_rows(GD)
    assert tr.xpath('.//*[@id="gd-measure--chp_4__art_30"]')


def test_docx_highlights_the_matching_words(al):
    d = docx.Document(io.BytesIO(docx_bytes(al)))
    matrix = d.tables[1]
    number = _row_of(al, GD, "chp_4__art_30")
    row = next(r for r in matrix.rows if r.cells[0].text == str(number))
    js_cell = row.cells[2]
    assert js_cell.paragraphs[0].text == "第二十四条（部分）"
    lit = [r.text for p in js_cell.paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert lit == ["落实医保支付政策，完善经办流程，建立完善的内部控制制度"]
    assert "江苏细则第二十四条的一部分" in row.cells[-1].text


def test_terminal_names_parts(al):
    from rich.console import Console

    from toolkit.compare.report_terminal import matrix_table

    console = Console(width=200, record=True)
    console.print(matrix_table(al))
    out = console.export_text()
    line = next(x for x in out.splitlines() if "第三十条" in x and "第二十四条（部分）" in x)
    assert line
