"""Whole-process ingest speed: structured ingest against bare text extraction, same files, same run.

Each measure is a separate process started from scratch (imports and the spaCy/jieba model load
included, as a user pays them), alternated A B C A B C … ROUNDS times; the figure is the median.
  A  `policykit ingest --no-manifest` of the folder into a new store (default worker pool)
  B  bare pdfplumber: `page.extract_text()` of every page (the baseline of issue #11)
  C  bare pypdfium2: `textpage.get_text_range()` of every page (the practical floor)
The folder holds the bundled PDFs plus a long PDF (≥ 360 pages) typeset by LibreOffice from the
bundled PDFs' own text repeated, made in a temporary folder and not kept.

Run: .venv/bin/python bench/ingest_process.py [--rounds 3] [--copies 12]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
POLICYKIT = str(Path(PY).with_name("policykit"))

BARE_PDFPLUMBER = """
import sys, pdfplumber
for f in sys.argv[1:]:
    with pdfplumber.open(f) as d:
        for p in d.pages:
            p.extract_text()
"""
BARE_PDFIUM = """
import sys, pypdfium2 as pdfium
for f in sys.argv[1:]:
    d = pdfium.PdfDocument(f)
    for p in d:
        p.get_textpage().get_text_range()
"""


def long_pdf(pdfs: list[Path], copies: int, folder: Path) -> Path:
    import pypdfium2 as pdfium

    text = "\n".join(page.get_textpage().get_text_range() for p in pdfs for page in pdfium.PdfDocument(p))
    source = folder / "long.txt"
    source.write_text(text * copies, encoding="utf-8")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=900)
    source.unlink()
    return folder / "long.pdf"


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the process and its children)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=8, help="copies of the corpus text in the long PDF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pdfs"
        folder.mkdir()
        bundled = sorted((ROOT / "corpus" / "sources").glob("*.pdf"))
        for pdf in bundled:
            shutil.copy(pdf, folder / pdf.name)
        long_pdf(bundled, args.copies, folder)
        pdfs = sorted(str(p) for p in folder.glob("*.pdf"))
        import pypdfium2 as pdfium

        pages = sum(len(pdfium.PdfDocument(p)) for p in pdfs)
        runs: dict[str, list[tuple[float, float]]] = {"ingest": [], "pdfplumber": [], "pdfium": []}
        for r in range(args.rounds):
            db = Path(tmp) / f"run{r}.db"
            runs["ingest"].append(timed([POLICYKIT, "--db", str(db), "ingest", "--no-manifest", str(folder)]))
            runs["pdfplumber"].append(timed([PY, "-c", BARE_PDFPLUMBER, *pdfs]))
            runs["pdfium"].append(timed([PY, "-c", BARE_PDFIUM, *pdfs]))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"{len(pdfs)} PDFs, {pages} pages, {os.cpu_count()} cores, median of {args.rounds} alternated runs")
    print("| whole process | wall s | CPU s | wall / pdfplumber | CPU / pdfplumber |")
    print("|---|---:|---:|---:|---:|")
    for k, label in (("ingest", "structured ingest (policykit ingest)"),
                     ("pdfplumber", "bare pdfplumber extract_text"),
                     ("pdfium", "bare pypdfium2 get_text_range")):
        print(f"| {label} | {wall[k]:.1f} | {cpu[k]:.1f} | {wall[k] / wall['pdfplumber']:.2f}x | "
              f"{cpu[k] / cpu['pdfplumber']:.2f}x |")
    print(f"structured ingest / bare pypdfium2: wall {wall['ingest'] / wall['pdfium']:.1f}x, "
          f"CPU {cpu['ingest'] / cpu['pdfium']:.1f}x")


if __name__ == "__main__":
    main()
