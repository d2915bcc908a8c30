"""Speed of the article-level diff on two ~150-article versions made from real text.

The old version is 《医疗保障基金使用监督管理条例》 (国务院令第735号), the Guangdong measure and the
Jiangsu rules concatenated into one rule (their chapters kept, articles renumbered); the new
version applies seeded random edits to it: insertions (articles of the Chuxiong rules), deletions,
splits, merges, moves to another chapter, rewordings and punctuation changes. Both are written as
Markdown and parsed by the pipeline (not timed). Timed, best of several runs:

* ``diff(old, new)`` — matching, redlines, notes, number map, stale references;
* baselines measured in the same run: ``difflib.SequenceMatcher`` over the whole printed text
  (characters), and ``difflib.unified_diff`` over its lines.

Prints a Markdown table; exits 1 if the diff takes 0.5 s or more.
"""

from __future__ import annotations

import difflib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors.normalize import int_to_cn  # noqa: E402
from toolkit.ingest import parse_source  # noqa: E402
from toolkit.manifest import load_manifest  # noqa: E402
from toolkit.versions.diff import diff  # noqa: E402
from toolkit.versions.units import article_body  # noqa: E402

CLEAN = ROOT / "tests" / "data" / "clean"
SOURCES = [("state-council-order-735", "order-735"), ("000_b3443c26a488e755", "gd-measure"),
           ("002_2b5a4cf9d6a9a96c", "js-rules")]
DONOR = ("004_928757f12460cdce", "cx-rules")
SEED = 20260101
LIMIT = 0.5


def _rule(stem: str, doc_id: str):
    parsed = parse_source(CLEAN / f"{stem}.txt", manifest=load_manifest(), layers=False)
    return next(d for d in parsed.documents if d.id == doc_id)


def _chapters(doc) -> list[tuple[str, list[list[str]]]]:
    return [(ch.heading or "", [article_body(a).split("\n") for a in ch.walk() if a.kind == "article"])
            for ch in doc.chapters()]


def _markdown(title: str, chapters: list[tuple[str, list[list[str]]]]) -> str:
    out, k = [f"# {title}", ""], 0
    for c, (heading, arts) in enumerate(chapters, 1):
        out += [f"## 第{int_to_cn(c)}章 {heading}", ""]
        for lines in arts:
            k += 1
            out += [f"第{int_to_cn(k)}条 {lines[0]}", ""] + [x for line in lines[1:] for x in (line, "")]
    return "\n".join(out)


def _edit(chapters, donor: list[list[str]], rng: random.Random) -> tuple[list, dict[str, int]]:
    """The edited chapters and how many edits of each kind were made."""
    new = [(h, [list(a) for a in arts]) for h, arts in chapters]
    done: dict[str, int] = {}

    def pick(ok=lambda art: True) -> tuple[list[list[str]], int]:
        spots = [(arts, i) for _, arts in new for i, a in enumerate(arts) if ok(a)]
        return rng.choice(spots)

    def did(kind: str) -> None:
        done[kind] = done.get(kind, 0) + 1

    for _ in range(5):
        arts, i = pick()
        arts.insert(i, list(rng.choice(donor)))
        did("insert")
    for _ in range(5):
        arts, i = pick()
        del arts[i]
        did("delete")
    for _ in range(3):  # split an article of several lines between two of them
        arts, i = pick(lambda a: len(a) >= 3)
        cut = rng.randrange(1, len(arts[i]))
        arts[i : i + 1] = [arts[i][:cut], arts[i][cut:]]
        did("split")
    for _ in range(3):  # merge an article with the next one
        arts, i = pick()
        if i + 1 < len(arts):
            arts[i : i + 2] = [arts[i] + arts[i + 1]]
            did("merge")
    for _ in range(3):  # move to the end of another chapter
        arts, i = pick()
        moved = arts.pop(i)
        rng.choice([a for _, a in new if a is not arts]).append(moved)
        did("move")
    for _ in range(10):  # reword: drop four characters of a long line
        arts, i = pick(lambda a: max(len(x) for x in a) > 20)
        j = max(range(len(arts[i])), key=lambda k: len(arts[i][k]))
        line = arts[i][j]
        k = rng.randrange(2, len(line) - 6)
        arts[i][j] = line[:k] + line[k + 4 :]
        did("reword")
    for _ in range(5):  # a comma becomes a semicolon
        arts, i = pick(lambda a: any("，" in x for x in a))
        arts[i] = [line.replace("，", "；", 1) for line in arts[i]]
        did("punctuation")
    return new, done


def _best(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    rng = random.Random(SEED)
    chapters = [c for stem, doc_id in SOURCES for c in _chapters(_rule(stem, doc_id))]
    donor = [a for _, arts in _chapters(_rule(*DONOR)) for a in arts]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        edited, done = _edit(chapters, donor, rng)
        for name, chs in (("old", chapters), ("new", edited)):
            path = Path(tmp) / f"{name}.md"
            path.write_text(_markdown("医疗保障定点管理综合规则", chs), encoding="utf-8")
            paths.append(path)
        old, new = (next(d for d in parse_source(p, layers=False).documents if d.articles()) for p in paths)
    text_old = "\n".join(a.full_text() for a in old.articles())
    text_new = "\n".join(a.full_text() for a in new.articles())
    result = diff(old, new)
    t_diff = _best(lambda: diff(old, new), 5)
    t_chars = _best(lambda: difflib.SequenceMatcher(None, text_old, text_new).get_opcodes(), 3)
    t_lines = _best(lambda: list(difflib.unified_diff(text_old.splitlines(), text_new.splitlines())), 5)
    print(f"Two versions: {len(old.articles())} → {len(new.articles())} articles, "
          f"{len(text_old):,} → {len(text_new):,} characters")
    print(f"Edits made: {done}")
    print(f"Changes found: {result.counts()}\n")
    print("| what | time (ms) | ratio to difflib (characters) |")
    print("| --- | ---: | ---: |")
    for name, t in (("policykit diff (articles matched by content, redlines, map)", t_diff),
                    ("difflib.SequenceMatcher over the whole text (baseline)", t_chars),
                    ("difflib.unified_diff over lines", t_lines)):
        print(f"| {name} | {t * 1000:.1f} | {t / t_chars:.2f} |")
    ok = t_diff < LIMIT
    print(f"\ndiff {'within' if ok else 'OVER'} the {LIMIT:.1f} s budget")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
