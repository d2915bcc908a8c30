"""Ingest and search speed, as ratios against baselines measured in the same run.

0. The structured ingest of the bundled PDFs in one process (read, chain, structure, every NLP
   layer, store) against bare pdfplumber `page.extract_text()` of the same pages: pages per second
   and the ratio (goal: the structured ingest costs no more than 1.2x the bare extraction).
1. `policykit ingest` of a folder of PDFs with one parser process vs. the default pool of two:
   the pool should be close to twice as fast on a two-core machine.
2. Store search (bigram index, toolkit/db/search_*.py) vs. a plain scan of every node's text for the same queries.

Run: .venv/bin/python bench/ingest.py [--copies N]   (N copies of the six bundled PDFs)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from toolkit.cli import corpus as corpus_cli  # noqa: E402
from toolkit.cli.main import cli  # noqa: E402
from toolkit.db.store_tables import nodes  # noqa: E402
from toolkit.store import Store  # noqa: E402

QUERIES = ["中止", "基金", "医保协议", "评估", "定点医疗机构", "违约责任"]


def ingest(folder: Path, db: Path, workers: int) -> float:
    corpus_cli.WORKERS = workers
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "--no-manifest", str(folder)])
    elapsed = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"ingest failed ({result.exit_code}):\n{result.output}")
    return elapsed


def scan(store: Store, query: str) -> int:
    with store.engine.connect() as conn:
        rows = conn.execute(select(nodes.c.heading, nodes.c.text)).all()
    return sum(1 for h, t in rows if query in t or query in (h or ""))


def pages_per_second(pdfs: list[Path], rounds: int) -> tuple[float, float, int]:
    """(bare pdfplumber s, structured ingest s, pages) — best of ``rounds`` each, CPU time."""
    import pdfplumber

    from extractors.nlp import get_nlp
    from toolkit.ingest import parse_source
    from toolkit.manifest import load_manifest

    manifest = load_manifest()
    get_nlp()  # the spaCy/jieba model loads once per process; a long ingest pays it once
    pages = 0
    bare, full = [], []
    for _ in range(rounds):
        start = time.process_time()
        pages = 0
        for pdf in pdfs:
            with pdfplumber.open(pdf) as doc:
                for page in doc.pages:
                    page.extract_text()
                    pages += 1
        bare.append(time.process_time() - start)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.process_time()
            with Store(Path(tmp) / "b.db") as store:
                for pdf in pdfs:
                    store.save(parse_source(pdf, manifest=manifest))
            full.append(time.process_time() - start)
    return min(bare), min(full), pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    pdfs = sorted((ROOT / "corpus" / "sources").glob("*.pdf"))
    bare, full, pages = pages_per_second(pdfs, 3)
    print("| measure | bare pdfplumber extract_text | structured ingest | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| {pages} pages, CPU s (best of 3) | {bare:.2f} | {full:.2f} | {full / bare:.2f}x |")
    print(f"| pages per second | {pages / bare:.1f} | {pages / full:.1f} | |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for k in range(args.copies):
            for pdf in pdfs:
                shutil.copy(pdf, folder / f"copy{k}-{pdf.name}")
        n = len(pdfs) * args.copies
        one = ingest(folder, Path(tmp) / "one.db", 1)
        two = ingest(folder, Path(tmp) / "two.db", 2)
        print(f"ingest {n} PDFs: 1 process {one:.1f} s, 2 processes {two:.1f} s, "
              f"speed-up {one / two:.2f}x")

        with Store(Path(tmp) / "two.db") as store:
            start = time.perf_counter()
            for _ in range(args.rounds):
                for q in QUERIES:
                    store.search(q, limit=20)
            fts = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(args.rounds):
                for q in QUERIES:
                    scan(store, q)
            base = time.perf_counter() - start
            with store.engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(nodes)).scalar_one()
        per = args.rounds * len(QUERIES)
        print(f"search over {count} nodes: index {fts / per * 1000:.2f} ms/query, "
              f"scan {base / per * 1000:.2f} ms/query, ratio {base / fts:.1f}x")


if __name__ == "__main__":
    main()
