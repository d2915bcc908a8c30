"""Pure helpers that shape library results for the templates (no I/O, no rules).

Text is split into segments here and escaped by the templates, never joined into HTML strings,
so corpus text and case data cannot become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from toolkit.model import Document, Node, Span
from toolkit.store import MARK_CLOSE as HIT_CLOSE
from toolkit.store import MARK_OPEN as HIT_OPEN


@dataclass(frozen=True)
class Segment:
    text: str
    href: str | None = None  # a cross-reference link
    title: str | None = None  # what the link points at, or why it is not resolved
    mark: bool = False  # a search hit


def node_url(doc_id: str, eid: str | None = None) -> str:
    base = f"/doc/{quote(doc_id, safe='')}"
    return f"{base}/{quote(eid, safe='')}" if eid else base


def ref_target(data: dict) -> tuple[str | None, str]:
    """(link, tooltip) for a REF span's resolution."""
    doc, eid = data.get("target_doc"), data.get("target_eid")
    if doc and data.get("resolved") and eid:
        return node_url(doc, eid), data.get("citation") or ""
    if doc:
        return node_url(doc), data.get("reason") or data.get("citation") or ""
    return None, data.get("reason") or "未能解析的引用"


def linked_text(text: str, spans: list[Span]) -> list[Segment]:
    """``text`` cut into plain segments and cross-reference links (overlaps: the first wins)."""
    out: list[Segment] = []
    at = 0
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.start < at or s.end > len(text) or text[s.start:s.end] != s.text:
            continue  # overlapping or stale offsets: leave the words plain
        if s.start > at:
            out.append(Segment(text[at:s.start]))
        href, title = ref_target(s.data)
        out.append(Segment(text[s.start:s.end], href=href, title=title))
        at = s.end
    if at < len(text):
        out.append(Segment(text[at:]))
    return out


def refs_by_node(doc: Document) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for s in doc.spans:
        if s.label == "REF":
            out.setdefault(s.eid, []).append(s)
    return out


def head_of(node: Node) -> str:
    """What a node prints before its own text: 第九条【标题】, （五）, 第二章 总则."""
    if node.kind == "point":
        return node.num or ""
    if node.kind == "article":
        return (node.num or "") + (f"【{node.heading}】" if node.heading else "")
    return " ".join(p for p in (node.num, node.heading) if p)


def snippet_segments(snippet: str) -> list[Segment]:
    """A search snippet with its «hits» as marked segments."""
    out: list[Segment] = []
    rest = snippet
    while rest:
        start = rest.find(HIT_OPEN)
        end = rest.find(HIT_CLOSE, start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(Segment(rest))
            break
        if start:
            out.append(Segment(rest[:start]))
        out.append(Segment(rest[start + 1:end], mark=True))
        rest = rest[end + 1:]
    return out


def citation_text(title: str, doc_number: str | None, label: str) -> str:
    """《title》（文号）第X条第（Y）项 — the form a clerk pastes into a letter."""
    number = f"（{doc_number}）" if doc_number else ""
    return f"《{title}》{number}{label}"
