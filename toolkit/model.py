"""The document model: official documents, their node trees and the layers on them.

Vocabulary follows Akoma Ntoso: a rule's body is a tree of chapter / section / article /
paragraph / point nodes, each with an ``eid`` such as ``chp_2__art_9__para_1__point_5``.
Layers (entities, cross-references, parameters, lifecycle events) never change the tree;
they are stored beside it, keyed by eId (the eRegulations idea).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Node kinds, outermost first. "heading" is a numbered-less heading (standardization guides),
# "paragraph" a 款 (or a body paragraph of a notice), "point" a 项 or 目.
NODE_KINDS = ("book", "part", "chapter", "section", "heading", "article", "paragraph", "point")


@dataclass(frozen=True)
class SourceRef:
    """Where a piece of text came from: file, 1-based page (paged formats), 1-based line (text)."""

    file: str
    page: int | None = None
    line: int | None = None


@dataclass
class Node:
    """One structural unit. ``text`` is the node's own exact text, without its ``num``."""

    eid: str
    kind: str
    num: str | None = None  # as printed, normalised brackets: "第九条", "（五）", "1."
    number: int | None = None  # the integer the num stands for, where there is one
    heading: str | None = None  # chapter title, 【条标题】, or the text of an unnumbered heading
    text: str = ""
    children: list[Node] = field(default_factory=list)
    source: SourceRef | None = None

    def walk(self) -> Iterator[Node]:
        """This node and all below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, eid: str) -> Node | None:
        return next((n for n in self.walk() if n.eid == eid), None)

    def display(self) -> str:
        """The node's own line as printed: num, heading and text."""
        if self.kind == "point":
            # A captioned item prints its caption on the item's line and its text below it.
            return f"{self.num or ''}{self.heading}" if self.heading else f"{self.num or ''}{self.text}"
        if self.kind == "article":
            head = (self.num or "") + (f"【{self.heading}】" if self.heading else "")
        else:
            head = " ".join(p for p in (self.num, self.heading) if p)
        return " ".join(p for p in (head, self.text) if p)

    def full_text(self) -> str:
        """The whole unit as printed, one line per paragraph / point.

        An article's first paragraph is printed on the article's own line, as in the source:
        ``第九条 医疗机构存在下列情形之一的，不予受理定点申请：``.
        """
        head = self.display()
        children = list(self.children)
        if self.kind == "article" and children and children[0].kind == "paragraph":
            first = children.pop(0)
            head = " ".join(p for p in (head, first.text) if p)
            children = first.children + children
        if self.kind == "point" and self.heading and self.text:
            head = f"{head}\n{self.text}"
        lines = [head] + [c.full_text() for c in children]
        return "\n".join(line for line in lines if line)

    def plain_text(self) -> str:
        """Own text and descendants' text without nums/headings: for comparison and search."""
        parts = [self.text] if self.text else []
        parts += [c.plain_text() for c in self.children]
        return "".join(p for p in parts if p)


@dataclass
class DateFact:
    """A date the document states (or that was inferred, and says so)."""

    value: date | None
    quote: str | None = None  # the exact words it was read from
    eid: str | None = None  # the node holding the quote, if any
    inferred: bool = False
    note: str | None = None  # how an inferred value was reached

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value.isoformat() if self.value else None,
            "quote": self.quote,
            "eid": self.eid,
            "inferred": self.inferred,
            "note": self.note,
        }


@dataclass
class LifecycleEvent:
    """Something that happened to a work: published, effective, expires, extended, repealed…"""

    type: str  # published | effective | expires | validity_extended | amended | repealed | superseded
    date: date | None
    target: str | None = None  # the document the event applies to (doc id or 文号)
    source_doc: str | None = None  # the document that states it
    eid: str | None = None
    quote: str | None = None
    inferred: bool = False
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat() if self.date else None
        return d


@dataclass
class Span:
    """An annotation on a node's text (a layer entry): ``text[start:end]`` of node ``eid``."""

    eid: str
    start: int
    end: int
    label: str  # AUTHORITY, DOC_NUMBER, LAW_TITLE, DATE, DURATION, AMOUNT, REF, PARAM…
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    """One official document of a chain (a notice, an attachment, the rule itself)."""

    id: str
    source: str  # source id (file)
    position: int  # place in the file's chain, 0 = outermost
    kind: str  # notice | rule | regulation | guide | attachment
    title: str
    doc_number: str | None = None  # 文号 as printed, normalised: 粤医保规〔2024〕4号
    issuers: list[str] = field(default_factory=list)
    addressees: str | None = None  # 主送机关
    signed: DateFact | None = None  # 成文日期
    printed_by: str | None = None  # 印发机关
    printed: DateFact | None = None  # 印发日期
    disclosure: str | None = None  # 公开方式
    cc: list[str] = field(default_factory=list)  # 抄送
    attachments: list[str] = field(default_factory=list)  # 附件 titles as listed
    parent: str | None = None  # the document this one is attached to / forwarded by
    children: list[str] = field(default_factory=list)  # documents attached to this one
    effective: DateFact | None = None
    expires: DateFact | None = None  # last day in force, when the text fixes one
    validity: str | None = None  # 有效期 as printed, e.g. "3年"
    events: list[LifecycleEvent] = field(default_factory=list)
    root: Node = field(default_factory=lambda: Node(eid="", kind="body"))
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # region, level, lineage… from the manifest

    # --- navigation -----------------------------------------------------------------
    def nodes(self) -> Iterator[Node]:
        for child in self.root.children:
            yield from child.walk()

    def node(self, eid: str) -> Node | None:
        return next((n for n in self.nodes() if n.eid == eid), None)

    def articles(self) -> list[Node]:
        return [n for n in self.nodes() if n.kind == "article"]

    def article(self, number: int) -> Node | None:
        return next((a for a in self.articles() if a.number == number), None)

    def chapters(self) -> list[Node]:
        return [n for n in self.nodes() if n.kind == "chapter"]

    def parent_of(self, eid: str) -> Node | None:
        for n in self.nodes():
            if any(c.eid == eid for c in n.children):
                return n
        return None
