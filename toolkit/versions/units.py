"""Articles as units of comparison: printed text, substance key, character bigrams, chapter.

Two versions of a rule are compared article by article. What counts as the *substance* of an
article is its wording with every blank and punctuation mark removed after NFKC folding, so that
``(院)`` → ``（院）`` or ``，`` → ``；`` is a punctuation change and a re-wrapped line is no change at
all, while the printed text (with its punctuation) is what a redline shows.

The tree normalises item markers for citations (``num`` is always ``（一）``); the parser keeps
the ones printed otherwise in ``doc.meta["printed_nums"]`` (eId → ``(一)``), and the printed text
here uses them, so ``(一)`` → ``（一）`` is reported like the same change in body text: 标点修改.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from toolkit.model import Document, Node

_BLANKS = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC (full/half width) without blanks: equal folds differ only in width and spacing."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text))


def substance(text: str) -> str:
    """The wording alone: folded, with every punctuation mark and symbol dropped."""
    return "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] not in "PSZ")


def bigrams(key: str) -> frozenset[str]:
    """Character bigrams of a substance key (a one-character key is its own bigram)."""
    if len(key) < 2:
        return frozenset([key]) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


@dataclass(frozen=True)
class Unit:
    """One article of a version, ready to compare."""

    index: int  # position among the document's articles, 0-based
    eid: str
    key: str  # the number as the article map shows it: "12", or "10_1" for 第十条之一
    number: int | None
    num: str  # as printed: 第十二条
    chapter_eid: str | None  # the chapter the article sits in (None without chapters)
    chapter_num: str | None  # 第五章
    body: str  # the printed text after the number: 【title】, paragraphs and points, one per line
    key_text: str  # substance(body)
    grams: frozenset[str]

    @property
    def printed(self) -> str:
        """The article as printed, number first."""
        return f"{self.num} {self.body}".strip() if self.num else self.body


def as_printed(node: Node, printed: dict[str, str] | None) -> Node:
    """The node (a copy where needed) with its item markers as printed (``printed``: eId → marker)."""
    if not printed:
        return node
    children = [as_printed(c, printed) for c in node.children]
    num = printed.get(node.eid, node.num)
    if num == node.num and all(a is b for a, b in zip(children, node.children, strict=True)):
        return node
    return replace(node, num=num, children=children)


def article_body(article: Node, printed: dict[str, str] | None = None) -> str:
    """An article as printed without its number (``第九条``): heading, paragraphs and points."""
    text = as_printed(article, printed).full_text()
    num = article.num or ""
    if num and text.startswith(num):
        text = text[len(num):]
    return text.strip()


def _key(article: Node, index: int) -> str:
    own = article.eid.rsplit("__", 1)[-1]
    if own.startswith("art_"):
        return own[len("art_"):]
    return str(article.number) if article.number is not None else f"#{index + 1}"


def units(doc: Document) -> list[Unit]:
    """The document's articles in order, each with the chapter it sits in."""
    out: list[Unit] = []
    printed = doc.meta.get("printed_nums") or {}

    def walk(node: Node, chapter: Node | None) -> None:
        for child in node.children:
            if child.kind == "article":
                body = article_body(child, printed)
                key_text = substance(body)
                out.append(Unit(
                    index=len(out), eid=child.eid, key=_key(child, len(out)), number=child.number,
                    num=child.num or "", chapter_eid=chapter.eid if chapter else None,
                    chapter_num=chapter.num if chapter else None, body=body,
                    key_text=key_text, grams=bigrams(key_text),
                ))
            elif child.kind in ("book", "part", "chapter", "section", "heading"):
                # a move is to another chapter: sections inside a chapter do not count
                walk(child, child if child.kind == "chapter" else chapter)

    walk(doc.root, None)
    return out
