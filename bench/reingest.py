"""Re-ingest of one file into stores of 300, 1,000 and 3,000 documents (issue #11 §2).

Runs the re-ingest phase of bench/national.py (``national.reingest``) on copies of the stores a
national run left in ``--from`` (never on the originals): a SQLite store by a file copy, a
PostgreSQL one by ``policykit db copy`` into the tests' throwaway cluster (fsync off). Those
stores were written before reading keys were recorded, so each copy first reads the file once
(``prime``, reported); then the measured runs: the unchanged file again, the file with one
deadline changed (refused with its diff), and the same with ``--new-version``. Baselines of the
same run: the CLI's start (``policykit ingest --help``) and the file into an empty store.

``--memory``: also a whole ingest of the 3,000-document corpus into a fresh SQLite store (peak
resident memory of the CLI and its workers, polled), then the re-ingest phase on that store
(written with reading keys: no priming). Long: run it once, with ``nice``.

The one file is copied out of the national corpus folder first (another run may regenerate it).
Run: nice .venv/bin/python bench/reingest.py [--sizes 300 1000 3000] [--engines sqlite postgresql] [--memory]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from national import POLICYKIT, Engines, ingest, print_reingest, reingest, run, store_size_mb  # noqa: E402

BUMP = 2  # the national run stored the +1 text as a new version already: this is another text


def _one_file(src: Path, docs: int, out: Path) -> Path:
    files = sorted((src / f"docs-{docs}" / "text").glob("*.txt"))
    one = files[len(files) // 2]
    mine = out / f"docs-{docs}" / one.name  # the same name: the same source id
    mine.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(one, mine)
    return mine


def _store(engines: Engines, engine: str, src: Path, docs: int) -> tuple[str, float]:
    """A copy of the national run's full store of ``docs`` documents; seconds the copy took."""
    original = src / "stores" / f"full-sqlite-{docs}.db"
    start = time.perf_counter()
    copy = engines.fresh("sqlite", f"reingest-sqlite-{docs}")
    shutil.copy(original, copy)
    # the national stores may be at an older schema revision (the register's tables since)
    _must(run([*POLICYKIT, "--db", copy, "db", "upgrade"]), "db upgrade")
    if engine == "sqlite":
        return copy, time.perf_counter() - start
    db = engines.fresh("postgresql", f"reingest-pg-{docs}")
    _must(run([*POLICYKIT, "db", "copy", copy, db]), "db copy")
    return db, time.perf_counter() - start


def _must(done: dict[str, Any], what: str) -> None:
    if done["rc"]:
        raise SystemExit(f"{what} failed: {done['stderr'][-1000:]}")


def memory_run(engines: Engines, src: Path, out: Path) -> dict[str, Any]:
    """The 3,000-document corpus into a fresh SQLite store: time, peak memory, store size."""
    corpus = out / "docs-3000-all"
    if not corpus.exists():
        shutil.copytree(src / "docs-3000" / "text", corpus / "text")
        shutil.copytree(src / "docs-3000" / "province", corpus / "province")
    files = sorted((corpus / "text").glob("*.txt"))
    provinces = sorted((corpus / "province").glob("*.txt"))
    db = engines.fresh("sqlite", "memory-sqlite-3000")
    full = ingest(db, provinces + files)
    r = {"files": len(files) + len(provinces), "ingest_s": full["seconds"], "cpu_s": full["cpu_s"],
         "peak_mb": full["peak_mb"], "store_mb": store_size_mb(db), "db": db, "text_files": files}
    print(f"  [sqlite] whole ingest of {r['files']} files: {r['ingest_s']:.1f} s (CPU {r['cpu_s']:.0f} s), "
          f"peak {r['peak_mb']:.0f} MB, store {r['store_mb']:.0f} MB", flush=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src", type=Path, default=Path("/tmp/policykit-national"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/policykit-reingest"))
    ap.add_argument("--sizes", nargs="+", type=int, default=[300, 1000, 3000])
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    ap.add_argument("--memory", action="store_true", help="also a whole 3,000-document ingest (long)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    path = args.out / "results-reingest.json"
    engines = Engines(args.out, args.engines + (["sqlite"] if args.memory else []))
    try:
        for engine in args.engines:
            for docs in args.sizes:
                one = _one_file(args.src, docs, args.out)
                db, copy_s = _store(engines, engine, args.src, docs)
                print(f"[{engine} {docs}] store copied in {copy_s:.0f} s", flush=True)
                r = reingest(engines, engine, db, [one], docs, changed_dir=args.out / f"changed-{docs}",
                             bump=BUMP, prime=True)
                r["copy_s"] = copy_s
                print_reingest(f"{engine} {docs}", r)
                results[f"{engine}-{docs}"] = r
                path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        if args.memory:
            mem = memory_run(engines, args.src, args.out)
            files = mem.pop("text_files")
            r = reingest(engines, "sqlite", mem["db"], files, 3000, changed_dir=args.out / "changed-mem",
                         bump=BUMP)
            print_reingest("sqlite 3000, written with reading keys", r)
            results["memory-sqlite-3000"] = mem | {"reingest": r}
            path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    finally:
        engines.close()
    print(f"results in {path}")


if __name__ == "__main__":
    main()
