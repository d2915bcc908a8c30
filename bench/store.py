"""The store on both engines, measured in the same run: ingest (saving parsed sources) and search
latency (p50/p95) with 1, 4 and 8 concurrent clients, PostgreSQL as a ratio to SQLite.

The sources are parsed once (bundled clean text, no NLP layers: this measures the store, not the
parser); each engine then stores them ``--rounds`` times (a re-ingest replaces a source in one
transaction). Search clients are separate processes, each with its own Store, running the same
queries; latencies are per query. PostgreSQL is a throwaway cluster (tests/postgres_cluster.py)
on this machine, fsync off like the tests' cluster, so it is the engine, not the disk, that is
compared; a networked server adds its round trips.

Run: .venv/bin/python bench/store.py [--rounds N] [--queries-per-client N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUERIES = ["中止", "基金", "医保协议", "评估", "定点医疗机构", "违约责任", "罚", "医保 协议"]
KEYS = ("000", "001", "002", "003", "004", "735")
CLIENTS = (1, 4, 8)


def parse_all():
    from conftest import parsed

    return [parsed(k, "clean" if k != "735" else "pdf", layers=False) for k in KEYS]


def ingest_seconds(db: str, sources, rounds: int) -> float:
    from toolkit.store import Store

    with Store(db) as store:
        start = time.perf_counter()
        for _ in range(rounds):
            for src in sources:
                store.save(src)
        return (time.perf_counter() - start) / rounds


def _client(db: str, n: int, out) -> None:
    from toolkit.store import Store

    times = []
    with Store(db, create=False) as store:
        store.search(QUERIES[0])  # connection and first-use costs are not a query's
        for i in range(n):
            q = QUERIES[i % len(QUERIES)]
            t = time.perf_counter()
            store.search(q, limit=20)
            times.append(time.perf_counter() - t)
    out.put(times)


def search_latencies(db: str, clients: int, per_client: int) -> list[float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(db, per_client, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    times = [t for _ in procs for t in out.get()]
    for p in procs:
        p.join()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries-per-client", type=int, default=40)
    args = ap.parse_args()
    from postgres_cluster import Cluster

    sources = parse_all()
    nodes = sum(1 for s in sources for d in s.documents for _ in d.root.walk())
    cluster = Cluster().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            dbs = {"sqlite": str(Path(tmp) / "bench.db"), "postgresql": cluster.create_database()}
            ingest = {e: ingest_seconds(db, sources, args.rounds) for e, db in dbs.items()}
            print(f"ingest of {len(sources)} sources ({nodes} nodes), mean of {args.rounds}:")
            for e, s in ingest.items():
                print(f"  {e:<11} {s * 1000:8.0f} ms")
            print(f"  ratio postgresql/sqlite {ingest['postgresql'] / ingest['sqlite']:.2f}")
            print(f"search, {args.queries_per_client} queries per client (ms, p50 / p95):")
            for n in CLIENTS:
                row = {e: search_latencies(db, n, args.queries_per_client) for e, db in dbs.items()}
                cells = "  ".join(f"{e} {statistics.median(t) * 1000:6.1f} / {p95(t) * 1000:6.1f}"
                                  for e, t in row.items())
                ratio = p95(row["postgresql"]) / p95(row["sqlite"])
                print(f"  {n} client{'s' if n > 1 else ' '}  {cells}  p95 ratio pg/sqlite {ratio:.2f}")
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main()
