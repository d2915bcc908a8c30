"""The regional 对照表 as DOCX: key differences, the aligned article matrix, region-only articles.

Landscape A4 so three rules fit side by side. In every row the first document is the reference;
the other columns show their redline against it (deleted words struck through, inserted words
underlined and bold, as in a 修订对照表). CJK fonts are set through the ``w:eastAsia`` attribute:
python-docx's ``font.name`` sets only the Latin slots, and Word would then fall back to its own
CJK font. The package is rewritten with fixed zip timestamps so the same input gives the same bytes.

As in the HTML report, a parameter cell prints its bound in words (不满3年) and the article it comes
from (第十二条), which links to that provision's cell in the matrix (a bookmark); a silent region
reads 未规定; the last column says in words how close a row is and what it shares, weak rows shaded.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from toolkit import standing
from toolkit.compare.align import Alignment, Row
from toolkit.compare.params_table import ParamRow, alignment_parameters, provision_of, wording
from toolkit.compare.parts import excerpt
from toolkit.compare.reasons import part_text, row_reasons, weak_legend
from toolkit.compare.redline import Op, row_redlines
from toolkit.compare.report_html import doc_heading

BODY_FONT = "仿宋_GB2312"  # rendered through the bundled fontconfig aliases (NOTES.md)
HEAD_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_PT = 9.5
USABLE_CM = 26.7  # A4 landscape minus 1.5 cm margins
FIXED_TIME = datetime(2000, 1, 1)  # core-properties and zip timestamps: deterministic output
DEL_COLOR, INS_COLOR = "9B1C1C", "055A12"
WEAK_FILL = "FFF3CD"  # shading of a weak row (弱匹配)
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _font(run, name: str = BODY_FONT, size: float = BODY_PT, *, bold: bool = False) -> None:
    run.font.name = LATIN_FONT if name == BODY_FONT else name
    run.font.size = Pt(size)
    if bold:
        run.bold = True
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


_W = {tag: qn(f"w:{tag}") for tag in ("r", "rPr", "highlight", "rFonts", "ascii", "hAnsi", "eastAsia", "b", "strike",
                                      "color", "val", "sz", "szCs", "u", "t", "p", "tr", "tc", "tcPr", "tcW",
                                      "w", "type", "gridCol", "hyperlink", "anchor", "bookmarkStart",
                                      "bookmarkEnd", "id", "name", "shd", "fill")}


def _run(para, text: str, *, name: str = BODY_FONT, size: float = BODY_PT, bold: bool = False,
         strike: bool = False, underline: bool = False, color: str | None = None, highlight: bool = False) -> None:
    """Append a run to a paragraph element directly (python-docx's per-run API is ~20x slower and
    the matrix has thousands of runs). The body font and size come from the Normal style; only
    departures from it are written, as children of w:rPr in schema order."""
    w = _W
    r = etree.SubElement(para, w["r"])
    rpr = etree.SubElement(r, w["rPr"])
    if name != BODY_FONT:
        fonts = etree.SubElement(rpr, w["rFonts"])
        fonts.set(w["ascii"], name)
        fonts.set(w["hAnsi"], name)
        fonts.set(w["eastAsia"], name)
    if bold:
        etree.SubElement(rpr, w["b"])
    if strike:
        etree.SubElement(rpr, w["strike"])
    if color:
        etree.SubElement(rpr, w["color"]).set(w["val"], color)
    if size != BODY_PT:
        half_points = str(round(size * 2))
        etree.SubElement(rpr, w["sz"]).set(w["val"], half_points)
        etree.SubElement(rpr, w["szCs"]).set(w["val"], half_points)
    if highlight:  # the words of a multi-topic article that state this row's rule
        etree.SubElement(rpr, w["highlight"]).set(w["val"], "yellow")
    if underline:
        etree.SubElement(rpr, w["u"]).set(w["val"], "single")
    t = etree.SubElement(r, w["t"])
    t.text = text
    t.set(XML_SPACE, "preserve")


def _paragraph(cell, first: bool):
    """A cell's (a w:tc element's) first paragraph, or a new one after its last."""
    if first:
        return cell.find(_W["p"])
    return etree.SubElement(cell, _W["p"])


def bookmark_name(doc_id: str, eid: str) -> str:
    """A Word bookmark name for a provision: at most 40 characters, a letter first, no blanks."""
    return "p" + hashlib.sha1(f"{doc_id}--{eid}".encode()).hexdigest()[:20]


def _bookmark(para, name: str, ident: int) -> None:
    """Wrap the paragraph's runs in a bookmark (the target of the parameter table's links)."""
    start = etree.Element(_W["bookmarkStart"])
    start.set(_W["id"], str(ident))
    start.set(_W["name"], name)
    end = etree.Element(_W["bookmarkEnd"])
    end.set(_W["id"], str(ident))
    first = para.find(_W["r"])
    if first is None:
        para.append(start)
    else:
        first.addprevious(start)
    para.append(end)


def _link(para, text: str, anchor: str, **kw) -> None:
    """An internal hyperlink (to a bookmark) holding one run."""
    link = etree.SubElement(para, _W["hyperlink"])
    link.set(_W["anchor"], anchor)
    _run(link, text, underline=True, color="1F4E99", **kw)


def _shade(cells: list, fill: str) -> None:
    for tc in cells:
        shd = etree.SubElement(tc.find(_W["tcPr"]), _W["shd"])
        shd.set(_W["val"], "clear")
        shd.set(_W["color"], "auto")
        shd.set(_W["fill"], fill)


def _table(doc, headers: list[str], widths: list[float]):
    """A grid table with a repeated header row, column widths fixed (LibreOffice reads tblGrid)."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.findall(_W["gridCol"]), widths, strict=True):
        col.set(_W["w"], str(_twips(width)))
    header = table.rows[0]
    for cell, text, width in zip(header.cells, headers, widths, strict=True):
        cell.width = Cm(width)
        _run(cell._tc.find(_W["p"]), text, name=HEAD_FONT, bold=True)
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    return table


def _twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


def _new_row(table, widths: list[float]) -> list:
    """A row of empty cells (w:tc elements), built directly: python-docx's add_row is slow."""
    tr = etree.SubElement(table._tbl, _W["tr"])
    cells = []
    for width in widths:
        tc = etree.SubElement(tr, _W["tc"])
        tc_w = etree.SubElement(etree.SubElement(tc, _W["tcPr"]), _W["tcW"])
        tc_w.set(_W["w"], str(_twips(width)))
        tc_w.set(_W["type"], "dxa")
        etree.SubElement(tc, _W["p"])
        cells.append(tc)
    return cells


def _write_ops(cell, ops: list[Op], *, first: bool) -> None:
    """Redline runs into a cell, one paragraph per printed line."""
    para = _paragraph(cell, first)
    for op in ops:
        for k, piece in enumerate(op.text.split("\n")):
            if k:
                para = _paragraph(cell, False)
            if not piece:
                continue
            _run(para, piece, bold=op.kind == "insert", strike=op.kind == "delete", underline=op.kind == "insert",
                 color={"delete": DEL_COLOR, "insert": INS_COLOR}.get(op.kind))


def _provision_cell(cell, row: Row, doc_id: str, ops: list[Op] | None, marks: dict[str, int] | None = None
                    ) -> None:
    from toolkit.compare.report_html import _split_ops  # the same cut as the HTML report

    ps = row.members.get(doc_id)
    if not ps:
        if row.parts.get(doc_id):
            _part_paragraphs(cell, row, doc_id, first=True)
        else:
            _run(_paragraph(cell, True), "—")
        return
    pieces = _split_ops(ops, [len(p.body) for p in ps]) if ops is not None else [[Op("equal", p.body)] for p in ps]
    for k, (p, part) in enumerate(zip(ps, pieces, strict=True)):
        para = _paragraph(cell, k == 0)
        _run(para, p.label, name=HEAD_FONT, bold=True)
        if marks is not None:
            name = bookmark_name(doc_id, p.eid)
            if name not in marks:
                marks[name] = len(marks) + 1
                _bookmark(para, name, marks[name])
        _write_ops(cell, part, first=False)
    _part_paragraphs(cell, row, doc_id, first=False)


def _part_paragraphs(cell, row: Row, doc_id: str, *, first: bool) -> None:
    """Provisions of other rows shown for one of their parts: label（部分）, then the sentence that
    matches with the matching words highlighted (as in the HTML report)."""
    for k, part in enumerate(row.parts.get(doc_id, [])):
        para = _paragraph(cell, first and k == 0)
        _run(para, f"{part.provision.label}（{wording()['part']}）", name=HEAD_FONT)
        before, quote, after = excerpt(part)
        para = _paragraph(cell, False)
        _run(para, before)
        _run(para, quote, highlight=True)
        _run(para, after)


def _parameters(doc, alignment: Alignment, parameters: list[ParamRow]) -> None:
    docs = alignment.documents
    share = (USABLE_CM - 4.0 - 2.0) / len(docs)
    widths = [4.0] + [share] * len(docs) + [2.0]
    table = _table(doc, ["参数"] + [doc_heading(d) for d in docs] + ["比较"], widths)
    silent = wording()["silent"]
    for p in parameters:
        cells = _new_row(table, widths)
        _run(_paragraph(cells[0], True), p.label, bold=True)
        for cell, d in zip(cells[1:-1], docs, strict=True):
            v = p.values.get(d.id)
            if v is None:
                _run(_paragraph(cell, True), silent, color="7A5B00")
                continue
            para = _paragraph(cell, True)
            _run(para, v.bound(), bold=True)
            _run(para, " ")
            target = provision_of(alignment, d.id, v.eid) or v.eid
            _link(para, v.label or v.eid, bookmark_name(d.id, target), size=8.5)
            _run(_paragraph(cell, False), v.quote, size=8)
        _run(_paragraph(cells[-1], True), p.status_label, bold=p.status == "different")


def _matrix(doc, alignment: Alignment, marks: dict[str, int]) -> None:
    docs = alignment.documents
    base = alignment.baseline
    columns = len(docs) + (1 if base else 0)
    share = (USABLE_CM - 0.9 - 4.2) / columns
    widths = [0.9] + [share] * columns + [4.2]
    headers = ["#"] + [doc_heading(d) for d in docs]
    if base is not None:
        headers.append(f"基准 {doc_heading(base)}")
    table = _table(doc, headers + ["相似度与理由"], widths)
    reasons = row_reasons(alignment)
    kinds = wording()["kinds"]
    for number, row in enumerate(alignment.rows, 1):
        if not row.shown:
            continue
        cells = _new_row(table, widths)
        _run(_paragraph(cells[0], True), str(number))
        redlines = row_redlines(row.members)
        ref = row.docs[0]
        for cell, d in zip(cells[1 : 1 + len(docs)], docs, strict=True):
            _provision_cell(cell, row, d.id, None if d.id == ref else redlines.get(d.id), marks)
        if base is not None:
            cell = cells[1 + len(docs)]
            if row.baseline is None:
                _run(_paragraph(cell, True), "—")
            else:
                for k, p in enumerate(row.baseline.provisions):
                    _run(_paragraph(cell, k == 0), f"{p.label} {row.baseline.score:.2f}", name=HEAD_FONT, bold=True)
                    _write_ops(cell, [Op("equal", p.body)], first=False)
        reason = reasons.get(number)
        weak = reason is not None and reason.weak
        head = _paragraph(cells[-1], True)
        if weak:
            _run(head, "弱匹配 ", bold=True, color="9C5700")
        _run(head, f"{row.score:.2f} {kinds.get(row.kind, row.kind)}", bold=True)
        for pair in reason.pairs if reason else []:
            _run(_paragraph(cells[-1], False), pair.text(alignment), size=7.5)
        for part in (p for ps in row.parts.values() for p in ps):
            _run(_paragraph(cells[-1], False), part_text(part, alignment), size=7.5)
        if weak:
            _shade(cells, WEAK_FILL)


def _only(doc, alignment: Alignment, marks: dict[str, int]) -> None:
    for d in alignment.documents:
        rows = alignment.only_rows(d.id)
        if not rows:
            continue
        _font(doc.add_paragraph().add_run(f"{d.title}（{len(rows)}）"), HEAD_FONT, 11, bold=True)
        widths = [4.0, USABLE_CM - 4.0]
        table = _table(doc, ["条文", "内容"], widths)
        for row in rows:
            for p in row.members[d.id]:
                cells = _new_row(table, widths)
                para = _paragraph(cells[0], True)
                _run(para, p.label, bold=True)
                name = bookmark_name(d.id, p.eid)
                if name not in marks:
                    marks[name] = len(marks) + 1
                    _bookmark(para, name, marks[name])
                _write_ops(cells[1], [Op("equal", p.body)], first=True)


def _heading(doc, text: str, size: float = 13) -> None:
    para = doc.add_paragraph()
    _font(para.add_run(text), HEAD_FONT, size, bold=True)


def _deterministic(data: bytes) -> bytes:
    """The same package with every zip entry dated FIXED_TIME, in the same order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(alignment: Alignment, parameters: list[ParamRow] | None = None) -> bytes:
    parameters = alignment_parameters(alignment) if parameters is None else parameters
    doc = DocxDocument()
    props = doc.core_properties
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = props.author = "policykit"
    props.title = "定点管理规定对照表"
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run("定点管理规定对照表"), HEAD_FONT, 16, bold=True)
    for d in alignment.documents + ([alignment.baseline] if alignment.baseline else []):
        role = doc_heading(d) if d is not alignment.baseline else "基准"
        said = standing.of(alignment.docs.get(d.id)).labelled()
        _font(doc.add_paragraph().add_run(f"{role}：《{d.title}》{('（' + d.doc_number + '）') if d.doc_number else ''}"
                                          + (f"　{said}" if said else "")))
    _font(doc.add_paragraph().add_run("每行第一个文件为参照；其他各列为相对参照的修改：删除线为删除，下划线加粗为新增。"
                                      "按内容对齐，非按条号。“未规定”：该文件没有规定这一参数的条文。"
                                      "底色标出的" + weak_legend()), size=8.5)
    _heading(doc, "一、关键参数差异")
    _parameters(doc, alignment, parameters)
    _heading(doc, "二、条文对照")
    marks: dict[str, int] = {}  # bookmark name → id, shared by the matrix and the lists
    _matrix(doc, alignment, marks)
    _heading(doc, "三、仅一方规定的条文")
    _only(doc, alignment, marks)
    buf = io.BytesIO()
    doc.save(buf)
    return _deterministic(buf.getvalue())


docx_bytes = render_docx
