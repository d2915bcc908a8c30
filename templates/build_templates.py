"""Build the docxtpl templates under templates/notices/ and templates/agreements/ (python-docx).

    .venv/bin/python templates/build_templates.py        # rewrites every template .docx

The templates hold the page layout (GB/T 9704-2012, numbers in toolkit/documents/gbt9704.py) and
the clerk's own wording. They hold no legal text: every rule quoted in a document reaches it
through the context (``quotes`` blocks resolved from the corpus by toolkit/documents/basis.py).

Each template is a list of paragraphs ``(style, text)``. A text that is a Jinja block tag
(``{%p for … %}``) becomes a paragraph of its own, which docxtpl removes when rendering. Every
paragraph is written as ONE run, so no tag is ever split across runs (docxtpl's main pitfall),
and tags use straight quotes only.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.documents import gbt9704 as G  # noqa: E402
from toolkit.fileio import atomic_write  # noqa: E402

HERE = Path(__file__).resolve().parent
CORE_DATE = "2026-01-01T00:00:00Z"  # fixed document properties: builds are byte-reproducible


# ----------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class StyleSpec:
    name: str
    font: str
    size: float = G.BODY_SIZE_PT
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY
    indent_chars: int = 2  # first-line indent in characters
    red: bool = False
    exact_pitch: bool = True  # exact 28.95 pt line pitch (the 22-line grid)
    keep_with_next: bool = False
    right_chars: int = 0
    left_chars: int = 0
    outline: int | None = None


STYLES = [
    StyleSpec(G.S_BODY, G.FANGSONG),
    StyleSpec(G.S_QUOTE, G.FANGSONG),
    StyleSpec(G.S_ISSUER, G.XIAOBIAOSONG, G.ISSUER_SIZE_PT, WD_ALIGN_PARAGRAPH.CENTER, 0,
              red=True, exact_pitch=False),
    StyleSpec(G.S_DOCNUMBER, G.FANGSONG, align=WD_ALIGN_PARAGRAPH.CENTER, indent_chars=0),
    StyleSpec(G.S_TITLE, G.XIAOBIAOSONG, G.TITLE_SIZE_PT, WD_ALIGN_PARAGRAPH.CENTER, 0,
              exact_pitch=False),
    StyleSpec(G.S_ADDRESSEE, G.FANGSONG, indent_chars=0),
    StyleSpec(G.S_H1, G.HEITI, keep_with_next=True, outline=0),
    StyleSpec(G.S_H2, G.KAITI, keep_with_next=True, outline=1),
    StyleSpec(G.S_H3, G.FANGSONG, outline=2),
    StyleSpec(G.S_H4, G.FANGSONG, outline=3),
    StyleSpec(G.S_ATTACHMENT, G.FANGSONG, keep_with_next=True),
    StyleSpec(G.S_SIGNATURE, G.FANGSONG, align=WD_ALIGN_PARAGRAPH.RIGHT, indent_chars=0,
              keep_with_next=True, right_chars=G.DATE_RIGHT_CHARS),
    StyleSpec(G.S_DATE, G.FANGSONG, align=WD_ALIGN_PARAGRAPH.RIGHT, indent_chars=0,
              right_chars=G.DATE_RIGHT_CHARS),
    StyleSpec(G.S_RECORDAL, G.FANGSONG, G.RECORDAL_SIZE_PT, WD_ALIGN_PARAGRAPH.LEFT, 0,
              left_chars=1, right_chars=1),
    StyleSpec(G.S_PARTY, G.FANGSONG, align=WD_ALIGN_PARAGRAPH.LEFT, indent_chars=0),
    StyleSpec(G.S_FOOTER_ODD, G.SONGTI, G.RECORDAL_SIZE_PT, WD_ALIGN_PARAGRAPH.RIGHT, 0,
              exact_pitch=False, right_chars=1),
    StyleSpec(G.S_FOOTER_EVEN, G.SONGTI, G.RECORDAL_SIZE_PT, WD_ALIGN_PARAGRAPH.LEFT, 0,
              exact_pitch=False, left_chars=1),
]


def set_fonts(rpr, east_asia: str, size: float | None = None, red: bool = False) -> None:
    """Official font name on eastAsia (the CJK face), Times New Roman for Latin and digits."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # drop theme fonts: they would override the names below
    fonts.set(qn("w:ascii"), G.LATIN)
    fonts.set(qn("w:hAnsi"), G.LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), G.LATIN)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(size * 2)))
    if size == G.BODY_SIZE_PT:
        # 28 characters of 16 pt do not fit the 156 mm 版心 (448 pt > 442.2 pt). Condensing
        # by 0.25 pt gives 28 a line in Word and LibreOffice alike (see gbt9704.GRID_TYPE).
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(G.CHAR_CONDENSE_TWIPS))
        rpr.append(spacing)
    if red:
        color = OxmlElement("w:color")
        color.set(qn("w:val"), G.RED)
        rpr.append(color)


def _chars_indent(ppr, first: int, left: int, right: int, size: float) -> None:
    ind = OxmlElement("w:ind")
    twips_per_char = int(size * 20)
    if first:
        ind.set(qn("w:firstLineChars"), str(first * 100))
        ind.set(qn("w:firstLine"), str(first * twips_per_char))
    if left:
        ind.set(qn("w:leftChars"), str(left * 100))
        ind.set(qn("w:left"), str(left * twips_per_char))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))
        ind.set(qn("w:right"), str(right * twips_per_char))
    ppr.append(ind)


def add_style(doc, spec: StyleSpec) -> None:
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = None
    style.quick_style = True
    pf = style.paragraph_format
    pf.alignment = spec.align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = True
    if spec.exact_pitch:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Twips(G.LINE_PITCH_TWIPS)
    else:
        pf.line_spacing = 1.0
    if spec.keep_with_next:
        pf.keep_with_next = True
    ppr = style.element.get_or_add_pPr()
    if spec.indent_chars or spec.left_chars or spec.right_chars:
        _chars_indent(ppr, spec.indent_chars, spec.left_chars, spec.right_chars, spec.size)
    if spec.outline is not None:
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(spec.outline))
        ppr.append(lvl)
    set_fonts(style.element.get_or_add_rPr(), spec.font, spec.size, spec.red)
    if spec.red:
        style.font.color.rgb = RGBColor.from_string(G.RED)


def set_doc_defaults(doc) -> None:
    """docDefaults: 3号仿宋, no theme fonts, no spacing after (python-docx's default has some)."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, G.FANGSONG, G.BODY_SIZE_PT)
    normal = doc.styles["Normal"]
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Twips(G.LINE_PITCH_TWIPS)
    set_fonts(normal.element.get_or_add_rPr(), G.FANGSONG, G.BODY_SIZE_PT)


def set_page(section) -> None:
    section.page_width = Twips(G.PAGE_WIDTH)
    section.page_height = Twips(G.PAGE_HEIGHT)
    section.top_margin = Twips(round(G.MARGIN_TOP_MM * G.MM))
    section.bottom_margin = Twips(round(G.MARGIN_BOTTOM_MM * G.MM))
    section.left_margin = Twips(round(G.MARGIN_LEFT_MM * G.MM))
    section.right_margin = Twips(round(G.MARGIN_RIGHT_MM * G.MM))
    section.footer_distance = Twips(round(G.FOOTER_DISTANCE_MM * G.MM))
    section.header_distance = Twips(round(15 * G.MM))
    section.start_type = WD_SECTION.NEW_PAGE
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), G.GRID_TYPE)
    grid.set(qn("w:linePitch"), str(G.LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(G.CHAR_SPACE))
    sect.append(grid)


def _page_field(paragraph) -> None:
    """``— N —``: PAGE field between em dashes (4号宋体 from the footer style)."""
    def run(text: str | None = None, fld: str | None = None, instr: str | None = None):
        r = OxmlElement("w:r")
        if fld:
            c = OxmlElement("w:fldChar")
            c.set(qn("w:fldCharType"), fld)
            r.append(c)
        elif instr:
            t = OxmlElement("w:instrText")
            t.set(qn("xml:space"), "preserve")
            t.text = instr
            r.append(t)
        else:
            t = OxmlElement("w:t")
            t.set(qn("xml:space"), "preserve")
            t.text = text
            r.append(t)
        paragraph._p.append(r)

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def set_footers(doc, section) -> None:
    """Odd pages: number one character from the right; even pages: from the left."""
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    odd.style = doc.styles[G.S_FOOTER_ODD]
    _page_field(odd)
    even = section.even_page_footer.paragraphs[0]
    even.style = doc.styles[G.S_FOOTER_EVEN]
    _page_field(even)


def border(paragraph, side: str, size_eighths: int, color: str = "000000", space: int = 1):
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    bdr.append(el)


# ----------------------------------------------------------------------------- paragraphs

# Markers for paragraphs that need extra formatting beyond their style.
KEEP = "keep"  # keep_with_next (the last body paragraphs: they stay with the signature)
RED_RULE = "red_rule"  # red rule under the 发文字号, as wide as the 版心
RULE_TOP_THICK = "rule_top_thick"
RULE_TOP_THIN = "rule_top_thin"
RULE_BOTTOM_THICK = "rule_bottom_thick"
TAB_RIGHT = "tab_right"  # right tab stop at the 版心's right edge (印发机关 … 印发日期)


@dataclass(frozen=True)
class Para:
    style: str
    text: str
    marks: tuple[str, ...] = ()


def P(style: str, text: str, *marks: str) -> Para:
    return Para(style, text, marks)


def T(tag: str) -> Para:
    """A paragraph holding only a block tag ({%p … %}), removed by docxtpl when rendering."""
    return Para(G.S_BODY, "{%p " + tag + " %}")


def quotes(var: str, lead_style: str = G.S_BODY) -> list[Para]:
    """A loop printing quote blocks: the lead (《title》label规定：) then the exact lines."""
    return [
        T(f"for q in {var}"),
        P(lead_style, "{{ q.lead }}"),
        T("for line in q.lines"),
        P(G.S_QUOTE, "{{ line }}"),
        T("endfor"),
        T("endfor"),
    ]


def numbered(var: str, field: str = "text", style: str = G.S_BODY) -> list[Para]:
    """A loop over items with their ordinal ("1." …) computed in the context."""
    return [T(f"for it in {var}"), P(style, "{{ it.ordinal }}{{ it." + field + " }}"), T("endfor")]


def grounds_block(var: str = "grounds") -> list[Para]:
    """Each ground: ordinal + facts, then the rule(s) it falls under, quoted."""
    return [
        T(f"for g in {var}"),
        P(G.S_BODY, "{{ g.ordinal }}{{ g.facts }}"),
        T("for q in g.quotes"),
        P(G.S_BODY, "{{ q.lead }}"),
        T("for line in q.lines"),
        P(G.S_QUOTE, "{{ line }}"),
        T("endfor"),
        T("endfor"),
        T("endfor"),
    ]


def red_head() -> list[Para]:
    """发文机关标志, 发文字号 with the red rule, title placeholder follows, 主送机关."""
    return [
        P(G.S_ISSUER, "{{ issuer_mark }}"),
        P(G.S_BODY, ""),
        P(G.S_DOCNUMBER, "{{ doc_number }}", RED_RULE),
        P(G.S_BODY, ""),
    ]


def addressee() -> list[Para]:
    return [P(G.S_BODY, ""), P(G.S_ADDRESSEE, "{{ addressee }}：")]


def remedies(whom: str, heading: str | None = None) -> list[Para]:
    """救济途径: the provisions granting them, quoted; nothing when no provision applies."""
    return [
        T("if remedies"),
        *([P(G.S_H1, heading)] if heading else []),
        P(G.S_BODY, f"你单位对本{whom}有异议的，可以依照下列规定处理："),
        *quotes("remedies"),
        T("endif"),
    ]


def annotation() -> list[Para]:
    """附注 (GB/T 9704 7.3.6): the contact, in parentheses, on the line after the 成文日期,
    indented two characters (the body style's first-line indent)."""
    return [T("if contact"), P(G.S_BODY, "（{{ contact }}）"), T("endif")]


def tail(closing: str) -> list[Para]:
    """Closing line, 附件说明, 署名, 成文日期, 版记 (抄送, 印发机关 and 印发日期 between rules)."""
    return [
        P(G.S_BODY, closing, KEEP),
        T("if attachment_lines"),
        P(G.S_BODY, "", KEEP),
        T("for line in attachment_lines"),
        P(G.S_ATTACHMENT, "{{ line }}"),
        T("endfor"),
        T("endif"),
        P(G.S_BODY, "", KEEP),
        P(G.S_BODY, "", KEEP),
        P(G.S_SIGNATURE, "{{ signature }}"),
        P(G.S_DATE, "{{ date_cn }}"),
        *annotation(),
        T("if recordal"),
        P(G.S_BODY, ""),
        P(G.S_BODY, ""),
        T("if cc"),
        P(G.S_RECORDAL, "抄送：{{ cc }}", RULE_TOP_THICK),
        P(G.S_RECORDAL, "{{ printed_by }}\t{{ printed_cn }}印发", RULE_TOP_THIN, RULE_BOTTOM_THICK,
          TAB_RIGHT),
        T("else"),
        P(G.S_RECORDAL, "{{ printed_by }}\t{{ printed_cn }}印发", RULE_TOP_THICK,
          RULE_BOTTOM_THICK, TAB_RIGHT),
        T("endif"),
        T("endif"),
    ]


def notice(title: str, body: Iterable[Para], closing: str) -> list[Para]:
    return [*red_head(), P(G.S_TITLE, title), *addressee(), *body, *tail(closing)]


# ----------------------------------------------------------------------------- the notices

TEMPLATES: dict[str, list[Para]] = {}

TEMPLATES["notices/refusal.docx"] = notice("不予受理通知书", [
    P(G.S_BODY, "{{ applicant }}于{{ received_cn }}向我单位提出医疗保障定点申请。经审核，"
                "你单位存在以下情形："),
    *grounds_block(),
    P(G.S_BODY, "根据{{ basis_label }}的规定，我单位决定对你单位本次医疗保障定点申请不予受理。"),
    *remedies("通知"),
], "特此通知。")

TEMPLATES["notices/supplement.docx"] = notice("补正材料告知书", [
    P(G.S_BODY, "你单位于{{ received_cn }}提交的医疗保障定点申请材料经初审不齐全。"),
    *quotes("basis"),
    P(G.S_BODY, "根据上述规定，现一次性告知你单位需补正以下材料："),
    *numbered("materials"),
    T("if applicant_deadline"),
    P(G.S_BODY, "请你单位{{ applicant_deadline }}提交上述补正材料，逾期未提交的，按上述规定处理。"),
    T("else"),
    P(G.S_BODY, "请你单位补齐上述材料后一并提交。"),
    T("endif"),
], "特此告知。")

TEMPLATES["notices/evaluation_failed.docx"] = notice("评估结果告知书", [
    P(G.S_BODY, "你单位于{{ received_cn }}提出的医疗保障定点申请，经我单位组织评估"
                "（评估完成日期：{{ evaluated_cn }}），评估结果为不合格。现将有关事项告知如下："),
    P(G.S_H1, "一、不合格的理由"),
    *numbered("reasons"),
    P(G.S_H1, "二、整改建议"),
    *numbered("advice"),
    P(G.S_H1, "三、再次评估"),
    *quotes("basis"),
    P(G.S_BODY, "你单位自本告知书送达之日起整改满{{ re_evaluation_months }}个月（即{{ re_evaluation_cn }}）"
                "后，可向我单位申请再次组织评估；再次评估的结果按上述规定处理。"),
    *remedies("告知书", "四、救济途径"),
], "特此告知。")

TEMPLATES["notices/suspension.docx"] = notice("中止医保协议决定书", [
    P(G.S_BODY, "经查，你单位（医保协议编号：{{ agreement_no }}）存在以下情形："),
    P(G.S_H1, "一、中止协议的事实和依据"),
    *grounds_block(),
    P(G.S_H1, "二、中止决定"),
    P(G.S_BODY, "根据上述规定，我单位决定自{{ effective_cn }}起中止与你单位签订的医疗保障服务协议。"),
    T("if until_cn"),
    P(G.S_BODY, "中止期限自{{ effective_cn }}起至{{ until_cn }}止。"),
    T("endif"),
    P(G.S_H1, "三、中止期间的有关事项"),
    *quotes("consequences"),
    T("if rectification"),
    P(G.S_BODY, "请你单位在中止期间完成以下整改："),
    *numbered("rectification"),
    T("endif"),
    *remedies("决定", "四、救济途径"),
], "特此决定。")

TEMPLATES["notices/termination.docx"] = notice("解除医保协议决定书", [
    P(G.S_BODY, "经查，你单位（医保协议编号：{{ agreement_no }}）存在以下情形："),
    P(G.S_H1, "一、解除协议的事实和依据"),
    *grounds_block(),
    P(G.S_H1, "二、解除决定"),
    P(G.S_BODY, "根据上述规定，我单位决定自{{ effective_cn }}起解除与你单位签订的医疗保障服务协议。"),
    P(G.S_H1, "三、解除协议后的有关事项"),
    *quotes("consequences"),
    *remedies("决定", "四、救济途径"),
], "特此决定。")

TEMPLATES["notices/interview.docx"] = notice("约谈通知书", [
    P(G.S_BODY, "经查，你单位在履行医疗保障服务协议中存在以下问题："),
    *numbered("issues"),
    *quotes("basis"),
    P(G.S_BODY, "根据上述规定，我单位定于{{ at_cn }}在{{ place }}约谈你单位{{ attendees }}，请准时参加。"),
    T("if bring"),
    P(G.S_BODY, "请携带以下材料："),
    *numbered("bring"),
    T("endif"),
], "特此通知。")

_STAFF_INTRO = [
    P(G.S_BODY, "经查，你（{{ person_desc }}）在{{ institution }}执业（就业）期间存在以下行为："),
    *numbered("facts"),
    P(G.S_BODY, "经认定，你对上述行为负有{{ responsibility }}责任。"),
]
_STAFF_REPAIR = [
    T("if repair"),
    P(G.S_BODY, "你可以依照下列规定申请记分修复："),
    *quotes("repair"),
    T("endif"),
    T("if objection"),
    P(G.S_BODY, "你对记分结果或登记备案状态有异议的，可以依照下列规定提出陈述、申辩："),
    *quotes("objection"),
    T("endif"),
]

TEMPLATES["notices/staff_points.docx"] = notice("医保支付资格记分告知书", [
    *_STAFF_INTRO,
    *quotes("scoring"),
    P(G.S_BODY, "根据上述规定，对你记{{ points }}分。本次记分后，你{{ year }}年度累计记分为{{ year_total }}分。"),
    T("if consequences"),
    *quotes("consequences"),
    P(G.S_BODY, "根据上述规定，对你作出相应处理。"),
    T("endif"),
    *_STAFF_REPAIR,
], "特此告知。")

TEMPLATES["notices/staff_suspension.docx"] = notice("暂停医保支付资格告知书", [
    *_STAFF_INTRO,
    P(G.S_BODY, "截至本次记分，你{{ year }}年度累计记分为{{ year_total }}分。"),
    *quotes("consequences"),
    P(G.S_BODY, "根据上述规定，决定暂停你的医保支付资格{{ months }}个月，自{{ start_cn }}起至{{ end_cn }}止。"),
    *quotes("effects"),
    *_STAFF_REPAIR,
], "特此告知。")

TEMPLATES["notices/staff_termination.docx"] = notice("终止医保支付资格告知书", [
    *_STAFF_INTRO,
    P(G.S_BODY, "截至本次记分，你{{ year }}年度累计记分为{{ year_total }}分。"),
    *quotes("consequences"),
    P(G.S_BODY, "根据上述规定，决定自{{ start_cn }}起终止你的医保支付资格，"
                "{{ ban_years }}年内（至{{ ban_end_cn }}）不得再次登记备案。"),
    *quotes("effects"),
    *_STAFF_REPAIR,
], "特此告知。")


# ----------------------------------------------------------------------------- the agreements


def parties() -> list[Para]:
    return [
        P(G.S_PARTY, "甲方：{{ party_a.name }}"),
        P(G.S_PARTY, "地址：{{ party_a.address }}"),
        P(G.S_PARTY, "法定代表人（负责人）：{{ party_a.representative }}"),
        P(G.S_BODY, ""),
        P(G.S_PARTY, "乙方：{{ party_b.name }}"),
        P(G.S_PARTY, "统一社会信用代码：{{ party_b.credit_code }}"),
        P(G.S_PARTY, "地址：{{ party_b.address }}"),
        P(G.S_PARTY, "法定代表人（主要负责人）：{{ party_b.representative }}"),
        P(G.S_BODY, ""),
    ]


def signatures() -> list[Para]:
    """Both parties' blocks. The 签订 date stays blank in a draft: the parties fill it in."""
    return [
        P(G.S_BODY, "", KEEP),
        P(G.S_PARTY, "甲方（盖章）：{{ party_a.name }}", KEEP),
        P(G.S_PARTY, "法定代表人（负责人）或委托代理人（签字）：", KEEP),
        P(G.S_PARTY, "签订日期：　　　　年　　月　　日", KEEP),
        P(G.S_BODY, "", KEEP),
        P(G.S_PARTY, "乙方（盖章）：{{ party_b.name }}", KEEP),
        P(G.S_PARTY, "法定代表人（主要负责人）或委托代理人（签字）：", KEEP),
        P(G.S_PARTY, "签订日期：　　　　年　　月　　日"),
        P(G.S_BODY, ""),
        P(G.S_SIGNATURE, "草案拟稿单位：{{ signature }}"),
        P(G.S_DATE, "{{ date_cn }}"),
    ]


TEMPLATES["agreements/service_agreement.docx"] = [
    P(G.S_TITLE, "医疗保障服务协议（草案）"),
    P(G.S_DOCNUMBER, "协议编号：{{ agreement_no }}"),
    P(G.S_BODY, ""),
    *parties(),
    P(G.S_BODY, "为保障参保人员合法权益，规范医疗保障服务，甲乙双方经协商一致，签订本协议。"),
    P(G.S_H1, "{{ num.term }}、协议期限"),
    T("if fixed_years"),
    P(G.S_BODY, "本协议采取固定协议和年度协议相结合的方式签订。固定协议期限{{ fixed_years }}年，"
                "自{{ start_cn }}起至{{ end_cn }}止；年度协议内容每年根据具体情况调整。"),
    T("else"),
    P(G.S_BODY, "本协议期限{{ term_years }}年，自{{ start_cn }}起至{{ end_cn }}止。"),
    T("endif"),
    *quotes("term_basis"),
    P(G.S_H1, "{{ num.scope }}、服务范围"),
    P(G.S_BODY, "乙方为参保人员提供以下医疗保障服务："),
    *numbered("scope"),
    P(G.S_H1, "{{ num.settlement }}、费用结算与拨付"),
    P(G.S_BODY, "乙方按规定向甲方申报医保费用。甲方对符合规定的医保费用，在乙方申报后"
                "{{ payment_workdays }}个工作日内拨付。"),
    *quotes("payment_basis"),
    T("if deposit"),
    P(G.S_H1, "{{ num.deposit }}、医保服务质量保证金"),
    P(G.S_BODY, "甲方按乙方{{ deposit.base }}的{{ deposit.percent }}%预留医保服务质量保证金，"
                "并根据绩效考核结果{{ deposit.use }}。"),
    *quotes("deposit_basis"),
    T("endif"),
    P(G.S_H1, "{{ num.breach }}、违约处理"),
    P(G.S_BODY, "乙方违反本协议约定的，甲方可以依照下列规定处理："),
    *quotes("breach_basis"),
    P(G.S_H1, "{{ num.suspension }}、协议的中止和解除"),
    *quotes("suspension_basis"),
    *quotes("termination_basis"),
    P(G.S_H1, "{{ num.disputes }}、争议处理"),
    T("if disputes_basis"),
    P(G.S_BODY, "双方就本协议发生争议的，依照下列规定处理："),
    *quotes("disputes_basis"),
    T("else"),
    P(G.S_BODY, "双方就本协议发生争议的，应当协商解决；协商不成的，依照国家和本地区有关规定处理。"),
    T("endif"),
    P(G.S_H1, "{{ num.other }}、其他"),
    P(G.S_BODY, "本协议一式{{ copies }}份，甲乙双方各执{{ copies_each }}份，具有同等效力。"
                "本协议自双方签字盖章之日起生效。", KEEP),
    *signatures(),
]

TEMPLATES["agreements/internet_plus.docx"] = [
    P(G.S_TITLE, "“互联网+”医疗服务医保支付补充协议（草案）"),
    P(G.S_DOCNUMBER, "协议编号：{{ agreement_no }}"),
    P(G.S_BODY, ""),
    *parties(),
    P(G.S_BODY, "甲乙双方在医疗保障服务协议（协议编号：{{ parent_no }}）基础上，就乙方开展"
                "“互联网+”医疗服务的医保支付事项，经协商一致，签订本补充协议。"),
    P(G.S_H1, "一、服务范围"),
    P(G.S_BODY, "乙方依托本机构的{{ hospital }}开展以下“互联网+”医疗服务："),
    *numbered("services"),
    P(G.S_H1, "二、应当具备的条件"),
    *quotes("conditions"),
    P(G.S_BODY, "乙方承诺在本补充协议期限内持续具备上述条件。"),
    P(G.S_H1, "三、费用结算"),
    P(G.S_BODY, "乙方开展“互联网+”医疗服务发生的符合医保支付范围的费用，由甲方与乙方按主协议的约定结算，"
                "甲方在乙方申报后{{ payment_workdays }}个工作日内拨付符合规定的费用。"),
    *quotes("payment_basis"),
    P(G.S_H1, "四、协议期限"),
    P(G.S_BODY, "本补充协议自{{ start_cn }}起至主协议期满之日（{{ end_cn }}）止。主协议中止或解除的，"
                "本补充协议同时中止或解除。"),
    P(G.S_H1, "五、其他"),
    P(G.S_BODY, "本补充协议未约定的事项，按主协议执行。本补充协议一式{{ copies }}份，"
                "甲乙双方各执{{ copies_each }}份。", KEEP),
    *signatures(),
]


# ----------------------------------------------------------------------------- build


def build(paras: list[Para]) -> bytes:
    doc = Document()
    set_doc_defaults(doc)
    for spec in STYLES:
        add_style(doc, spec)
    section = doc.sections[0]
    set_page(section)
    set_footers(doc, section)
    for para in paras:
        p = doc.add_paragraph(style=doc.styles[para.style])
        if para.text:
            p.add_run(para.text)  # ONE run per paragraph: tags are never split
        if KEEP in para.marks:
            p.paragraph_format.keep_with_next = True
        if RED_RULE in para.marks:
            border(p, "bottom", 12, G.RED, space=11)  # ≈ 4 mm below the 文号
        if RULE_TOP_THICK in para.marks:
            border(p, "top", 8)  # 0.35 mm
        if RULE_TOP_THIN in para.marks:
            border(p, "top", 6)  # 0.25 mm
        if RULE_BOTTOM_THICK in para.marks:
            border(p, "bottom", 8)
        if TAB_RIGHT in para.marks:
            tabs = p.paragraph_format.tab_stops
            tabs.add_tab_stop(Twips(G.TEXT_WIDTH_TWIPS - 2 * G.RECORDAL_SIZE_PT * 20), 2)  # right
    slim(doc)
    props = doc.core_properties
    props.author = "policykit"
    props.title = ""
    from datetime import datetime
    props.created = props.modified = datetime.fromisoformat(CORE_DATE.replace("Z", "+00:00"))
    props.last_modified_by = "policykit"
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}
DROP_PARTS = ("stylesWithEffects", "webSettings", "customXml", "thumbnail")


def slim(doc) -> None:
    """Drop what python-docx's default document carries and no template uses: ~270 latent and
    unused styles, stylesWithEffects, the thumbnail… Every render parses and every save deflates
    these parts, so they cost more than the notice itself (≈ 800 kB → ≈ 40 kB)."""
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for style in styles.findall(qn("w:style")):
        sid = style.get(qn("w:styleId"))
        if sid not in KEEP_STYLES and not sid.startswith("PK-"):
            styles.remove(style)
    for owner in (doc.part, doc.part.package):
        for rid, rel in list(owner.rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in DROP_PARTS:
                owner.rels.pop(rid)


def _normalise_zip(data: bytes) -> bytes:
    """Fixed timestamps and order inside the zip, so a rebuild is byte-identical."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))
    return out.getvalue()


def main() -> None:
    for rel, paras in TEMPLATES.items():
        atomic_write(HERE / rel, build(paras))
        print(f"wrote templates/{rel}")


if __name__ == "__main__":
    main()
