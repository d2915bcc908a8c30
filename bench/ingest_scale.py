"""Ingest time and peak memory against file size: 1, 5 and 50 MB rules of real article text.

A synthetic rule is built from the Chuxiong rule's own sentences (tests/data/clean/004…txt):
one title, then articles 第一条, 第二条, … each with a lead-in paragraph and items, numbered
straight through, until the file reaches the size. Every size is parsed in a fresh process
(``parse_source`` with every layer, as a worker does at ingest), timed in CPU seconds of that
process (the machines are shared: wall time is printed too, but other jobs inflate it) and
measured for peak RSS; the ratio CPU seconds / MB against the first size of the same run says
whether the curve is linear (ratios near 1.0) or not.

Run: .venv/bin/python bench/ingest_scale.py [--sizes 1 5 50]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors.normalize import int_to_cn  # noqa: E402

SOURCE = ROOT / "tests" / "data" / "clean" / "004_928757f12460cdce.txt"
MB = 1_000_000


def _sentences() -> list[str]:
    text = SOURCE.read_text(encoding="utf-8")
    out = []
    for line in text.split("\n"):
        line = re.sub(r"^(第[一二三四五六七八九十百]+条(【[^】]*】)?|[(（][一二三四五六七八九十]+[)）]|\d+\.)\s*", "", line.strip())
        if len(line) > 20 and line.endswith(("。", "；", "：")):
            out.append(line.rstrip("；：") + "。")
    return out


def synthetic_rule(size: int, items_per_article: int = 4) -> str:
    """A rule of about ``size`` bytes: articles numbered in sequence, each a lead-in and items.
    Articles grow with the size so the numbering stays within 第九千九百九十九条."""
    sentences = _sentences()
    per_article = max(items_per_article, size // 9_000 // 60)  # about 60 bytes a sentence
    lines = ["测试用定点管理规则", "第一章 总则"]
    total, n, k = 0, 0, 0
    while total < size:
        n += 1
        lead = sentences[k % len(sentences)]
        k += 1
        article = [f"第{int_to_cn(n)}条 {lead[:-1]}，包括下列情形："]
        for j in range(1, per_article + 1):
            article.append(f"（{int_to_cn(j)}）{sentences[k % len(sentences)][:-1]}；")
            k += 1
        article[-1] = article[-1][:-1] + "。"
        lines += article
        total += sum(len(line.encode("utf-8")) + 1 for line in article)  # running: the generator stays linear
    return "\n".join(lines) + "\n"


def repeated_rule(size: int) -> str:
    """The issue's shape: the Chuxiong rule's body repeated until ``size`` bytes, so the numbering
    restarts with every copy (each restart is reported; the copies land in the last article)."""
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    i = lines.index("第一章 总则")
    body = "\n".join(lines[i:])
    copies = size // len(body.encode("utf-8")) + 1
    return "\n".join(lines[:i] + [body] * copies) + "\n"


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from toolkit.ingest import parse_source
import extractors.nlp as nlp
nlp.get_nlp()  # the models load before the clock starts
start, cpu = time.perf_counter(), time.process_time()
parsed = parse_source({path!r})
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
arts = sum(1 for d in parsed.documents for n in d.nodes() if n.kind == "article")
print(json.dumps({{"seconds": elapsed, "cpu": cpu, "articles": arts, "problems": len(parsed.meta.get("read_problems", [])),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path))],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 50], help="sizes in MB")
    ap.add_argument("--shape", choices=["numbered", "repeated"], default="numbered",
                    help="numbered: articles numbered straight through; repeated: one rule's body "
                         "repeated (numbering restarts)")
    args = ap.parse_args()
    build = synthetic_rule if args.shape == "numbered" else repeated_rule
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            path = Path(tmp) / f"rule-{mb:g}mb.txt"
            path.write_text(build(int(mb * MB)), encoding="utf-8")
            r = measure(path) | {"mb": path.stat().st_size / MB}
            rows.append(r)
            base = rows[0]["cpu"] / rows[0]["mb"]
            print(f"{r['mb']:6.1f} MB  {r['articles']:5d} articles  CPU {r['cpu']:8.1f} s  "
                  f"{r['cpu'] / r['mb']:6.2f} s/MB (x{r['cpu'] / r['mb'] / base:4.2f} of the first)  "
                  f"wall {r['seconds']:8.1f} s  peak {r['peak_mb']:6.0f} MB  problems {r['problems']}", flush=True)


if __name__ == "__main__":
    main()
