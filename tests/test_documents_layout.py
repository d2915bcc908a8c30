"""GB/T 9704 layout of the templates and of rendered documents, and the layout checker itself."""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from toolkit.documents import gbt9704 as G
from toolkit.documents.doctypes import TYPES
from toolkit.documents.layout_check import check_docx
from toolkit.documents.render import render_bytes

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _builder():
    spec = importlib.util.spec_from_file_location("build_templates",
                                                  ROOT / "templates" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_templates"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("rel", sorted(_builder().TEMPLATES))
def test_committed_templates_are_what_the_builder_makes(rel):
    builder = _builder()
    assert (ROOT / "templates" / rel).read_bytes() == builder.build(builder.TEMPLATES[rel])


@pytest.mark.parametrize("key", sorted(TYPES))
def test_every_tag_sits_in_one_run(key):
    xml = zipfile.ZipFile(TYPES[key].template).read("word/document.xml").decode()
    texts = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    tagged = [t for t in texts if "{" in t or "}" in t]
    assert tagged
    for t in tagged:
        assert t.count("{{") == t.count("}}") and t.count("{%") == t.count("%}"), t
        for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", t):
            assert not set(tag) & set("“”‘’"), tag


NOTICE_CONTEXT = {
    "issuer_mark": "某某市医疗保障局", "doc_number": "某医保〔2026〕7号", "addressee": "某诊所",
    "signature": "某某市医疗保障局", "date_cn": "2026年11月23日", "attachment_lines": ["附件：清单"],
    "recordal": True, "cc": "甲单位", "printed_by": "某某市医疗保障局办公室",
    "printed_cn": "2026年11月23日", "contact": "",
    "agreement_no": "X-1", "effective_cn": "2026年12月1日", "until_cn": "",
    "grounds": [{"ordinal": "1.", "facts": "事实", "quotes": [
        {"lead": "《某办法》第一条规定：", "lines": ["（一）条文"]}]}],
    "consequences": [{"lead": "《某办法》第二条规定：", "lines": ["第二条 条文"]}],
    "rectification": [{"ordinal": "1.", "text": "整改"}],
    "remedies": [{"lead": "《某办法》第三条规定：", "lines": ["第三条 条文"]}],
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "suspension.docx"
    path.write_bytes(render_bytes(TYPES["suspension"].template, NOTICE_CONTEXT))
    return path


def test_rendered_notice_layout(rendered):
    doc = Document(str(rendered))
    s = doc.sections[0]
    assert (s.page_width, s.page_height) == (G.PAGE_WIDTH * 635, G.PAGE_HEIGHT * 635)  # EMU
    for got, mm in ((s.top_margin, 37), (s.left_margin, 28), (s.right_margin, 26),
                    (s.bottom_margin, 35)):
        assert abs(got - Mm(mm)) < Mm(0.05)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm
    styles = doc.styles

    def east_asia(name):
        return styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asia(G.S_BODY) == "仿宋_GB2312" and styles[G.S_BODY].font.size == Pt(16)
    assert east_asia(G.S_TITLE) == "方正小标宋简体" and styles[G.S_TITLE].font.size == Pt(22)
    assert east_asia(G.S_ISSUER) == "方正小标宋简体"
    assert str(styles[G.S_ISSUER].font.color.rgb) == "FF0000"
    assert east_asia(G.S_H1) == "黑体" and east_asia(G.S_H2) == "楷体_GB2312"
    assert styles[G.S_BODY].paragraph_format.line_spacing == Pt(28.95)
    assert styles[G.S_BODY].paragraph_format.first_line_indent == Pt(32)
    assert doc.settings.odd_and_even_pages_header_footer
    odd = "".join(t.text for t in s.footer._element.iter(qn("w:t")))
    even = "".join(t.text for t in s.even_page_footer._element.iter(qn("w:t")))
    assert odd == even == "— 1 —"
    assert "PAGE" in s.footer._element.xml and "PAGE" in s.even_page_footer._element.xml
    texts = [p.text for p in doc.paragraphs]
    assert "某医保〔2026〕7号" in texts and "某诊所：" in texts
    assert check_docx(rendered) == []


def _mutated(src: Path, dst: Path, mutate) -> Path:
    doc = Document(str(src))
    mutate(doc)
    buf = io.BytesIO()
    doc.save(buf)
    dst.write_bytes(buf.getvalue())
    return dst


def _para(doc, text):
    return next(p for p in doc.paragraphs if p.text == text)


@pytest.mark.parametrize("rule, mutate", [
    ("margin", lambda d: setattr(d.sections[0], "top_margin", Mm(30))),
    ("page+grid", lambda d: setattr(d.sections[0], "page_width", Mm(216))),  # 29 a line
    ("doc_number", lambda d: setattr(_para(d, "某医保〔2026〕7号").runs[0], "text",
                                     "某医保〔2026〕007号")),
    ("date", lambda d: setattr(_para(d, "2026年11月23日").runs[0], "text", "2026年11月03日")),
    ("addressee", lambda d: setattr(_para(d, "某诊所：").runs[0], "text", "某诊所")),
    ("heading_font", lambda d: d.styles[G.S_H1].element.rPr.find(qn("w:rFonts")).set(
        qn("w:eastAsia"), "宋体")),
    ("size", lambda d: setattr(d.styles[G.S_TITLE].font, "size", Pt(18))),
    ("issuer", lambda d: setattr(d.styles[G.S_ISSUER].font.color, "rgb", None)),
    ("line_pitch", lambda d: setattr(d.styles[G.S_QUOTE].paragraph_format, "line_spacing", 1.5)),
])
def test_checker_reports_each_deviation(rendered, tmp_path, rule, mutate):
    found = check_docx(_mutated(rendered, tmp_path / "m.docx", mutate))
    assert found and {d.rule for d in found} == set(rule.split("+")), [str(d) for d in found]


def test_checker_reports_a_body_font_in_the_wrong_face(rendered, tmp_path):
    def mutate(doc):
        run = _para(doc, "（一）条文").runs[0]
        run.font.element.get_or_add_rPr()
        fonts = run._r.rPr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "宋体")
    found = check_docx(_mutated(rendered, tmp_path / "f.docx", mutate))
    assert [(d.rule, d.found) for d in found] == [("font", "宋体")]
