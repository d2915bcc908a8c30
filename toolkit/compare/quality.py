"""How good an alignment is: pairwise precision and recall against a hand-made gold alignment.

Both the engine's rows and the gold rows are reduced to pairs of provisions from different
documents that share a row (the standard pairwise measure for clusterings). Gold eIds may name a
node at any level: an eId inside a provision stands for that provision, an eId above several
provisions (a whole Chuxiong article whose items are provisions) stands for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from toolkit.compare.align import Alignment
from toolkit.compare.provisions import Provision, provisions

Key = tuple[str, str]  # (doc id, provision eId)
Pair = frozenset[Key]


class GoldError(Exception):
    pass


_ROW_FIELDS = ("note", "parts")  # keys of a gold row that are not document columns


@dataclass(frozen=True)
class GoldRow:
    members: dict[str, list[str]]  # doc id → eIds as written
    note: str = ""
    parts: dict[str, str] = field(default_factory=dict)  # doc id → the words (as printed) that state
    # this row's rule, when the provision's main topic is another row's (a multi-topic article)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    found: int  # engine pairs
    expected: int  # gold pairs
    correct: int
    missed: tuple[Pair, ...]
    wrong: tuple[Pair, ...]

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(path: str | Path) -> tuple[dict[str, str], list[GoldRow]]:
    """(column → doc id, rows) from a gold YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise GoldError(f"{path}: cannot read gold alignment: {e}") from e
    columns = raw.get("documents") or {}
    rows = []
    for i, row in enumerate(raw.get("rows") or [], 1):
        unknown = [k for k in row if k not in columns and k not in _ROW_FIELDS]
        parts = row.get("parts") or {}
        unknown += [f"parts.{k}" for k in parts if k not in columns]
        if unknown:
            raise GoldError(f"{path}: row {i} names unknown column(s) {', '.join(unknown)}")
        rows.append(GoldRow({columns[k]: list(v) for k, v in row.items() if k not in _ROW_FIELDS},
                            row.get("note", ""), {columns[k]: str(v) for k, v in parts.items()}))
    return columns, rows


def resolve(eid: str, provisions: list[Provision]) -> list[Key]:
    """The provisions an eId stands for (itself, the one containing it, or all below it)."""
    for p in provisions:
        if p.holds(eid):
            return [p.key]
    below = [p.key for p in provisions if p.eid.startswith(eid + "__")]
    if not below:
        raise GoldError(f"no provision of {provisions[0].doc_id if provisions else '?'} at or around {eid!r}")
    return below


def pairs(rows: Iterable[Mapping[str, list[str]]], provisions: Mapping[str, list[Provision]]) -> set[Pair]:
    """Cross-document pairs of provisions sharing a row; docs outside ``provisions`` are ignored."""
    out: set[Pair] = set()
    for row in rows:
        keys = {doc: [k for eid in eids for k in resolve(eid, provisions[doc])]
                for doc, eids in row.items() if doc in provisions}
        docs = sorted(keys)
        for i, a in enumerate(docs):
            for b in docs[i + 1 :]:
                out |= {frozenset((x, y)) for x in keys[a] for y in keys[b]}
    return out


def score(found: set[Pair], expected: set[Pair]) -> Score:
    correct = found & expected
    return Score(
        precision=len(correct) / len(found) if found else 1.0,
        recall=len(correct) / len(expected) if expected else 1.0,
        found=len(found), expected=len(expected), correct=len(correct),
        missed=tuple(sorted(expected - found, key=sorted)), wrong=tuple(sorted(found - expected, key=sorted)),
    )


def by_document_pair(found: set[Pair], expected: set[Pair]) -> dict[tuple[str, str], Score]:
    """The score for each pair of documents (gd–js, gd–cx, js–cx)."""
    def docs(p: Pair) -> tuple[str, str]:
        a, b = sorted(p)
        return (a[0], b[0])
    keys = sorted({docs(p) for p in found | expected})
    return {k: score({p for p in found if docs(p) == k}, {p for p in expected if docs(p) == k}) for k in keys}


def evaluate(alignment: Alignment, gold_path: str | Path) -> tuple[Score, dict[tuple[str, str], Score]]:
    """An alignment scored against a gold file: overall and per pair of documents."""
    _, gold = load_gold(gold_path)
    groups = {d.id: provisions(alignment.docs[d.id]) for d in alignment.documents}
    expected = pairs([g.members for g in gold], groups)
    found = engine_pairs(alignment, groups)
    return score(found, expected), by_document_pair(found, expected)


def engine_pairs(alignment: Alignment, groups: Mapping[str, list[Provision]]) -> set[Pair]:
    """The engine's pairs: members of one row, and each part with the members it restates (a
    part states one rule of its row, not necessarily every member's)."""
    found = pairs([{d: [p.eid for p in ps] for d, ps in r.members.items()} for r in alignment.rows], groups)
    found |= pairs([{a.doc_id: [a.eid], b.doc_id: [b.eid]} for r in alignment.rows for a, b in r.part_pairs()],
                   groups)
    return found


def variant_score(alignment: Alignment, truth: Iterable[tuple[str, str]], reference: str, variant: str) -> Score:
    """An alignment of a synthetic variant against its reference, scored on (reference article,
    variant article) pairs."""
    found = {frozenset(((reference, a.eid), (variant, b.eid))) for r in alignment.rows
             for a in r.members.get(reference, []) for b in r.members.get(variant, [])}
    expected = {frozenset(((reference, a), (variant, b))) for a, b in truth}
    return score(found, expected)
