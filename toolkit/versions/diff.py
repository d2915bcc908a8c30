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
old number (``stale.py``). An article pair is ONE change, whatever happened to it: ``kinds``
lists everything (renumbered *and* reworded, moved *and* 标点修改…), ``kind`` is the headline.

A drafter can override the automatic match with *pins*: ``{old eId: [new eId, …]}`` (one new
article: a pair; several: a split; several old articles pinned to the same new one: a merge; an
empty list: the old article has no counterpart). Pins are data, so a saved set can be passed
again; ``pins_from_refs`` turns what people type (11, 第十一条, an eId) into them. Pinned changes
are ``manual`` and every report says 人工指定.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from toolkit.model import Document
from toolkit.versions.match import Match, match_units, pinned_match
from toolkit.versions.redline import Segment, redline
from toolkit.versions.units import Unit, substance, units

KINDS = ("unchanged", "modified", "renumbered", "moved", "split", "merged", "added", "deleted")
# what a drafter reads for each kind (and for a wording change that is only punctuation)
KIND_LABELS = {"unchanged": "未修改", "modified": "修改", "renumbered": "条号变更", "moved": "移动",
               "split": "拆分", "merged": "合并", "added": "新增", "deleted": "删除",
               "reworded": "文字修改", "punctuation": "标点修改"}
MANUAL_LABEL = "人工指定"
_BLANKS = re.compile(r"\s+")


class PinError(ValueError):
    """A pin that names no article of its version, or contradicts another pin."""


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
    manual: bool = False  # the match was pinned by a person (人工指定)

    @property
    def punctuation_only(self) -> bool:
        return self.text_changed and not self.substantive

    @property
    def kinds(self) -> list[str]:
        """Everything that happened to the article(s), headline first: e.g. ["renumbered",
        "reworded"] for an article renumbered and reworded; "punctuation" for 标点修改."""
        if self.kind in ("added", "deleted", "unchanged"):
            return [self.kind]
        out = [self.kind] if self.kind != "modified" else []
        if self.moved and "moved" not in out:
            out.append("moved")
        if self.renumbered and self.kind not in ("renumbered", "split", "merged"):
            out.append("renumbered")
        if self.text_changed:
            out.append("reworded" if self.substantive else "punctuation")
        return out

    @property
    def labels(self) -> list[str]:
        return [KIND_LABELS[k] for k in self.kinds]

    @property
    def renumber_only(self) -> bool:
        """Only the number changed (the rows a 对照表 may collapse)."""
        return self.kind == "renumbered" and not self.text_changed and not self.moved

    @property
    def old_eids(self) -> list[str]:
        return [r.eid for r in self.old]

    @property
    def new_eids(self) -> list[str]:
        return [r.eid for r in self.new]


@dataclass(frozen=True)
class VersionInfo:
    """How a report names one side: title, 文号 and the version's date (works.version_of)."""

    doc_id: str
    title: str
    doc_number: str | None
    date: date | None
    dated_by: str  # manifest version | the 题注 words | 成文日期 | 施行日期 | undated
    legal_kind: str | None = None  # 法律 … 规范性文件, as parsed (meta["legal_kind"]; toolkit.standing)
    level: str | None = None  # the issuing region's level from the manifest (meta["level"])

    def heading(self) -> str:
        """《title》（文号）2022年3月29日版."""
        number = f"（{self.doc_number}）" if self.doc_number else ""
        when = f"{self.date.year}年{self.date.month}月{self.date.day}日版" if self.date else "日期不明的版本"
        return f"《{self.title}》{number}{when}"


@dataclass
class ChangeSet:
    old: str  # document ids
    new: str
    old_title: str
    new_title: str
    changes: list[Change]
    article_map: dict[str, str | list[str] | None]  # old key → new key, [keys] (split), None (deleted)
    stale_refs: list[Any] = field(default_factory=list)  # stale.StaleRef
    old_version: VersionInfo | None = None
    new_version: VersionInfo | None = None
    pins: dict[str, list[str]] = field(default_factory=dict)  # as given (old eId → new eIds)

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def counts(self) -> dict[str, int]:
        found = Counter(c.kind for c in self.changes)
        return {k: found[k] for k in KINDS if found[k]}

    @property
    def substantive(self) -> list[Change]:
        return [c for c in self.changes if c.substantive]

    def summary_cn(self) -> str:
        """修改12条（其中文字修改3条、标点修改8条）、新增1条、条号变更6条 — counted per article pair."""
        changed = [c for c in self.changes if c.kind != "unchanged"]
        by_kind = Counter(c.kind for c in changed)
        parts = []
        for kind in KINDS:
            if kind == "unchanged" or not by_kind[kind]:
                continue
            parts.append(f"{KIND_LABELS[kind]}{by_kind[kind]}条")
        words = sum(1 for c in changed if "reworded" in c.kinds)
        punct = sum(1 for c in changed if "punctuation" in c.kinds)
        detail = "、".join(p for p in (f"文字修改{words}条" if words else "", f"标点修改{punct}条" if punct else "")
                          if p)
        unchanged = len(self.changes) - len(changed)
        manual = sum(1 for c in self.changes if c.manual)
        text = "、".join(parts) or "无修改"
        if detail:
            text += f"（涉及{detail}）"
        text += f"；未修改{unchanged}条"
        if manual:
            text += f"；{MANUAL_LABEL}对应{manual}处"
        return text


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
            chapters: dict[str | None, str | None], manual: bool = False) -> Change:
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
        note=_note(kind, olds, news, text_changed, substantive, moved), manual=manual,
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


def _article_eid(doc: Document, ref: str, articles: dict[str, Unit]) -> str:
    """An article's eId from 11, 第十一条, 第十条之一 or the eId itself."""
    from toolkit.citations import find_cited

    text = ref.strip()
    if text in articles:
        return text
    node = find_cited(doc, text)
    if node is None or node.eid not in articles:
        raise PinError(f"pin {ref!r}: {doc.id} has no article {text} (write 11, 第十一条 or an eId)")
    return node.eid


def pins_from_refs(old: Document, new: Document, refs: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Pins typed as article numbers or eIds ({"11": ["11"], "12": ["12", "13"]}) as eIds."""
    ou, nu = {u.eid: u for u in units(old)}, {u.eid: u for u in units(new)}
    return {_article_eid(old, a, ou): [_article_eid(new, b, nu) for b in bs] for a, bs in refs.items()}


def _pin_matches(ou: list[Unit], nu: list[Unit], pins: Mapping[str, Sequence[str]]) -> list[Match]:
    """Pins as manual matches; old articles pinned to overlapping new ones form one match."""
    oi = {u.eid: u.index for u in ou}
    ni = {u.eid: u.index for u in nu}
    groups: list[tuple[set[int], set[int]]] = []
    for old_eid, new_eids in pins.items():
        if old_eid not in oi:
            raise PinError(f"pin {old_eid!r}: not an article of the old version")
        unknown = [e for e in new_eids if e not in ni]
        if unknown:
            raise PinError(f"pin {old_eid!r} → {unknown[0]!r}: not an article of the new version")
        olds, news = {oi[old_eid]}, {ni[e] for e in new_eids}
        for g in [g for g in groups if g[1] & news]:
            groups.remove(g)
            olds |= g[0]
            news |= g[1]
        groups.append((olds, news))
    out = []
    for olds, news in groups:
        if len(olds) > 1 and len(news) > 1:
            raise PinError("pins must say one old article to several new ones, or several old to one new: "
                           + "、".join(ou[i].num for i in sorted(olds)) + " ↔ "
                           + "、".join(nu[j].num for j in sorted(news)))
        out.append(pinned_match(ou, nu, tuple(sorted(olds)), tuple(sorted(news))))
    return out


def diff(old: Document, new: Document, *, pins: Mapping[str, Sequence[str]] | None = None,
         manifest: Any = None) -> ChangeSet:
    """The article-level change set from ``old`` to ``new`` (two versions of one rule).

    ``pins`` ({old eId: [new eIds]}) override the automatic match for those articles."""
    from toolkit.versions.stale import stale_references
    from toolkit.versions.works import version_of

    ou, nu = units(old), units(new)
    pinned = _pin_matches(ou, nu, pins or {})
    matches = match_units(ou, nu, pinned)
    deleted_by_pin = {i for m in pinned if not m.new for i in m.old}
    chapters = _chapter_map(ou, nu, matches, old, new)
    built: list[tuple[Change, tuple[int, ...], tuple[int, ...]]] = []
    seen_old = {i for m in matches for i in m.old}
    seen_new = {j for m in matches for j in m.new}
    for m in matches:
        olds, news = [ou[i] for i in m.old], [nu[j] for j in m.new]
        built.append((_change(olds, news, m.score, chapters, m.manual), m.old, m.new))
    for u in nu:
        if u.index not in seen_new:
            built.append((_change([], [u], 0.0, chapters), (), (u.index,)))
    for u in ou:
        if u.index not in seen_old:
            built.append((_change([u], [], 0.0, chapters, u.index in deleted_by_pin), (u.index,), ()))
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

    def info(doc: Document) -> VersionInfo:
        v = version_of(doc, manifest)
        return VersionInfo(doc.id, doc.title, doc.doc_number, v.date, v.dated_by,
                           doc.meta.get("legal_kind"), doc.meta.get("level"))

    result = ChangeSet(old.id, new.id, old.title, new.title, changes, article_map,
                       old_version=info(old), new_version=info(new),
                       pins={k: list(v) for k, v in (pins or {}).items()})
    result.stale_refs = stale_references(old, new, ou, nu, changes)
    return result
