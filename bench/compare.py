"""Speed of the regional comparison.

1. Three-way compare with every report, after ingest: the Guangdong measure, Jiangsu rules and
   Chuxiong rules (bundled clean text) are ingested into a temporary store (not timed); timed is
   what ``policykit compare … --html --docx --csv --json`` does after that: load the three
   documents from the store, align, build the key-differences table, write HTML, DOCX, JSON and CSV.
   Baselines in the same run: ``difflib.SequenceMatcher`` on the whole printed texts (gd against js
   and cx, characters), and alignment by article number.
2. Scale: 300 synthetic variants of the Guangdong measure (articles dropped, split, merged, moved,
   reworded, new ones added; seeded) each aligned to the measure, in a pool of 2 processes.
   Baselines in the same run: alignment by article number (all 300) and difflib ratio taken greedily
   (30 variants; its time per variant is shown). Quality is pooled pairwise precision/recall
   against each variant's recorded provenance.

Prints Markdown tables; exits 1 if the three-way compare takes 1 s or more, or the scale run 60 s
or more.
"""

from __future__ import annotations

import difflib
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare_baselines import by_difflib, by_number  # noqa: E402

from toolkit.compare import quality  # noqa: E402
from toolkit.compare.align import align  # noqa: E402
from toolkit.compare.export import write_reports  # noqa: E402
from toolkit.compare.provisions import provisions  # noqa: E402
from toolkit.compare.redline import _redlines  # noqa: E402
from toolkit.compare.synthetic import make_variant  # noqa: E402
from toolkit.ingest import parse_source  # noqa: E402
from toolkit.manifest import load_manifest  # noqa: E402
from toolkit.store import Store  # noqa: E402

CLEAN = ROOT / "tests" / "data" / "clean"
FILES = ["000_b3443c26a488e755", "002_2b5a4cf9d6a9a96c", "004_928757f12460cdce", "state-council-order-735"]
RULES = ("gd-measure", "js-rules", "cx-rules")
VARIANTS, DIFFLIB_VARIANTS, WORKERS = 300, 30, 2
RUNS = 5
LIMIT_THREE_WAY, LIMIT_SCALE = 1.0, 60.0


def _three_way(db: Path, out: Path) -> float:
    _redlines.cache_clear()  # every run computes its redlines
    t = time.perf_counter()
    with Store(db, create=False) as store:
        docs = [store.document(d) for d in RULES]
    write_reports(align(docs), out)
    return time.perf_counter() - t


def _difflib_texts(db: Path) -> float:
    t = time.perf_counter()
    with Store(db, create=False) as store:
        texts = ["\n".join(a.full_text() for a in store.document(d).articles()) for d in RULES]
    for other in texts[1:]:
        difflib.SequenceMatcher(None, texts[0], other, autojunk=False).get_opcodes()
    return time.perf_counter() - t


def _by_number(db: Path) -> float:
    t = time.perf_counter()
    with Store(db, create=False) as store:
        docs = [store.document(d) for d in RULES]
    by_number(docs)
    return time.perf_counter() - t


# --- scale run (worker side) -------------------------------------------------------------------
_REFERENCE = None
_POOL: list[str] = []


def _init(reference, pool) -> None:
    global _REFERENCE, _POOL
    _REFERENCE, _POOL = reference, pool


def _score(rows, gd, variant) -> tuple[int, int, int]:
    groups = {gd.id: provisions(gd), variant.document.id: provisions(variant.document)}
    truth = {frozenset(((gd.id, a), (variant.document.id, b))) for a, b in variant.truth}
    s = quality.score(quality.pairs(rows, groups), truth)
    return s.correct, s.found, s.expected


def _work(task: tuple[str, list[int]]) -> tuple[float, int, int, int]:
    """Align a chunk of variants with one method; (seconds spent aligning, correct, found, expected)."""
    method, seeds = task
    spent, totals = 0.0, [0, 0, 0]
    for seed in seeds:
        v = make_variant(_REFERENCE, seed, pool=_POOL)
        t = time.perf_counter()
        if method == "align":
            rows = [{d: [p.eid for p in ps] for d, ps in r.members.items()}
                    for r in align([_REFERENCE, v.document]).rows]
        elif method == "number":
            rows = by_number([_REFERENCE, v.document])
        else:
            rows = by_difflib([_REFERENCE, v.document])
        spent += time.perf_counter() - t
        for k, x in enumerate(_score(rows, _REFERENCE, v)):
            totals[k] += x
    return (spent, *totals)


def _scale(method: str, count: int, reference, pool) -> tuple[float, float, float, float]:
    """(wall seconds, summed aligning seconds, precision, recall) over ``count`` variants."""
    chunks = [list(range(k, count, WORKERS * 4)) for k in range(WORKERS * 4)]
    t = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, initializer=_init, initargs=(reference, pool)) as ex:
        results = list(ex.map(_work, [(method, c) for c in chunks if c]))
    wall = time.perf_counter() - t
    spent = sum(r[0] for r in results)
    correct, found, expected = (sum(r[k] for r in results) for k in (1, 2, 3))
    return wall, spent, correct / found if found else 1.0, correct / expected


def main() -> int:
    manifest = load_manifest()
    with tempfile.TemporaryDirectory() as tmp:
        db, out = Path(tmp) / "bench.db", Path(tmp) / "out"
        with Store(db) as store:  # ingest: not timed
            for f in FILES:
                store.save(parse_source(CLEAN / f"{f}.txt", manifest=manifest))
        first = _three_way(db, out)
        runs = [_three_way(db, out) for _ in range(RUNS)]
        diffs = [_difflib_texts(db) for _ in range(RUNS)]
        numbers = [_by_number(db) for _ in range(RUNS)]
        with Store(db, create=False) as store:
            gd = store.document("gd-measure")
            pool = [a.plain_text() for a in store.document("order-735").articles()]
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    best = min(runs)
    print("### Three-way compare (gd, js, cx) with every report, after ingest\n")
    print(f"{os.cpu_count()} CPUs; best of {RUNS} runs after a first one (which pays the first imports of "
          "python-docx and numpy code paths); files: "
          + ", ".join(f"{k} {v // 1024} KB" for k, v in sorted(sizes.items())) + "\n")
    print("| what | time | ratio to policykit compare |")
    print("|---|---:|---:|")
    print(f"| **policykit compare**: load 3 rules, align, parameters, HTML + DOCX + JSON + CSV | "
          f"{best * 1000:.0f} ms (first run {first * 1000:.0f} ms, median {statistics.median(runs) * 1000:.0f} ms) | 1.00 |")
    print(f"| baseline: difflib on the whole printed texts (gd→js, gd→cx), no alignment, no reports | "
          f"{min(diffs) * 1000:.0f} ms | {min(diffs) / best:.2f} |")
    print(f"| baseline: alignment by article number, no reports | {min(numbers) * 1000:.0f} ms | {min(numbers) / best:.2f} |")

    print(f"\n### Scale: {VARIANTS} synthetic variants of the Guangdong measure aligned to it ({WORKERS} processes)\n")
    print("| method | variants | wall time | per variant (one core) | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    scale = {}
    for method, name, count in (("align", "**policykit align**", VARIANTS),
                                ("number", "baseline: by article number", VARIANTS),
                                ("difflib", "baseline: difflib ratio, greedy 1:1", DIFFLIB_VARIANTS)):
        wall, spent, p, r = _scale(method, count, gd, pool)
        scale[method] = (wall, spent / count)
        print(f"| {name} | {count} | {wall:.1f} s | {spent / count * 1000:.0f} ms | {100 * p:.1f}% | {100 * r:.1f}% |")
    print(f"\nPer variant, policykit align takes {scale['align'][1] / scale['difflib'][1]:.2f}× the time of the "
          f"difflib baseline and {scale['align'][1] / scale['number'][1]:.0f}× that of numbering.")
    ok = best < LIMIT_THREE_WAY and scale["align"][0] < LIMIT_SCALE
    if not ok:
        print(f"\nFAIL: limits are {LIMIT_THREE_WAY} s (three-way) and {LIMIT_SCALE} s (scale)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
