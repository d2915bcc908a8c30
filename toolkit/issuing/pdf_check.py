"""Checks on a rendered 公文 PDF: fonts, seal page, signature block, page numbers, 文号.

Every check returns ``Finding``s (code, severity, page, message) instead of raising, so the
issuing chain can decide what blocks issue and what is reported. Codes:

- ``fonts-not-embedded`` (error)   a font the PDF uses is not embedded
- ``font-unexpected`` (error)      a font outside the expected free fonts (fontconfig fell back)
- ``font-not-in-docx`` (error)     a font that is neither one the DOCX asks for nor its alias
- ``font-substituted`` (error)     a DOCX font set only in a fallback (its face is missing)
- ``date-missing`` (error)         the 成文日期 line is not in the PDF
- ``seal-missing`` (error)         no seal-sized square image
- ``seal-page`` (error)            the seal is not on the page of the 成文日期
- ``seal-position`` (error)        the seal does not press on both the 署名 and the 成文日期
- ``signature-alone`` (error)      the 署名 page has no body text (a page of only signature/seal)
- ``number-missing`` (error)       the 发文字号 is not printed
- ``page-number-missing`` (warning) / ``page-number-wrong`` (error) / ``page-number-side`` (error)
  / ``page-number-indent`` (warning): GB/T 9704 7.5 — ``— N —``, odd pages at the right and even
  pages at the left, one character in from the 版心 edge.

Text is compared without whitespace: LibreOffice puts spaces between CJK and digits.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral

from toolkit.issuing.fonts import family_of

MM = 72 / 25.4
_PAGE_NUMBER_RE = re.compile(r"^[—–－\-―]+(\d+)[—–－\-―]+$")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str
    page: int | None = None  # 1-based

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{self.severity}: {where}{self.message} [{self.code}]"


@dataclass(frozen=True)
class Expectations:
    """What the PDF should show, from the prepared DOCX."""

    date_text: str | None = None
    signature_text: Sequence[str] = ()
    body_last_text: str | None = None
    seal_diameter_pt: float | None = None
    number: str | None = None
    allowed_fonts: Sequence[str] = ()  # substrings of acceptable base font names; empty = any
    docx_fonts: Sequence[str] = ()  # the fonts the DOCX asks for: the PDF may hold these or aliases
    page_numbers: bool = True
    left_margin_mm: float = 28.0
    right_margin_mm: float = 26.0


@dataclass(frozen=True)
class FontInfo:
    name: str  # base name without the subset tag
    subtype: str
    embedded: bool


@dataclass(frozen=True)
class Box:
    page: int
    x0: float
    top: float
    x1: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.page == other.page
            and self.x0 < other.x1
            and other.x0 < self.x1
            and self.top < other.bottom
            and other.top < self.bottom
        )


@dataclass
class PdfReport:
    page_count: int
    page_size: tuple[float, float]  # points, of page 1
    fonts: list[FontInfo]
    date_box: Box | None = None
    signature_boxes: list[Box] = field(default_factory=list)
    seal_boxes: list[Box] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _name(value) -> str:
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return str(value or "")


def _font_embedded(font: dict) -> bool:
    subtype = _name(font.get("Subtype"))
    if subtype == "Type3":
        return True  # glyphs are content streams inside the PDF
    if subtype == "Type0":
        descendants = resolve1(font.get("DescendantFonts")) or []
        return bool(descendants) and all(_font_embedded(resolve1(d)) for d in descendants)
    descriptor = resolve1(font.get("FontDescriptor"))
    return isinstance(descriptor, dict) and any(
        k in descriptor for k in ("FontFile", "FontFile2", "FontFile3")
    )


def list_fonts(doc: PDFDocument) -> list[FontInfo]:
    """Every top-level font object in the file (page text, form XObjects, annotation
    appearances such as a signature stamp), deduplicated by name."""
    seen: dict[str, FontInfo] = {}
    for xref in doc.xrefs:
        for objid in xref.get_objids():
            try:
                obj = resolve1(doc.getobj(objid))
            except Exception:  # noqa: BLE001 - free/broken entries are not fonts
                continue
            if not isinstance(obj, dict) or _name(obj.get("Type")) != "Font":
                continue
            subtype = _name(obj.get("Subtype"))
            if subtype.startswith("CIDFontType"):
                continue  # judged through its Type0 parent
            base = _name(obj.get("BaseFont")).split("+", 1)[-1] or f"<{subtype} font>"
            info = FontInfo(base, subtype, _font_embedded(obj))
            if base not in seen or not info.embedded:
                seen[base] = info
    return sorted(seen.values(), key=lambda f: f.name)


def _page_lines(page: pdfium.PdfPage, height: float) -> list[dict]:
    """Text lines as pdfium breaks them, with boxes in top-down coordinates (like pdfplumber's):
    pdfium is an order of magnitude faster than pdfminer at this."""
    textpage = page.get_textpage()
    lines: list[dict] = []
    chars: list[tuple[str, tuple[float, float, float, float]]] = []

    def flush() -> None:
        boxes = [b for ch, b in chars if not ch.isspace()]
        if boxes:
            lines.append(
                {
                    "text": "".join(ch for ch, _ in chars).strip(),
                    "x0": min(b[0] for b in boxes),
                    "top": height - max(b[3] for b in boxes),
                    "x1": max(b[2] for b in boxes),
                    "bottom": height - min(b[1] for b in boxes),
                }
            )
        chars.clear()

    for i in range(textpage.count_chars()):
        ch = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if ch in "\r\n":
            flush()
        else:
            chars.append((ch, textpage.get_charbox(i)))
    flush()
    textpage.close()
    return lines


def _page_images(page: pdfium.PdfPage, height: float) -> list[dict]:
    images = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = obj.get_bounds()
        images.append(
            {"x0": left, "top": height - top, "x1": right, "bottom": height - bottom,
             "width": right - left, "height": top - bottom}
        )  # fmt: skip
    return images


def inspect_pdf(pdf_file: Path | str | bytes, expect: Expectations = Expectations()) -> PdfReport:
    """Read the PDF once and run every check that ``expect`` allows."""
    data = pdf_file if isinstance(pdf_file, bytes) else Path(pdf_file).read_bytes()
    fonts = list_fonts(PDFDocument(PDFParser(io.BytesIO(data))))
    document = pdfium.PdfDocument(data)
    try:
        sizes, lines, images = [], [], []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            sizes.append((float(width), float(height)))
            lines.append([(index + 1, line) for line in _page_lines(page, height)])
            images += [(index + 1, im) for im in _page_images(page, height)]
            page.close()
    finally:
        document.close()
    report = PdfReport(page_count=len(sizes), page_size=sizes[0] if sizes else (0.0, 0.0), fonts=fonts)
    _check_fonts(report, expect)
    _check_signature_block(report, expect, lines, images)
    if expect.number:
        first = "".join(_compact(line["text"]) for _, line in lines[0]) if lines else ""
        if _compact(expect.number) not in first:
            report.findings.append(
                Finding("number-missing", "error", f"发文字号 {expect.number} is not printed", 1)
            )
    if expect.page_numbers:
        _check_page_numbers(report, expect, sizes, lines)
    return report


def check_pdf(pdf_file: Path | str | bytes, expect: Expectations = Expectations()) -> list[Finding]:
    """The findings of ``inspect_pdf``."""
    return inspect_pdf(pdf_file, expect).findings


def _check_fonts(report: PdfReport, expect: Expectations) -> None:
    for font in report.fonts:
        if not font.embedded:
            report.findings.append(
                Finding("fonts-not-embedded", "error", f"font {font.name} ({font.subtype}) is not embedded")
            )
        if expect.allowed_fonts and not any(a in font.name for a in expect.allowed_fonts):
            report.findings.append(
                Finding("font-unexpected", "error", f"font {font.name} is not one of the mapped free fonts")
            )
    if expect.docx_fonts:
        _check_fonts_against_docx(report, expect.docx_fonts)


def _check_fonts_against_docx(report: PdfReport, docx_fonts: Sequence[str]) -> None:
    """Every font in the PDF is one the DOCX asks for or a declared alias of one (fonts.conf);
    a DOCX font set only in its fallbacks (the face itself missing) is named too."""
    from toolkit.issuing.fonts import STAMP_FONTS, accepted_families, aliases

    accepted = accepted_families(docx_fonts)
    used: set[str] = set()
    for font in report.fonts:
        family = family_of(font.name, [*accepted, *STAMP_FONTS])
        if family is None:
            report.findings.append(Finding(
                "font-not-in-docx", "error",
                f"font {font.name} is neither a font the DOCX asks for "
                f"({', '.join(docx_fonts)}) nor one of their aliases in fonts.conf"))
        else:
            used.add(family)
    table = aliases()
    for name in docx_fonts:
        chain = table.get(name, ())
        if chain and chain[0] not in used and any(f in used and accepted.get(f) == name
                                                   for f in chain[1:]):
            fallback = next(f for f in chain[1:] if f in used)
            report.findings.append(Finding(
                "font-substituted", "error",
                f"{name} is set in its fallback {fallback}, not in {chain[0]} (is it installed?)"))


def docx_fonts(docx: Path | str | bytes) -> list[str]:
    """The font names a DOCX asks for (w:rFonts in styles, body, headers and footers), in
    order of first use: what its PDF may contain (with their aliases)."""
    import zipfile

    data = docx if isinstance(docx, bytes) else Path(docx).read_bytes()
    names: dict[str, None] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in z.namelist():
            if not part.startswith("word/") or not part.endswith(".xml"):
                continue
            xml = z.read(part).decode("utf-8", "replace")
            for attrs in re.findall(r"<w:rFonts\b([^>]*)/?>", xml):
                for value in re.findall(r'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]+)"', attrs):
                    names.setdefault(value, None)
    return list(names)


def _box(page: int, obj: dict) -> Box:
    return Box(page, float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"]))


def _check_signature_block(report, expect, lines, images) -> None:
    if not expect.date_text:
        return
    flat = [(page, line) for page_lines in lines for page, line in page_lines]
    want = _compact(expect.date_text)
    dates = [_box(p, line) for p, line in flat if _compact(line["text"]) == want]
    if not dates:
        report.findings.append(
            Finding("date-missing", "error", f"成文日期 {expect.date_text} not found as a line")
        )
        return
    date = report.date_box = dates[-1]
    signatures = []
    for text in expect.signature_text:
        hits = [
            _box(p, line)
            for p, line in flat
            if _compact(line["text"]) == _compact(text) and (p, line["top"]) <= (date.page, date.top)
        ]
        if hits:
            signatures.append(hits[-1])
    report.signature_boxes = signatures

    anchor = signatures[0] if signatures else date
    above = [
        line
        for p, line in flat
        if p == anchor.page and float(line["bottom"]) <= anchor.top + 0.5
    ]
    if not above:
        report.findings.append(
            Finding(
                "signature-alone",
                "error",
                "the 署名/成文日期 start a page with no body text above them",
                anchor.page,
            )
        )
    elif expect.body_last_text:
        tail = _compact(expect.body_last_text)[-8:]
        on_page = "".join(_compact(line["text"]) for p, line in flat if p == anchor.page)
        if tail and tail not in on_page:
            report.findings.append(
                Finding(
                    "signature-alone",
                    "error",
                    f"the body's last line ({tail}) is not on the page of the 署名",
                    anchor.page,
                )
            )

    if expect.seal_diameter_pt:
        d = expect.seal_diameter_pt
        seals = [
            _box(p, im)
            for p, im in images
            if abs(float(im["width"]) - d) <= 0.1 * d and abs(float(im["height"]) - d) <= 0.1 * d
        ]
        report.seal_boxes = seals
        if not seals:
            report.findings.append(Finding("seal-missing", "error", "no seal image in the PDF"))
            return
        seal = seals[-1]
        if seal.page != date.page:
            report.findings.append(
                Finding(
                    "seal-page",
                    "error",
                    f"the seal is on page {seal.page} but the 成文日期 on page {date.page}",
                    seal.page,
                )
            )
        elif not seal.overlaps(date) or any(not seal.overlaps(s) for s in signatures):
            report.findings.append(
                Finding("seal-position", "error", "the seal does not press on the 署名 and 成文日期", seal.page)
            )


def _check_page_numbers(report, expect, sizes, lines) -> None:
    for index, (width, _height) in enumerate(sizes, 1):
        found = [
            (int(m[1]), line)
            for _, line in lines[index - 1]
            if (m := _PAGE_NUMBER_RE.match(_compact(line["text"])))
        ]
        if not found:
            report.findings.append(Finding("page-number-missing", "warning", "no page number — N —", index))
            continue
        number, line = found[-1]
        if number != index:
            report.findings.append(
                Finding("page-number-wrong", "error", f"page number reads {number}", index)
            )
        x0, x1 = float(line["x0"]), float(line["x1"])
        odd = index % 2 == 1
        if odd != ((x0 + x1) / 2 > width / 2):
            side = "right" if odd else "left"
            report.findings.append(
                Finding("page-number-side", "error", f"{'odd' if odd else 'even'} page number not at the {side}", index)
            )
            continue
        # 空一字: one character (the number's own size ≈ line height) in from the 版心 edge
        char = float(line["bottom"]) - float(line["top"])
        gap = (width - expect.right_margin_mm * MM - x1) if odd else (x0 - expect.left_margin_mm * MM)
        if not 0.5 * char <= gap <= 1.6 * char:
            report.findings.append(
                Finding(
                    "page-number-indent",
                    "warning",
                    f"page number {gap:.1f} pt from the 版心 edge (GB/T 9704: one character)",
                    index,
                )
            )
