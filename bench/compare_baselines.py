"""Baselines the compare benches measure the alignment engine against, in the same run.

* ``by_number``: article N with article N (what reading two PDFs by article number gives);
* ``by_difflib``: every pair of articles scored with ``difflib.SequenceMatcher.ratio`` on their
  text, taken greedily best first (1:1, no splits or merges), the first document as pivot.

Both return rows as ``{doc id: [eId…]}``, the shape ``toolkit.compare.quality.pairs`` reads.
"""

from __future__ import annotations

import difflib
import re

from toolkit.compare.provisions import provisions
from toolkit.model import Document

DIFFLIB_ACCEPT = 0.3


def by_number(docs: list[Document]) -> list[dict[str, list[str]]]:
    rows: dict[int, dict[str, list[str]]] = {}
    for d in docs:
        for p in provisions(d):
            rows.setdefault(p.article or -1, {}).setdefault(d.id, []).append(p.eid)
    return [rows[k] for k in sorted(rows)]


def _text(t: str) -> str:
    return re.sub(r"\s+", "", t)


def by_difflib(docs: list[Document]) -> list[dict[str, list[str]]]:
    pivot = provisions(docs[0])
    rows = [{docs[0].id: [p.eid]} for p in pivot]
    texts = [_text(p.text) for p in pivot]
    for d in docs[1:]:
        mine = provisions(d)
        scored = []
        for i, p in enumerate(mine):
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(_text(p.text))
            for j, t in enumerate(texts):
                matcher.set_seq1(t)
                if matcher.real_quick_ratio() >= DIFFLIB_ACCEPT and matcher.quick_ratio() >= DIFFLIB_ACCEPT:
                    scored.append((matcher.ratio(), i, j))
        used_p, used_r = set(), set()
        for s, i, j in sorted(scored, key=lambda t: (-t[0], t[1], t[2])):
            if s < DIFFLIB_ACCEPT:
                break
            if i in used_p or j in used_r:
                continue
            used_p.add(i)
            used_r.add(j)
            rows[j][d.id] = [mine[i].eid]
        for i, p in enumerate(mine):
            if i not in used_p:
                rows.append({d.id: [p.eid]})
                texts.append(_text(p.text))
    return rows
