"""A document body's blocks → a node tree (编 章 节 条 款 项 目, or headings for unnumbered guides).

The parser walks the blocks once, keeping the open containers (division, article, paragraph,
item). It trusts numbering sequences more than line starts: a ``第三十八条`` that does not follow
the previous article's number is a wrapped citation, not a new article, and a block that does not
end a sentence is continued by the next one (a page break cut it).

eIds follow the Akoma Ntoso naming convention: ``chp_2__sec_1__art_9__para_1__point_5__point_2``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors import markers
from extractors.markers import Marker, ends_sentence
from extractors.normalize import int_to_cn, join_wrapped, squeeze_cjk
from extractors.readers.base import Block
from toolkit.model import Node, SourceRef

EID_PREFIX = {
    "book": "book",
    "part": "part",
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "paragraph": "para",
    "point": "point",
    "heading": "hcontainer",
}
DIVISION_RANK = {"book": 0, "part": 1, "chapter": 2, "section": 3}


@dataclass
class _Open:
    """The containers currently open while walking the blocks."""

    divisions: list[Node] = field(default_factory=list)  # outermost first
    article: Node | None = None
    paragraph: Node | None = None
    item: Node | None = None  # a （一） point
    subitem: Node | None = None  # a 1. / （1） point under an item, or under a paragraph
    last_text: Node | None = None  # the node whose text the next continuation would extend
    list_open: bool = False  # guide mode: a clause ending with ： opened a list of items


def _eid(parent_eid: str, kind: str, n: int | str) -> str:
    own = f"{EID_PREFIX[kind]}_{n}"
    return f"{parent_eid}__{own}" if parent_eid else own


def _unique(eid: str, taken: set[str]) -> str:
    """eIds must be unique in a document: a repeated number gets a suffix (art_9, art_9_2)."""
    if eid not in taken:
        taken.add(eid)
        return eid
    k = 2
    while f"{eid}_{k}" in taken:
        k += 1
    taken.add(f"{eid}_{k}")
    return f"{eid}_{k}"


class StructureParser:
    """Builds the tree for one document body. Use :func:`parse_structure`."""

    def __init__(self, file: str, printed: dict[str, str] | None = None,
                 problems: list[str] | None = None):
        self.file = file
        self.printed = printed if printed is not None else {}  # eId → item marker as printed
        # Numbering the text breaks (a gap, a duplicate, a number out of order), each with its
        # place: the sequence still decides the tree, but nothing is merged away unsaid.
        self.problems = problems if problems is not None else []
        self.top: list[Node] = []
        self.open = _Open()
        self.taken: set[str] = set()
        self.last_article_number = 0
        self.last_division_number: dict[str, int] = {}
        self._paragraphs: dict[int, int] = {}  # id(children list) → paragraphs in it so far

    # --- helpers ---------------------------------------------------------------------
    def _src(self, block: Block) -> SourceRef:
        return SourceRef(self.file, block.page, block.line)

    def _report(self, block: Block, what: str) -> None:
        where = ", ".join(p for p in (f"page {block.page}" if block.page else "",
                                      f"line {block.line}" if block.line else "") if p) or "the body"
        self.problems.append(f"{where}: {what}")

    def _gap(self, block: Block, kind: str, last: int, number: int, printed: str, previous: str) -> None:
        missing = "、".join(_label(kind, k) for k in range(last + 1, number))
        self._report(block, f"{missing} missing from the numbering ({previous} is followed by {printed})")

    def _container(self) -> tuple[list[Node], str]:
        """Where a new article or top-level paragraph goes: the innermost division, or the top."""
        if self.open.divisions:
            d = self.open.divisions[-1]
            return d.children, d.eid
        return self.top, ""

    def _new(self, parent_children: list[Node], parent_eid: str, kind: str, n: int | str,
             block: Block, **kw) -> Node:
        node = Node(eid=_unique(_eid(parent_eid, kind, n), self.taken), kind=kind,
                    source=self._src(block), **kw)
        parent_children.append(node)
        return node

    # --- block handlers ------------------------------------------------------------------
    def division(self, m: Marker, block: Block) -> bool:
        rank = DIVISION_RANK[m.kind]
        # Sections restart in every chapter; chapters in every part: key the sequence by parent.
        outer = [d for d in self.open.divisions if DIVISION_RANK[d.kind] < rank]
        key = (outer[-1].eid if outer else "") + "/" + m.kind
        expected = self.last_division_number.get(key, 0) + 1
        if m.number is None or not expected <= m.number <= expected + 2:
            if m.heading and m.number is not None:  # a heading line, not a sentence that starts so
                how = "repeated" if m.number == expected - 1 else "out of order"
                self._report(block, f"{m.num} {m.heading} {how} ({_label(m.kind, expected - 1) if expected > 1 else 'none'} "
                                    f"came before): kept as text")
            return False
        if m.number > expected:
            self._gap(block, m.kind, expected - 1, m.number, m.num,
                      _label(m.kind, expected - 1) if expected > 1 else "the start")
        self.last_division_number[key] = m.number or 0
        self.open.divisions = outer
        children, parent_eid = self._container()
        node = self._new(children, parent_eid, m.kind, m.number or len(children) + 1, block,
                         num=m.num, number=m.number, heading=m.heading)
        self.open.divisions.append(node)
        self.open.article = self.open.paragraph = self.open.item = self.open.subitem = None
        self.open.last_text = None
        return True

    def article(self, m: Marker, block: Block) -> bool:
        if m.number is None:
            return False
        last = self.last_article_number
        if m.sub is None and not (last < m.number <= last + 3):
            how = ("repeated" if m.number == last else "out of order" if m.number < last
                   else "far out of sequence")
            self._report(block, f"{m.num} {how} (after {_label('article', last) if last else 'no article'}): "
                                "kept as text of the article before")
            return False
        if m.sub is not None and m.number != last:
            self._report(block, f"{m.num} out of order (after {_label('article', last) if last else 'no article'}): "
                                "kept as text of the article before")
            return False
        if m.sub is None and m.number > last + 1:
            self._gap(block, "article", last, m.number, m.num, _label("article", last) if last else "the start")
        self.last_article_number = m.number
        children, parent_eid = self._container()
        n = m.number if m.sub is None else f"{m.number}_{m.sub}"
        art = self._new(children, parent_eid, "article", n, block, num=m.num, number=m.number,
                        heading=m.heading)
        self.open.article = art
        self.open.paragraph = self.open.item = self.open.subitem = None
        self.open.last_text = None
        if m.rest:
            self.paragraph(m.rest, block)
        return True

    def paragraph(self, text: str, block: Block) -> Node:
        if self.open.article is not None:
            parent = self.open.article
            children, parent_eid = parent.children, parent.eid
        else:
            children, parent_eid = self._container()
        # Counted per container, not by scanning it: a huge article (a text whose numbering
        # restarts) must not make parsing quadratic.
        n = self._paragraphs[id(children)] = self._paragraphs.get(id(children), 0) + 1
        para = self._new(children, parent_eid, "paragraph", n, block, text=text)
        self.open.paragraph = para
        self.open.item = self.open.subitem = None
        self.open.last_text = para
        return para

    def item(self, m: Marker, block: Block) -> bool:
        para = self.open.paragraph
        if para is None:
            para = self.paragraph("", block)
        last = _last_point(para.children)
        items = [last] if last else []  # only the last one is looked at: a long list stays linear
        expected = (items[-1].number or 0) + 1 if items else 1
        if m.number != expected:
            if m.number == 1 and items:
                # A fresh list after text that closed the previous one: a new paragraph.
                para = self.paragraph("", block)
            elif m.number is not None and expected < m.number <= expected + 2 and items:
                self._gap(block, "point", expected - 1, m.number, m.num, items[-1].num or "")
            else:
                where = f"{self.open.article.num} " if self.open.article is not None and self.open.article.num else ""
                after = f"after {items[-1].num}" if items else "with no item before it"
                self._report(block, f"{where}item {m.num} out of sequence ({after}): kept as text")
                return False
        node = self._new(para.children, para.eid, "point",
                         m.number or sum(1 for c in para.children if c.kind == "point") + 1, block,
                         num=m.num, number=m.number, text=m.rest)
        self._printed(node, m)
        self.open.item = node
        self.open.subitem = None
        self.open.last_text = node
        return True

    def subitem(self, m: Marker, block: Block) -> bool:
        item = self.open.item
        if item is not None:
            last = _last_point(item.children)
            subs = [last] if last else []
            expected = (subs[-1].number or 0) + 1 if subs else 1
            if subs and m.number is not None and expected < m.number <= expected + 2:
                self._gap(block, "subitem", expected - 1, m.number, m.num, subs[-1].num or "")
                expected = m.number
            if m.number == expected:
                node = self._new(item.children, item.eid, "point", m.number or 1, block,
                                 num=m.num, number=m.number, text=m.rest)
                self._printed(node, m)
                self.open.subitem = node
                self.open.last_text = node
                return True
        # Digits as first-level items (Chuxiong lists 1. 2. … directly under a paragraph).
        para = self.open.paragraph
        if para is None or (item is not None):
            return self._stray(m, block)
        last = _last_point(para.children)
        points = [last] if last else []
        expected = (points[-1].number or 0) + 1 if points else 1
        if points and m.number is not None and expected < m.number <= expected + 2:
            self._gap(block, "subitem", expected - 1, m.number, m.num, points[-1].num or "")
            expected = m.number
        if m.number != expected:
            return self._stray(m, block)
        node = self._new(para.children, para.eid, "point", m.number or 1, block,
                         num=m.num, number=m.number, text=m.rest)
        self._printed(node, m)
        self.open.subitem = node
        self.open.last_text = node
        return True

    def _stray(self, m: Marker, block: Block) -> bool:
        """A 1. / （1） that continues no list: reported (a list starting at 1 is no stray)."""
        if m.number != 1:
            where = f"{self.open.article.num} " if self.open.article is not None and self.open.article.num else ""
            self._report(block, f"{where}item {m.num} out of sequence (no item {m.number - 1 if m.number else ''} "
                                "before it): kept as text")
        return False

    def _printed(self, node: Node, m: Marker) -> None:
        # num is normalised (（五）) for citations; a version diff needs the brackets as printed
        if m.printed:
            self.printed[node.eid] = m.printed

    def continuation(self, text: str) -> bool:
        """Append to the last text node when the previous block was cut mid-sentence.

        An item that is only a caption (``（三）评估结果运用``: short, no punctuation) is not a cut
        sentence: the block after it is the item's text, and the caption becomes its heading.
        """
        node = self.open.last_text
        if node is None or ends_sentence(node.text) or not node.text:
            return False
        if node.kind == "point" and not node.children and _is_caption(node.text):
            node.heading, node.text = node.text, text
            return True
        node.text = join_wrapped(node.text, text)
        return True

    # --- main loop ------------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        text = block.text.strip()
        if not text:
            return
        m = markers.match_division(text)
        if m and self.division(m, block):
            return
        m = markers.match_article(text)
        if m and self.article(m, block):
            return
        m = markers.match_item(text)
        if m and self.item(m, block):
            return
        m = markers.match_subitem(text)
        if m and self.subitem(m, block):
            return
        if self.continuation(text):
            return
        self.paragraph(text, block)


_CAPTION_MAX = 15


def _last_point(children: list[Node]) -> Node | None:
    """The last point among a node's children (points come last: this looks at one or two)."""
    return next((c for c in reversed(children) if c.kind == "point"), None)


def _is_caption(text: str) -> bool:
    return len(text) <= _CAPTION_MAX and not re.search(r"[，。；：、,;:（）()“”《》]", text)


_UNITS = {"article": "条", "chapter": "章", "section": "节", "book": "编", "part": "分编"}


def _label(kind: str, n: int) -> str:
    if kind == "point":
        return f"（{int_to_cn(n)}）"
    if kind == "subitem":
        return f"{n}."
    return f"第{int_to_cn(n)}{_UNITS[kind]}"


def parse_structure(blocks: list[Block], *, file: str, printed: dict[str, str] | None = None,
                    problems: list[str] | None = None) -> list[Node]:
    """Blocks of a numbered body (a rule, a law, a notice) → top-level nodes. ``printed``, when
    given, collects eId → item marker as printed where its brackets differ from ``num``;
    ``problems`` collects the numbering gaps, duplicates and numbers out of order, with places."""
    parser = StructureParser(file, printed, problems)
    for block in _skip_table_of_contents(blocks):
        parser.feed(block)
    return parser.top


def _skip_table_of_contents(blocks: list[Block]) -> list[Block]:
    """Drop a 目录 and its chapter lines (they repeat in the body)."""
    for i, b in enumerate(blocks):
        if squeeze_cjk(b.text) in ("目录", "目 录"):
            j = i + 1
            while j < len(blocks) and markers.match_division(blocks[j].text):
                j += 1
            return blocks[:i] + blocks[j:]
    return blocks


# --- unnumbered documents (standardization guides) ----------------------------------------

_HEADING_MAX = 30
_NOT_HEADING_END = ("。", "；", "：", "，", "、", ";", ":", ",")


def looks_like_heading(block: Block) -> bool:
    t = block.text.strip()
    if not t or len(t) > _HEADING_MAX or t.endswith(_NOT_HEADING_END) or "，" in t:
        return False
    if t.startswith(("注：", "注:")) or markers.match_item(t) or markers.match_subitem(t):
        return False
    if block.style.small:
        return False
    if block.style.level is not None or block.style.bold:
        return True
    # Plain text: a short line without sentence punctuation.
    return not re.search(r"[。；，：]", t)


def has_articles(blocks: list[Block]) -> bool:
    return sum(1 for b in blocks if markers.match_article(b.text.strip())) >= 2


def heading_levels(blocks: list[Block]) -> dict[int, int]:
    """Heading level per block index: by font size where the reader gave one, else by nesting
    (a heading directly followed by another heading is one level up)."""
    idx = [i for i, b in enumerate(blocks) if looks_like_heading(b)]
    levels: dict[int, int] = {}
    explicit = [blocks[i].style.level for i in idx if blocks[i].style.level is not None]
    sizes = sorted({blocks[i].style.size for i in idx if blocks[i].style.size}, reverse=True)
    for i in idx:
        b = blocks[i]
        if b.style.level is not None and explicit:
            levels[i] = b.style.level
        elif b.style.size and len(sizes) > 1:
            levels[i] = sizes.index(b.style.size) + 1
        else:
            levels[i] = 2
    if not sizes or len(sizes) <= 1:
        for i in idx:
            if i + 1 in levels:
                levels[i] = 1
    # Normalise to start at 1.
    if levels:
        low = min(levels.values())
        levels = {i: lv - low + 1 for i, lv in levels.items()}
    return levels


def parse_guide(blocks: list[Block], *, file: str) -> list[Node]:
    """A body without numbered articles: headings by style or shape, clauses, lists, notes.

    A clause ending with ``：`` opens a list; the following blocks are its items until one ends
    with ``。``. This matches how such guides (GB/T 1.1 style) set ``a) b) c)`` lists when the
    letters were lost in extraction.
    """
    levels = heading_levels(blocks)
    taken: set[str] = set()
    top: list[Node] = []
    stack: list[tuple[int, Node]] = []  # open headings with their level
    clause: Node | None = None
    list_open = False

    def container() -> tuple[list[Node], str]:
        return (stack[-1][1].children, stack[-1][1].eid) if stack else (top, "")

    for i, block in enumerate(blocks):
        text = block.text.strip()
        if not text:
            continue
        src = SourceRef(file, block.page, block.line)
        if i in levels:
            while stack and stack[-1][0] >= levels[i]:
                stack.pop()
            children, peid = container()
            n = sum(1 for c in children if c.kind == "heading") + 1
            node = Node(eid=_unique(_eid(peid, "heading", n), taken), kind="heading",
                        heading=text, source=src)
            children.append(node)
            stack.append((levels[i], node))
            clause, list_open = None, False
            continue
        if list_open and clause is not None and not text.startswith(("注：", "注:")):
            n = len(clause.children) + 1
            clause.children.append(Node(eid=_unique(_eid(clause.eid, "point", n), taken),
                                        kind="point", text=text, source=src))
            if text.endswith("。"):
                list_open = False
            continue
        children, peid = container()
        n = sum(1 for c in children if c.kind == "paragraph") + 1
        clause = Node(eid=_unique(_eid(peid, "paragraph", n), taken), kind="paragraph",
                      text=text, source=src)
        children.append(clause)
        list_open = text.endswith(("：", ":"))
    return top
