"""Positioned lines of a paged document → logical paragraphs (``Block``s).

Pure functions on ``Line`` records, so every rule is testable without a PDF. The PDF reader (and
the OCR of scans) produce ``Line``s; ``blocks_from_lines`` turns them into blocks:

1. ``drop_furniture``: page numbers (``— 8 —``, ``第 8 页 共 24 页``, ``Page 8 of 24``, a bare
   ``8`` whose offset to the page index is constant) and running headers/footers (the same text at
   the same place on most pages) are removed. Only the two outermost lines at the top and at the
   bottom of a page are candidates, so body text is never matched by pattern alone.
2. ``measure``: the body font size, the text box (left/right margin, per page parity for mirrored
   margins) and the line pitch, from the lines themselves.
3. ``classify``: each line is red (发文机关标志), title (large, centred), heading (large), center,
   right (署名/成文日期), indent (first-line indent ≈ 2 characters), far (a hanging indent) or
   left (at the margin), or a table row.
4. ``group_lines``: a paragraph starts with an indent, a centred/heading line or a style change;
   left-margin lines continue it, across page breaks too, unless the previous line ended with room
   enough for the next line's first word (then the break was the paragraph's end).
5. Text is joined without blanks between CJK (``join_wrapped``) and producer spacing is removed
   (``normalize_spaces``): ``〔2024〕21 号`` → ``〔2024〕21号``.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from extractors.normalize import CJK, join_wrapped, normalize_spaces
from extractors.readers.base import Block, Style


@dataclass(frozen=True)
class Line:
    """One printed line: text as extracted, geometry in points (top-down), style of its start."""

    text: str
    page: int  # 1-based
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # dominant font size in points
    font: str = ""  # font of the first character, subset prefix removed
    bold: bool = False  # the line starts in a bold / 黑体-like face (heading or 第X条 lead-in)
    red: bool = False  # most characters are red
    uniform: bool = True  # one face for the whole line (a heading), not a bold lead-in
    # Pieces separated by a wide gap (≥ 3 characters): table cells, 印发机关 … 印发日期.
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metrics:
    """What the body text of a document looks like."""

    size: float
    pitch: float  # distance between the tops of consecutive body lines
    left: dict[int, float] = field(default_factory=dict)  # page → left edge of the text box
    right: dict[int, float] = field(default_factory=dict)  # page → right edge of the text box

    def box(self, page: int) -> tuple[float, float]:
        return self.left.get(page, 0.0), self.right.get(page, 0.0)


# --- page numbers and running headers ---------------------------------------------------------

_DASH = r"[-—–－‒―~～_]"
# Decorated page numbers: unambiguous wherever they are at a page's edge.
_PAGE_NUMBER_DECORATED = [
    re.compile(rf"^{_DASH}+\s*(\d{{1,4}})\s*{_DASH}+$"),
    re.compile(r"^第\s*(\d{1,4})\s*页\s*(?:[/／,，、]?\s*共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^共\s*\d{1,4}\s*页\s*[/／,，、]?\s*第\s*(\d{1,4})\s*页$"),
    re.compile(r"^(?:page|p\.)\s*(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I),
    re.compile(r"^(\d{1,4})\s*[/／]\s*\d{1,4}$"),
]
_PAGE_NUMBER_BARE = re.compile(r"^(\d{1,4})$")


def page_number(text: str) -> tuple[int, bool] | None:
    """The page number a footer/header line shows, and whether it is decorated (not a bare digit).

    >>> page_number("— 8 —"), page_number("第8页/共24页"), page_number("8")
    ((8, True), (8, True), (8, False))
    """
    t = re.sub(r"\s+", " ", text).strip()
    for rx in _PAGE_NUMBER_DECORATED:
        m = rx.match(t)
        if m:
            return int(m.group(1)), True
    m = _PAGE_NUMBER_BARE.match(t)
    return (int(m.group(1)), False) if m else None


def _by_page(lines: Iterable[Line]) -> dict[int, list[Line]]:
    pages: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        pages[line.page].append(line)
    return dict(pages)


def _edges(page_lines: Sequence[Line], n: int = 2) -> tuple[list[int], list[int]]:
    """Indexes of the n top-most and n bottom-most lines of a page (they may overlap)."""
    order = sorted(range(len(page_lines)), key=lambda i: page_lines[i].top)
    return order[:n], order[-n:]


def _furniture_key(text: str) -> str:
    # Page numbers inside a running header change from page to page; the rest does not.
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(lines: Sequence[Line]) -> list[Line]:
    """Remove page numbers and running headers/footers; keep the order of the rest."""
    pages = _by_page(lines)
    n_pages = len(pages)
    drop: set[int] = set()  # ids of Line objects
    bare: list[tuple[Line, int]] = []
    header_seen: dict[str, list[tuple[int, float, Line]]] = defaultdict(list)
    footer_seen: dict[str, list[tuple[int, float, Line]]] = defaultdict(list)
    for page, page_lines in pages.items():
        top_idx, bottom_idx = _edges(page_lines)
        for i in dict.fromkeys(top_idx + bottom_idx):
            line = page_lines[i]
            pn = page_number(line.text)
            if pn is not None:
                if pn[1]:
                    drop.add(id(line))
                else:
                    bare.append((line, pn[0] - page))
        for i in top_idx:
            header_seen[_furniture_key(page_lines[i].text)].append((page, page_lines[i].top, page_lines[i]))
        for i in bottom_idx:
            footer_seen[_furniture_key(page_lines[i].text)].append((page, page_lines[i].bottom, page_lines[i]))

    # A bare number is a page number when numbers at page edges keep a constant offset to the
    # page index (printed numbering may start after a cover page).
    if bare:
        offsets = Counter(off for _, off in bare)
        best, count = offsets.most_common(1)[0]
        if count >= 2 or n_pages == 1:
            drop.update(id(line) for line, off in bare if off == best)

    # "Most pages": a first page without the header still counts (2 of 3, 3 of 5, 10 of 24).
    need = 2 if n_pages <= 3 else max(3, math.ceil(0.4 * n_pages))
    if n_pages >= 2:
        for seen in (header_seen, footer_seen):
            for key, hits in seen.items():
                if not key or len(hits) < need:
                    continue
                ys = sorted(y for _, y, _ in hits)
                median = ys[len(ys) // 2]
                near = [(p, line) for p, y, line in hits if abs(y - median) <= 4]
                if len({p for p, _ in near}) >= need:
                    drop.update(id(line) for _, line in near)
    return [line for line in lines if id(line) not in drop]


# --- measuring the body ----------------------------------------------------------------------


def _mode(values: Iterable[float], weights: Iterable[float] | None = None) -> float | None:
    counter: Counter[float] = Counter()
    if weights is None:
        counter.update(values)
    else:
        for v, w in zip(values, weights, strict=True):
            counter[v] += w
    return counter.most_common(1)[0][0] if counter else None


def _left_edge(xs: Sequence[float]) -> float | None:
    """The smallest x0 that a good share of body lines start at (outliers ignored)."""
    if not xs:
        return None
    need = max(2, math.ceil(0.1 * len(xs))) if len(xs) >= 2 else 1
    for v in sorted(set(round(x, 0) for x in xs)):
        members = [x for x in xs if abs(x - v) <= 2]
        if len(members) >= need:
            return min(members)
    return min(xs)


def _right_edge(xs: Sequence[float]) -> float | None:
    """The x1 of full body lines: the commonest end among the longer lines."""
    if not xs:
        return None
    upper = sorted(xs)[len(xs) // 2 :]
    buckets = Counter(round(x) for x in upper)
    best = max(buckets, key=lambda v: (sum(buckets.get(v + d, 0) for d in (-1, 0, 1)), v))
    share = sum(buckets.get(best + d, 0) for d in (-1, 0, 1)) / len(upper)
    if share < 0.25:  # ragged right: no common end, take a high quantile instead
        return upper[int(0.8 * (len(upper) - 1))]
    return max(x for x in upper if abs(round(x) - best) <= 1)


def measure(lines: Sequence[Line]) -> Metrics:
    """Body size, line pitch and the text box of each page."""
    if not lines:
        return Metrics(size=12.0, pitch=14.4)
    size = _mode((round(ln.size * 2) / 2 for ln in lines), (len(ln.text) for ln in lines)) or 12.0
    body = [ln for ln in lines if abs(ln.size - size) <= 0.6 and not ln.red]
    pages = sorted({ln.page for ln in lines})

    pitches = []
    for page_lines in _by_page(body).values():
        page_lines = sorted(page_lines, key=lambda ln: ln.top)
        for a, b in zip(page_lines, page_lines[1:], strict=False):
            d = b.top - a.top
            if 0.9 * size <= d <= 3 * size:
                pitches.append(round(d * 2) / 2)
    pitch = _mode(pitches) or round(size * 1.5, 1)

    # Mirrored margins put odd and even pages' text boxes in different places.
    groups: dict[int, list[Line]] = {0: [], 1: []}
    for ln in body:
        groups[ln.page % 2].append(ln)
    all_left = _left_edge([ln.x0 for ln in body]) or min(ln.x0 for ln in lines)
    all_right = _right_edge([ln.x1 for ln in body]) or max(ln.x1 for ln in lines)
    box = {0: (all_left, all_right), 1: (all_left, all_right)}
    if len(groups[0]) >= 8 and len(groups[1]) >= 8:
        per = {
            parity: (_left_edge([ln.x0 for ln in g]) or all_left, _right_edge([ln.x1 for ln in g]) or all_right)
            for parity, g in groups.items()
        }
        if abs(per[0][0] - per[1][0]) > 2 or abs(per[0][1] - per[1][1]) > 2:
            box = per
    return Metrics(
        size=size,
        pitch=pitch,
        left={p: box[p % 2][0] for p in pages},
        right={p: box[p % 2][1] for p in pages},
    )


# --- classifying lines -----------------------------------------------------------------------

RED, TITLE, HEADING, CENTER, RIGHT, INDENT, FAR, LEFT, ROW, WIDE = (
    "red", "title", "heading", "center", "right", "indent", "far", "left", "row", "wide",
)
_ALONE = {RED, CENTER, RIGHT, ROW, WIDE}  # kinds that never join another line (titles join titles)

# Structure that always starts a paragraph, even at the left margin after a full line:
# 第X章 / 第X条 followed by a blank or 【title】 (a wrapped citation is never followed by a blank).
_STRONG_MARKER = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+[编章节条](?:\s|【)")
# Markers that start a paragraph when the previous line closed a sentence.
_WEAK_MARKER = re.compile(
    r"^(?:[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|[一二三四五六七八九十]+、|\d{1,2}\s*[.．、](?!\d)"
    r"|[①-⑳]|附件|注\s*[：:]|抄送|抄报|主送)"
)
_SENTENCE_END = tuple("。；：！？.;:!?")


def _large(line: Line, m: Metrics) -> bool:
    return line.size >= 1.25 * m.size


def classify(line: Line, m: Metrics) -> str:
    """The layout role of one line (see the module docstring)."""
    if line.red:
        return RED
    left, right = m.box(line.page)
    cw = m.size  # a CJK character is one em wide
    width = right - left
    lg, rg = line.x0 - left, right - line.x1
    large = _large(line, m)
    centred = abs(lg - rg) <= max(0.8 * cw, 2.0) and (lg > 0.5 * cw or large)
    if centred and not large and 1.5 * cw <= lg <= 2.5 * cw:
        centred = False  # a first-line indent whose line happens to end near the middle
    if len(line.cells) >= 2 and not centred:
        return WIDE  # a ROW when a neighbour is aligned with it (see _mark_rows)
    if centred:
        return TITLE if large else CENTER
    if large:
        return HEADING
    if width > 0 and lg >= 0.35 * width and rg < lg:
        return RIGHT
    if 1.25 * cw <= lg <= 4.5 * cw:
        return INDENT
    if lg > 4.5 * cw:
        return FAR
    return LEFT


def _aligned(a: Line, b: Line) -> bool:
    """Two wide-gap lines starting at the same x with as many cells: rows of one table."""
    return abs(a.x0 - b.x0) <= 3 and len(a.cells) == len(b.cells)


def _mark_rows(lines: Sequence[Line], kinds: list[str]) -> None:
    for i, kind in enumerate(kinds):
        if kind != WIDE:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines) and kinds[j] in (WIDE, ROW) and _aligned(lines[i], lines[j]):
                kinds[i] = ROW
                if kinds[j] == WIDE:
                    kinds[j] = ROW


# --- grouping lines into paragraphs ----------------------------------------------------------

_CLOSING = set("，。、；：！？）》」』〕】”’,.;:!?)]}%")
_OPENING = set("（《「『〔【“‘([{")


_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z.%,\-/:]*")


def first_unit_width(text: str, size: float) -> float:
    """Width of what the line-breaker had to fit on the previous line: the first word.

    Opening brackets stay with what follows (``〔2021〕``), a Latin word or number goes whole, and
    closing punctuation that may not start a line stays with the character before it (``号）``).
    """
    text = text.lstrip()
    width, i = 0.0, 0
    while i < len(text) and text[i] in _OPENING:
        width += size
        i += 1
    m = _WORD.match(text, i)
    if m:
        width += 0.5 * size * len(m.group(0))
        i = m.end()
    elif i < len(text):
        width += size if not text[i].isascii() else 0.5 * size
        i += 1
    while i < len(text) and text[i] in _CLOSING:
        width += size if not text[i].isascii() else 0.5 * size
        i += 1
    return width


def _ended(prev: Line, cur: Line, m: Metrics) -> bool:
    """The previous line stopped with room for the next line's first word: a paragraph end."""
    _, right = m.box(prev.page)
    room = right - prev.x1
    return room >= first_unit_width(cur.text, cur.size) + 0.25 * cur.size


def _heading_like(line: Line) -> bool:
    return line.bold and line.uniform


def continues(prev: Line, prev_kind: str, cur: Line, cur_kind: str, m: Metrics) -> bool:
    """Does ``cur`` continue the paragraph whose last line is ``prev``?"""
    if prev_kind in _ALONE or cur_kind in _ALONE:
        return False
    if prev_kind in (TITLE, HEADING) or cur_kind in (TITLE, HEADING):
        # Multi-line titles and large headings: consecutive lines of the same size.
        return (
            prev_kind in (TITLE, HEADING)
            and cur_kind in (TITLE, HEADING)
            and prev.page == cur.page
            and abs(prev.size - cur.size) <= 0.5
            and cur.top - prev.bottom < 1.0 * cur.size
        )
    if abs(prev.size - cur.size) > 0.75 or prev.red != cur.red:
        return False
    if _heading_like(cur) != _heading_like(prev):
        return False  # an unnumbered heading set in 黑体 between body paragraphs
    if cur_kind == INDENT:
        return False
    if prev.page == cur.page and cur.top - prev.top > 1.45 * m.pitch:
        return False  # paragraph spacing
    if _STRONG_MARKER.match(cur.text):
        return False
    if _ended(prev, cur, m):
        return False
    if _WEAK_MARKER.match(cur.text) and prev.text.rstrip().endswith(_SENTENCE_END):
        return False
    # cur is at the left margin (or hangs under the previous line's text) after a full line.
    return True


def group_lines(lines: Sequence[Line], m: Metrics) -> list[tuple[list[Line], list[str]]]:
    """Lines (in reading order, furniture removed) → paragraphs with their line kinds."""
    kinds = [classify(line, m) for line in lines]
    _mark_rows(lines, kinds)
    groups: list[tuple[list[Line], list[str]]] = []
    for line, kind in zip(lines, kinds, strict=True):
        if groups and continues(groups[-1][0][-1], groups[-1][1][-1], line, kind, m):
            groups[-1][0].append(line)
            groups[-1][1].append(kind)
        else:
            groups.append(([line], [kind]))
    return groups


# --- blocks ----------------------------------------------------------------------------------


def _text(lines: Sequence[Line], kinds: Sequence[str]) -> str:
    if len(lines) == 1 and kinds[0] in (ROW, WIDE):
        # Cells are normalised one by one: the gap between them is not producer spacing.
        sep = "\t" if kinds[0] == ROW else " "
        return sep.join(normalize_spaces(c) for c in lines[0].cells)
    text = ""
    for line, kind in zip(lines, kinds, strict=True):
        piece = line.text.strip()
        if kind in (TITLE, HEADING) and _issuer_list_break(text, piece):
            text += " "
        text = join_wrapped(text, piece)
    return normalize_spaces(text)


_ISSUER_LIST = re.compile(rf"[{CJK}] +[{CJK}]")
_ORG_END = tuple("局会委厅部院室府署")


def _issuer_list_break(before: str, after: str) -> bool:
    """A joint issuers' title wrapped between two names keeps the blank between them:
    ``广东省医疗保障局 广东省卫生健康委员会`` / ``广东省药品监督管理局关于…``."""
    if not before or not _ISSUER_LIST.search(before) or not before.endswith(_ORG_END):
        return False
    first_name = before.split()[0]
    return len(first_name) >= 2 and after.startswith(first_name[:2])


def _style(lines: Sequence[Line], kinds: Sequence[str], m: Metrics) -> Style:
    first, kind = lines[0], kinds[0]
    if kind in (TITLE, CENTER) or (kind == RED and _is_centred(first, m)):
        align = "center"
    elif kind == RIGHT:
        align = "right"
    else:
        align = "left"
    return Style(
        size=round(first.size, 1),
        bold=first.bold,
        red=first.red,
        align=align,
        indent=kind == INDENT,
        title=TITLE in kinds,
        small=first.size < m.size - 0.75,
    )


def _is_centred(line: Line, m: Metrics) -> bool:
    left, right = m.box(line.page)
    return abs((line.x0 - left) - (right - line.x1)) <= max(0.8 * m.size, 0.05 * (right - left))


def relative_bold(lines: Sequence[Line]) -> list[Line]:
    """When the body face itself looks bold (a whole document in 黑体 or a sans face), only
    another face marks a heading: unset ``bold`` on lines set in the body face."""
    fonts: Counter[str] = Counter()
    for ln in lines:
        fonts[ln.font] += len(ln.text)
    if not fonts:
        return list(lines)
    body_font = fonts.most_common(1)[0][0]
    if not any(ln.bold for ln in lines if ln.font == body_font):
        return list(lines)
    return [replace(ln, bold=False) if ln.font == body_font and ln.bold else ln for ln in lines]


def blocks_from_lines(lines: Sequence[Line], metrics: Metrics | None = None) -> list[Block]:
    """The whole layout pass: furniture dropped, lines grouped, text joined and normalised."""
    body = relative_bold([ln for ln in drop_furniture(lines) if ln.text.strip()])
    m = metrics or measure(body)
    blocks = []
    for group, kinds in group_lines(body, m):
        text = _text(group, kinds)
        if text:
            blocks.append(Block(text=text, page=group[0].page, style=_style(group, kinds, m)))
    return blocks
