"""Benchmark: fill in 1,000 DOCX notices with a process pool, against bare docxtpl in the same run.

    .venv/bin/python bench/notices.py [--db policykit.db] [-n 1000] [--workers 2]

Measures, on the same machine and in the same run:
  * bare docxtpl: render + save of the refusal template with a ready context (the floor);
  * policykit, one process: validate the case, cite the corpus (in-force checks), compute
    deadlines, render, write atomically — per document;
  * policykit, process pool: N documents cycling through every example case (all types).
Prints a Markdown table for BENCHMARKS.md. The target is 1,000 notices in under 20 s on 2 cores.
Without --db (or $POLICYKIT_DB) the bundled corpus is ingested into a temporary store first
(not timed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.documents.cases import load_case  # noqa: E402
from toolkit.documents.doctypes import TYPES  # noqa: E402

_corpus = None
_cases: list = []


def build_store(path: Path) -> None:
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest
    from toolkit.store import Store

    manifest = load_manifest()
    with Store(path) as store:
        for f in sorted((ROOT / "corpus" / "sources").glob("*.pdf")):
            store.save(parse_source(f, manifest=manifest))


def _init(db: str) -> None:
    global _corpus, _cases
    from toolkit.corpus import Corpus

    _corpus = Corpus.open(db)
    _cases = [load_case(t.example) for t in TYPES.values()]


def _numbered(case, i: int):
    if hasattr(case, "doc_number"):
        prefix = case.doc_number.split("〔")[0]
        return case.model_copy(update={"doc_number": f"{prefix}〔2026〕{i + 1}号"})
    return case.model_copy(update={"agreement_no": f"{case.agreement_no}-{i + 1}"})


def _work(args: tuple[int, int, str]) -> tuple[int, float]:
    """Documents written and the CPU seconds they took in this worker."""
    from toolkit.documents.render import generate

    start, stop, out = args
    cpu = time.process_time()
    for i in range(start, stop):
        case = _numbered(_cases[i % len(_cases)], i)
        generate(case.type, case, _corpus, Path(out))
    return stop - start, time.process_time() - cpu


def bare_docxtpl(template: Path, context: dict, n: int) -> tuple[float, float]:
    """(wall, CPU) seconds per document for docxtpl alone (render + save to memory), with a
    plain strict, escaping Jinja environment."""
    import jinja2
    from docxtpl import DocxTemplate

    data = template.read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        tpl = DocxTemplate(io.BytesIO(data))
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
        tpl.render(context, jinja_env=env, autoescape=True)
        tpl.save(io.BytesIO())
    return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=os.environ.get("POLICYKIT_DB"))
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--single", type=int, default=100, help="documents in the 1-process runs")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if not db or not Path(db).exists():
            db = str(Path(tmp) / "policykit.db")
            t0 = time.perf_counter()
            build_store(Path(db))
            print(f"(ingested the bundled corpus in {time.perf_counter() - t0:.1f} s, not timed)",
                  file=sys.stderr)

        # One process: the refusal notice, bare docxtpl vs the whole pipeline.
        _init(db)
        from toolkit.documents.render import build_context, generate

        refusal = _cases[list(TYPES).index("refusal")]
        context, _ = build_context(TYPES["refusal"], refusal, _corpus)
        generate("refusal", refusal, _corpus, Path(tmp) / "warm")  # warm caches
        bare, bare_cpu = bare_docxtpl(TYPES["refusal"].template, context, args.single)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(args.single):
            case = _numbered(refusal, i)
            generate("refusal", case, _corpus, Path(tmp) / "single")
        ours = (time.perf_counter() - t0) / args.single
        ours_cpu = (time.process_time() - c0) / args.single

        # Process pool: N notices over every type.
        out = Path(tmp) / "pool"
        out.mkdir()
        chunk = max(1, args.n // (args.workers * 8))
        jobs = [(s, min(s + chunk, args.n), str(out)) for s in range(0, args.n, chunk)]
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(db,)) as pool:
            results = list(pool.map(_work, jobs))
        wall = time.perf_counter() - t0
        done = sum(n for n, _ in results)
        cpu = sum(c for _, c in results)
        written = len(list(out.glob("*.docx")))
        assert done == args.n and written == args.n, (done, written)

    # CPU time is what the code costs; wall time also counts whatever else the machine runs
    # (the load average is printed so a slow wall time can be read for what it is).
    print(f"| measure ({os.cpu_count()} cores, {args.workers} workers, load {load_before:.1f}) "
          "| wall | CPU |")
    print("|---|---|---|")
    print(f"| bare docxtpl render + save, refusal template | {bare * 1000:.1f} ms/doc "
          f"| {bare_cpu * 1000:.1f} ms/doc |")
    print(f"| policykit notice (validate, cite, deadlines, render, atomic write), 1 process "
          f"| {ours * 1000:.1f} ms/doc | {ours_cpu * 1000:.1f} ms/doc |")
    print(f"| ratio policykit / bare docxtpl | {ours / bare:.2f}× | {ours_cpu / bare_cpu:.2f}× |")
    print(f"| {args.n} notices, all {len(TYPES)} types, process pool | {wall:.1f} s "
          f"({args.n / wall:.0f} docs/s) | {cpu:.1f} s ({cpu / args.n * 1000:.1f} ms/doc) |")
    print(f"| target: {args.n} notices < 20 s wall | {'met' if wall < 20 else 'NOT met'} "
          f"| CPU/{args.workers} = {cpu / args.workers:.1f} s |")


if __name__ == "__main__":
    main()
