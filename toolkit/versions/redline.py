"""Character-level redline of two texts: what was kept, struck out and inserted.

Chinese has no word boundaries to diff on, so the diff is by character (difflib, no junk
heuristic). A kept run of one character between two changes is folded into them: ``申请`` →
``承诺`` should read as one replacement, not as 申→承 + 请→诺 around nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

SHORT_KEEP = 1  # kept runs this short between two changes are folded into the changes


@dataclass(frozen=True)
class Segment:
    op: str  # equal | delete | insert
    text: str

    def to_json(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


def _raw(old: str, new: str) -> list[Segment]:
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(Segment("equal", old[i1:i2]))
            continue
        if i2 > i1:
            out.append(Segment("delete", old[i1:i2]))
        if j2 > j1:
            out.append(Segment("insert", new[j1:j2]))
    return out


def _tidy(segments: list[Segment]) -> list[Segment]:
    """Fold short kept runs between changes into them; merge neighbours of the same kind;
    a change reads as its deletion then its insertion."""
    groups: list[list[Segment]] = []  # alternating: a kept run, or a block of changes
    for seg in segments:
        changed = seg.op != "equal"
        if groups and (groups[-1][0].op != "equal") == changed:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    for k in range(1, len(groups) - 1):
        kept = groups[k]
        if kept[0].op == "equal" and len(kept[0].text) <= SHORT_KEEP:
            text = kept[0].text
            groups[k] = [Segment("delete", text), Segment("insert", text)]
    out: list[Segment] = []
    block: list[Segment] = []

    def flush() -> None:
        deleted = "".join(s.text for s in block if s.op == "delete")
        inserted = "".join(s.text for s in block if s.op == "insert")
        out.extend(Segment(op, t) for op, t in (("delete", deleted), ("insert", inserted)) if t)
        block.clear()

    for group in groups:
        for seg in group:
            if seg.op == "equal":
                flush()
                if out and out[-1].op == "equal":
                    out[-1] = Segment("equal", out[-1].text + seg.text)
                else:
                    out.append(seg)
            else:
                block.append(seg)
    flush()
    return out


def redline(old: str, new: str) -> list[Segment]:
    """Segments that rebuild both texts: equal+delete give ``old``, equal+insert give ``new``."""
    if old == new:
        return [Segment("equal", old)] if old else []
    return _tidy(_raw(old, new))


def side(segments: list[Segment], which: str) -> str:
    """The old (``which='old'``) or new text back from a redline."""
    drop = "insert" if which == "old" else "delete"
    return "".join(s.text for s in segments if s.op != drop)
