"""The 对照表 outputs: DOCX read back with python-docx, the self-contained HTML, the JSON contract."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import docx
import jsonschema
import pytest
from versions_corpus import document
from versions_edits import fixture

from toolkit.versions.diff import diff
from toolkit.versions.export import AKN_TYPES, changeset_json
from toolkit.versions.report_docx import HEADERS, changeset_docx
from toolkit.versions.report_html import changeset_html

CONTRACT = {
    "type": "object",
    "required": ["old", "new", "changes", "article_map"],
    "properties": {
        "old": {"type": "string"},
        "new": {"type": "string"},
        "changes": {"type": "array", "items": {
            "type": "object",
            "required": ["type", "old", "new", "substantive"],
            "properties": {
                "type": {"enum": ["insertion", "repeal", "substitution", "renumbering", "split",
                                  "join", "unchanged"]},
                "old": {"type": "array", "items": {"type": "string"}},
                "new": {"type": "array", "items": {"type": "string"}},
                "substantive": {"type": "boolean"},
            },
        }},
        "article_map": {"type": "object", "additionalProperties": {
            "anyOf": [{"type": "string"}, {"type": "null"},
                      {"type": "array", "items": {"type": "string"}}]}},
    },
}


@pytest.fixture(scope="module")
def cafe():
    return diff(document("internet-cafe-2016"), document("internet-cafe-2022"))


def _docx(cs, **kw):
    return docx.Document(io.BytesIO(changeset_docx(cs, **kw)))


def _runs(cell):
    return [r for p in cell.paragraphs for r in p.runs]


# --- DOCX ------------------------------------------------------------------------------------

def test_docx_three_columns_header_and_notes(cafe):
    d = _docx(cafe)
    table, numbers = d.tables
    assert len(table.columns) == 3
    assert tuple(c.text for c in table.rows[0].cells) == HEADERS == ("原条文", "修改后条文", "修改说明")
    changed = [c for c in cafe.changes if c.kind != "unchanged"]
    assert [r.cells[2].text for r in table.rows[1:]] == [c.note for c in changed] == [
        "标点修改", "标点修改", "标点修改", "文字修改", "标点修改", "标点修改", "标点修改", "标点修改", "新增",
        "第三十二条改为第三十三条，标点修改", "第三十三条改为第三十四条，标点修改",
        "第三十四条改为第三十五条", "第三十五条改为第三十六条", "第三十六条改为第三十七条",
        "第三十七条改为第三十八条"]
    assert d.paragraphs[0].text == f"《{cafe.new_title}》修订前后对照表"
    with_unchanged = _docx(cafe, unchanged=True)
    assert len(with_unchanged.tables[0].rows) == 1 + len(cafe.changes) == 39
    assert [c.text for c in numbers.rows[0].cells] == ["原条号", "新条号"]
    assert [c.text for c in numbers.rows[32].cells] == ["第三十二条", "第三十三条"]


def test_docx_header_names_the_versions_in_chinese(cafe):
    """Titles, 文号 and version dates; no internal ids, no English counts (#13.3)."""
    d = _docx(cafe)
    head = [p.text for p in d.paragraphs[:6]]
    assert head[1] == "原版本：《互联网上网服务营业场所管理条例》（中华人民共和国国务院令第363号）2016年2月6日版"
    assert head[2] == "修改后版本：《互联网上网服务营业场所管理条例》（中华人民共和国国务院令第363号）2022年3月29日版"
    assert head[3:5] == ["效力级别：行政法规", "层级：国家级"]  # #13.1: the kind of law, read from the 题注
    assert head[5] == "修改情况：修改8条、条号变更6条、新增1条（涉及文字修改1条、标点修改9条）；未修改23条"
    text = "\n".join(p.text for p in d.paragraphs) + "".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    for internal in ("internet-cafe", "chp_", "renumbered", "modified", "added"):
        assert internal not in text


def test_docx_can_collapse_renumber_only_rows(cafe):
    table = _docx(cafe, collapse=True).tables[0]
    notes = [r.cells[2].text for r in table.rows[1:]]
    assert notes[-1] == "第三十四条至第三十七条依次改为第三十五条至第三十八条（4条，仅条号变化）"
    assert len(table.rows) == 1 + 15 - 4 + 1  # four renumber-only rows folded into one
    assert "第三十三条改为第三十四条，标点修改" in notes  # a renumbered row that also changed stays


def test_docx_cells_show_struck_and_inserted_words(cafe):
    table = _docx(cafe).tables[0]
    c = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_11"])
    row = table.rows[1 + [x for x in cafe.changes if x.kind != "unchanged"].index(c)]
    old_cell, new_cell, _ = row.cells
    # each cell reads as the article printed, one paragraph per line
    assert "\n".join(p.text for p in old_cell.paragraphs) == c.old_text
    assert "\n".join(p.text for p in new_cell.paragraphs) == c.new_text
    struck = "".join(r.text for r in _runs(old_cell) if r.font.strike)
    inserted = "".join(r.text for r in _runs(new_cell) if r.font.underline and r.bold)
    assert struck == "".join(s.text for s in c.redline if s.op == "delete").replace("\n", "")
    assert inserted == "".join(s.text for s in c.redline if s.op == "insert").replace("\n", "")
    assert not any(r.font.strike for r in _runs(new_cell))
    assert not any(r.font.underline for r in _runs(old_cell))
    # the paragraph 2022 adds is underlined whole
    added_para = document("internet-cafe-2022").node("chp_2__art_11").children[-1].text
    assert new_cell.paragraphs[-1].text == added_para
    assert all(r.font.underline for r in new_cell.paragraphs[-1].runs)


def test_docx_added_row_has_empty_old_cell(cafe):
    table = _docx(cafe).tables[0]
    row = next(r for r in table.rows[1:] if r.cells[2].text == "新增")
    assert row.cells[0].text == ""
    assert row.cells[1].text.startswith("第三十二条 ")
    assert all(r.font.underline and r.bold for r in _runs(row.cells[1]))


def test_docx_split_merge_move_notes_and_stale_list():
    cs = diff(fixture("restructure").old, fixture("restructure").new)
    notes = [r.cells[2].text for r in _docx(cs).tables[0].rows[1:]]
    for want in ("第三条拆分为第三条、第四条", "删除", "第四十条、第四十一条合并为第三十九条",
                 "移至第六章，第二十二条改为第四十八条"):
        assert want in notes
    stale = diff(fixture("stale-refs").old, fixture("stale-refs").new)
    d = _docx(stale)
    lines = [p.text for p in d.paragraphs]
    assert "引用条文序号待核对" in lines
    assert sum("所引原第九条，应改为第十条" in t for t in lines) == 2


# --- HTML ------------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, _ in attrs:
            self.tags.append(f"@{name}")

    def handle_data(self, data):
        self.parts.append(data)


def test_html_is_self_contained_and_complete(cafe):
    page = changeset_html(cafe)
    parser = _Text()
    parser.feed(page)
    assert not {"script", "link", "img", "iframe", "@src", "@href"} & set(parser.tags)
    assert "http" not in page
    text = "".join(parser.parts)
    for c in cafe.changes:
        if c.kind != "unchanged":
            assert c.note in text
    c = next(c for c in cafe.changes if c.new_eids == ["chp_2__art_11"])
    for s in c.redline:
        if s.op != "equal":
            tag = "del" if s.op == "delete" else "ins"
            for piece in filter(None, s.text.split("\n")):
                assert f"<{tag}>{piece}</{tag}>" in page
    assert page.count('<tr class="') == 15 + 1  # 15 changed articles, one folded run of four
    assert changeset_html(cafe, collapse=False).count('<tr class="') == 15


def test_html_header_collapse_and_no_internal_names(cafe):
    page = changeset_html(cafe)
    visible = "".join(p for p in _visible_text(page))
    assert "原版本《互联网上网服务营业场所管理条例》（中华人民共和国国务院令第363号）2016年2月6日版" in visible
    assert "修改后版本《互联网上网服务营业场所管理条例》（中华人民共和国国务院令第363号）2022年3月29日版" in visible
    assert "修改情况修改8条、条号变更6条、新增1条（涉及文字修改1条、标点修改9条）；未修改23条" in visible
    for internal in ("internet-cafe", "chp_", "renumbered", "unchanged 23", "added 1"):
        assert internal not in visible
    assert "<details><summary>第三十四条至第三十七条依次改为第三十五条至第三十八条（4条，仅条号变化）</summary>" in page


def _visible_text(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page.split("</style>", 1)[1])
    return parser.parts


def test_html_escapes_document_text(cafe):
    import dataclasses

    odd = dataclasses.replace(cafe, new_title="A<b>&", changes=cafe.changes[:0])
    page = changeset_html(odd)
    assert "A&lt;b&gt;&amp;" in page and "A<b>&" not in page


# --- JSON ------------------------------------------------------------------------------------

def test_json_contract_for_the_real_pair(cafe):
    data = changeset_json(cafe)
    jsonschema.validate(data, CONTRACT)
    assert (data["old"], data["new"]) == ("internet-cafe-2016", "internet-cafe-2022")
    types = [(e["type"], e["old"], e["new"], e["substantive"]) for e in data["changes"]]
    assert types[1:4] == [
        ("substitution", ["chp_2__art_9"], ["chp_2__art_9"], False),
        ("substitution", ["chp_2__art_10"], ["chp_2__art_10"], False),
        ("substitution", ["chp_2__art_11"], ["chp_2__art_11"], True),
    ]
    assert ("insertion", [], ["chp_4__art_32"], True) in types
    assert types[-6:] == [("renumbering", [f"chp_{4 if k < 37 else 5}__art_{k}"],
                           [f"chp_{4 if k < 37 else 5}__art_{k + 1}"], False) for k in range(32, 38)]
    assert [e["types"] for e in data["changes"][-6:]] == [["renumbering", "substitution"]] * 2 + [["renumbering"]] * 4
    assert data["summary"] == "修改8条、条号变更6条、新增1条（涉及文字修改1条、标点修改9条）；未修改23条"
    assert data["new_version"]["date"] == "2022-03-29" and data["old_version"]["doc_number"] == "中华人民共和国国务院令第363号"
    assert data["article_map"]["32"] == "33" and data["article_map"]["31"] == "31"
    assert len(changeset_json(cafe, unchanged=True)["changes"]) == 38


def test_json_akn_types_for_every_kind():
    seen = {}
    for name in ("insert-renumber", "restructure", "stale-refs"):
        fx = fixture(name)
        data = changeset_json(diff(fx.old, fx.new), unchanged=True)
        jsonschema.validate(data, CONTRACT)
        for e in data["changes"]:
            seen.setdefault(e["kind"], set()).add(e["type"])
        if name == "restructure":
            assert data["article_map"]["3"] == ["3", "4"] and data["article_map"]["36"] is None
    assert seen["added"] == {"insertion"} and seen["deleted"] == {"repeal"}
    assert seen["split"] == {"split"} and seen["merged"] == {"join"}
    assert seen["moved"] == {"renumbering"} and seen["unchanged"] == {"unchanged"}
    assert seen["modified"] == {"substitution"}
    # renumbered and reworded is one entry (type renumbering, types both)
    assert seen["renumbered"] == {"renumbering"}
    assert set(AKN_TYPES.values()) <= set(CONTRACT["properties"]["changes"]["items"]["properties"]["type"]["enum"])


def test_json_renumbered_and_reworded_article_is_one_change_with_all_its_kinds():
    fx = fixture("stale-refs")
    data = changeset_json(diff(fx.old, fx.new))
    both = [e for e in data["changes"] if e["old"] == ["chp_6__art_35"]]
    assert len(both) == 1  # one change per article pair (#13.3)
    [e] = both
    assert (e["type"], e["types"], e["kinds"], e["substantive"]) == (
        "renumbering", ["renumbering", "substitution"], ["renumbered", "reworded"], True)
    assert e["labels"] == ["条号变更", "文字修改"] and e["note"].endswith("文字修改")
    assert len({tuple(x["old"]) for x in data["changes"] if x["old"]}) == len([x for x in data["changes"] if x["old"]])
    assert e["new"] == ["chp_6__art_36"]
    assert [s["cited"] for s in data["stale_refs"]] == [9, 9, 11, 12, 13, 14]
    assert re.fullmatch(r"应改为第十条", data["stale_refs"][0]["suggestion"])
