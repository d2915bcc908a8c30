"""Pressing the seal onto a GB/T 9704 DOCX, and the 文号 into it.

The signature block is found by paragraph style (``PK-Signature`` 署名 lines, ``PK-Date`` 成文日期);
for a DOCX without those styles, by its shape (the last paragraph that is only a date, with the
署名 lines right above it). The seal becomes a floating picture (wrap none, in front of the text)
anchored to the last 署名 paragraph, centred on the 署名 and low enough to press on the 成文日期
(GB/T 9704 7.3.5.1: 署名 and 成文日期 sit a little below the seal's centre).

GB/T 9704 forbids a page holding only the seal: the last body paragraph, the blank lines after
it and the 署名 lines are set keep-with-next, so a page break can only fall before them all.
``tighten`` removes blank lines above the 署名 when a rendered PDF still fails the check.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt
from docx.text.paragraph import Paragraph

STYLE_NUMBER = "PK-DocNumber"
STYLE_SIGNATURE = "PK-Signature"
STYLE_DATE = "PK-Date"
SEAL_NAME = "PK-Seal"

# 成文日期 as printed: Arabic numerals (GB/T 9704-2012) or the older Chinese numerals.
_DATE_RE = re.compile(
    r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$"
)
_ARABIC_DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


class SealingError(ValueError):
    """The DOCX has no recognisable signature block (or no place for the 文号)."""


@dataclass(frozen=True)
class SignatureBlock:
    """Where the 署名 and 成文日期 are, and the text the PDF check looks for."""

    body_last: int | None  # index of the last non-empty paragraph before the 署名
    signature: tuple[int, ...]  # paragraph indices of the 署名 lines
    date: int  # paragraph index of the 成文日期
    body_last_text: str
    signature_text: tuple[str, ...]
    date_text: str


@dataclass(frozen=True)
class PreparedDocx:
    """A DOCX ready to render: number filled in, seal pressed on, block kept together."""

    docx: bytes
    block: SignatureBlock
    number: str | None
    seal_diameter_pt: float | None


class _StyleChains:
    """Paragraph style names with their base styles, by style id, read once per document
    (python-docx resolves ``paragraph.style`` with an XPath search every time)."""

    def __init__(self, doc: DocxDocument):
        styles_el = doc.styles.element
        names: dict[str, str] = {}
        based_on: dict[str, str | None] = {}
        default_id = None
        for el in styles_el.findall(qn("w:style")):
            if el.get(qn("w:type")) != "paragraph":
                continue
            style_id = el.get(qn("w:styleId"))
            name_el, base_el = el.find(qn("w:name")), el.find(qn("w:basedOn"))
            names[style_id] = name_el.get(qn("w:val")) if name_el is not None else style_id
            based_on[style_id] = base_el.get(qn("w:val")) if base_el is not None else None
            if el.get(qn("w:default")) in ("1", "true"):
                default_id = style_id
        self._chains: dict[str | None, list[str]] = {}
        for style_id in names:
            chain, current = [], style_id
            while current in names and len(chain) < 10:  # a template may derive styles
                chain.append(_ui_name(names[current]))
                current = based_on[current]
            self._chains[style_id] = chain
        self._chains[None] = self._chains.get(default_id, [])

    def __call__(self, paragraph: Paragraph) -> list[str]:
        return self._chains.get(paragraph._p.style, self._chains[None])


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _ui_name(name: str) -> str:
    """python-docx's UI names for the built-in styles stored in lower case ("normal" → "Normal")."""
    from docx.styles import BabelFish

    return BabelFish.internal2ui(name)


def find_signature_block(doc: DocxDocument) -> SignatureBlock:
    """The 署名/成文日期 by style, else by shape; raises ``SealingError`` when there is none."""
    paragraphs = doc.paragraphs
    chains = _StyleChains(doc)
    styles = [chains(p) for p in paragraphs]
    signature = [i for i, names in enumerate(styles) if STYLE_SIGNATURE in names]
    dates = [i for i, names in enumerate(styles) if STYLE_DATE in names]
    if signature or dates:
        if not signature or not dates:
            missing = STYLE_SIGNATURE if not signature else STYLE_DATE
            raise SealingError(f"the DOCX has no paragraph in style {missing}")
        date = dates[-1]
        signature = [i for i in signature if i < date and paragraphs[i].text.strip()]
        if not signature:
            raise SealingError(f"no non-empty {STYLE_SIGNATURE} paragraph above the {STYLE_DATE}")
    else:
        candidates = [i for i, p in enumerate(paragraphs) if _DATE_RE.match(_compact(p.text))]
        if not candidates:
            raise SealingError(
                f"no signature block: mark the 署名 with style {STYLE_SIGNATURE} and the"
                f" 成文日期 with style {STYLE_DATE}"
            )
        date = candidates[-1]
        signature = []
        i = date - 1
        # 署名 lines: directly above the date, short, without sentence punctuation
        while i >= 0 and len(signature) < 4:
            text = paragraphs[i].text.strip()
            if not text or len(text) > 30 or text[-1] in "。：；，:;,":
                break
            signature.insert(0, i)
            i -= 1
        if not signature:
            raise SealingError(f"no 署名 line directly above the 成文日期 {paragraphs[date].text!r}")
    body_last = next(
        (i for i in range(signature[0] - 1, -1, -1) if paragraphs[i].text.strip()), None
    )
    return SignatureBlock(
        body_last=body_last,
        signature=tuple(signature),
        date=date,
        body_last_text=paragraphs[body_last].text.strip() if body_last is not None else "",
        signature_text=tuple(paragraphs[i].text.strip() for i in signature),
        date_text=paragraphs[date].text.strip(),
    )


def doc_date_from_text(date_text: str) -> date | None:
    """The 成文日期 as a ``date`` when printed in Arabic numerals (else None)."""
    m = _ARABIC_DATE_RE.match(_compact(date_text))
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


def date_text(day: date) -> str:
    """成文日期 as GB/T 9704-2012 prints it: Arabic numerals, no leading zeros (2026年3月2日)."""
    return f"{day.year}年{day.month}月{day.day}日"


def number_slots(doc: DocxDocument) -> list[Paragraph]:
    """The ``PK-DocNumber`` paragraphs, where the 文号 is printed."""
    chains = _StyleChains(doc)
    return [p for p in doc.paragraphs if STYLE_NUMBER in chains(p)]


def set_number(doc: DocxDocument, number: str) -> int:
    """Write ``number`` into every ``PK-DocNumber`` paragraph (keeping the first run's
    formatting); returns how many paragraphs took it."""
    count = 0
    for p in number_slots(doc):
        runs = p.runs
        if runs:
            runs[0].text = number
            for run in runs[1:]:
                run._r.getparent().remove(run._r)
        else:
            p.add_run(number)
        count += 1
    return count


def keep_block_together(doc: DocxDocument, block: SignatureBlock) -> None:
    """Keep-with-next from the last body paragraph down to the 成文日期, and no splitting of the
    block's own paragraphs: the seal's page always carries body text."""
    paragraphs = doc.paragraphs
    first = block.body_last if block.body_last is not None else block.signature[0]
    for i in range(first, block.date):
        paragraphs[i].paragraph_format.keep_with_next = True
    for i in (*block.signature, block.date):
        paragraphs[i].paragraph_format.keep_together = True


# -- geometry (points) --------------------------------------------------------------------------


def _chain(paragraph: Paragraph) -> Iterable:
    """paragraph_format objects from the paragraph up its style chain."""
    yield paragraph.paragraph_format
    style = paragraph.style
    while style is not None:
        yield style.paragraph_format
        style = style.base_style


def _first(values: Iterable, default):
    return next((v for v in values if v is not None), default)


def _font_size_pt(paragraph: Paragraph) -> float:
    run_sizes = [r.font.size for r in paragraph.runs if r.font.size is not None]
    if run_sizes:
        return run_sizes[0].pt
    style = paragraph.style
    while style is not None:
        if style.font.size is not None:
            return style.font.size.pt
        style = style.base_style
    return 16.0  # 3号, the body size of GB/T 9704


def _line_pitch_pt(paragraph: Paragraph) -> float:
    for pf in _chain(paragraph):
        if pf.line_spacing is None:
            continue
        if pf.line_spacing_rule in (WD_LINE_SPACING.EXACTLY, WD_LINE_SPACING.AT_LEAST):
            return pf.line_spacing.pt
        if isinstance(pf.line_spacing, float):
            return pf.line_spacing * _font_size_pt(paragraph) * 1.3
    return _font_size_pt(paragraph) * 1.3


def text_width_pt(text: str, size: float) -> float:
    """Printed width of a line: full-width characters one em, ASCII half an em."""
    return sum(size * (0.5 if ord(c) < 0x2E80 else 1.0) for c in text.strip())


def _centre_x_pt(paragraph: Paragraph, area_width: float) -> float:
    """Horizontal centre of the paragraph's text, from the left edge of the text area."""
    size = _font_size_pt(paragraph)
    width = text_width_pt(paragraph.text, size)
    chain = list(_chain(paragraph))
    align = _first((pf.alignment for pf in chain), WD_ALIGN_PARAGRAPH.LEFT)
    left = _first((pf.left_indent for pf in chain), Emu(0)).pt
    right = _first((pf.right_indent for pf in chain), Emu(0)).pt
    first_line = _first((pf.first_line_indent for pf in chain), Emu(0)).pt
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        return area_width - right - width / 2
    if align == WD_ALIGN_PARAGRAPH.CENTER:
        return (left + area_width - right) / 2
    return left + first_line + width / 2


def _text_area_width_pt(doc: DocxDocument) -> float:
    section = doc.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 12700


# -- the floating picture -----------------------------------------------------------------------


def _anchor_xml(inline, *, x_emu: int, y_emu: int, shape_id: int) -> object:
    """A ``wp:anchor`` (floating, wrap none, in front of text) carrying the inline's picture."""
    extent = inline.find(qn("wp:extent"))
    graphic = inline.find(qn("a:graphic"))
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp", "a", "pic", "r")} distT="0" distB="0" distL="0" distR="0"'
        ' simplePos="0" relativeHeight="251659264" behindDoc="0" locked="1" layoutInCell="1"'
        ' allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="margin"><wp:posOffset>{x_emu}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>{y_emu}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{extent.get("cx")}" cy="{extent.get("cy")}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        "<wp:wrapNone/>"
        f'<wp:docPr id="{shape_id}" name="{SEAL_NAME}" descr="{SEAL_NAME}"/>'
        "<wp:cNvGraphicFramePr>"
        '<a:graphicFrameLocks noChangeAspect="1"/>'
        "</wp:cNvGraphicFramePr>"
        "</wp:anchor>"
    )
    anchor.append(copy.deepcopy(graphic))
    return anchor


def _next_shape_id(doc: DocxDocument) -> int:
    ids = [int(e.get("id")) for e in doc.element.body.iter(qn("wp:docPr")) if e.get("id", "").isdigit()]
    return max(ids, default=0) + 1


def press_seal(
    doc: DocxDocument, block: SignatureBlock, seal_png: bytes, *, diameter_mm: float = 42.0
) -> float:
    """Anchor the seal to the last 署名 paragraph; returns its diameter in points."""
    paragraphs = doc.paragraphs
    anchor_para = paragraphs[block.signature[-1]]
    area = _text_area_width_pt(doc)
    centres = [_centre_x_pt(paragraphs[i], area) for i in block.signature]
    centre_x = sum(centres) / len(centres)
    pitch = _line_pitch_pt(anchor_para)
    diameter = Mm(diameter_mm).pt
    # The seal's centre a quarter line below the top of the last 署名 line: the 署名 and the
    # 成文日期 under it then sit just below the centre, and the seal's top stays within about
    # one line of the body text above the (usually two) blank lines.
    centre_y = 0.25 * pitch
    run = anchor_para.add_run()
    run.add_picture(io.BytesIO(seal_png), width=Mm(diameter_mm), height=Mm(diameter_mm))
    drawing = run._r.find(qn("w:drawing"))
    inline = drawing.find(qn("wp:inline"))
    anchor = _anchor_xml(
        inline,
        x_emu=int(Pt(centre_x - diameter / 2)),
        y_emu=int(Pt(centre_y - diameter / 2)),
        shape_id=_next_shape_id(doc),
    )
    drawing.replace(inline, anchor)
    return diameter


def prepare_docx(
    docx: bytes,
    *,
    number: str | None,
    seal_png: bytes | None,
    seal_diameter_mm: float = 42.0,
    require_number_slot: bool = False,
) -> PreparedDocx:
    """Fill in the 文号, press the seal, keep the signature block with the body."""
    doc = Document(io.BytesIO(docx))
    block = find_signature_block(doc)
    if number is not None:
        filled = set_number(doc, number)
        if require_number_slot and filled == 0:
            raise SealingError(f"no paragraph in style {STYLE_NUMBER} to print {number} in")
    keep_block_together(doc, block)
    diameter = press_seal(doc, block, seal_png, diameter_mm=seal_diameter_mm) if seal_png else None
    buf = io.BytesIO()
    doc.save(buf)
    return PreparedDocx(buf.getvalue(), block, number, diameter)


def tighten(docx: bytes, level: int) -> bytes:
    """Pull the signature block closer to the body: level 1 keeps one blank line above the 署名,
    level 2 none (and no space before it). Used when a rendered PDF fails the page check."""
    doc = Document(io.BytesIO(docx))
    block = find_signature_block(doc)
    paragraphs = doc.paragraphs
    start = (block.body_last + 1) if block.body_last is not None else block.signature[0]
    blanks = [paragraphs[i] for i in range(start, block.signature[0]) if not paragraphs[i].text.strip()]
    keep = 1 if level <= 1 else 0
    for p in blanks[keep:]:
        # a blank paragraph carrying a floating object is not blank: leave it
        if p._p.find(f".//{qn('w:drawing')}") is None:
            p._p.getparent().remove(p._p)
    if level >= 2:
        paragraphs = doc.paragraphs
        paragraphs[find_signature_block(doc).signature[0]].paragraph_format.space_before = Pt(0)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
