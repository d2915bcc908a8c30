"""Definitions a text makes: abbreviations (``（以下简称“2号令”）``) and meanings (``X是指Y``).

An abbreviation stands for the words just before its parenthesis: a 《title》 (kind "law", with
the 文号 the parenthesis may give first: ``（国家医保局令第2号，以下简称“2号令”）``), or a noun
phrase (kind "term": ``医疗保障经办机构（以下简称“经办机构”）``). A meaning is a sentence
``本细则所称相关人员，是指…`` (kind "meaning").

The per-document table (``definitions_table``) is what the cross-reference layer reads to turn
``《条例》第四十条`` and ``2号令第三十八条`` into titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.model import Document, Span

_ABBR_RE = re.compile(
    r"[（(](?P<pre>[^（）()]*?)[，,]?\s*以下(?P<verb>简称|统称)[：:]?\s*"
    r"(?:“(?P<q>[^”]+)”|《(?P<t>[^》]+)》|(?P<bare>[^）)，,]+))[）)]"
)
# Word boundaries for the phrase an abbreviation stands for: a verb or preposition before it.
_LEFT_WORDS = ("签订", "促进", "依托", "规范", "加强", "根据", "依据", "对", "与", "和", "向")
_HARD_STOPS = set("，,。；;：:！？“”\"《》\n")
_MEANING_RE = re.compile(
    r"^(?:本(?:实施细则|细则|办法|条例|规定|规程|指南)(?:中的|所称))?"
    r"(?P<term>[^，,。；;：:“”《》]{2,24}?)[，,]?是指(?P<meaning>[^。]+)"
)


@dataclass(frozen=True)
class Definition:
    term: str  # 经办机构, 条例, 2号令
    expansion: str  # the words it stands for (a title without 《》 for kind "law")
    kind: str  # law | term | meaning
    start: int  # the term inside the text
    end: int
    exp_start: int  # the expansion inside the text
    exp_end: int
    doc_number: str | None = None  # the 文号 given with a law: 国家医保局令第2号
    collective: bool = False  # 以下统称: the term covers several things


def _expansion_start(text: str, end: int) -> int:
    """Start of the noun phrase ending at ``end``: back to punctuation or a verb/preposition;
    bracketed asides (``县（市、区）级``) and lists joined by 、 are part of the phrase."""
    i = end
    while i > 0:
        ch = text[i - 1]
        if ch in "）)":
            depth, j = 0, i - 1
            while j >= 0:
                if text[j] in "）)":
                    depth += 1
                elif text[j] in "（(":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if j < 0:
                return i
            i = j
            continue
        if ch in _HARD_STOPS or ch.isspace():
            return i
        if any(text.endswith(w, 0, i) for w in _LEFT_WORDS) and i < end:
            return i
        i -= 1
    return 0


def find_definitions(text: str) -> list[Definition]:
    """The abbreviations and meanings defined in one text."""
    out = []
    for m in _ABBR_RE.finditer(text):
        group = next(g for g in ("q", "t", "bare") if m.group(g))
        term, t_start, t_end = m.group(group).strip(), m.start(group), m.end(group)
        pre = m["pre"].strip() or None
        before = text[: m.start()]
        if before.endswith("》"):
            open_at = before.rfind("《")
            exp_start, exp_end = open_at + 1, m.start() - 1
            kind = "law"
        else:
            exp_end = m.start()
            exp_start = _expansion_start(text, exp_end)
            kind = "term"
        if exp_start >= exp_end:
            continue
        out.append(
            Definition(
                term=term,
                expansion=text[exp_start:exp_end],
                kind=kind,
                start=t_start,
                end=t_end,
                exp_start=exp_start,
                exp_end=exp_end,
                doc_number=pre,
                collective=m["verb"] == "统称",
            )
        )
    m = _MEANING_RE.match(text)
    if m:
        out.append(
            Definition(
                term=m["term"],
                expansion=m["meaning"],
                kind="meaning",
                start=m.start("term"),
                end=m.end("term"),
                exp_start=m.start("meaning"),
                exp_end=m.end("meaning"),
            )
        )
    return out


@dataclass(frozen=True)
class DefinitionAt:
    definition: Definition
    eid: str


def definitions_table(document: Document) -> dict[str, DefinitionAt]:
    """Abbreviation → its first definition in the document (meanings not included)."""
    table: dict[str, DefinitionAt] = {}
    for node in document.nodes():
        if not node.text:
            continue
        for d in find_definitions(node.text):
            if d.kind != "meaning":
                table.setdefault(d.term, DefinitionAt(d, node.eid))
    return table


def definition_spans(document: Document) -> list[Span]:
    """DEFINED_TERM spans: the term where it is defined, with its expansion."""
    out = []
    for node in document.nodes():
        if not node.text:
            continue
        for d in find_definitions(node.text):
            data = {
                "term": d.term,
                "expansion": d.expansion,
                "kind": d.kind,
                "expansion_start": d.exp_start,
                "expansion_end": d.exp_end,
            }
            if d.doc_number:
                data["doc_number"] = d.doc_number
            if d.collective:
                data["collective"] = True
            out.append(Span(node.eid, d.start, d.end, "DEFINED_TERM", d.term, data))
    return out
