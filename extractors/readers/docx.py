"""DOCX reader: the body of a Word document → logical paragraphs (``Block``s) with style hints.

The body is walked in document order (``w:p`` and ``w:tbl`` as they come, content controls
entered), so text inside tables — the stacked issuers of a joint 红头 are set in a table — stays
where it is printed. Headers and footers (page numbers ``— 1 —``) are not part of the body and are
never read; nor are text boxes or footnotes (a warning counts skipped text boxes).

Decisions:

* Line breaks (``w:br``, ``w:cr``) inside a paragraph are wraps: a title set on three lines is
  one title. The pieces are joined without a blank (CJK), except where a joint-issuer title breaks
  between two issuers (the blank that separates issuers is kept). A break is kept as a paragraph
  boundary only when the piece after it clearly starts a list item or article (``（一）``,
  ``1.``, ``第三条``).
* A paragraph whose fields are set apart by tabs (the 版记 line ``⇥印发机关⇥印发日期``) gives one
  block per field when every field is short (≤ 30 characters); otherwise tabs become a blank.
* Tables: a one-row table used for layout (a cell holding several paragraphs, or red text: the
  发文机关标志) gives one block per paragraph, cell by cell. Any other table gives one block per
  row, cells joined by a tab, paragraphs of a cell joined by a blank.
* ``page``: DOCX has no pages. When the document has explicit page boundaries, ``page`` is 1 +
  the boundaries before the block: ``w:lastRenderedPageBreak`` marks (written by Word when it saved
  the layout) if any, otherwise explicit page breaks, ``pageBreakBefore`` paragraphs and
  non-continuous section breaks. It is approximate (pages that fill up without a break are not
  counted) and ``None`` when the document has no boundary at all. ``line`` is the 1-based index
  of the paragraph in body order (paragraphs inside tables counted).
* Style hints are resolved run → character style → paragraph style (``basedOn`` chain) →
  document defaults: size (points, the size most characters have), bold (``w:b`` or a 黑体/sans
  face, taken from the first run with text: the 第X条 lead-in), red, align, first-line indent,
  title (a 小标宋 face, or ≥ 20 pt centred), level (Heading N / outline level), small (smaller than
  the document's body size, the size most characters of the document have).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from extractors.normalize import normalize_spaces
from extractors.readers.base import Block, ReadError, ReadResult, Style
from extractors.readers.paragraphs import join_pieces, starts_unit

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

TAB_FIELD_MAX = 30  # longest field of a tab-separated line that is split into blocks
TITLE_MIN_PT = 20.0
_SANS_FONT = re.compile(r"黑|Hei|Sans|Gothic", re.I)
_TITLE_FONT = re.compile(r"小标宋|标宋")
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)
_FALSE = {"0", "false", "off", "none"}
_ALIGN = {
    "center": "center",
    "right": "right",
    "end": "right",
    "left": "left",
    "start": "left",
    "both": "justify",
    "distribute": "justify",
}


# --------------------------------------------------------------------------- entry point


def read_docx(path: str | Path) -> ReadResult:
    """Read a .docx file into paragraphs in body order, with style hints."""
    p = Path(path)
    document = _open(p)
    styles = StyleSheet.from_document(document)
    body = document.element.body
    walker = _Walker(styles, page_marks=_page_mark_kind(body))
    try:
        walker.walk(body)
    except (ValueError, KeyError, AttributeError, TypeError) as exc:  # malformed markup
        raise ReadError(
            str(p), f"cannot read the document body: {type(exc).__name__}: {exc}"
        ) from exc
    if not walker.items:
        raise ReadError(str(p), "no text in the document body (images only, or empty)")
    body_size = _dominant_size(walker.sizes)
    paged = walker.page_marks > 0
    blocks = [item.block(body_size, paged) for item in walker.items]
    warnings = []
    if walker.skipped_textboxes:
        warnings.append(f"{walker.skipped_textboxes} text box(es) not read (floating shapes)")
    if walker.page_marks:
        warnings.append(f"pages are approximate: counted from {walker.page_marks} marks")
    return ReadResult(
        path=str(p),
        format="docx",
        blocks=blocks,
        pages=None,
        warnings=warnings,
        metadata=_core_metadata(document),
    )


def _open(p: Path):
    """Open with python-docx, turning every failure into one clear ReadError."""
    from docx import Document

    if not p.exists():
        raise ReadError(str(p), "file not found")
    if p.is_dir():
        raise ReadError(str(p), "is a directory, not a file")
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ReadError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    if not head:
        raise ReadError(str(p), "empty file (0 bytes)")
    if head.startswith(b"%PDF-"):
        raise ReadError(str(p), "not a DOCX: this is a PDF file")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReadError(str(p), "not a DOCX: a legacy Word .doc (OLE2) file; convert it to .docx")
    if not head.startswith(b"PK"):
        kind = "a text file" if _looks_like_text(p) else "not a zip archive"
        raise ReadError(str(p), f"not a DOCX: {kind}")
    try:
        with zipfile.ZipFile(p) as zf:
            if "word/document.xml" not in zf.namelist():
                raise ReadError(str(p), "not a DOCX: zip archive without word/document.xml")
            broken = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ReadError(str(p), f"corrupt DOCX: bad zip archive ({exc})") from exc
    if broken is not None:
        raise ReadError(str(p), f"corrupt DOCX: zip member {broken} fails its CRC check")
    try:
        return Document(str(p))
    except ReadError:
        raise
    except etree.XMLSyntaxError as exc:
        raise ReadError(str(p), f"corrupt DOCX: malformed XML ({exc})") from exc
    except Exception as exc:  # python-docx raises many types; the reason is what matters
        raise ReadError(str(p), f"cannot open as DOCX: {type(exc).__name__}: {exc}") from exc


def _looks_like_text(p: Path) -> bool:
    sample = p.read_bytes()[:4096]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _core_metadata(document) -> dict[str, str]:
    props = document.core_properties
    values = {
        "title": props.title,
        "author": props.author,
        "subject": props.subject,
        "keywords": props.keywords,
        "created": props.created.isoformat() if props.created else None,
        "modified": props.modified.isoformat() if props.modified else None,
    }
    return {k: str(v) for k, v in values.items() if v}


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _Props:
    """Resolved formatting of a run (or the defaults a paragraph gives its runs)."""

    size: float | None = None  # points
    bold: bool = False
    color: str | None = None
    font: str | None = None


def _rpr_values(rpr) -> dict:
    """The run properties set in one ``w:rPr``: only those present (inheritance fills the rest)."""
    values: dict = {}
    if rpr is None:
        return values
    sz = rpr.find(W + "sz")
    if sz is not None and sz.get(W + "val", "").isdigit():
        values["size"] = int(sz.get(W + "val")) / 2
    b = rpr.find(W + "b")
    if b is not None:
        values["bold"] = b.get(W + "val", "true").lower() not in _FALSE
    color = rpr.find(W + "color")
    if color is not None and color.get(W + "val"):
        values["color"] = color.get(W + "val")
    fonts = rpr.find(W + "rFonts")
    if fonts is not None:
        # CJK text is set in the eastAsia face; fall back to the others when it is not named.
        name = fonts.get(W + "eastAsia") or fonts.get(W + "ascii") or fonts.get(W + "hAnsi")
        if name:
            values["font"] = name
    return values


@dataclass
class _StyleDef:
    kind: str
    name: str
    based_on: str | None
    ppr: object
    rpr: object


@dataclass
class StyleSheet:
    """The document's style definitions, with ``basedOn`` inheritance resolved on demand."""

    styles: dict[str, _StyleDef]
    default_rpr: dict
    default_ppr: object
    default_paragraph: str | None

    @classmethod
    def from_document(cls, document) -> StyleSheet:
        root = document.styles.element
        styles: dict[str, _StyleDef] = {}
        default_paragraph = None
        for st in root.iterfind(W + "style"):
            sid = st.get(W + "styleId")
            name = st.find(W + "name")
            based = st.find(W + "basedOn")
            styles[sid] = _StyleDef(
                kind=st.get(W + "type", ""),
                name=name.get(W + "val") if name is not None else sid,
                based_on=based.get(W + "val") if based is not None else None,
                ppr=st.find(W + "pPr"),
                rpr=st.find(W + "rPr"),
            )
            if st.get(W + "type") == "paragraph" and st.get(W + "default") in ("1", "true"):
                default_paragraph = sid
        defaults = root.find(W + "docDefaults")
        rpr = defaults.find(f"{W}rPrDefault/{W}rPr") if defaults is not None else None
        ppr = defaults.find(f"{W}pPrDefault/{W}pPr") if defaults is not None else None
        return cls(styles, _rpr_values(rpr), ppr, default_paragraph)

    def chain(self, style_id: str | None) -> list[_StyleDef]:
        """The style and its ancestors, most general first."""
        out: list[_StyleDef] = []
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            out.append(self.styles[style_id])
            style_id = self.styles[style_id].based_on
        return out[::-1]

    def paragraph_style_id(self, p) -> str | None:
        ps = p.find(f"{W}pPr/{W}pStyle")
        return ps.get(W + "val") if ps is not None else self.default_paragraph

    def run_props(self, p, r) -> _Props:
        values = dict(self.default_rpr)
        for st in self.chain(self.paragraph_style_id(p)):
            values.update(_rpr_values(st.rpr))
        rs = r.find(f"{W}rPr/{W}rStyle")
        if rs is not None:
            for st in self.chain(rs.get(W + "val")):
                values.update(_rpr_values(st.rpr))
        values.update(_rpr_values(r.find(W + "rPr")))
        return _Props(**values)

    def paragraph_property(self, p, tag: str):
        """The nearest ``w:pPr/<tag>``: paragraph, then its style chain, then the defaults."""
        own = p.find(f"{W}pPr/{W}{tag}")
        if own is not None:
            return own
        for st in reversed(self.chain(self.paragraph_style_id(p))):
            if st.ppr is not None and st.ppr.find(W + tag) is not None:
                return st.ppr.find(W + tag)
        if self.default_ppr is not None:
            return self.default_ppr.find(W + tag)
        return None

    def heading_level(self, p) -> int | None:
        for st in reversed(self.chain(self.paragraph_style_id(p))):
            m = _HEADING_STYLE.match(st.name or "")
            if m:
                return int(m.group(1))
        outline = self.paragraph_property(p, "outlineLvl")
        if outline is not None and outline.get(W + "val", "").isdigit():
            level = int(outline.get(W + "val")) + 1
            return level if level <= 9 else None  # 9 = body text
        return None


# --------------------------------------------------------------------------- walking the body


@dataclass
class _Run:
    text: str
    props: _Props


@dataclass
class _Item:
    """A block before the document-wide body size is known."""

    text: str
    line: int
    marks: int  # page marks before the paragraph
    runs: list[_Run]
    align: str | None
    indent: bool
    level: int | None

    def block(self, body_size: float | None, paged: bool) -> Block:
        page = 1 + self.marks if paged else None
        return Block(text=self.text, page=page, line=self.line, style=self.style(body_size))

    def style(self, body_size: float | None) -> Style:
        texty = [r for r in self.runs if r.text.strip()]
        weights: Counter = Counter()
        reds = 0
        fonts: Counter = Counter()
        for r in texty:
            n = len(r.text.strip())
            if r.props.size:
                weights[r.props.size] += n
            if _is_red(r.props.color):
                reds += n
            if r.props.font:
                fonts[r.props.font] += n
        total = sum(len(r.text.strip()) for r in texty) or 1
        size = weights.most_common(1)[0][0] if weights else None
        lead = texty[0].props if texty else _Props()
        font = fonts.most_common(1)[0][0] if fonts else None
        title = bool(font and _TITLE_FONT.search(font)) or (
            size is not None and size >= TITLE_MIN_PT and self.align == "center"
        )
        return Style(
            size=size,
            bold=lead.bold or bool(lead.font and _SANS_FONT.search(lead.font)),
            red=reds * 2 > total,
            align=self.align,
            indent=self.indent,
            level=self.level,
            title=title,
            small=bool(size and body_size and size < body_size),
        )


def _is_red(color: str | None) -> bool:
    if not color or not re.fullmatch(r"[0-9A-Fa-f]{6}", color):
        return False
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return r >= 0xB0 and g <= 0x50 and b <= 0x50


def _dominant_size(sizes: Counter) -> float | None:
    return sizes.most_common(1)[0][0] if sizes else None


def _page_mark_kind(body) -> str:
    """Rendered page marks are the layout Word last saw; use them when present."""
    return "rendered" if body.find(f".//{W}lastRenderedPageBreak") is not None else "explicit"


_BREAK = "\n"  # a line break inside a paragraph, while collecting text
_TAB = "\t"
_PAGE = "\f"  # a page mark inside a paragraph
_HARD = "\v"  # a page break not counted as a mark (rendered marks are counted instead)


class _Walker:
    """Walks the body in order, collecting items and the page / paragraph counters."""

    def __init__(self, styles: StyleSheet, page_marks: str):
        self.styles = styles
        self.page_marks_kind = page_marks  # "rendered" or "explicit"
        self.items: list[_Item] = []
        self.sizes: Counter = Counter()  # characters per font size, for the body size
        self.paragraph_index = 0
        self.page_marks = 0
        self.skipped_textboxes = 0

    def walk(self, container) -> None:
        for el in container:
            if el.tag == W + "p":
                self.paragraph(el)
            elif el.tag == W + "tbl":
                self.table(el)
            elif el.tag == W + "sdt":
                content = el.find(W + "sdtContent")
                if content is not None:
                    self.walk(content)
            elif el.tag == W + "customXml":
                self.walk(el)

    # -- paragraphs

    def collect(self, p) -> list[_Run]:
        """Runs of a paragraph; breaks, tabs and page marks kept as control characters."""
        runs: list[_Run] = []
        for r in _runs(p):
            props = self.styles.run_props(p, r)
            parts: list[str] = []
            for child in r:
                tag = child.tag
                if tag == W + "t":
                    parts.append(child.text or "")
                elif tag in (W + "br", W + "cr"):
                    if child.get(W + "type") != "page":
                        parts.append(_BREAK)
                    else:
                        parts.append(_PAGE if self.page_marks_kind == "explicit" else _HARD)
                elif tag in (W + "tab", W + "ptab"):
                    parts.append(_TAB)
                elif tag == W + "noBreakHyphen":
                    parts.append("-")
                elif tag == W + "lastRenderedPageBreak" and self.page_marks_kind == "rendered":
                    parts.append(_PAGE)
                elif tag in (W + "drawing", W + "pict", MC + "AlternateContent"):
                    if child.find(f".//{W}txbxContent") is not None:
                        self.skipped_textboxes += 1
            text = "".join(parts)
            if text:
                runs.append(_Run(text, props))
        return runs

    def paragraph(self, p, in_table: bool = False) -> list[_Item]:
        self.paragraph_index += 1
        index = self.paragraph_index
        if self._page_break_before(p):
            self.page_marks += 1
        runs = self.collect(p)
        align_el = self.styles.paragraph_property(p, "jc")
        align = _ALIGN.get(align_el.get(W + "val")) if align_el is not None else None
        indent, level = _indented(self.styles, p), self.styles.heading_level(p)
        items = []
        for piece in _pieces(runs):
            for r in piece.runs:
                if r.text.strip() and r.props.size:
                    self.sizes[r.props.size] += len(r.text.strip())
            marks = self.page_marks + piece.marks
            items.append(_Item(piece.text, index, marks, piece.runs, align, indent, level))
        self.page_marks += sum(r.text.count(_PAGE) for r in runs)
        if self._section_break_after(p):
            self.page_marks += 1
        if not in_table:
            self.items.extend(items)
        return items

    def _page_break_before(self, p) -> bool:
        if self.page_marks_kind == "rendered":
            return False  # rendered marks are runs' content: counted by collect()
        pbb = self.styles.paragraph_property(p, "pageBreakBefore")
        return pbb is not None and pbb.get(W + "val", "true").lower() not in _FALSE

    def _section_break_after(self, p) -> bool:
        if self.page_marks_kind == "rendered":
            return False
        sect = p.find(f"{W}pPr/{W}sectPr")
        if sect is None:
            return False
        kind = sect.find(W + "type")
        return kind is None or kind.get(W + "val") != "continuous"

    # -- tables

    def table(self, tbl) -> None:
        rows = tbl.findall(W + "tr")
        cells_by_row = [[_cell_paragraphs(tc) for tc in tr.findall(W + "tc")] for tr in rows]
        flat = [p for row in cells_by_row for cell in row for p in cell]
        if _is_layout_table(self.styles, rows, cells_by_row, flat):
            for p in flat:
                self.items.extend(self.paragraph(p, in_table=True))
            return
        for row in cells_by_row:
            cell_texts: list[str] = []
            first: _Item | None = None
            line = self.paragraph_index + 1
            for cell in row:
                pieces: list[str] = []
                for p in cell:
                    for item in self.paragraph(p, in_table=True):
                        pieces.append(item.text)
                        first = first or item
                cell_texts.append(" ".join(pieces))
            text = "\t".join(cell_texts).rstrip("\t")
            if text.strip() and first is not None:
                first.text, first.line = text, line
                self.items.append(first)


def _runs(p):
    """The paragraph's runs in order, including those in hyperlinks, insertions, fields and
    content controls; not deleted text, not runs of text boxes nested in drawings."""
    for r in p.iter(W + "r"):
        parent = r.getparent()
        skip = False
        while parent is not None and parent is not p:
            if parent.tag in (W + "del", W + "txbxContent", MC + "Fallback", W + "p"):
                skip = True
                break
            parent = parent.getparent()
        if not skip:
            yield r


def _cell_paragraphs(tc) -> list:
    """Paragraphs of a cell in order, descending into nested tables and content controls."""
    out = []
    for el in tc:
        if el.tag == W + "p":
            out.append(el)
        elif el.tag == W + "tbl":
            for tr in el.findall(W + "tr"):
                for inner in tr.findall(W + "tc"):
                    out.extend(_cell_paragraphs(inner))
        elif el.tag == W + "sdt":
            content = el.find(W + "sdtContent")
            if content is not None:
                out.extend(_cell_paragraphs(content))
        elif el.tag == W + "customXml":
            out.extend(_cell_paragraphs(el))
    return out


def _is_layout_table(styles: StyleSheet, rows, cells_by_row, flat) -> bool:
    """A one-row table that places text side by side (a 红头) rather than holding data."""
    if len(rows) != 1:
        return False
    multi = any(sum(1 for p in cell if _plain_text(p).strip()) > 1 for cell in cells_by_row[0])
    red = any(
        _is_red(styles.run_props(p, r).color)
        for p in flat
        for r in _runs(p)
        if _plain_text(r).strip()
    )
    return multi or red


def _plain_text(el) -> str:
    return "".join(t.text or "" for t in el.iter(W + "t"))


def _indented(styles: StyleSheet, p) -> bool:
    ind = styles.paragraph_property(p, "ind")
    if ind is None:
        return False
    for attr in ("firstLineChars", "firstLine"):
        value = ind.get(W + attr)
        if value and value.lstrip("-").isdigit():
            return int(value) > 0
    return False


@dataclass
class _Piece:
    """Text of one block cut from a paragraph, with the runs it came from."""

    text: str
    runs: list[_Run]
    marks: int  # page marks inside the paragraph before this piece
    joinable: bool = True
    segment: int = 0  # page breaks inside the paragraph before this piece: no wrap across them


def _pieces(runs: list[_Run]) -> list[_Piece]:
    """Blocks of one paragraph: wraps joined, list items and tab fields split, pages cut."""
    lines: list[_Piece] = []
    for line in _lines(runs):
        fields = _split_fields(line)
        if len(fields) > 1 and all(len(f.text) <= TAB_FIELD_MAX for f in fields):
            lines.extend(_Piece(f.text, f.runs, f.marks, False, line.segment) for f in fields)
        else:
            text = re.sub(r"[ \u3000]*\t+[ \u3000]*", " ", "".join(r.text for r in line.runs))
            text = text.strip(" \u3000\t")
            lines.append(_Piece(text, line.runs, line.marks, True, line.segment))
    out: list[_Piece] = []
    for line in lines:
        if not line.text:
            continue
        last = out[-1] if out else None
        if (
            last is not None
            and last.joinable
            and line.joinable
            and last.segment == line.segment
            and not starts_unit(line.text)
        ):
            last.text = join_pieces(last.text, line.text)
            last.runs = last.runs + line.runs
        else:
            out.append(line)
    for piece in out:
        piece.text = normalize_spaces(piece.text)
    return [piece for piece in out if piece.text]


def _lines(runs: list[_Run]) -> list[_Piece]:
    """Split runs at line breaks and page breaks; each line keeps its run fragments.

    Lines on either side of a page break (a different segment) are never joined as wraps.
    """
    lines = [_Piece("", [], 0)]
    for run in runs:
        for token in re.split(f"([{_BREAK}{_PAGE}{_HARD}])", run.text):
            if token in (_BREAK, _PAGE, _HARD):
                last = lines[-1]
                marks = last.marks + (token == _PAGE)
                segment = last.segment + (token != _BREAK)
                lines.append(_Piece("", [], marks, True, segment))
            elif token:
                lines[-1].runs.append(_Run(token, run.props))
                lines[-1].text += token
    return lines


def _split_fields(line: _Piece) -> list[_Piece]:
    """Non-empty tab-separated fields of a line, each with its run fragments."""
    fields = [_Piece("", [], line.marks)]
    for run in line.runs:
        for token in re.split(f"({_TAB})", run.text):
            if token == _TAB:
                fields.append(_Piece("", [], line.marks))
            elif token:
                fields[-1].runs.append(_Run(token, run.props))
                fields[-1].text += token
    for f in fields:
        f.text = f.text.strip(" \u3000")
    return [f for f in fields if f.text]
