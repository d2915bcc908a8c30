"""Build the PDF fixtures of tests/test_readers_pdf.py from other producers' layouts.

Run from the repository root (needs LibreOffice, ``soffice``):

    .venv/bin/python tests/data/pdf_fixtures/make_fixtures.py

Each fixture is a DOCX built with python-docx, converted to PDF by LibreOffice headless, with a
JSON file of the paragraphs the reader must give back. The texts come from the bundled clean
corpus (tests/data/clean), never typed here. The layouts differ from the corpus PDFs on purpose:

- ``cjk_header_footer``: a running header (the rule's title) and a ``第 N 页 共 M 页`` footer on
  every page, 楷体 (AR PL UKai) 14 pt body with first-line indents, wide left margin, a two-line
  title, a table (cells joined by a tab), a right-aligned 署名 and date, a small 抄送 line.
- ``mirrored_spaced``: mirrored margins (odd and even pages have different text boxes), no
  first-line indent but space after each paragraph, ragged right, Noto Serif 10.5 pt, a
  ``- N -`` header and a ``Page N of M`` footer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
CLEAN = HERE.parent / "clean"
sys.path.insert(0, str(HERE.parents[2]))

from extractors.normalize import normalize_spaces  # noqa: E402


def clean_lines(stem: str) -> list[str]:
    return [ln for ln in (CLEAN / f"{stem}.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]


def set_font(run, east_asia: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = east_asia
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), east_asia)


def add_field(paragraph, instr: str, font: str, size: float) -> None:
    """A PAGE / NUMPAGES field, rendered by LibreOffice on each page."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = paragraph.add_run("1")
    set_font(run, font, size)
    run._element.getparent().remove(run._element)
    fld.append(run._element)
    paragraph._p.append(fld)


def para(doc, text: str, font: str, size: float, *, bold=False, align=None, indent=None,
         exact=None, after=0.0, right_indent=None, left_indent=None):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent is not None:
        fmt.first_line_indent = Pt(indent)
    if left_indent is not None:
        fmt.left_indent = Pt(left_indent)
    if right_indent is not None:
        fmt.right_indent = Pt(right_indent)
    if exact is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    set_font(p.add_run(text), font, size, bold)
    return p


def rule_section(lines: list[str]) -> tuple[str, str, list[str]]:
    """The rule inside a chain: its title, first chapter heading, and the paragraphs after them."""
    for i, line in enumerate(lines):
        if line.startswith("第一章") and i > 0:
            return lines[i - 1], line, lines[i + 1 :]
    raise SystemExit("no 第一章 in the clean text")


def cjk_header_footer(out: Path) -> dict:
    kai, hei, song = "AR PL UKai CN", "Noto Sans CJK SC", "Noto Serif CJK SC"
    title, chapter, body = rule_section(clean_lines("002_2b5a4cf9d6a9a96c"))
    paragraphs = []
    for line in body:
        if line.startswith("第三章"):
            break
        paragraphs.append(line)
    guide = clean_lines("003_7489cc8a613fac2a")
    rows = [ln.rstrip("；。").split("，", 1) for ln in guide if "床位数" in ln and "，配备" in ln]
    gd = clean_lines("000_b3443c26a488e755")
    sign_at = next(i for i, ln in enumerate(gd) if ln.endswith("日") and ln[:4].isdigit())
    signer, date = gd[sign_at - 1], gd[sign_at]
    cc = next(ln for ln in gd if ln.startswith("抄送："))

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(3.4), Cm(2.2)
    sec.top_margin, sec.bottom_margin = Cm(3.0), Cm(2.6)
    sec.header_distance, sec.footer_distance = Cm(1.4), Cm(1.2)
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(hp.add_run(title), song, 10.5)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(fp.add_run("第 "), song, 10.5)
    add_field(fp, "PAGE", song, 10.5)
    set_font(fp.add_run(" 页 共 "), song, 10.5)
    add_field(fp, "NUMPAGES", song, 10.5)
    set_font(fp.add_run(" 页"), song, 10.5)

    expected = []
    # The title is set on two lines by a manual break: it must come back as one block.
    half = len(title) // 2 + 2
    p = para(doc, title[:half], song, 24, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, exact=36)
    p.runs[0].add_break()
    set_font(p.add_run(title[half:]), song, 24, bold=True)
    expected.append({"text": title, "align": "center", "title": True})
    para(doc, chapter, hei, 14, align=WD_ALIGN_PARAGRAPH.CENTER, exact=26)
    expected.append({"text": normalize_spaces(chapter), "align": "center", "bold": True})
    for text in paragraphs:
        if text.startswith("第二章"):
            para(doc, text, hei, 14, align=WD_ALIGN_PARAGRAPH.CENTER, exact=26)
            expected.append({"text": normalize_spaces(text), "align": "center", "bold": True})
            continue
        para(doc, text, kai, 14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=28, exact=26)
        expected.append({"text": normalize_spaces(text), "align": "left", "indent": True})
    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cells in rows:
        row = table.add_row()
        for cell, text in zip(row.cells, cells, strict=True):
            cell.width = Cm(4.5) if cell is row.cells[0] else Cm(9.0)
            cp = cell.paragraphs[0]
            set_font(cp.add_run(text), kai, 12)
        expected.append({"text": "\t".join(normalize_spaces(c) for c in cells), "align": "left"})
    para(doc, "", kai, 14, exact=26)
    para(doc, signer, kai, 14, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=56, exact=26)
    expected.append({"text": signer, "align": "right"})
    para(doc, date, kai, 14, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=56, exact=26)
    expected.append({"text": normalize_spaces(date), "align": "right"})
    para(doc, "", kai, 14, exact=26)
    para(doc, cc, song, 11, left_indent=11, exact=20)
    expected.append({"text": normalize_spaces(cc), "align": "left", "small": True})
    return {"docx": doc, "expected": expected, "header": title}


def mirrored_spaced(out: Path) -> dict:
    song = "Noto Serif CJK SC"
    lines = clean_lines("state-council-order-735")
    _, chapter, body = rule_section(lines)
    title = lines[0]  # the regulation's name; the lines before 第一章 are its adoption dates
    paragraphs = body[:40]

    doc = Document()
    settings = doc.settings.element
    settings.append(OxmlElement("w:mirrorMargins"))
    sec = doc.sections[0]
    sec.start_type = WD_SECTION.NEW_PAGE
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(3.6), Cm(1.6)  # inside / outside with mirroring
    sec.top_margin, sec.bottom_margin = Cm(2.4), Cm(2.4)
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(hp.add_run("- "), song, 9)
    add_field(hp, "PAGE", song, 9)
    set_font(hp.add_run(" -"), song, 9)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_font(fp.add_run("Page "), song, 9)
    add_field(fp, "PAGE", song, 9)
    set_font(fp.add_run(" of "), song, 9)
    add_field(fp, "NUMPAGES", song, 9)

    expected = []
    para(doc, title, song, 18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    expected.append({"text": title, "align": "center", "title": True})
    para(doc, chapter, song, 10.5, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, after=6)
    expected.append({"text": normalize_spaces(chapter), "align": "left", "bold": True})
    for text in paragraphs:
        para(doc, text, song, 10.5, align=WD_ALIGN_PARAGRAPH.LEFT, after=8)
        expected.append({"text": normalize_spaces(text), "align": "left", "indent": False})
    return {"docx": doc, "expected": expected, "header": None}


def convert(docx: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) is needed to build the fixtures")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(outdir), str(docx)],
            check=True, capture_output=True, timeout=180,
        )
    return outdir / (docx.stem + ".pdf")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for build in (cjk_header_footer, mirrored_spaced):
            name = build.__name__
            spec = build(tmpdir)
            docx = tmpdir / f"{name}.docx"
            spec["docx"].save(docx)
            pdf = convert(docx, tmpdir)
            target = HERE / f"{name}.pdf"
            os.replace(pdf, target) if pdf.parent == target.parent else shutil.copyfile(pdf, target)
            (HERE / f"{name}.json").write_text(
                json.dumps({"blocks": spec["expected"]}, ensure_ascii=False, indent=1) + "\n",
                encoding="utf-8",
            )
            print(f"{target.relative_to(HERE.parents[2])}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
