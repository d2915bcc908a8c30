"""Two versions of a rule → the article-level change set (the 修订前后对照表 as data).

``diff(old, new)`` matches articles by content (``match.py``), then says what happened to each:

* ``unchanged`` — same number, same chapter, same printed text (blanks aside);
* ``modified`` — same number and chapter, text changed (``substantive`` unless only punctuation
  or character width changed: ``(院)`` → ``（院）`` is 标点修改);
* ``renumbered`` — another number, same chapter (text may also have changed);
* ``moved`` — now in another chapter (number and text may also have changed);
* ``split`` / ``merged`` — one article became adjacent ones, or adjacent ones became one;
* ``added`` / ``deleted``.

Each change carries a character redline and the 修改说明 a drafter would write; the change set
carries the old→new article-number map and any reference in the new text that still cites an
old number (``stale.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from toolkit.model import Document
from toolkit.versions.match import Match, match_units
from toolkit.versions.redline import Segment, redline
from toolkit.versions.units import Unit, substance, units

KINDS = ("unchanged", "modified", "renumbered", "moved", "split", "merged", "added", "deleted")
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class ArticleRef:
    eid: str
    key: str  # "12" (or "10_1" for 第十条之一): the article map's vocabulary
    num: str  # 第十二条, as printed
    chapter_eid: str | None
    chapter_num: str | None

    @classmethod
    def of(cls, u: Unit) -> ArticleRef:
        return cls(u.eid, u.key, u.num, u.chapter_eid, u.chapter_num)

    def to_json(self) -> dict[str, Any]:
        return {"eid": self.eid, "key": self.key, "num": self.num, "chapter": self.chapter_eid}


@dataclass
class Change:
    kind: str  # one of KINDS
    old: list[ArticleRef]
    new: list[ArticleRef]
    old_text: str  # the old article(s) as printed, one line per paragraph / point
    new_text: str
    text_changed: bool  # the printed text differs (blanks aside)
    substantive: bool  # the wording differs (punctuation, width and blanks aside)
    renumbered: bool
    moved: bool
    similarity: float
    redline: list[Segment] = field(default_factory=list)
    note: str = ""  # 修改说明

    @property
    def punctuation_only(self) -> bool:
        return self.text_changed and not self.substantive

    @property
    def old_eids(self) -> list[str]:
        return [r.eid for r in self.old]

    @property
    def new_eids(self) -> list[str]:
        return [r.eid for r in self.new]


@dataclass
class ChangeSet:
    old: str  # document ids
    new: str
    old_title: str
    new_title: str
    changes: list[Change]
    article_map: dict[str, str | list[str] | None]  # old key → new key, [keys] (split), None (deleted)
    stale_refs: list[Any] = field(default_factory=list)  # stale.StaleRef

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def counts(self) -> dict[str, int]:
        found = Counter(c.kind for c in self.changes)
        return {k: found[k] for k in KINDS if found[k]}

    @property
    def substantive(self) -> list[Change]:
        return [c for c in self.changes if c.substantive]


def _flat(text: str) -> str:
    return _BLANKS.sub("", text)


def _chapter_map(old: list[Unit], new: list[Unit], matches: list[Match],
                 old_doc: Document, new_doc: Document) -> dict[str | None, str | None]:
    """Old chapter → new chapter: same heading wording first (unique), else where most of its
    matched articles went (ties: the earliest new chapter)."""
    def headings(doc: Document) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ch in doc.chapters():
            out.setdefault(substance(ch.heading or ""), []).append(ch.eid)
        return out

    old_h, new_h = headings(old_doc), headings(new_doc)
    mapping: dict[str | None, str | None] = {None: None}
    for text, eids in old_h.items():
        if text and len(eids) == 1 and len(new_h.get(text, [])) == 1:
            mapping[eids[0]] = new_h[text][0]
    votes: dict[str | None, Counter] = {}
    order = {u.chapter_eid: u.index for u in reversed(new)}
    for m in matches:
        for i in m.old:
            for j in m.new:
                votes.setdefault(old[i].chapter_eid, Counter())[new[j].chapter_eid] += 1
    for ch, counter in votes.items():
        if ch not in mapping:
            mapping[ch] = min(counter, key=lambda c: (-counter[c], order.get(c, 0)))
    return mapping


def _note(kind: str, olds: list[Unit], news: list[Unit], text_changed: bool, substantive: bool,
          moved: bool = False) -> str:
    """The 修改说明 column, in the words drafters use."""
    wording = "文字修改" if substantive else "标点修改" if text_changed else ""
    if kind == "added":
        return "新增"
    if kind == "deleted":
        return "删除"
    if kind == "split":
        head = f"{olds[0].num}拆分为{'、'.join(u.num for u in news)}"
    elif kind == "merged":
        head = f"{'、'.join(u.num for u in olds)}合并为{news[0].num}"
    elif kind == "moved":
        head = f"移至{news[0].chapter_num or '另一章'}"
        if olds[0].key != news[0].key:
            head += f"，{olds[0].num}改为{news[0].num}"
    elif kind == "renumbered":
        head = f"{olds[0].num}改为{news[0].num}"
    else:
        head = ""
    if moved and kind in ("split", "merged"):
        head += f"，移至{news[0].chapter_num or '另一章'}"
    return "，".join(p for p in (head, wording) if p)


def _change(olds: list[Unit], news: list[Unit], score: float,
            chapters: dict[str | None, str | None]) -> Change:
    old_text = "\n".join(u.printed for u in olds)
    new_text = "\n".join(u.printed for u in news)
    old_body = "\n".join(u.body for u in olds)
    new_body = "\n".join(u.body for u in news)
    if not olds or not news:
        kind = "added" if news else "deleted"
        text_changed = substantive = True
        renumbered = moved = False
        lines = redline(old_text, new_text)
    else:
        text_changed = _flat(old_body) != _flat(new_body)
        substantive = substance(old_body) != substance(new_body)
        moved = any(chapters.get(a.chapter_eid, a.chapter_eid) != b.chapter_eid
                    for a in olds for b in news)
        renumbered = [u.key for u in olds] != [u.key for u in news]
        if len(olds) == 1 and len(news) > 1:
            kind = "split"
        elif len(olds) > 1:
            kind = "merged"
        elif moved:
            kind = "moved"
        elif renumbered:
            kind = "renumbered"
        else:
            kind = "modified" if text_changed else "unchanged"
        lines = redline(old_text, new_text)
    return Change(
        kind=kind, old=[ArticleRef.of(u) for u in olds], new=[ArticleRef.of(u) for u in news],
        old_text=old_text, new_text=new_text, text_changed=text_changed, substantive=substantive,
        renumbered=renumbered, moved=moved, similarity=score, redline=lines,
        note=_note(kind, olds, news, text_changed, substantive, moved),
    )


def _ordered(changes: list[tuple[Change, tuple[int, ...], tuple[int, ...]]]) -> list[Change]:
    """New-document order; a deleted article goes right after whatever its old predecessor
    became (or first, if nothing before it survived)."""
    new_pos: dict[int, float] = {}
    for _, olds, news in changes:
        for i in olds:
            if news:
                new_pos[i] = max(news)
    keyed = []
    for change, olds, news in changes:
        if news:
            key = (min(news), 0, min(olds) if olds else -1)
        else:
            before = [new_pos[i] for i in new_pos if i < olds[0]]
            key = (max(before) if before else -1, 1, olds[0])
        keyed.append((key, change))
    keyed.sort(key=lambda kc: kc[0])
    return [c for _, c in keyed]


def diff(old: Document, new: Document) -> ChangeSet:
    """The article-level change set from ``old`` to ``new`` (two versions of one rule)."""
    from toolkit.versions.stale import stale_references

    ou, nu = units(old), units(new)
    matches = match_units(ou, nu)
    chapters = _chapter_map(ou, nu, matches, old, new)
    built: list[tuple[Change, tuple[int, ...], tuple[int, ...]]] = []
    seen_old = {i for m in matches for i in m.old}
    seen_new = {j for m in matches for j in m.new}
    for m in matches:
        olds, news = [ou[i] for i in m.old], [nu[j] for j in m.new]
        built.append((_change(olds, news, m.score, chapters), m.old, m.new))
    for u in nu:
        if u.index not in seen_new:
            built.append((_change([], [u], 0.0, chapters), (), (u.index,)))
    for u in ou:
        if u.index not in seen_old:
            built.append((_change([u], [], 0.0, chapters), (u.index,), ()))
    changes = _ordered(built)
    article_map: dict[str, str | list[str] | None] = {}
    for u in ou:
        article_map[u.key] = None
    for c in changes:
        for a in c.old:
            if c.kind == "split":
                article_map[a.key] = [b.key for b in c.new]
            elif c.new:
                article_map[a.key] = c.new[0].key
    article_map = {u.key: article_map[u.key] for u in ou}  # old document order
    result = ChangeSet(old.id, new.id, old.title, new.title, changes, article_map)
    result.stale_refs = stale_references(old, new, ou, nu, changes)
    return result
