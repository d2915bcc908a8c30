"""One article through every version of its work, followed by content, not by number.

Consecutive versions are diffed (``diff.py``); the article is traced forward and backward
through the matches, so it is found again after renumbering, moves, splits (it becomes several)
and merges (it joins others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from toolkit.manifest import Manifest
from toolkit.model import Document
from toolkit.versions.diff import Change, diff
from toolkit.versions.works import Version, caption_points, versions


class ArticleNotFound(LookupError):
    pass


@dataclass
class Step:
    version: Version
    eids: list[str]  # the article(s) in this version (empty: not in this version)
    nums: list[str]
    text: str  # as printed
    change: str  # what happened since the previous version: kind, or "" for the first
    note: str = ""  # 修改说明 relative to the previous version
    substantive: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version.to_json(), "eids": self.eids, "nums": self.nums,
                "text": self.text, "change": self.change, "note": self.note,
                "substantive": self.substantive}


@dataclass
class History:
    work: str
    doc_id: str  # the version the article was asked about
    article: str  # its number as asked (key)
    steps: list[Step] = field(default_factory=list)
    # revisions the versions' 题注 list whose text is not in the store: (date, words, listed by)
    unstored: list[tuple[date, str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"work": self.work, "doc_id": self.doc_id, "article": self.article,
                "steps": [s.to_json() for s in self.steps],
                "unstored_revisions": [{"date": d.isoformat(), "quote": q, "listed_by": by}
                                       for d, q, by in self.unstored]}


def _text(doc: Document, eids: list[str]) -> tuple[list[str], str]:
    from toolkit.versions.units import article_body

    nodes = [doc.node(e) for e in eids]
    nums = [n.num or "" for n in nodes if n is not None]
    text = "\n".join(f"{n.num} {article_body(n)}".strip() for n in nodes if n is not None)
    return nums, text


def _forward(changes: list[Change], eids: set[str]) -> list[Change]:
    return [c for c in changes if eids & set(c.old_eids)]


def _backward(changes: list[Change], eids: set[str]) -> list[Change]:
    return [c for c in changes if eids & set(c.new_eids)]


def article_history(store: Any, doc_id: str, article: int | str,
                    manifest: Manifest | None = None) -> History:
    """Article ``article`` (number, or key like ``10_1``) of stored ``doc_id`` in every version."""
    history = versions(store, doc_id, manifest)
    docs = {v.doc_id: store.document(v.doc_id) for v in history}
    start = docs[doc_id]
    key = str(article)
    found = next((a for a in start.articles() if a.eid.rsplit("__", 1)[-1] == f"art_{key}"), None)
    if found is None:
        raise ArticleNotFound(f"{doc_id} has no article {key}")
    k = next(i for i, v in enumerate(history) if v.doc_id == doc_id)
    by_version: dict[int, tuple[set[str], list[Change]]] = {k: ({found.eid}, [])}
    for i in range(k, len(history) - 1):  # forward
        eids, _ = by_version[i]
        hits = _forward(diff(docs[history[i].doc_id], docs[history[i + 1].doc_id]).changes, eids)
        by_version[i + 1] = ({e for c in hits for e in c.new_eids}, hits)
    for i in range(k, 0, -1):  # backward
        eids, _ = by_version[i]
        hits = _backward(diff(docs[history[i - 1].doc_id], docs[history[i].doc_id]).changes, eids)
        by_version[i - 1] = ({e for c in hits for e in c.old_eids}, [])
        by_version[i] = (eids, hits)
    out = History(history[k].work, doc_id, key)
    for i, v in enumerate(history):
        eids, hits = by_version[i]
        doc = docs[v.doc_id]
        ordered = [a.eid for a in doc.articles() if a.eid in eids]
        nums, text = _text(doc, ordered)
        if i == 0:
            change, note, substantive = ("" if ordered else "absent"), "", False
        elif not hits:
            change, note, substantive = ("added", "新增", True) if ordered else ("absent", "", False)
        else:
            change = "、".join(dict.fromkeys(c.kind for c in hits))
            note = "；".join(dict.fromkeys(c.note for c in hits if c.note))
            substantive = any(c.substantive for c in hits)
            if not ordered:
                change, note = "deleted", "删除"
        out.steps.append(Step(v, ordered, nums, text, change, note, substantive))
    stored = {v.date for v in history if v.date}
    seen: set[tuple[date, str]] = set()
    for day, quote, by in caption_points(store, history):
        if day not in stored and (day, quote) not in seen:  # each version's 题注 repeats the past
            seen.add((day, quote))
            out.unstored.append((day, quote, by))
    return out
