"""A specimen 公文 DOCX in GB/T 9704 layout, for exercising the issuing chain without templates.

The layout is fixed here (A4; margins 37/28/26/35 mm; 仿宋_GB2312 16 pt on a 22-line page; red
发文机关标志 and rule; title in 方正小标宋简体; 署名 centred over a 成文日期 four characters from the
right; page numbers ``— N —`` right on odd pages, left on even ones). All wording comes from the
caller: the tests and benchmarks take their body text from the bundled corpus.

The paragraph styles are the contract with the issuing chain: ``PK-DocNumber`` (发文字号, filled
in at issue time), ``PK-Signature`` (署名, one paragraph per line) and ``PK-Date`` (成文日期).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY_PT = 16.0  # 3号
LINE_PT = 28.95  # 22 lines in the 225 mm 版心
PAGE_NUMBER_PT = 14.0  # 4号
RED = RGBColor(0xE6, 0x00, 0x12)

STYLE_NUMBER = "PK-DocNumber"
STYLE_SIGNATURE = "PK-Signature"
STYLE_DATE = "PK-Date"


@dataclass(frozen=True)
class SpecimenText:
    """Everything printed on the specimen, supplied by the caller."""

    issuer_mark: str  # 发文机关标志, e.g. 揭阳市医疗保障局文件
    title: str
    addressee: str  # 主送机关, ends with ：
    body: Sequence[str]  # 正文 paragraphs
    signature: Sequence[str]  # 署名 lines
    date: str  # 成文日期, e.g. 2026年3月2日
    number_placeholder: str = "〔发文字号〕"
    blank_lines_before_signature: int = 2


def _fonts(rpr_owner, east_asia: str, latin: str = "Times New Roman") -> None:
    """Set the run fonts; python-docx's ``font.name`` does not touch the East Asian slot."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        rfonts.set(qn(f"w:{attr}"), value)


def _style(doc, name: str, *, base: str = "Normal", font: str | None = None, size: float | None = None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    if font:
        _fonts(style.element, font)
    if size:
        style.font.size = Pt(size)
    return style


def _cjk_width(text: str, size: float) -> float:
    """Printed width: full-width characters one em, ASCII half an em."""
    return sum(size * (0.5 if ord(c) < 0x2E80 else 1.0) for c in text)


def _page_number_footer(footer, style, align: WD_ALIGN_PARAGRAPH) -> None:
    p = footer.paragraphs[0]
    p.style = style
    p.alignment = align
    p.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    p.add_run(" —")


def build_specimen(text: SpecimenText) -> bytes:
    """The specimen as DOCX bytes."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.left_margin = Mm(37), Mm(28)
    section.right_margin, section.bottom_margin = Mm(26), Mm(35)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    doc.settings.odd_and_even_pages_header_footer = True

    normal = doc.styles["Normal"]
    _fonts(normal.element, "仿宋_GB2312")
    normal.font.size = Pt(BODY_PT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = True

    mark = _style(doc, "PK-IssuerMark", font="方正小标宋简体", size=26)
    mark.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.line_spacing = Pt(2 * LINE_PT)
    mark.font.color.rgb = RED
    number = _style(doc, STYLE_NUMBER)
    number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = _style(doc, "PK-Title", font="方正小标宋简体", size=22)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(LINE_PT + 4)
    body = _style(doc, "PK-Body")
    body.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    signature = _style(doc, STYLE_SIGNATURE)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date = _style(doc, STYLE_DATE)
    date.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date.paragraph_format.right_indent = Pt(4 * BODY_PT)  # 右空四字
    page_number = _style(doc, "PK-PageNumber", font="宋体", size=PAGE_NUMBER_PT)
    _fonts(page_number.element, "宋体", "宋体")
    page_number.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    page_number.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)  # 空一字 on even pages
    page_number.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)  # 空一字 on odd pages

    doc.add_paragraph(text.issuer_mark, style="PK-IssuerMark")
    doc.add_paragraph("")
    num = doc.add_paragraph(text.number_placeholder, style=STYLE_NUMBER)
    _red_rule_below(num)
    doc.add_paragraph("")
    doc.add_paragraph(text.title, style="PK-Title")
    doc.add_paragraph("")
    doc.add_paragraph(text.addressee)
    for para in text.body:
        doc.add_paragraph(para, style="PK-Body")
    for _ in range(text.blank_lines_before_signature):
        doc.add_paragraph("")
    # 署名 centred over the 成文日期: right-aligned with the indent that puts both centres together.
    date_width = _cjk_width(text.date, BODY_PT)
    for line in text.signature:
        p = doc.add_paragraph(line, style=STYLE_SIGNATURE)
        p.paragraph_format.right_indent = Pt(
            max(0.0, 4 * BODY_PT + (date_width - _cjk_width(line, BODY_PT)) / 2)
        )
    doc.add_paragraph(text.date, style=STYLE_DATE)

    _page_number_footer(section.footer, page_number, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, page_number, WD_ALIGN_PARAGRAPH.LEFT)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _red_rule_below(paragraph) -> None:
    """The red separating line under the 发文字号 (a bottom border, as wide as the 版心)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attr, value in (("val", "single"), ("sz", "12"), ("space", "1"), ("color", "E60012")):
        bottom.set(qn(f"w:{attr}"), value)
    borders.append(bottom)
    ppr.append(borders)
