"""Character-level redlines: what the other text deletes from and inserts into the reference.

Chinese has no spaces, so the diff is on characters (difflib). A raw character diff of two
drafts is confetti (或 / 或者, 医疗保障 / 医保 interleaved with one-character matches), so a
common run shorter than ``MIN_EQUAL`` between two changes is folded into the change, and each
change becomes one deletion followed by one insertion: a legal officer reads "deleted X,
inserted Y", not twenty fragments.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

MIN_EQUAL = 3  # common runs shorter than this between two changes are shown as changed


@dataclass(frozen=True)
class Op:
    kind: str  # equal | delete | insert
    text: str


def redline(reference: str, other: str) -> list[Op]:
    """The edit from ``reference`` to ``other`` as readable runs of equal / delete / insert."""
    matcher = difflib.SequenceMatcher(None, reference, other, autojunk=False)
    raw: list[tuple[str, str, str]] = []  # (tag, reference part, other part)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        raw.append(("equal" if tag == "equal" else "change", reference[i1:i2], other[j1:j2]))
    # fold short common runs that sit between two changes into the change
    folded: list[tuple[str, str, str]] = []
    for k, (tag, a, b) in enumerate(raw):
        inner = 0 < k < len(raw) - 1
        if tag == "equal" and inner and len(a) < MIN_EQUAL:
            tag = "change"
        if folded and folded[-1][0] == tag == "change":
            _, pa, pb = folded.pop()
            a, b = pa + a, pb + b
        folded.append((tag, a, b))
    ops: list[Op] = []
    for tag, a, b in folded:
        if tag == "equal":
            ops.append(Op("equal", a))
            continue
        if a:
            ops.append(Op("delete", a))
        if b:
            ops.append(Op("insert", b))
    return ops


def other_side(ops: list[Op]) -> str:
    """The other text, rebuilt from the redline (equal + inserted runs)."""
    return "".join(op.text for op in ops if op.kind != "delete")


def reference_side(ops: list[Op]) -> str:
    """The reference text, rebuilt from the redline (equal + deleted runs)."""
    return "".join(op.text for op in ops if op.kind != "insert")


def changed_share(ops: list[Op]) -> float:
    """Share of characters (both sides) that are deleted or inserted: 0 identical, 1 nothing shared."""
    total = sum(len(op.text) * (2 if op.kind == "equal" else 1) for op in ops)
    changed = sum(len(op.text) for op in ops if op.kind != "equal")
    return changed / total if total else 0.0


def row_texts(row_members: dict[str, list]) -> dict[str, str]:
    """Each document's text in a row: its provisions as printed (without article numbers, which
    the labels show), one after the other."""
    return {doc: "\n".join(p.body for p in ps) for doc, ps in row_members.items()}


def row_redlines(row_members: dict[str, list]) -> dict[str, list[Op]]:
    """Every document of a row against the row's first document (the reference): doc → ops.
    The reference itself maps to one equal run. Cached: every report format shows the same
    redlines."""
    return dict(_redlines(tuple(row_texts(row_members).items())))


@lru_cache(maxsize=4096)
def _redlines(texts: tuple[tuple[str, str], ...]) -> tuple[tuple[str, list[Op]], ...]:
    (ref_doc, ref), *others = texts
    out = [(ref_doc, [Op("equal", ref)] if ref else [])]
    out += [(doc, redline(ref, text)) for doc, text in others]
    return tuple(out)
