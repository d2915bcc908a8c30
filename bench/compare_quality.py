"""Quality of the regional alignment: pairwise precision and recall against hand-made truth.

1. The three 定点管理 rules (Guangdong measure, Jiangsu rules, Chuxiong rules, parsed from the
   bundled clean text) against the gold alignment tests/data/gold/alignment_gd_js_cx.yaml, which
   was written from the texts before the engine existed, and extended (round 2, issue 13) only by
   re-reading the texts: a multi-topic article is named in every row whose rule it states. A pair
   is two provisions of different documents in one row; a gold eId above several provisions stands
   for all of them. The engine's pairs are its rows' members plus each provision-level part with
   the members it restates; "article level" is the same alignment without the parts.
2. Synthetic variants of the Guangdong measure (articles dropped, split, merged, moved, reworded,
   new ones added; ``toolkit.compare.synthetic``) against their recorded provenance.

Baselines in the same run: by article number, and difflib ratio taken greedily (bench/compare_baselines).
Prints Markdown tables (overall, per pair of documents, the pairs the engine misses or adds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare_baselines import by_difflib, by_number  # noqa: E402

from toolkit.compare import quality  # noqa: E402
from toolkit.compare.align import align  # noqa: E402
from toolkit.compare.provisions import provisions  # noqa: E402
from toolkit.compare.synthetic import make_variant  # noqa: E402
from toolkit.ingest import parse_source  # noqa: E402
from toolkit.manifest import load_manifest  # noqa: E402

CLEAN = ROOT / "tests" / "data" / "clean"
GOLD = ROOT / "tests" / "data" / "gold" / "alignment_gd_js_cx.yaml"
FILES = {"gd-measure": "000_b3443c26a488e755", "js-rules": "002_2b5a4cf9d6a9a96c",
         "cx-rules": "004_928757f12460cdce", "order-735": "state-council-order-735"}
VARIANTS = 30


def load(doc_id: str):
    parsed = parse_source(CLEAN / f"{FILES[doc_id]}.txt", manifest=load_manifest(), layers=False)
    return next(d for d in parsed.documents if d.id == doc_id)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _split(pair: quality.Pair) -> str:
    """gd–js, or cx (any pair with a Chuxiong provision)."""
    return "cx" if any(doc == "cx-rules" for doc, _ in pair) else "gd–js"


def held_out(docs, groups, expected) -> None:
    """The provision-level choices of issue 13 round 3 (a sentence a document repeats is a part
    too; a part binds the same actor; a part pairs with the members it restates at WITH) chosen on
    one split of the gold and scored on the other: gd–js pairs against pairs involving cx."""
    from toolkit.compare import parts

    grid = [(w, r, a) for a in (False, True) for r in (2.0, 0.8, 0.7, 0.6) for w in (0.4, 0.15, 0.0)]
    saved = (parts.WITH, parts.REPEAT, parts._actor)
    scores = {}
    try:
        for w, r, a in grid:
            parts.WITH, parts.REPEAT = w, r
            parts._actor = saved[2] if a else (lambda p, span: None)
            found = quality.engine_pairs(align(docs), groups)
            scores[w, r, a] = {k: quality.score({p for p in found if _split(p) == k},
                                                {p for p in expected if _split(p) == k}) for k in ("gd–js", "cx")}
    finally:
        parts.WITH, parts.REPEAT, parts._actor = saved

    def name(c) -> str:
        w, r, a = c
        return f"WITH {w}, REPEAT {'off' if r > 1 else r}, actors {'on' if a else 'off'}"

    print("\n### Held-out check: choices made on one split, scored on the other\n")
    print(f"Grid of {len(grid)} settings (ties go to the earlier one: the old behaviour first). "
          f"Shipped: {name((parts.WITH, parts.REPEAT, True))}.\n")
    print("| tuned on | chosen (best F1 there) | tuned split P / R | held-out split | held-out P / R |")
    print("|---|---|---:|---|---:|")
    for tune, test in (("gd–js", "cx"), ("cx", "gd–js")):
        best = max(grid, key=lambda c: (round(scores[c][tune].f1, 9), -grid.index(c)))
        a, b = scores[best][tune], scores[best][test]
        print(f"| {tune} | {name(best)} | {_pct(a.precision)} / {_pct(a.recall)} | {test} | "
              f"{_pct(b.precision)} / {_pct(b.recall)} |")
    shipped = scores[parts.WITH, parts.REPEAT, True]
    before = scores[grid[0]]
    for label, s in (("before (old behaviour)", before), ("shipped", shipped)):
        print(f"| — | {label} | gd–js {_pct(s['gd–js'].precision)} / {_pct(s['gd–js'].recall)} | cx | "
              f"{_pct(s['cx'].precision)} / {_pct(s['cx'].recall)} |")


def held_out_topics(docs, groups, expected) -> None:
    """The topic parts of issue 13 round 4 (corpus/alignment_topics.yaml, toolkit/compare/topics.py):
    their thresholds (RARE, FLOOR, FLOOR_SAME_ACTOR) chosen on one split and scored on the other,
    the old behaviour (no topic parts) first; then what each topic of the lexicon brings."""
    from toolkit.compare import parts, topics

    grid = [None] + [(r, f, s) for r in (1, 2, 3) for f in (0.04, 0.06, 0.08, 0.1) for s in (0.02, 0.04, 0.06)
                     if s <= f]
    saved = (parts.TOPIC_PARTS, topics.RARE, topics.FLOOR, topics.FLOOR_SAME_ACTOR)
    scores = {}
    try:
        for c in grid:
            parts.TOPIC_PARTS = parts.TOPIC_WITH = c is not None
            if c is not None:
                topics.RARE, topics.FLOOR, topics.FLOOR_SAME_ACTOR = c
            found = quality.engine_pairs(align(docs), groups)
            scores[c] = {k: quality.score({p for p in found if _split(p) == k},
                                          {p for p in expected if _split(p) == k}) for k in ("gd–js", "cx")}
    finally:
        parts.TOPIC_PARTS, topics.RARE, topics.FLOOR, topics.FLOOR_SAME_ACTOR = saved
        parts.TOPIC_WITH = True

    def name(c) -> str:
        return "no topics (parts nor `with`)" if c is None else f"RARE {c[0]}, FLOOR {c[1]}, same actor {c[2]}"

    print("\n### Held-out check of the topic parts: thresholds chosen on one split, scored on the other\n")
    print(f"Grid of {len(grid)} settings (ties go to the earlier one: no topic parts first). "
          f"Shipped: {name(saved[1:])}.\n")
    print("| tuned on | chosen (best F1 there) | tuned split P / R | held-out split | held-out P / R |")
    print("|---|---|---:|---|---:|")
    for tune, test in (("gd–js", "cx"), ("cx", "gd–js")):
        best = max(grid, key=lambda c: (round(scores[c][tune].f1, 9), -grid.index(c)))
        a, b = scores[best][tune], scores[best][test]
        print(f"| {tune} | {name(best)} | {_pct(a.precision)} / {_pct(a.recall)} | {test} | "
              f"{_pct(b.precision)} / {_pct(b.recall)} |")
    for label, s in (("before (no topics)", scores[None]), ("shipped", scores[saved[1:]])):
        print(f"| — | {label} | gd–js {_pct(s['gd–js'].precision)} / {_pct(s['gd–js'].recall)} | cx | "
              f"{_pct(s['cx'].precision)} / {_pct(s['cx'].recall)} |")

    # each topic left out of the lexicon in turn: the pairs it brings, right and wrong
    full = quality.score(quality.engine_pairs(align(docs), groups), expected)
    original = topics.topics
    every = original()
    rows = []
    try:
        for key in every:
            reduced = {k: v for k, v in every.items() if k != key}
            topics.topics = lambda reduced=reduced: reduced
            s = quality.score(quality.engine_pairs(align(docs), groups), expected)
            if (s.correct, s.found) != (full.correct, full.found):
                rows.append((every[key][0], full.correct - s.correct,
                             (full.found - full.correct) - (s.found - s.correct)))
    finally:
        topics.topics = original
    print("\nWhat each topic brings (the lexicon without it, all else equal; topics that change nothing left out):\n")
    print("| topic | gold pairs it brings | pairs not in the gold it brings |")
    print("|---|---:|---:|")
    for label, gained, wrong in sorted(rows, key=lambda r: (-r[1], r[0])):
        print(f"| {label} | {gained} | {wrong} |")


def main() -> int:
    docs = [load(d) for d in ("gd-measure", "js-rules", "cx-rules")]
    groups = {d.id: provisions(d) for d in docs}
    _, gold = quality.load_gold(GOLD)
    expected = quality.pairs([g.members for g in gold], groups)
    alignment = align(docs)
    article_level = [{d: [p.eid for p in ps] for d, ps in r.members.items()} for r in alignment.rows]
    with_parts = article_level + [{a.doc_id: [a.eid], b.doc_id: [b.eid]}
                                  for r in alignment.rows for a, b in r.part_pairs()]
    methods = {
        "policykit align (provision level: rows and parts)": with_parts,
        "policykit align, article level only (rows without parts)": article_level,
        "baseline: by article number": by_number(docs),
        "baseline: difflib ratio, greedy 1:1": by_difflib(docs),
    }
    print("### Gold alignment of the three rules (pairwise)\n")
    print(f"Gold: {len(gold)} rows, {len(expected)} cross-document pairs of provisions.\n")
    print("| method | precision | recall | F1 | pairs found | correct |")
    print("|---|---:|---:|---:|---:|---:|")
    scores = {}
    for name, rows in methods.items():
        s = quality.score(quality.pairs(rows, groups), expected)
        scores[name] = s
        print(f"| {name} | {_pct(s.precision)} | {_pct(s.recall)} | {_pct(s.f1)} | {s.found} | {s.correct} |")
    print("\n| documents | precision | recall | gold pairs |")
    print("|---|---:|---:|---:|")
    found = quality.engine_pairs(alignment, groups)
    assert found == quality.pairs(with_parts, groups)
    for (a, b), s in quality.by_document_pair(found, expected).items():
        print(f"| {a} – {b} | {_pct(s.precision)} | {_pct(s.recall)} | {s.expected} |")
    engine = scores["policykit align (provision level: rows and parts)"]
    print(f"\nParts: {sum(len(ps) for r in alignment.rows for ps in r.parts.values())} provisions shown in "
          f"{sum(1 for r in alignment.rows if r.parts)} further rows for one of their parts.")
    label = {p.key: f"{p.doc_id.split('-')[0]} {p.label}" for ps in groups.values() for p in ps}
    print("\nMissed (in the gold, not found): "
          + ("; ".join(" / ".join(label[k] for k in sorted(p)) for p in engine.missed) or "none"))
    print("\nAdded (found, not in the gold): "
          + ("; ".join(" / ".join(label[k] for k in sorted(p)) for p in engine.wrong) or "none"))

    held_out(docs, groups, expected)
    held_out_topics(docs, groups, expected)

    print("\n### Cost of the provision level (CPU time, best of 5, same run)\n")
    print("| what | CPU time | ratio |")
    print("|---|---:|---:|")
    import toolkit.compare.align as align_module

    def cpu(fn) -> float:
        best = float("inf")
        for _ in range(5):
            t = time.process_time()
            fn()
            best = min(best, time.process_time() - t)
        return best

    real = align_module.find_parts
    try:
        align_module.find_parts = lambda rows, *a, **k: [{} for _ in rows]
        base = cpu(lambda: align(docs))
    finally:
        align_module.find_parts = real
    full = cpu(lambda: align(docs))
    print(f"| baseline: align gd, js, cx at article level (parts switched off) | {base * 1000:.0f} ms | 1.00 |")
    print(f"| align gd, js, cx with provision-level parts | {full * 1000:.0f} ms | {full / base:.2f} |")

    print(f"\n### {VARIANTS} synthetic variants of the Guangdong measure (pairwise, pooled)\n")
    gd = docs[0]
    pool = [a.plain_text() for a in load("order-735").articles()]
    totals: dict[str, list[int]] = {}
    part_kinds: dict[str, list[int]] = {}
    for seed in range(VARIANTS):
        v = make_variant(gd, seed, pool=pool)
        truth = {frozenset(((gd.id, a), (v.document.id, b))) for a, b in v.truth}
        vgroups = {gd.id: provisions(gd), v.document.id: provisions(v.document)}
        variant_alignment = align([gd, v.document])
        rows = {
            "policykit align": [{d: [p.eid for p in ps] for d, ps in r.members.items()}
                                for r in variant_alignment.rows],
            "baseline: by article number": by_number([gd, v.document]),
            "baseline: difflib ratio, greedy 1:1": by_difflib([gd, v.document]),
        }
        # the parts' pairs against the provenance (a part whose pair is not in it is a wrong one,
        # or a topical link the construction does not record), by the kind of evidence
        for r in variant_alignment.rows:
            for pt in (pt for pts in r.parts.values() for pt in pts):
                kind = "topic" if pt.topic else "drafting role" if pt.role else "wording"
                got = quality.pairs([{pt.provision.doc_id: [pt.provision.eid], m.doc_id: [m.eid]} for m in pt.with_],
                                    vgroups)
                k = part_kinds.setdefault(kind, [0, 0])
                k[0], k[1] = k[0] + len(got), k[1] + len(got & truth)
        for name, rs in rows.items():
            s = quality.score(quality.pairs(rs, vgroups), truth)
            t = totals.setdefault(name, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + s.correct, t[1] + s.found, t[2] + s.expected
    print("| method | precision | recall | F1 |")
    print("|---|---:|---:|---:|")
    for name, (correct, found_n, expected_n) in totals.items():
        p, r = correct / found_n if found_n else 1.0, correct / expected_n
        print(f"| {name} | {_pct(p)} | {_pct(r)} | {_pct(2 * p * r / (p + r) if p + r else 0)} |")
    print("\nPart pairs on the variants (not in the rows' figures above), by evidence: "
          + "; ".join(f"{kind} {ok} of {n} in the provenance" for kind, (n, ok) in sorted(part_kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
