"""Search on the national corpus stores, before and after ranking in the index (issue #11 §2).

Takes the stores bench/national.py left in /tmp/policykit-national/stores (full-sqlite-N.db: the
N-document corpus, base-sqlite-N.db: its first 30 files and the 3 provincial rules) and, per size:

- copies each and upgrades the copy to this policykit's schema (migration 0004 builds the
  postings index from the stored nodes; its time is the index build of an existing store);
- measures a page of 20 hits, p50 / p95 over the queries of bench/national.py (3 rounds after one
  warm-up), page 5 of 中止 (offset 80), and the count of every hit (``Store.count``);
- the same-run baseline: the same queries on an untouched copy with the code before (``--before``,
  a checkout of it, default /work/main), where counting means fetching every hit as
  ``policykit search`` did (1 round: the old search is slow), and the page p95 on the 33-file store;
- PostgreSQL: ``policykit db copy`` of the upgraded store into a throwaway cluster (timed), then
  the same measures.

Each measure runs in its own process (``--measure``), with the code under test on PYTHONPATH.
Run: .venv/bin/python bench/search_national.py --sizes 300 1000 3000 [--engines sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the queries of bench/national.py (checked equal in the orchestrating process)
QUERIES = {"two": ["中止", "评估", "协议", "暂停", "药店", "公示", "违约", "解除"],
           "longer": ["定点医疗机构", "医保协议", "评估小组", "解除医保协议", "医保支付资格", "经办机构 评估",
                      "定点零售药店 中止"]}
COUNTS = ["中止", "医保协议", "定点医疗机构", "经办机构 评估"]


def measure(db: str, reps: int, counts: list[str]) -> dict[str, Any]:
    from toolkit.store import Store

    out: dict[str, Any] = {}
    with Store(db, create=False) as store:
        for cls, queries in QUERIES.items():
            times, cpu = [], []
            for q in queries:
                store.search(q, limit=20)
                for _ in range(reps):
                    t, c = time.perf_counter(), time.process_time()
                    store.search(q, limit=20)
                    times.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
            times.sort()
            cpu.sort()
            # CPU of this process too: the load of other jobs stretches the wall time, not this
            # (on PostgreSQL the server's own work is not in it)
            out[cls] = {"p50_ms": statistics.median(times),
                        "p95_ms": times[max(0, round(len(times) * 0.95) - 1)], "n": len(times),
                        "cpu_p50_ms": statistics.median(cpu),
                        "cpu_p95_ms": cpu[max(0, round(len(cpu) * 0.95) - 1)]}
        new = hasattr(store, "count")
        if new:
            t = time.perf_counter()
            store.search("中止", limit=20, offset=80)
            out["page5_ms"] = (time.perf_counter() - t) * 1000
        for q in counts:
            t = time.perf_counter()
            n = store.count(q) if new else len(store.search(q, limit=10**9))
            out[f"count:{q}"] = {"ms": (time.perf_counter() - t) * 1000, "hits": n}
    return out


def run_measure(code: Path, db: str, reps: int, counts: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, __file__, "--measure", db, "--reps", str(reps),
                           "--counts", *counts], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.splitlines()[-1])


def timed(cmd: list[str], code: Path = ROOT) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(code)})
    if done.returncode:
        raise RuntimeError(done.stdout[-1000:] + done.stderr[-1000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"s": time.perf_counter() - t,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def prepared(src: Path, dst: Path) -> dict[str, float]:
    """``src`` copied to ``dst`` and upgraded (reused when ``dst`` is already there)."""
    if dst.exists():
        return {"s": float("nan"), "cpu_s": float("nan"), "reused": 1.0}
    shutil.copy(src, dst)
    policykit = str(Path(sys.executable).parent / "policykit")
    return timed([policykit, "--db", str(dst), "db", "upgrade"])


def load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--measure")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--counts", nargs="*", default=COUNTS)
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--stores", type=Path, default=Path("/tmp/policykit-national/stores"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/policykit-search"))
    ap.add_argument("--before", type=Path, default=Path("/work/main"))
    ap.add_argument("--no-before", action="store_true")
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.reps, args.counts)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from national import QUERIES as NATIONAL

    assert NATIONAL == QUERIES, "keep the queries of bench/national.py"
    args.work.mkdir(parents=True, exist_ok=True)
    results_path = args.work / f"results-{'-'.join(args.engines)}.json"
    results: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    cluster = None
    if "postgresql" in args.engines:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_cluster import Cluster

        cluster = Cluster().start()
    try:
        for n in args.sizes:
            r: dict[str, Any] = results.setdefault(str(n), {})
            full, base = args.work / f"new-{n}.db", args.work / f"base-{n}.db"
            r["upgrade"] = prepared(args.stores / f"full-sqlite-{n}.db", full)
            prepared(args.stores / f"base-sqlite-{n}.db", base)
            r["load_before"] = load()
            r["sqlite"] = run_measure(ROOT, str(full), 3, COUNTS)
            r["sqlite_base"] = run_measure(ROOT, str(base), 3, COUNTS)
            print(n, "sqlite", json.dumps(r["sqlite"], ensure_ascii=False), flush=True)
            if not args.no_before:
                old = args.work / f"old-{n}.db"
                shutil.copy(args.stores / f"full-sqlite-{n}.db", old)
                # to the schema of the code before (0003: no search change), with that code
                timed([str(Path(sys.executable).parent / "policykit"), "--db", str(old), "db",
                       "upgrade"], args.before)
                r["sqlite_before"] = run_measure(args.before, str(old), 1, ["中止"])
                old.unlink()
                print(n, "before", json.dumps(r["sqlite_before"], ensure_ascii=False), flush=True)
            results_path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
            if cluster is not None:
                url = cluster.create_database(f"search_{n}")
                policykit = str(Path(sys.executable).parent / "policykit")
                r["pg_copy"] = timed([policykit, "db", "copy", str(full), url])
                r["postgresql"] = run_measure(ROOT, url, 3, COUNTS)
                print(n, "postgresql", json.dumps(r["postgresql"], ensure_ascii=False), flush=True)
            r["load_after"] = load()
            results_path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    finally:
        if cluster is not None:
            cluster.destroy()
    print(f"results in {results_path}")


if __name__ == "__main__":
    main()
