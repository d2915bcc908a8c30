"""The 修订前后对照表 as DOCX: 原条文 | 修改后条文 | 修改说明, one row per changed article.

The conventional three-column table: in the old column deleted words are struck through, in the
new column inserted words are underlined and bold; the third column is the drafted 修改说明.
Landscape A4 so that two articles fit side by side. Unchanged articles are left out unless asked
for; stale references follow the table as a list for the drafter to check. Above the table both
versions are named (title, 文号, version date) and the changes counted in Chinese; a match a
drafter pinned says 人工指定 in its 修改说明; with ``collapse`` a run of articles whose number
alone changed is one row (第三十四条至第三十七条依次改为…).
"""

from __future__ import annotations

import io

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from toolkit.versions.diff import MANUAL_LABEL, Change, ChangeSet
from toolkit.versions.redline import Segment
from toolkit.versions.report_html import number_map, run_summary, runs, stale_lines, version_rows

HEADERS = ("原条文", "修改后条文", "修改说明")
BODY_FONT = "仿宋_GB2312"  # rendered through the fontconfig aliases (NOTES.md)
HEAD_FONT = "黑体"
WIDTHS_CM = (11.0, 11.0, 4.7)


def _font(run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.bold = bold or None
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _lines(segments: list[Segment], keep: str) -> list[list[Segment]]:
    """The segments one side shows (``keep`` = delete for the old side, insert for the new),
    cut at line breaks: one cell paragraph per printed line."""
    lines: list[list[Segment]] = [[]]
    for seg in segments:
        if seg.op not in ("equal", keep):
            continue
        parts = seg.text.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
            if part:
                lines[-1].append(Segment(seg.op, part))
    return [line for line in lines if line]


def _fill(cell, segments: list[Segment], keep: str) -> None:
    for k, line in enumerate(_lines(segments, keep)):
        para = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
        for seg in line:
            run = para.add_run(seg.text)
            _font(run, BODY_FONT, 12, bold=seg.op == "insert")
            if seg.op == "delete":
                run.font.strike = True
            elif seg.op == "insert":
                run.font.underline = True


def _segments(c: Change) -> list[Segment]:
    if c.redline:
        return c.redline
    return [Segment("equal", c.new_text or c.old_text)]


def changeset_docx(cs: ChangeSet, *, unchanged: bool = False, title: str | None = None,
                   collapse: bool = False) -> bytes:
    """The 对照表 as DOCX bytes (the caller writes them; nothing here touches the disk)."""
    doc = DocxDocument()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(heading.add_run(title or f"《{cs.new_title}》修订前后对照表"), HEAD_FONT, 16)
    for label, value in version_rows(cs):
        para = doc.add_paragraph()
        _font(para.add_run(f"{label}："), HEAD_FONT, 12)
        _font(para.add_run(value), BODY_FONT, 12)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS_CM, strict=True):
        column.width = Cm(width)  # the grid: what LibreOffice and WPS lay out by
    for cell, text, width in zip(table.rows[0].cells, HEADERS, WIDTHS_CM, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), HEAD_FONT, 12, bold=True)
    # the header row repeats on every page
    trpr = table.rows[0]._tr.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    shown = [c for c in cs.changes if unchanged or c.kind != "unchanged"]
    for group in runs(shown, collapse):
        if len(group) > 1:
            row = table.add_row()
            merged = row.cells[0].merge(row.cells[2])
            _font(merged.paragraphs[0].add_run(run_summary(group)), BODY_FONT, 12)
            continue
        c = group[0]
        old_cell, new_cell, note_cell = table.add_row().cells
        segments = _segments(c)
        if c.old:
            _fill(old_cell, segments, "delete")
        if c.new:
            _fill(new_cell, segments, "insert")
        if c.manual:
            _font(note_cell.paragraphs[0].add_run(f"【{MANUAL_LABEL}】"), HEAD_FONT, 12, bold=True)
        _font(note_cell.paragraphs[0].add_run(c.note), BODY_FONT, 12)
        for cell, width in zip((old_cell, new_cell, note_cell), WIDTHS_CM, strict=True):
            cell.width = Cm(width)
    if cs.stale_refs:
        p = doc.add_paragraph()
        _font(p.add_run("引用条文序号待核对"), HEAD_FONT, 12, bold=True)
        for line in stale_lines(cs):
            _font(doc.add_paragraph().add_run(line), BODY_FONT, 12)
    p = doc.add_paragraph()
    _font(p.add_run("条文序号对照"), HEAD_FONT, 12, bold=True)
    mapping = doc.add_table(rows=1, cols=2)
    mapping.style = "Table Grid"
    for cell, text in zip(mapping.rows[0].cells, ("原条号", "新条号"), strict=True):
        _font(cell.paragraphs[0].add_run(text), HEAD_FONT, 12, bold=True)
    for a, b in number_map(cs):
        cells = mapping.add_row().cells
        _font(cells[0].paragraphs[0].add_run(a), BODY_FONT, 12)
        _font(cells[1].paragraphs[0].add_run(b), BODY_FONT, 12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
