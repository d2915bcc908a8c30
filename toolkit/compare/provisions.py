"""Provisions: the units the comparison aligns, cut from a document's node tree.

A provision is an article, or — where an article bundles several provisions — one of its items.
An article bundles provisions when two or more of its top-level items are lists themselves
(Chuxiong 第十三条: （一） the nine grounds for a hospital, （二） the seven for a pharmacy): each such
item is a separate article in other rules. The words before the first item (the lead-in, with the
article's 【title】) introduce the list and travel with the first item; paragraphs after the list
frame the list and travel with its last item. Everything else stays whole, so gd/js articles are
never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.normalize import int_to_cn
from toolkit.model import Document, Node

_ARTICLE_NUM = re.compile(r"^第[一二三四五六七八九十百零〇]+条\s*")


@dataclass(frozen=True)
class Item:
    """A list entry inside a provision (项 or 目), for item-by-item alignment and structure."""

    eid: str
    num: str
    text: str


@dataclass(frozen=True)
class Provision:
    doc_id: str
    eid: str  # the node; for a split article's first item, the lead-in is included in ``text``
    label: str  # 第九条, 第十三条第（一）项, 第七条第二款
    index: int  # position in the document's provision order
    article: int | None  # the article's number
    chapter: str  # chapter heading as printed (context for the weak chapter prior)
    text: str  # as printed: num, 【title】, paragraphs and items, one per line
    plain: str  # 【title】 and words without nums: what similarity is computed on
    items: tuple[Item, ...] = ()
    lead_eid: str | None = None  # the article whose lead-in was folded into this item
    tail_eids: tuple[str, ...] = ()  # paragraphs after the list, folded into its last item

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.eid)

    @property
    def body(self) -> str:
        """The text without its leading article number (the label says it): what redlines show,
        so 第四条 / 第十条 is not reported as a change."""
        return _ARTICLE_NUM.sub("", self.text, count=1)

    def holds(self, eid: str) -> bool:
        """Is node ``eid`` (or the node holding it) part of this provision's text?"""
        return any(eid == e or eid.startswith(e + "__") for e in (self.eid, *self.tail_eids))


def _points(node: Node) -> list[Node]:
    """Top-level items of an article: points directly under it or under its paragraphs."""
    out = []
    for child in node.children:
        if child.kind == "point":
            out.append(child)
        elif child.kind == "paragraph":
            out += [c for c in child.children if c.kind == "point"]
    return out


def bundles_provisions(article: Node) -> bool:
    """True when at least two top-level items are lists themselves."""
    return sum(1 for p in _points(article) if any(c.kind == "point" for c in p.children)) >= 2


def _items(node: Node) -> tuple[Item, ...]:
    """The list entries of a provision: its points, or the sub-points of a list-of-lists item."""
    points = [c for c in node.walk() if c.kind == "point" and c is not node]
    top = [p for p in points if not any(p in q.children for q in points)]
    if node.kind == "point":
        top = [c for c in node.children if c.kind == "point"]
    return tuple(Item(p.eid, p.num or "", p.plain_text()) for p in top)


def _label(article: Node, node: Node, para_index: int | None, paras: int) -> str:
    base = article.num or ""
    if node is article:
        return base
    if node.kind == "paragraph":
        return f"{base}第{int_to_cn(para_index or 1)}款"
    num = (node.num or "").rstrip(".．、")
    para = f"第{int_to_cn(para_index)}款" if para_index and paras > 1 else ""
    return f"{base}{para}第{num}项"


def _lead(article: Node) -> str:
    """The article's own line before its first item: num, 【title】 and lead-in words."""
    head = article.display()
    first = next((c for c in article.children if c.kind == "paragraph"), None)
    if first is not None and first.text:
        head = " ".join(p for p in (head, first.text) if p)
    return head


def provisions(doc: Document) -> list[Provision]:
    """The document's provisions in document order."""
    out: list[Provision] = []
    chapter = ""
    for node in doc.nodes():
        if node.kind == "chapter":
            chapter = node.heading or node.num or ""
        if node.kind != "article":
            continue
        if not bundles_provisions(node):
            out.append(Provision(doc.id, node.eid, _label(node, node, None, 0), len(out), node.number,
                                 chapter, node.full_text(), (node.heading or "") + node.plain_text(),
                                 _items(node)))
            continue
        out += _split(doc.id, node, chapter, len(out))
    return out


def _split(doc_id: str, article: Node, chapter: str, start: int) -> list[Provision]:
    """An article that bundles provisions, cut at its items. The lead-in travels with the first
    item and the paragraphs after the last list (以上材料均应加盖公章) with the last item: they
    frame the list. Paragraphs between lists stand alone."""
    paras = [c for c in article.children if c.kind == "paragraph"]
    with_points = [k for k, p in enumerate(paras) if any(c.kind == "point" for c in p.children)]
    last_list = with_points[-1]
    tail = paras[last_list + 1 :]
    out: list[Provision] = []
    lead_done = False
    for pi, para in enumerate(paras[: last_list + 1], 1):
        points = [c for c in para.children if c.kind == "point"]
        if not points:
            out.append(Provision(doc_id, para.eid, _label(article, para, pi, len(paras)), start + len(out),
                                 article.number, chapter, para.full_text(), para.plain_text()))
            continue
        for point in points:
            text, plain, lead_eid, tail_eids = point.full_text(), point.plain_text(), None, ()
            if not lead_done:
                text, lead_eid, lead_done = f"{_lead(article)}\n{text}", article.eid, True
                plain = (article.heading or "") + article.text + para.text + plain
            if point is points[-1] and pi == last_list + 1 and tail:
                text += "".join(f"\n{t.full_text()}" for t in tail)
                plain += "".join(t.plain_text() for t in tail)
                tail_eids = tuple(t.eid for t in tail)
            out.append(Provision(doc_id, point.eid, _label(article, point, pi, len(paras)), start + len(out),
                                 article.number, chapter, text, plain, _items(point), lead_eid, tail_eids))
    return out
