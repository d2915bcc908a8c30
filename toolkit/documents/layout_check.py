"""Check a DOCX against the GB/T 9704-2012 公文 layout and report every deviation.

What is checked (numbers in :mod:`toolkit.documents.gbt9704`): A4 page; margins 37/28/26/35 mm;
the 22-line grid (line pitch ≈ 28.95 pt) and exact line spacing of body text; body 3号仿宋; title
2号小标宋; heading fonts by level (一、黑体 （一）楷体 1. 仿宋 （1）仿宋); a red 发文机关标志 in
小标宋 and the 发文字号 pattern with a red rule under it; 主送机关 flush left ending with ：;
成文日期 in Arabic numerals without leading zeros; page numbers in odd/even footers.

Fonts and sizes are resolved the way Word does: run properties, then the paragraph style and its
``basedOn`` chain, then the document defaults. Quoted legal text (style PK-Quote) keeps the
numbering of the law it quotes, so heading rules skip it. A document without a 发文机关标志 (an
agreement draft) is checked for page, grid, fonts, headings and date only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from toolkit.documents import gbt9704 as G

FANGSONG_NAMES = {"仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "仿宋_GB18030"}
HEITI_NAMES = {"黑体", "SimHei"}
KAITI_NAMES = {"楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312"}
FONT_FAMILIES = {G.FANGSONG: FANGSONG_NAMES, G.HEITI: HEITI_NAMES, G.KAITI: KAITI_NAMES}
MARGIN_TOLERANCE_MM = 0.5
PITCH_TOLERANCE_TWIPS = 4  # 28.75–29.15 pt: 22 lines still fit the 225 mm 版心
LOOSE_DATE = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})年[\d〇零一二三四五六七八九十]+月"
                        r"[\d〇零一二三四五六七八九十]+日$")


@dataclass(frozen=True)
class Deviation:
    rule: str  # short key: page, margin, grid, font, size, title, issuer, doc_number, …
    where: str  # "page", "第3段 「…」", "styles"
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.where}: expected {self.expected}, found {self.found}"


@dataclass
class _Para:
    index: int
    text: str
    style: str
    el: object  # the w:p element


class _Resolver:
    """Effective run/paragraph properties: run → style chain → docDefaults."""

    def __init__(self, doc) -> None:
        self.styles = {s.style_id: s for s in doc.styles if s.type is not None}
        styles_el = doc.styles.element
        defaults = styles_el.find(qn("w:docDefaults"))
        self.default_rpr = None
        self.default_ppr = None
        if defaults is not None:
            rd = defaults.find(qn("w:rPrDefault"))
            pd = defaults.find(qn("w:pPrDefault"))
            self.default_rpr = rd.find(qn("w:rPr")) if rd is not None else None
            self.default_ppr = pd.find(qn("w:pPr")) if pd is not None else None

    def _chain(self, style_id: str | None) -> list:
        chain, seen = [], set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            chain.append(style.element)
            based = style.element.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
        return chain

    def run_prop(self, p_el, r_el, tag: str, attr: str) -> str | None:
        """First value of ``tag/@attr`` on the run, the paragraph style chain, or defaults."""
        candidates = []
        if r_el is not None:
            candidates.append(r_el.find(qn("w:rPr")))
        for s in self._chain(_style_id(p_el)):
            candidates.append(s.find(qn("w:rPr")))
        candidates.append(self.default_rpr)
        for rpr in candidates:
            if rpr is None:
                continue
            el = rpr.find(qn(tag))
            if el is not None and el.get(qn(attr)) is not None:
                return el.get(qn(attr))
        return None

    def para_prop(self, p_el, tag: str, attr: str) -> str | None:
        candidates = [p_el.find(qn("w:pPr"))]
        candidates += [s.find(qn("w:pPr")) for s in self._chain(_style_id(p_el))]
        candidates.append(self.default_ppr)
        for ppr in candidates:
            if ppr is None:
                continue
            el = ppr.find(qn(tag))
            if el is not None and el.get(qn(attr)) is not None:
                return el.get(qn(attr))
        return None


def _style_id(p_el) -> str | None:
    ppr = p_el.find(qn("w:pPr"))
    if ppr is None:
        return None
    ps = ppr.find(qn("w:pStyle"))
    return ps.get(qn("w:val")) if ps is not None else None


def _text_runs(p_el) -> list:
    return [r for r in p_el.iter(qn("w:r")) if r.find(qn("w:t")) is not None
            and (r.find(qn("w:t")).text or "").strip()]


def _where(p: _Para) -> str:
    snippet = p.text if len(p.text) <= 16 else p.text[:15] + "…"
    return f"第{p.index + 1}段「{snippet}」"


def check_docx(path: str | Path) -> list[Deviation]:
    """Every GB/T 9704 deviation found in the DOCX at ``path`` (empty list: conforms)."""
    doc = Document(str(path))
    res = _Resolver(doc)
    out: list[Deviation] = []
    out += _check_page(doc)
    paras = [_Para(i, p.text.strip(), _style_id(p._p) or "", p._p)
             for i, p in enumerate(doc.paragraphs)]
    filled = [p for p in paras if p.text]
    head = _check_head(filled, res, out)
    _check_body(filled, res, out, head)
    _check_chars_per_line(doc, filled, res, out, head)
    _check_date(filled, out)
    _check_footers(doc, out)
    return out


# ----------------------------------------------------------------------------- page


def _mm(twips: int | None) -> float:
    return (twips or 0) / G.MM


def _check_page(doc) -> list[Deviation]:
    out = []
    for n, s in enumerate(doc.sections, 1):
        where = f"第{n}节" if len(doc.sections) > 1 else "page"
        w, h = s.page_width.twips, s.page_height.twips
        if abs(w - G.PAGE_WIDTH) > 20 or abs(h - G.PAGE_HEIGHT) > 20:
            out.append(Deviation("page", where, "A4 210×297 mm",
                                 f"{_mm(w):.1f}×{_mm(h):.1f} mm"))
        for name, value, want in (("top", s.top_margin, G.MARGIN_TOP_MM),
                                  ("left", s.left_margin, G.MARGIN_LEFT_MM),
                                  ("right", s.right_margin, G.MARGIN_RIGHT_MM),
                                  ("bottom", s.bottom_margin, G.MARGIN_BOTTOM_MM)):
            got = _mm(value.twips if value is not None else None)
            if abs(got - want) > MARGIN_TOLERANCE_MM:
                out.append(Deviation("margin", f"{where} {name}", f"{want} mm", f"{got:.1f} mm"))
        grid = s._sectPr.find(qn("w:docGrid"))
        pitch = int(grid.get(qn("w:linePitch"))) if grid is not None and grid.get(
            qn("w:linePitch")) else None
        if pitch is None or abs(pitch - G.LINE_PITCH_TWIPS) > PITCH_TOLERANCE_TWIPS:
            out.append(Deviation("grid", where, "line pitch 28.95 pt (22 lines)",
                                 "none" if pitch is None else f"{pitch / 20:.2f} pt"))
        gtype = grid.get(qn("w:type")) if grid is not None else None
        if gtype not in ("linesAndChars", "snapToChars", "lines"):
            out.append(Deviation("grid", where, "document grid of 22 lines × 28 characters",
                                 gtype or "none"))
    return out


# ----------------------------------------------------------------------------- head


@dataclass
class _Head:
    issuer: _Para | None = None
    number: _Para | None = None
    title: _Para | None = None
    addressee: _Para | None = None

    def indices(self) -> set[int]:
        return {p.index for p in (self.issuer, self.number, self.title, self.addressee) if p}


def _font(res: _Resolver, p: _Para) -> str | None:
    runs = _text_runs(p.el)
    return res.run_prop(p.el, runs[0] if runs else None, "w:rFonts", "w:eastAsia")


def _size_pt(res: _Resolver, p: _Para) -> float | None:
    runs = _text_runs(p.el)
    sz = res.run_prop(p.el, runs[0] if runs else None, "w:sz", "w:val")
    return int(sz) / 2 if sz else None


def _color(res: _Resolver, p: _Para) -> str | None:
    runs = _text_runs(p.el)
    return res.run_prop(p.el, runs[0] if runs else None, "w:color", "w:val")


def _is_red(color: str | None) -> bool:
    if not color or len(color) != 6:
        return False
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    return r >= 0xC0 and g <= 0x40 and b <= 0x40


def _check_head(filled: list[_Para], res: _Resolver, out: list[Deviation]) -> _Head:
    head = _Head()
    first = filled[0] if filled else None
    is_notice = first is not None and (first.style == G.S_ISSUER or _is_red(_color(res, first)))
    if is_notice:
        head.issuer = first
        if not _is_red(_color(res, first)):
            out.append(Deviation("issuer", _where(first), "red 发文机关标志", "not red"))
        font = _font(res, first) or ""
        if "小标宋" not in font:
            out.append(Deviation("font", _where(first), "方正小标宋简体 (发文机关标志)", font or "none"))
        head.number = next((p for p in filled[1:6] if "〔" in p.text or p.style == G.S_DOCNUMBER),
                           None)
        if head.number is None:
            out.append(Deviation("doc_number", "head", "发文字号 such as 粤医保〔2026〕5号",
                                 "none"))
        else:
            if not G.DOC_NUMBER_RE.match(head.number.text):
                out.append(Deviation("doc_number", _where(head.number),
                                     "X〔YYYY〕N号 (六角括号, no leading zero)", head.number.text))
            if not _has_red_rule(head.number.el):
                out.append(Deviation("red_rule", _where(head.number),
                                     "red rule under the 发文字号", "none"))
    start = (head.number.index if head.number else -1)
    title = next((p for p in filled if p.index > start and
                  (p.style == G.S_TITLE or (_size_pt(res, p) or 0) >= 20)), None)
    head.title = title
    if title is None:
        out.append(Deviation("title", "head", "a title in 2号小标宋", "none"))
        return head
    size, font = _size_pt(res, title), _font(res, title) or ""
    if size != G.TITLE_SIZE_PT:
        out.append(Deviation("size", _where(title), f"title {G.TITLE_SIZE_PT} pt (2号)",
                             f"{size} pt"))
    if "小标宋" not in font:
        out.append(Deviation("font", _where(title), "方正小标宋简体 (title)", font or "none"))
    if res.para_prop(title.el, "w:jc", "w:val") != "center":
        out.append(Deviation("title", _where(title), "centred", "not centred"))
    if is_notice:
        after = [p for p in filled if p.index > title.index]
        addressee = after[0] if after else None
        head.addressee = addressee
        if addressee is None or not addressee.text.endswith("："):
            out.append(Deviation("addressee", _where(addressee) if addressee else "head",
                                 "主送机关 ending with ：", addressee.text if addressee else "none"))
        elif _first_line_indent(res, addressee):
            out.append(Deviation("addressee", _where(addressee), "flush left (no indent)",
                                 "indented"))
    return head


def _has_red_rule(p_el) -> bool:
    ppr = p_el.find(qn("w:pPr"))
    bdr = ppr.find(qn("w:pBdr")) if ppr is not None else None
    if bdr is None:
        return False
    bottom = bdr.find(qn("w:bottom"))
    return bottom is not None and _is_red(bottom.get(qn("w:color")))


def _first_line_indent(res: _Resolver, p: _Para) -> bool:
    chars = res.para_prop(p.el, "w:ind", "w:firstLineChars")
    tw = res.para_prop(p.el, "w:ind", "w:firstLine")
    return bool((chars and int(chars) > 0) or (tw and int(tw) > 0))


# ----------------------------------------------------------------------------- body


_NON_BODY_STYLES = {G.S_RECORDAL, G.S_FOOTER_EVEN, G.S_FOOTER_ODD, G.S_TITLE, G.S_ISSUER}


def _check_body(filled: list[_Para], res: _Resolver, out: list[Deviation], head: _Head) -> None:
    skip = head.indices()
    start = head.title.index if head.title else -1
    for p in filled:
        if p.index in skip or p.index <= start or p.style in _NON_BODY_STYLES:
            continue
        font, size = _font(res, p) or "", _size_pt(res, p)
        want = G.FANGSONG
        if p.style != G.S_QUOTE:
            for pattern, heading_font, label in G.HEADING_FONTS:
                if pattern.match(p.text):
                    want = heading_font
                    if font not in FONT_FAMILIES[heading_font]:
                        out.append(Deviation("heading_font", _where(p),
                                             f"{heading_font} for {label} headings", font or "none"))
                    break
        if want == G.FANGSONG and font not in FANGSONG_NAMES:
            out.append(Deviation("font", _where(p), "仿宋_GB2312 (body)", font or "none"))
        if size != G.BODY_SIZE_PT:
            out.append(Deviation("size", _where(p), f"{G.BODY_SIZE_PT} pt (3号)", f"{size} pt"))
        rule = res.para_prop(p.el, "w:spacing", "w:lineRule")
        line = res.para_prop(p.el, "w:spacing", "w:line")
        if rule != "exact" or line is None or abs(int(line) - G.LINE_PITCH_TWIPS) > \
                PITCH_TOLERANCE_TWIPS:
            out.append(Deviation("line_pitch", _where(p), "exact 28.95 pt",
                                 f"{rule or 'auto'} {int(line) / 20 if line else '?'} pt"))


def _check_chars_per_line(doc, filled: list[_Para], res: _Resolver, out: list[Deviation],
                          head: _Head) -> None:
    """28 characters a line: from the grid's character pitch (linesAndChars) or from the body
    text's size and character spacing (a lines-only grid)."""
    start = head.title.index if head.title else -1
    body = next((p for p in filled if p.index > start and p.index not in head.indices()
                 and p.style not in _NON_BODY_STYLES), None)
    if body is None:
        return
    s = doc.sections[0]
    width_pt = (s.page_width.twips - s.left_margin.twips - s.right_margin.twips) / 20
    grid = s._sectPr.find(qn("w:docGrid"))
    gtype = grid.get(qn("w:type")) if grid is not None else None
    size = _size_pt(res, body) or 0
    if gtype in ("linesAndChars", "snapToChars"):
        pitch = size + int(grid.get(qn("w:charSpace")) or 0) / 4096
    else:
        runs = _text_runs(body.el)
        spacing = res.run_prop(body.el, runs[0] if runs else None, "w:spacing", "w:val")
        pitch = size + (int(spacing) / 20 if spacing else 0)
    chars = int(width_pt // pitch) if pitch > 0 else 0
    if chars != G.CHARS_PER_LINE:
        out.append(Deviation("grid", _where(body), f"{G.CHARS_PER_LINE} characters a line",
                             f"{chars} (character pitch {pitch:.2f} pt)"))


def _check_date(filled: list[_Para], out: list[Deviation]) -> None:
    dated = [p for p in filled if p.style == G.S_DATE] or \
        [p for p in filled if LOOSE_DATE.search(p.text) and len(p.text) <= 16]
    if not dated:
        out.append(Deviation("date", "signature", "成文日期 such as 2026年11月23日", "none"))
        return
    p = dated[-1]
    if not G.DATE_RE.match(p.text):
        out.append(Deviation("date", _where(p), "Arabic numerals without leading zeros "
                             "(2026年11月23日)", p.text))


def _check_footers(doc, out: list[Deviation]) -> None:
    settings = doc.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        out.append(Deviation("page_number", "settings", "different odd and even footers",
                             "same footer on all pages"))
    for s in doc.sections:
        for name, footer, side in (("odd", s.footer, "right"), ("even", s.even_page_footer, "left")):
            if footer.is_linked_to_previous and s is doc.sections[0]:
                out.append(Deviation("page_number", f"{name} footer", "— N — page number",
                                     "no footer"))
                continue
            xml = footer._element.xml
            text = "".join(t.text or "" for t in footer._element.iter(qn("w:t")))
            if "PAGE" not in xml or "—" not in text:
                out.append(Deviation("page_number", f"{name} footer", "— N — (PAGE field)", text))
                continue
            p = footer.paragraphs[0]
            jc = _Resolver(doc).para_prop(p._p, "w:jc", "w:val")
            if jc not in (side, "end" if side == "right" else "start"):
                out.append(Deviation("page_number", f"{name} footer", f"aligned {side}",
                                     jc or "left"))
