"""Batch issuing speed: 100 refusal notices from a case table → signed PDFs, on 2 cores.

Target: under 30 s in total. Runs the real path of ``policykit batch``: the table (the example
refusal case with 100 different applicants, examples/batch/make_examples.py) is read and every
row validated and quoted from the corpus, then one ``issue_batch`` call numbers, renders, seals,
converts (one LibreOffice run per worker), checks, signs and registers them. Reports the wall
time, where the CPU goes (LibreOffice, signing, the rest) and, measured in the same run, the
baseline of issuing notices one at a time (``policykit notice --pdf`` per notice: one LibreOffice
run each).

    .venv/bin/python bench/batch.py [--db policykit.db] [-n 100] [--workers 2] [--baseline 4]

Without --db (or $POLICYKIT_DB) the bundled corpus is ingested into a temporary store first
(not timed). Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from notices import build_store  # noqa: E402

from toolkit.corpus import Corpus  # noqa: E402
from toolkit.issuing.batch import run_batch  # noqa: E402
from toolkit.issuing.batch_table import case_cells, schema_for, write_case_table  # noqa: E402
from toolkit.issuing.issue import IssueOptions, Timings  # noqa: E402
from toolkit.issuing.notice_issue import issue_notices, prepare_notice  # noqa: E402
from toolkit.issuing.numbering import load_offices  # noqa: E402
from toolkit.issuing.register import Register  # noqa: E402
from toolkit.issuing.sign import make_test_certificate, verify_pdf  # noqa: E402

DISTRICTS = ("榕城区", "揭东区", "揭西县", "惠来县", "普宁市")
NAMES = ("康宁", "仁和", "安康", "惠民", "济生", "同德", "长青", "益民", "福康", "永安",
         "德仁", "回春", "康泰", "百姓", "民生", "健康", "平安", "春晖", "和顺", "仁爱")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def applicants(n: int) -> list[str]:
    names = [f"揭阳市{d}{name}诊所" for name in NAMES for d in DISTRICTS]
    return [names[i % len(names)] + (f"（{i // len(names) + 1}）" if i >= len(names) else "")
            for i in range(n)]


def cases(n: int) -> list:
    """The example refusal case (and its variants' grounds) addressed to ``n`` applicants."""
    sys.path.insert(0, str(ROOT / "examples" / "batch"))
    from make_examples import example_cases

    base = example_cases()
    out = []
    for i, name in enumerate(applicants(n)):
        case = base[i % len(base)]
        out.append(case.model_copy(update={
            "addressee": name, "case_id": f"BENCH-{i + 1:04d}",
            "applicant": case.applicant.model_copy(update={"name": name}),
        }))
    return out


def baseline_per_notice(corpus: Corpus, work: Path, cert, sample: list, offices) -> float:
    """Seconds per notice issued one at a time (each its own LibreOffice run), warm."""
    options = IssueOptions(sign=cert.signer())
    with Register(work / "baseline.db") as reg:
        first, rest = sample[0], sample[1:]
        issue_notices([prepare_notice("refusal", first, corpus, offices)], register=reg,
                      out_dir=work / "baseline", offices=offices, options=options)  # warm-up
        start = time.perf_counter()
        for case in rest:
            notice = prepare_notice("refusal", case, corpus, offices)
            (done,) = issue_notices([notice], register=reg, out_dir=work / "baseline",
                                    offices=offices, options=options)
            assert done.status == "issued", done.error
        return (time.perf_counter() - start) / len(rest)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=os.environ.get("POLICYKIT_DB"))
    parser.add_argument("-n", "--notices", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, default=4, help="notices in the one-at-a-time baseline")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        db = Path(args.db) if args.db else work / "store.db"
        if not args.db:
            print("ingesting the bundled corpus into a temporary store (not timed)", file=sys.stderr)
            build_store(db)
        corpus = Corpus.open(db)
        offices = load_offices()
        schema = schema_for("refusal")
        all_cases = cases(args.notices)
        table = write_case_table(work / "cases.xlsx", schema, [case_cells(schema, c) for c in all_cases])
        cert = make_test_certificate(work / "cert")
        print("signing with a TEST certificate (self-signed test CA)", file=sys.stderr)

        marks: dict[str, tuple[float, float]] = {}  # stage → (wall, CPU) when it began

        def progress(stage: str, done: int, total: int) -> None:
            marks.setdefault(stage, (time.perf_counter(), time.process_time()))

        timings = Timings()
        load_before = os.getloadavg()[0]
        cpu_before, main_cpu_before = _cpu_seconds(), time.process_time()
        with Register(work / "register.db") as reg:
            start = time.perf_counter()
            result = run_batch(table, "refusal", corpus=corpus, register=reg,
                               out_dir=work / "out", offices=offices, progress=progress,
                               options=IssueOptions(sign=cert.signer(), workers=args.workers),
                               timings=timings)
            wall = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu_before
        load_after = os.getloadavg()[0]
        if result.failed:
            raise SystemExit(f"{len(result.failed)} rows not issued, first: {result.failed[0].reasons}")
        pdfs = [p for r in result.issued for p in r.files if p.suffix == ".pdf"]
        verified = {verify_pdf(p, trust_roots=[cert.ca_cert]).status for p in pdfs}
        if verified != {"intact"} or len(pdfs) != args.notices:
            raise SystemExit(f"signatures: {sorted(verified)} on {len(pdfs)} PDFs")
        # reading the table, validating and quoting the corpus: everything before the first render
        validate_wall = marks["render"][0] - start
        validate_cpu = marks["render"][1] - main_cpu_before
        stage_cpu = sum(timings.cpu.values())
        per_notice_baseline = baseline_per_notice(corpus, work, cert,
                                                  all_cases[: args.baseline + 1], offices)

    groups = {
        "LibreOffice (DOCX → PDF, one run per worker)": ("libreoffice",),
        "signing (PAdES + visible stamp + self-check)": ("sign",),
        "the rest: numbering + render + seal (prepare), PDF checks, register, writes":
            ("prepare", "check", "register", "write"),
    }
    total_cpu = stage_cpu + validate_cpu
    per_notice = wall / args.notices
    print(f"### `policykit batch`: {args.notices} refusal notices to signed PDF "
          f"({args.workers} workers)\n")
    print("| stage | CPU s | share of CPU | wall s |")
    print("|---|---:|---:|---:|")
    print(f"| read table, validate rows, quote the corpus | {validate_cpu:.1f} |"
          f" {validate_cpu / total_cpu:.0%} | {validate_wall:.1f} |")
    for name, keys in groups.items():
        cpu_s = sum(timings.cpu[k] for k in keys)
        wall_s = sum(timings.wall[k] for k in keys)
        print(f"| {name} | {cpu_s:.1f} | {cpu_s / total_cpu:.0%} | {wall_s:.1f} (summed over workers) |")
    print(f"| all stages | {total_cpu:.1f} ({total_cpu / args.notices * 1000:.0f} ms/notice) | 100% | |")
    print(f"| **total wall time** | | | **{wall:.1f} s** ({per_notice * 1000:.0f} ms/notice);"
          f" target < 30 s: {'met' if wall < 30 else 'MISSED'} |")
    print(f"| CPU time of all processes (incl. worker start-up) | {cpu:.1f} | |"
          f" ≥ {cpu / args.workers:.1f} s on {args.workers} idle cores |")
    print(f"| baseline: one notice at a time (`notice --pdf`, one LibreOffice run each) | | |"
          f" {per_notice_baseline:.2f} s/notice: the batch is {per_notice_baseline / per_notice:.1f}×"
          " faster per notice |")
    print(f"\n{args.notices} issued, numbers 1–{args.notices} in row order, all signatures intact"
          f" under the test CA. Load average {load_before:.1f} before, {load_after:.1f} after, on"
          f" {os.cpu_count()} cores (other processes slow every wall-time row, not the CPU rows).")


if __name__ == "__main__":
    main()
