"""Cost of the reader's words in the comparison reports (``toolkit/compare/reasons.py``).

Each aligned row's reason names the whole words both sides share, found by segmenting every
provision with jieba. This measures, in one run and as CPU time (the machine is shared):

* baseline: aligning the three bundled rules (gd, js, cx) — what ``compare`` does before any report;
* the reasons in a fresh process (jieba's dictionary load included: what one ``policykit compare``
  pays), and again in the same process (segmentation cached per provision);
* every report (HTML, DOCX, JSON, CSV) after that.

Prints a Markdown table of times and ratios to the alignment.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.compare.align import align  # noqa: E402
from toolkit.compare.export import write_reports  # noqa: E402
from toolkit.compare.reasons import row_reasons  # noqa: E402
from toolkit.ingest import parse_source  # noqa: E402
from toolkit.manifest import load_manifest  # noqa: E402
from toolkit.store import Store  # noqa: E402

CLEAN = ROOT / "tests" / "data" / "clean"
FILES = ["000_b3443c26a488e755", "002_2b5a4cf9d6a9a96c", "004_928757f12460cdce"]
RULES = ("gd-measure", "js-rules", "cx-rules")
RUNS = 5

COLD = """
import sys, time
sys.path.insert(0, {root!r})
from toolkit.store import Store
from toolkit.compare.align import align
with Store({db!r}, create=False) as s:
    docs = [s.document(d) for d in {rules!r}]
al = align(docs)
t = time.process_time()
from toolkit.compare.reasons import row_reasons
row_reasons(al)
print(time.process_time() - t)
"""


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> int:
    manifest = load_manifest()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Store(db) as store:
            for f in FILES:
                store.save(parse_source(CLEAN / f"{f}.txt", manifest=manifest))
            docs = [store.document(d) for d in RULES]
        aligned = [cpu(lambda: align(docs)) for _ in range(RUNS)]
        al = align(docs)
        script = COLD.format(root=str(ROOT), db=str(db), rules=RULES)
        cold = [float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                     check=True).stdout.split()[-1]) for _ in range(3)]
        row_reasons(al)
        warm = [cpu(lambda: row_reasons(al)) for _ in range(RUNS)]
        reports = [cpu(lambda: write_reports(al, Path(tmp) / "out")) for _ in range(RUNS)]
    base = min(aligned)
    print("### Reasons in the reader's words (jieba), CPU time, best of runs\n")
    print("| what | CPU time | ratio to aligning |")
    print("|---|---:|---:|")
    print(f"| baseline: align gd, js, cx | {base * 1000:.0f} ms | 1.00 |")
    print(f"| reasons, fresh process (jieba dictionary load included) | {min(cold) * 1000:.0f} ms | "
          f"{min(cold) / base:.2f} |")
    print(f"| reasons, segmentation cached | {min(warm) * 1000:.0f} ms | {min(warm) / base:.2f} |")
    print(f"| every report (HTML, DOCX, JSON, CSV), reasons cached | {min(reports) * 1000:.0f} ms | "
          f"{min(reports) / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
