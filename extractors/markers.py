"""Recognisers for the structural markers of Chinese laws and rules (编 章 节 条 款 项 目).

Pure functions on one block of text. They say what a line *looks like*; the structure parser
decides what it *is* (a ``第三十八条`` at the start of a line can be a wrapped citation, so the
parser also checks the numbering sequence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.normalize import cn_to_int, normalize_item_brackets, squeeze_cjk

CN_NUM = "一二三四五六七八九十百千零〇两"
_NUM = rf"[{CN_NUM}]+|[0-9０-９]+"

_DIVISION = re.compile(rf"^第\s*({_NUM})\s*(编|分编|章|节)(?:\s+|(?=[^\s条款项]))(.*)$")
_DIVISION_BARE = re.compile(rf"^第\s*({_NUM})\s*(编|分编|章|节)$")
_ARTICLE = re.compile(rf"^第\s*({_NUM})\s*条(?:之\s*([{CN_NUM}]+))?\s*(?:【([^】]{{1,30}})】)?\s*(.*)$", re.S)
# （一） (一) ( 一 ) — an item (项). Also 一、 at line start in notices (level-1 heading of 公文).
_ITEM = re.compile(rf"^([(（]\s*[{CN_NUM}]+\s*[)）])\s*(.*)$", re.S)
# 1. 1． 1、 （1） (1) — a sub-item (目), or a first-level item where a rule numbers items with digits.
_SUBITEM_DOT = re.compile(r"^([0-9０-９]{1,3})\s*[.．、](?![0-9０-９])\s*(.*)$", re.S)
_SUBITEM_PAREN = re.compile(r"^([(（]\s*[0-9０-９]{1,3}\s*[)）])\s*(.*)$", re.S)
_CN_HEADING = re.compile(rf"^([{CN_NUM}]{{1,3}})、\s*(.*)$", re.S)

DIVISION_KINDS = {"编": "book", "分编": "part", "章": "chapter", "节": "section"}


@dataclass(frozen=True)
class Marker:
    """What the start of a block looks like."""

    kind: str  # book | part | chapter | section | article | item | subitem | cn_heading
    num: str  # as printed with normalised brackets: 第九条, （五）, 1.
    number: int | None
    heading: str | None  # chapter title or 【article title】
    rest: str  # the text after the marker
    sub: int | None = None  # 之一 → 1 for inserted articles (第十条之一)
    printed: str | None = None  # the marker as printed when its brackets differ from num: (五)


def match_division(text: str) -> Marker | None:
    m = _DIVISION_BARE.match(text) or _DIVISION.match(text)
    if not m:
        return None
    word = m.group(2)
    title = squeeze_cjk(m.group(3)) if m.lastindex and m.lastindex >= 3 else ""
    if len(title) > 40 or title.endswith(("。", "；", "，")):
        return None  # a sentence that happens to start with 第X章, not a heading
    num = f"第{m.group(1)}{word}"
    return Marker(DIVISION_KINDS[word], num, cn_to_int(m.group(1)), title or None, "")


def match_article(text: str) -> Marker | None:
    m = _ARTICLE.match(text)
    if not m:
        return None
    number = cn_to_int(m.group(1))
    sub = cn_to_int(m.group(2)) if m.group(2) else None
    num = f"第{m.group(1)}条" + (f"之{m.group(2)}" if m.group(2) else "")
    rest = m.group(4).strip()
    heading = m.group(3)
    # "第三十八条第（四）款…" or "第九条情形之一的" at a line start is a wrapped citation: an article
    # lead-in is followed by a blank, a 【title】 or the start of a sentence, never by 第/的/规定.
    # A blank after 条 is a lead-in even before such a character (第九条 中学、小学…).
    spaced = m.start(4) > 0 and text[m.start(4) - 1].isspace()
    if not heading and not spaced and rest[:1] in ("第", "的", "规", "、", "至", "和", "或", "及", "中", "所"):
        return None
    return Marker("article", num, number, heading, rest, sub)


def match_item(text: str) -> Marker | None:
    m = _ITEM.match(text)
    if not m:
        return None
    num = normalize_item_brackets(m.group(1)).replace(" ", "")
    return Marker("item", num, cn_to_int(num[1:-1]), None, m.group(2).strip(), printed=_printed(m.group(1), num))


def _printed(raw: str, num: str) -> str | None:
    """The marker as printed (blanks aside) when normalising its brackets changed it."""
    raw = re.sub(r"\s+", "", raw)
    return raw if raw != num else None


def match_subitem(text: str) -> Marker | None:
    m = _SUBITEM_PAREN.match(text)
    if m:
        num = normalize_item_brackets(m.group(1)).replace(" ", "")
        return Marker("subitem_paren", num, cn_to_int(num[1:-1]), None, m.group(2).strip(),
                      printed=_printed(m.group(1), num))
    m = _SUBITEM_DOT.match(text)
    if m:
        rest = m.group(2).strip()
        if not rest:
            return None
        return Marker("subitem_dot", f"{m.group(1)}.", cn_to_int(m.group(1)), None, rest)
    return None


def match_cn_heading(text: str) -> Marker | None:
    """一、 as a level-1 heading of a notice body (公文 层次序数)."""
    m = _CN_HEADING.match(text)
    if not m:
        return None
    return Marker("cn_heading", f"{m.group(1)}、", cn_to_int(m.group(1)), None, m.group(2).strip())


TERMINAL = ("。", "；", "：", "！", "？", "”", "’", "」", "』", ";", ":", "!", "?", "…")


def ends_sentence(text: str) -> bool:
    """Whether a block ends where a paragraph can end (a page break cannot have cut it)."""
    t = text.rstrip()
    if not t:
        return True
    if t.endswith(("）", ")")):
        # "（试行）" ends a title; "…的通知》（粤医保规〔2024〕4号）" does not end a sentence.
        return True
    return t.endswith(TERMINAL)
