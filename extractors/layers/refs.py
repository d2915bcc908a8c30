"""Cross-references: citations parsed into structured targets, then resolved to node eIds.

Grammar (mainland order 条 > 款 > 项 > 目; see NOTES.md):

    citation  := [prefix] unit ( ("至"|"、"|"和"|"及"|"或") unit )*
    prefix    := 本办法 | 本细则 | 本实施细则 | 本条例 | … (the citing document)
               | 《title》 | 2号令 | an abbreviation the document defines (another document)
    unit      := 第N条 [第N款] [items] | 本条 [第N款] [items] | 本款 | 前款 | 前两款 | 第N款 [items]
    items     := 第（一）、（二）项 | 第（四）款 | 第三项 | … (+ 第N目)

``第三十八条第（四）款``: the seeds sometimes call an item a 款; a bracketed number is an item
(项), so the reference resolves to the point and says how it was cited (``cited_as``).

Resolution: internal references against the citing document's own tree (article number →
article eId, + paragraph ordinal → paragraph, + item number → point); external ones through the
caller's ``resolve_title(title) -> Document | None`` (the store looks documents up by title or
文号), using the abbreviations the citing document defines. A reference that cannot be resolved
is kept, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from extractors.layers.definitions import DefinitionAt, definitions_table
from extractors.normalize import cn_to_int, int_to_cn
from toolkit.model import Document, Node, Span

ResolveTitle = Callable[[str], Document | None]

_SP = r"[ \u3000]*"
_NUM = r"[一二三四五六七八九十百零〇两\d]+"
_SELF = r"本(?:实施细则|实施办法|细则|办法|条例|规定|规程|指南|决定|意见|标准|法)"
_BR = rf"[（(]{_SP}(?P<{{name}}>{_NUM}){_SP}[)）]"

_ART = re.compile(rf"第{_SP}(?P<n>{_NUM}){_SP}条")
_PARA = re.compile(rf"{_SP}第{_SP}(?P<n>{_NUM}){_SP}款")
_ITEM_FIRST = re.compile(rf"{_SP}第?{_SP}{_BR.format(name='n')}")
_ITEM_NEXT = re.compile(rf"{_SP}(?:、|，|,|和|及|或者|或){_SP}第?{_SP}{_BR.format(name='n')}")
_ITEM_UNIT = re.compile(rf"{_SP}(?P<u>项|款|目)")
_ITEM_PLAIN = re.compile(rf"{_SP}第{_SP}(?P<n>{_NUM}){_SP}项")
_SUBITEM = re.compile(rf"{_SP}第{_SP}(?P<n>{_NUM}){_SP}目")
_CONT_ART = re.compile(rf"{_SP}(?P<sep>至|到|、|和|及|以及|或者|或){_SP}(?=第{_SP}{_NUM}{_SP}条)")
_CONT_PARA = re.compile(rf"{_SP}(?P<sep>、|和|及|或者|或){_SP}(?=第{_SP}{_NUM}{_SP}款)")


def _int(numeral: str) -> int | None:
    return cn_to_int(re.sub(r"\s", "", numeral))


@dataclass(frozen=True)
class Citation:
    """One cited unit. ``text == source[start:end]``; ``citation`` is the whole group it is in
    (``本条第(一)、(二)项`` for each of its two items)."""

    start: int
    end: int
    text: str
    citation: str
    prefix: str | None = None  # 本办法, 《条例》, 2号令 — None for a bare 第N条
    prefix_kind: str | None = None  # self | title | abbreviation
    relative: str | None = None  # article (本条) | paragraph (本款) | previous (前款, 前两款)
    back: int = 0  # 前两款 → 2
    article: int | None = None
    article_to: int | None = None  # a range 第十二条至第十四条
    paragraph: int | None = None
    item: int | None = None
    subitem: int | None = None
    cited_as: str = "条"  # the unit word as printed: 条 | 款 | 项 | 目
    group: int = 0  # citations parsed together share a group number

    @property
    def external(self) -> bool:
        return self.prefix_kind in ("title", "abbreviation")


def _prefix_re(abbreviations: tuple[str, ...]) -> re.Pattern[str]:
    """A prefix ending where the text ends (the text is cut right before a 第N条)."""
    alts = [_SELF, r"《[^《》\n]{1,120}》", rf"\d+{_SP}号令"]
    alts += [re.escape(a) for a in sorted(abbreviations, key=len, reverse=True)]
    return re.compile(rf"(?P<prefix>{'|'.join(alts)}){_SP}$")


_HEAD_RE = re.compile(
    rf"(?P<art>第{_SP}{_NUM}{_SP}条)|(?<![基根成资样原文副版账课范标])(?P<this>本条)(?![例件目])|(?P<thispara>本款)|(?P<prev>前(?P<k>[两二三四五六七八九])?款)"
    rf"|(?P<para>第{_SP}{_NUM}{_SP}款)|(?P<item>第{_SP}[（(]{_SP}{_NUM}{_SP}[)）]{_SP}(?:[、，,]{_SP}[（(]{_SP}{_NUM}{_SP}[)）]{_SP})*项)"
)


def _prefix_kind(prefix: str) -> str:
    if re.fullmatch(_SELF, prefix):
        return "self"
    return "title" if prefix.startswith("《") else "abbreviation"


def _bracket_start(text: str, num_start: int) -> int:
    """Where an item of a list starts: its bracket, or the 第 before it (、第（三）项)."""
    i = num_start - 1
    while i > 0 and text[i] in " \u3000":
        i -= 1
    j = i - 1
    while j > 0 and text[j] in " \u3000":
        j -= 1
    return j if j >= 0 and text[j] == "第" else i


def _tail(text: str, pos: int, base: Citation) -> tuple[list[Citation], int]:
    """Paragraph, items and 目 after an article (or 本条 / a bare 第N款): the units they make."""
    unit = base
    m = _PARA.match(text, pos)
    if m and unit.paragraph is None:
        unit = replace(unit, paragraph=_int(m["n"]), cited_as="款")
        pos = m.end()
    m = _ITEM_FIRST.match(text, pos)
    if m:
        items = [m]
        pos = m.end()
        while True:  # 、（二）、（三） — or 第（二）项、第（三）项, the unit word repeated
            u = _ITEM_UNIT.match(text, pos)
            nxt = _ITEM_NEXT.match(text, u.end() if u else pos)
            if not nxt:
                break
            items.append(nxt)
            pos = nxt.end()
        u = _ITEM_UNIT.match(text, pos)
        word = u["u"] if u else "项"
        if u:
            pos = u.end()
        out = []
        for i, im in enumerate(items):
            number = _int(im["n"])
            c = replace(unit, subitem=number, cited_as="目") if word == "目" else replace(unit, item=number, cited_as=word)
            s = unit.start if i == 0 else _bracket_start(text, im.start("n"))
            if i < len(items) - 1:
                repeated = _ITEM_UNIT.match(text, im.end())  # 第（二）项、第（三）项
                e = repeated.end() if repeated else im.end()
            else:
                e = pos
            out.append(replace(c, start=s, end=e))
        return out, pos
    m = _ITEM_PLAIN.match(text, pos)
    if m:
        unit = replace(unit, item=_int(m["n"]), cited_as="项")
        pos = m.end()
    m = _SUBITEM.match(text, pos)
    if m:
        unit = replace(unit, subitem=_int(m["n"]), cited_as="目")
        pos = m.end()
    return [replace(unit, end=pos)], pos


def find_citations(text: str, abbreviations: tuple[str, ...] = ()) -> list[Citation]:
    """Every citation in ``text``; ``abbreviations`` are the document's names for other laws
    (``2号令``, ``条例``) that may stand before 第N条 without 《》."""
    prefix_re = _prefix_re(abbreviations)
    out: list[Citation] = []
    pos, group = 0, 0
    while True:
        head = _HEAD_RE.search(text, pos)
        if not head:
            break
        group += 1
        start = head.start()
        prefix = None
        if head["art"]:  # a prefix names the document: 本细则, 《条例》, 2号令
            window = max(0, start - 130)
            pm = prefix_re.search(text[window:start])
            if pm:
                prefix = pm["prefix"]
                start = window + pm.start()
        base = Citation(start=start, end=head.end(), text="", citation="", group=group)
        if prefix:
            base = replace(base, prefix=prefix, prefix_kind=_prefix_kind(prefix))
        units: list[Citation] = []
        if head["art"]:
            art = _int(_ART.match(head["art"])["n"])
            units, p = _tail(text, head.end(), replace(base, article=art))
            while True:  # 、第十条 / 至第十四条: more articles under the same prefix
                cm = _CONT_ART.match(text, p)
                if not cm:
                    break
                am = _ART.match(text, cm.end())
                nxt = replace(base, start=am.start(), article=_int(am["n"]), prefix=base.prefix)
                if cm["sep"] in ("至", "到") and units and units[-1].item is None and units[-1].paragraph is None:
                    last = units.pop()
                    units.append(replace(last, article_to=nxt.article, end=am.end()))
                    p = am.end()
                    continue
                more, p = _tail(text, am.end(), nxt)
                units += more
        elif head["this"] or head["para"]:
            rel = replace(base, relative="article")
            if head["this"]:
                units, p = _tail(text, head.end(), rel)
                if units[0].paragraph is None and units[0].item is None:
                    units = [replace(units[0], cited_as="条")]
            else:
                units, p = _tail(text, head.start(), replace(rel, start=head.start()))
            while units[-1].paragraph is not None and units[-1].item is None:
                cm = _CONT_PARA.match(text, p)  # 本条第一款、第二款
                if not cm:
                    break
                pm = _PARA.match(text, cm.end())
                units.append(
                    replace(units[-1], start=cm.end(), end=pm.end(), paragraph=_int(pm["n"]))
                )
                p = pm.end()
        elif head["thispara"]:
            units, p = _tail(text, head.end(), replace(base, relative="paragraph", cited_as="款"))
        elif head["prev"]:
            back = _int(head["k"]) if head["k"] else 1
            units, p = [replace(base, end=head.end(), relative="previous", back=back or 1, cited_as="款")], head.end()
        else:  # 第（一）、（二）项 alone: items of the citing article
            units, p = _tail(text, head.start(), replace(base, relative="article", start=head.start()))
        whole = text[start:p]
        out += [replace(u, text=text[u.start : u.end], citation=whole) for u in units]
        pos = max(p, head.end())
    return out


# --- resolution ---------------------------------------------------------------------------------
def _paragraphs(article: Node) -> list[Node]:
    paras = [c for c in article.children if c.kind == "paragraph"]
    return paras or [article]  # an article printed as one block is its own first paragraph


@dataclass
class _ArticleIndex:
    """An article's paragraphs, their positions and its items by number, built once per article:
    scanning them for every citation was quadratic in a long article (#16.4)."""

    paras: list[Node]
    position: dict[str, int]
    items: dict[int | None, list[Node]]


class _Articles:
    def __init__(self) -> None:
        self._seen: dict[int, tuple[Node, _ArticleIndex]] = {}

    def of(self, article: Node) -> _ArticleIndex:
        hit = self._seen.get(id(article))
        if hit is None or hit[0] is not article:
            paras = _paragraphs(article)
            items: dict[int | None, list[Node]] = {}
            for para in paras:
                for point in _points(para):
                    items.setdefault(point.number, []).append(point)
            hit = (article, _ArticleIndex(paras, {p.eid: i for i, p in enumerate(paras)}, items))
            self._seen[id(article)] = hit
        return hit[1]


def _points(node: Node) -> list[Node]:
    return [c for c in node.children if c.kind == "point"]


def _ancestor_eid(eid: str, kind_prefix: str) -> str | None:
    """``chp_2__art_9__para_1__point_5`` → the eid up to the last ``art_`` (or ``para_``) part."""
    parts = eid.split("__")
    idx = [i for i, p in enumerate(parts) if p.startswith(kind_prefix)]
    return "__".join(parts[: idx[-1] + 1]) if idx else None


def _name(doc: Document) -> str:
    return f"《{doc.title}》" if doc.title else doc.id


def _locate(c: Citation, target: Document, article: Node | None,
            by_number: dict[int | None, Node] | None = None, index: _Articles | None = None) -> dict[str, Any]:
    """Walk article → paragraph → point → 目 in ``target``; report the first step that fails."""
    name = _name(target)
    if article is None:
        return {"resolved": False, "reason": f"article {c.article} does not exist in {name}"}
    if c.article_to is not None:
        if by_number is None:
            by_number = {}
            for a in target.articles():
                by_number.setdefault(a.number, a)
        arts = [by_number.get(n) for n in range(c.article, c.article_to + 1)]
        missing = [n for n, a in zip(range(c.article, c.article_to + 1), arts, strict=True) if a is None]
        eids = [a.eid for a in arts if a is not None]
        if missing:
            return {"resolved": False, "target_eids": eids, "nearest_eid": article.eid,
                    "reason": f"article {missing[0]} does not exist in {name}"}
        return {"resolved": True, "target_eid": eids[0], "target_eids": eids}
    node: Node = article
    where = f"article {article.number}"
    out: dict[str, Any] = {}
    known = (index or _Articles()).of(article)
    paras = known.paras
    if c.paragraph is not None:
        if c.paragraph > len(paras):
            return {"resolved": False, "nearest_eid": node.eid,
                    "reason": f"paragraph {c.paragraph} does not exist in {where} of {name}"}
        node = paras[c.paragraph - 1]
        where = f"paragraph {c.paragraph} of {where}"
    if c.item is not None:
        hits = ([p for p in _points(node) if p.number == c.item] if c.paragraph is not None
                else known.items.get(c.item, []))
        if not hits:
            return {"resolved": False, "nearest_eid": node.eid,
                    "reason": f"item ({c.item}) does not exist in {where} of {name}"}
        if len(hits) > 1:
            out["note"] = f"item ({c.item}) occurs in {len(hits)} paragraphs; the first is taken"
        node = hits[0]
        if c.cited_as == "款":
            out["note"] = f"cited as 款, but （{int_to_cn(c.item)}） is an item (项): resolved to the point"
    if c.subitem is not None:
        hits = [p for p in _points(node) if p.number == c.subitem]
        if not hits:
            return {"resolved": False, "nearest_eid": node.eid,
                    "reason": f"sub-item {c.subitem} does not exist under {node.eid} of {name}"}
        node = hits[0]
    return {"resolved": True, "target_eid": node.eid, "target_eids": [node.eid], **out}


def _relative(c: Citation, document: Document, eid: str,
              by_eid: dict[str, Node] | None = None, index: _Articles | None = None) -> dict[str, Any]:
    name = _name(document)
    art_eid = _ancestor_eid(eid, "art_")
    if by_eid is None:
        by_eid = {n.eid: n for n in document.nodes()}
    article = by_eid.get(art_eid) if art_eid else None
    if article is None:
        return {"resolved": False, "reason": f"{c.text} outside any article of {name}"}
    index = index or _Articles()
    if c.relative == "article":
        return _locate(replace(c, article=article.number), document, article, index=index)
    para_eid = _ancestor_eid(eid, "para_")
    known = index.of(article)
    paras = known.paras
    here = known.position.get(para_eid or "", 0 if paras[0] is article else None)
    if here is None:
        return {"resolved": False, "reason": f"cannot tell which paragraph of article {article.number} cites {c.text}"}
    if c.relative == "paragraph":
        return _locate(replace(c, article=article.number, paragraph=here + 1), document, article, index=index)
    # 前款 / 前两款: the paragraph(s) just before the citing one.
    if here - c.back < 0:
        return {"resolved": False, "nearest_eid": article.eid,
                "reason": f"{c.text} in paragraph {here + 1} of article {article.number}: no such earlier paragraph"}
    eids = [p.eid for p in paras[here - c.back : here]]
    return {"resolved": True, "target_eid": eids[0], "target_eids": eids}


@dataclass
class Resolver:
    """Resolves one document's citations; caches the external documents it looked up."""

    document: Document
    resolve_title: ResolveTitle | None = None
    table: dict[str, DefinitionAt] = field(default_factory=dict)
    _cache: dict[str, Document | None] = field(default_factory=dict)
    # Per target document: nodes by eId and articles by number. Looking them up by walking the
    # tree for every citation made ingest quadratic in the size of the document (#16.4).
    _index: dict[int, tuple[dict[str, Node], dict[int | None, Node]]] = field(default_factory=dict)
    _articles: _Articles = field(default_factory=_Articles)

    def _nodes_of(self, doc: Document) -> tuple[dict[str, Node], dict[int | None, Node]]:
        if id(doc) not in self._index:
            by_eid: dict[str, Node] = {}
            by_number: dict[int | None, Node] = {}
            for n in doc.nodes():
                by_eid.setdefault(n.eid, n)
                if n.kind == "article":
                    by_number.setdefault(n.number, n)
            self._index[id(doc)] = (by_eid, by_number)
        return self._index[id(doc)]

    def __post_init__(self) -> None:
        if not self.table:
            self.table = definitions_table(self.document)

    def law_abbreviations(self) -> tuple[str, ...]:
        return tuple(t for t, d in self.table.items() if d.definition.kind == "law")

    def target(self, c: Citation) -> tuple[Document | None, dict[str, Any]]:
        """The cited document (or None) and what is known about it."""
        if not c.external:
            return self.document, {"scope": "internal"}
        raw = c.prefix.strip("《》") if c.prefix.startswith("《") else re.sub(r"\s", "", c.prefix)
        info: dict[str, Any] = {"scope": "external", "cited_title": raw}
        d = self.table.get(raw)
        if d is not None and d.definition.kind == "law":
            title, number = d.definition.expansion, d.definition.doc_number
            info.update({"abbreviation": raw, "defined_at": d.eid})
        elif c.prefix_kind == "abbreviation":
            info["reason"] = f"undefined abbreviation: {raw}"
            return None, info
        else:
            title, number = raw, None
        info["target_title"] = title
        if number:
            info["target_doc_number"] = number
        if re.sub(r"\s", "", title) == re.sub(r"\s", "", self.document.title or ""):
            info["scope"] = "internal"
            return self.document, info
        doc = self._lookup(title) or (self._lookup(number) if number else None)
        if doc is None:
            info["reason"] = f"not in corpus: 《{title}》"
        return doc, info

    def _lookup(self, key: str) -> Document | None:
        if self.resolve_title is None:
            return None
        if key not in self._cache:
            self._cache[key] = self.resolve_title(key)
        return self._cache[key]

    def resolve(self, c: Citation, eid: str) -> dict[str, Any]:
        target, info = self.target(c)
        data: dict[str, Any] = {
            "citation": c.citation,
            "cited_as": c.cited_as,
            "article": c.article,
            "target_doc": target.id if target else None,
            "target_eid": None,
            "target_eids": [],
            "resolved": False,
            "reason": None,
            **info,
        }
        for k in ("article_to", "paragraph", "item", "subitem", "relative"):
            if getattr(c, k) is not None:
                data[k] = getattr(c, k)
        if c.prefix:
            data["prefix"] = c.prefix
        if target is None:
            return data
        by_eid, by_number = self._nodes_of(target)
        if c.relative:
            found = _relative(c, target, eid, by_eid, self._articles)
        else:
            found = _locate(c, target, by_number.get(c.article), by_number, self._articles)
        data.update(found)
        return data


def document_citations(document: Document, resolver: Resolver | None = None) -> list[tuple[Node, Citation]]:
    resolver = resolver or Resolver(document)
    abbrs = resolver.law_abbreviations()
    return [(n, c) for n in document.nodes() if n.text for c in find_citations(n.text, abbrs)]


def ref_spans(document: Document, resolve_title: ResolveTitle | None = None) -> list[Span]:
    """The cross-reference layer: one REF span per cited unit, with its resolution."""
    resolver = Resolver(document, resolve_title)
    out = []
    for node, c in document_citations(document, resolver):
        out.append(Span(node.eid, c.start, c.end, "REF", c.text, resolver.resolve(c, node.eid)))
    return out


def _norm_key(key: str) -> str:
    key = re.sub(r"[《》〈〉\s]", "", key)
    return key.removeprefix("中华人民共和国")


def corpus_resolver(documents: list[Document]) -> ResolveTitle:
    """A ``resolve_title`` over a list of documents: by title, or by 文号 (``国务院令第735号`` and
    ``中华人民共和国国务院令第735号`` are the same order). For tests and single-batch runs; the
    store offers the same lookup over everything ingested."""
    index: dict[str, Document] = {}
    for d in documents:
        for key in (d.title, d.doc_number):
            if key:
                index.setdefault(_norm_key(key), d)

    def resolve_title(title: str) -> Document | None:
        return index.get(_norm_key(title))

    return resolve_title
