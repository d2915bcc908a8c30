"""Citations inside one document: a node's label (第九条第一款第（五）项) and back again.

The grammar is the store's (``Store.label``): a 款 is named only when its article has more than
one (a one-paragraph article is cited by the article alone), a 目 under a 项 is 第1目, and outside
articles the nearest number or heading stands. Reports and the CLI hold the ``Document``, so the
label is computed from its tree here. ``find_cited`` reads what people type back into a node:

* the same grammar, brackets of either width, with or without them: 第九条第（五）项, 第九条第五项,
  第十二条第二款, 第十条之一, 第十七条第（一）项第1目;
* dotted numbers: ``9`` is the article, ``9.5`` its item 5 when the article has one paragraph,
  its paragraph 5 otherwise; in general ``N.项.目`` for a one-paragraph article and ``N.款.项.目``
  for an article with several paragraphs;
* an eId (``chp_2__art_9__para_1__point_5``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.normalize import cn_to_int, int_to_cn
from toolkit.model import Document, Node

_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_CITED = re.compile(
    rf"^第(?P<art>{_NUM})条(?:之(?P<sub>{_NUM}))?"
    rf"(?:第(?P<para>{_NUM})款)?"
    rf"(?:第[（(]?(?P<item>{_NUM})[)）]?项)?"
    rf"(?:第[（(]?(?P<sub_item>{_NUM})[)）]?目)?$")
_DOTTED = re.compile(r"^\d+(?:\.\d+){0,3}$")


def path_to(doc: Document, eid: str) -> list[Node]:
    """The node and its ancestors, outermost first (empty when ``eid`` is not in the document)."""
    def walk(node: Node, trail: list[Node]) -> list[Node] | None:
        for child in node.children:
            here = trail + [child]
            if child.eid == eid:
                return here
            found = walk(child, here)
            if found:
                return found
        return None

    return walk(doc.root, []) or []


def _paragraphs(article: Node) -> list[Node]:
    return [c for c in article.children if c.kind == "paragraph"]


def label_of(chain: list[Node]) -> str:
    """The citation of the last node of ``chain`` (its ancestors, outermost first)."""
    art = next((i for i, n in enumerate(chain) if n.kind == "article"), None)
    if art is None:
        for node in reversed(chain):
            label = " ".join(p for p in (node.num, node.heading) if p)
            if label:
                return label
        return ""
    parts = [chain[art].num or ""]
    for k, node in enumerate(chain[art + 1 :], art + 1):
        if node.kind == "paragraph":
            paras = _paragraphs(chain[k - 1])
            if len(paras) > 1:
                n = node.number or next(i for i, p in enumerate(paras, 1) if p is node)
                parts.append(f"第{int_to_cn(n)}款")
        elif node.kind == "point":
            num = (node.num or "").rstrip(".．、")
            under_point = any(n.kind == "point" for n in chain[art + 1 : k])
            parts.append(f"第{num}目" if under_point else f"第{num}项")
    return "".join(parts)


def node_label(doc: Document, eid: str) -> str:
    """第九条第一款第（五）项 for node ``eid`` of ``doc``; the eId itself if the node is not there."""
    chain = path_to(doc, eid)
    return label_of(chain) if chain else eid


@dataclass(frozen=True)
class Cited:
    """A citation read from text: numbers of the article and of what is inside it."""

    article: int
    sub: int | None = None  # 第十条之一 → 1
    paragraph: int | None = None
    item: int | None = None
    sub_item: int | None = None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) if text.isdigit() else cn_to_int(text)


def parse_citation(text: str) -> Cited | None:
    """第九条第（五）项 → Cited(9, item=5); None when the text is not such a citation."""
    m = _CITED.match(re.sub(r"\s+", "", text))
    if not m or _int(m["art"]) is None:
        return None
    return Cited(_int(m["art"]), _int(m["sub"]), _int(m["para"]), _int(m["item"]), _int(m["sub_item"]))


def _article(doc: Document, number: int, sub: int | None) -> Node | None:
    for a in doc.articles():
        if a.number != number:
            continue
        tail = (a.num or "").partition("之")[2].rstrip("条")
        if (sub is None and not tail) or (sub is not None and _int(tail) == sub):
            return a
    return None


def _points(parent: Node) -> list[Node]:
    return [c for c in parent.children if c.kind == "point"]


def _numbered(nodes: list[Node], n: int) -> Node | None:
    found = [x for x in nodes if x.number == n]
    return found[0] if len(found) == 1 else None


def resolve(doc: Document, cited: Cited) -> Node | None:
    """The node a parsed citation names, or None (also when it is ambiguous)."""
    article = _article(doc, cited.article, cited.sub)
    if article is None:
        return None
    node: Node = article
    paras = _paragraphs(article)
    if cited.paragraph is not None:
        if not 1 <= cited.paragraph <= len(paras):
            return None
        node = paras[cited.paragraph - 1]
    if cited.item is not None:
        if node is article:
            # 第九条第（五）项 in an article of several paragraphs: the one paragraph with a list
            holders = [p for p in paras if _points(p)] or ([article] if _points(article) else [])
            candidates = [x for h in holders if (x := _numbered(_points(h), cited.item))]
            if len(candidates) != 1:
                return None
            node = candidates[0]
        else:
            found = _numbered(_points(node), cited.item)
            if found is None:
                return None
            node = found
    if cited.sub_item is not None:
        if node.kind != "point":
            return None
        found = _numbered(_points(node), cited.sub_item)
        if found is None:
            return None
        node = found
    return node


def _dotted(doc: Document, text: str) -> Node | None:
    numbers = [int(x) for x in text.split(".")]
    article = _article(doc, numbers[0], None)
    if article is None:
        return None
    rest = numbers[1:]
    if len(_paragraphs(article)) > 1:
        names = ("paragraph", "item", "sub_item")
    else:
        names = ("item", "sub_item")
    if len(rest) > len(names):
        return None
    return resolve(doc, Cited(numbers[0], **dict(zip(names, rest, strict=False))))


def find_cited(doc: Document, text: str) -> Node | None:
    """The node ``text`` names in ``doc``: a citation, dotted numbers or an eId (module doc)."""
    text = text.strip()
    if not text:
        return None
    if _DOTTED.match(text):
        return _dotted(doc, text)
    cited = parse_citation(text)
    if cited is not None:
        return resolve(doc, cited)
    return doc.node(text)
