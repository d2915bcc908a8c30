"""References in a new version that still cite the old article numbers.

When article 30 becomes article 31, a sentence kept word for word from the old version —
``依照本条例第三十条`` — now points at whatever the new article 30 is. A citation is *stale* when

* it cites an article of the document itself by number (not 本条 / 前款, not another law);
* it was carried over: the same words around it stood in the old version of the citing article
  (a number the drafter rewrote is a deliberate choice, not a leftover);
* the old article with that number now has another number, was split, or was deleted.

Citations come from the cross-reference layer when the new document has one (REF spans, with
the cited article), else from a regex for 第N条 with an internal prefix (本条例, 本办法…) or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from extractors.normalize import cn_to_int
from toolkit.model import Document
from toolkit.versions.units import Unit

CONTEXT = 6  # characters each side of a citation that must also be found in the old article
_NUM = r"[一二三四五六七八九十百零〇两\d]+"
_SELF = r"本(?:实施细则|实施办法|细则|办法|条例|规定|规程|决定|法)"
_CITE = re.compile(rf"(?P<prefix>{_SELF})?[ \u3000]*第[ \u3000]*(?P<n>{_NUM})[ \u3000]*条")
_EXTERNAL_BEFORE = re.compile(r"(?:》|号令|[法例则定]|令)[ \u3000]*$")


@dataclass(frozen=True)
class StaleRef:
    eid: str  # the citing node in the new version
    start: int  # where the quote starts in that node's text
    quote: str  # the citation as printed: 本条例第三十条
    context: str  # the words around it
    cited: int  # the article number it cites
    old_target: str  # eid of the old article with that number
    old_num: str
    moved_to: tuple[str, ...]  # eids of what that old article became (empty: deleted)
    moved_to_nums: tuple[str, ...]
    now_cites: str | None  # eid of the new article that now has the cited number, if any
    source: str  # "REF layer" | "regex"

    @property
    def suggestion(self) -> str:
        if not self.moved_to_nums:
            return f"{self.old_num}已删除，请核对引用"
        return f"应改为{'、'.join(self.moved_to_nums)}"

    def to_json(self) -> dict[str, Any]:
        return {"eid": self.eid, "start": self.start, "quote": self.quote, "context": self.context, "cited": self.cited,
                "old_target": self.old_target, "old_num": self.old_num,
                "moved_to": list(self.moved_to), "moved_to_nums": list(self.moved_to_nums),
                "now_cites": self.now_cites, "source": self.source, "suggestion": self.suggestion}


@dataclass(frozen=True)
class _Cite:
    eid: str
    start: int
    end: int
    articles: tuple[int, ...]


def _from_layer(doc: Document) -> list[_Cite]:
    out = []
    for s in doc.spans:
        if s.label != "REF" or s.data.get("scope") != "internal" or s.data.get("relative"):
            continue
        first = s.data.get("article")
        if not isinstance(first, int):
            continue
        last = s.data.get("article_to") or first
        out.append(_Cite(s.eid, s.start, s.end, tuple(range(first, last + 1))))
    return out


def _from_regex(doc: Document) -> list[_Cite]:
    out = []
    for node in doc.nodes():
        for m in _CITE.finditer(node.text):
            if not m["prefix"] and _EXTERNAL_BEFORE.search(node.text[: m.start()]):
                continue  # 《条例》第十条, 2号令第五条: another document's article
            n = cn_to_int(m["n"])
            if n is not None:
                out.append(_Cite(node.eid, m.start(), m.end(), (n,)))
    return out


def _article_of(eid: str, by_eid: dict[str, Unit]) -> Unit | None:
    parts = eid.split("__")
    for k in range(len(parts), 0, -1):
        u = by_eid.get("__".join(parts[:k]))
        if u is not None:
            return u
    return None


def stale_references(old: Document, new: Document, old_units: list[Unit], new_units: list[Unit],
                     changes: list[Any]) -> list[StaleRef]:
    """Citations in ``new`` that still use an old article number (see the module docstring)."""
    has_layer = any(s.label == "REF" for s in new.spans)
    cites = _from_layer(new) if has_layer else _from_regex(new)
    source = "REF layer" if has_layer else "regex"
    new_by_eid = {u.eid: u for u in new_units}
    old_by_number = {u.number: u for u in old_units if u.number is not None and "_" not in u.key}
    new_by_number = {u.number: u for u in new_units if u.number is not None and "_" not in u.key}
    came_from: dict[str, str] = {}  # new article eid → the old text it came from
    went_to: dict[str, list[Any]] = {}  # old article eid → new ArticleRefs
    for c in changes:
        for b in c.new:
            came_from[b.eid] = c.old_text
        for a in c.old:
            went_to[a.eid] = list(c.new)
    out: list[StaleRef] = []
    for cite in cites:
        citing = _article_of(cite.eid, new_by_eid)
        node = new.node(cite.eid)
        if citing is None or node is None or citing.eid not in came_from:
            continue
        text = node.text
        context = text[max(0, cite.start - CONTEXT) : cite.end + CONTEXT]
        if context not in came_from[citing.eid]:
            continue  # the drafter wrote or rewrote this citation
        for n in cite.articles:
            target = old_by_number.get(n)
            if target is None:
                continue
            dest = went_to.get(target.eid, [])
            now = new_by_number.get(n)
            if [d.eid for d in dest] == ([now.eid] if now else []):
                continue  # same number, same provision
            out.append(StaleRef(
                eid=cite.eid, start=cite.start, quote=text[cite.start : cite.end], context=context, cited=n,
                old_target=target.eid, old_num=target.num, moved_to=tuple(d.eid for d in dest),
                moved_to_nums=tuple(d.num for d in dest), now_cites=now.eid if now else None,
                source=source,
            ))
    return out
