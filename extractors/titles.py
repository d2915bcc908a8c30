"""Titles of official documents: what kind of document a title names, when a title is complete,
and the 主送 line a reader may have joined onto it.

A title ends in the word for its document type (通知, 办法, 细则 …), optionally followed by any
number of bracketed qualifiers: ``…实施细则（试行）（2024年修订）``. The qualifiers say the state of
the text, not its kind, so they are stripped before the type word is read.

A PDF title that fills its last line is joined by the layout pass with the 主送 line under it
(``…的通知各县（市、区）医疗保障局，局机关各科室、直属单位：``): nothing in the geometry says the
paragraph ended. ``split_addressees`` takes the 主送 back off, however many lines the title had.

The word lists are data: a new document type, qualifier or addressee word is one entry here.
"""

from __future__ import annotations

import re

# Type word a title ends with → kind of document. Checked in this order: 办法 before 法.
KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("notice", ("通知", "通告", "公告", "函", "批复")),
    ("decision", ("决定",)),
    ("rule", ("办法", "细则", "规程", "规定", "规则", "方案", "意见")),
    ("regulation", ("条例", "法")),
    ("guide", ("指南", "规范", "标准")),
)
# Type words that complete a title (法 alone is too common an ending of a phrase to close one).
TITLE_WORDS: tuple[str, ...] = tuple(
    w for _, words in KIND_WORDS for w in words if w != "法") + ("报告",)

# Bracketed qualifiers after the type word: （试行） （暂行） （修订） （2024年修订） （2024年第二次修正）
# （征求意见稿） （2023年版）. Longer words first so 修订草案 is not read as 修订.
QUALIFIER_WORDS: tuple[str, ...] = (
    "征求意见稿", "修订草案", "修订稿", "送审稿", "讨论稿", "修订版", "草案",
    "试行", "暂行", "修订", "修正", "版",
)
# One qualifier, unanchored: the text reader uses it too (a title wrapped before its qualifier).
QUALIFIER_PATTERN = (r"[（(]\s*(?:\d{4}\s*年\s*(?:第?[一二三四五六七八九十\d]+次)?\s*)?"
                     rf"(?:{'|'.join(QUALIFIER_WORDS)})\s*[)）]")
_QUALIFIER = re.compile(QUALIFIER_PATTERN + r"\s*$")

# What the names in a 主送 line end with: organs, their offices, and collective words.
ADDRESSEE_ENDINGS: tuple[str, ...] = (
    "局", "厅", "委", "委员会", "部", "院", "办", "办公室", "办公厅", "室", "科室", "处", "科",
    "中心", "单位", "部门", "机构", "政府", "公司", "医院", "会", "所", "站", "署", "队",
)
_OPEN, _CLOSE = "（(《〈“", "）)》〉”"


def strip_qualifiers(title: str) -> str:
    """The title without its trailing bracketed qualifiers, however many are printed."""
    t = title.strip()
    while (m := _QUALIFIER.search(t)) and m.start() > 0:
        t = t[: m.start()].rstrip()
    return t


def document_kind(title: str) -> str:
    """notice | decision | rule | regulation | guide | document, from the title's type word."""
    t = strip_qualifiers(title)
    for kind, words in KIND_WORDS:
        if t.endswith(words):
            return kind
    return "document"


def is_complete(title: str) -> bool:
    """The title ends as titles do: a type word, or a qualifier after it (…（2024年修订）)."""
    t = title.strip()
    stripped = strip_qualifiers(t)
    return stripped != t or stripped.endswith(TITLE_WORDS)


def balanced(text: str) -> bool:
    """No bracket or book-title mark is left open (a title cut inside 《…》 is not complete)."""
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth <= 0


def _top_level_items(text: str) -> list[str]:
    """``各县（市、区）医疗保障局，局机关各科室、直属单位`` → its names; separators inside brackets
    (（市、区）) do not separate names."""
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        if depth == 0 and ch in "，、；,;":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    return [*items, cur]


def is_addressee_list(text: str) -> bool:
    """A 主送 line without its colon: names of organs (各设区市医疗保障局, 局机关各科室, 各有关单位)
    separated by commas, each ending in an organ word; no sentence, no quoted title."""
    t = text.strip()
    if not t or len(t) > 150 or re.search(r"[。：:《》!?！？]", t):
        return False
    for item in _top_level_items(t):
        name = re.sub(r"[（(][^（()）]*[)）]$", "", item.strip())  # 卫生健康局（委）
        if not (2 <= len(name) <= 40) or not name.endswith(ADDRESSEE_ENDINGS):
            return False
    return True


def split_addressees(text: str) -> tuple[str, str | None]:
    """A title block that ends in a 主送 line → (title, addressees without the colon); any other
    text → (text, None). The title is the longest complete, balanced beginning whose rest is an
    addressee list, so a 主送 line is never part of a title however the title wrapped."""
    t = text.strip()
    if not t.endswith(("：", ":")):
        return t, None
    body = t[:-1]
    for j in range(len(body) - 1, 0, -1):
        head, rest = body[:j], body[j:]
        if is_complete(head) and balanced(head) and is_addressee_list(rest):
            return head.rstrip(), rest.strip()
    return t, None
