"""发文登记簿 throughput: numbers issued per second with 1, 4 and 8 concurrent processes, on the
embedded SQLite store and on PostgreSQL, measured in the same run.

Each process issues its numbers the way the issuing chain does, without the documents themselves
(LibreOffice and signing are measured by bench/batch.py): take a number, write a small output
file, record it as issued with its SHA-256. Two ways of taking numbers:

- ``single``: one ``reserve()`` per document (one lock per number, the integrity check each time);
- ``block``: a batch takes its numbers as one ``reserve_block()`` (one lock, consecutive numbers),
  then marks each issued.

The baseline is SQLite with one process, single mode, in this run; every row is a ratio to it.
PostgreSQL runs on a throwaway cluster (tests/postgres_cluster.py: Debian's server, fsync off like
the test suite; a production server with fsync on pays more per commit). Also reported: the cost
of the SQLite ``quick_check`` that guards every allocation, on a store holding the whole corpus.

    .venv/bin/python bench/register.py [-n 200] [--clients 1,4,8] [--no-corpus]

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.issuing.register import Register  # noqa: E402

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}
BLOCK = 25


def _issue(reg: Register, number: str, out: Path) -> None:
    path = out / f"{number}.pdf"
    path.write_bytes(b"%PDF-1.7 " + number.encode() + b" " * 4000)
    reg.mark_issued(number, {"pdf": path})


def _client(db: str, out: str, count: int, mode: str, start) -> int:
    start.wait()
    with Register(db) as reg:
        if mode == "single":
            for _ in range(count):
                _issue(reg, reg.reserve(**SERIES).number, Path(out))
        else:
            left = count
            while left:
                for entry in reg.reserve_block(**SERIES, count=min(BLOCK, left)):
                    _issue(reg, entry.number, Path(out))
                left -= min(BLOCK, left)
    return count


def run(db: str, clients: int, total: int, mode: str, work: Path) -> float:
    """Numbers per second for ``total`` numbers shared by ``clients`` processes."""
    out = Path(tempfile.mkdtemp(dir=work))
    Register(db).close()
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(clients) as pool:
        start = manager.Event()
        share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
        pending = [pool.apply_async(_client, (db, str(out), n, mode, start)) for n in share]
        time.sleep(0.5)  # let every process import and open the register
        t0 = time.perf_counter()
        start.set()
        done = sum(p.get(timeout=600) for p in pending)
        elapsed = time.perf_counter() - t0
    with Register(db) as reg:
        seqs = [e.seq for e in reg.entries(prefix="揭医保", year=2026)]
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= done, "gap or duplicate"
    return done / elapsed


def quick_check_cost(work: Path) -> tuple[float, int]:
    """Seconds per quick_check on a store with the whole corpus (parsed from the clean texts)."""
    from tests.conftest import STEMS, parsed
    from toolkit.db.integrity import check
    from toolkit.store import Store

    path = work / "corpus.db"
    with Store(path) as store:
        for key in STEMS:
            store.save(parsed(key, "pdf"))
    Register(path).close()
    runs = 20
    t0 = time.perf_counter()
    for _ in range(runs):
        assert check(path).ok
    return (time.perf_counter() - t0) / runs, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="numbers per measurement")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--no-corpus", action="store_true", help="skip the quick_check cost")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    from tests.postgres_cluster import Cluster

    work = Path(tempfile.mkdtemp(prefix="policykit-bench-register-"))
    cluster = Cluster().start()
    results: dict[tuple[str, str, int], float] = {}
    try:
        for mode in ("single", "block"):
            for n in clients:
                for engine in ("sqlite", "postgresql"):
                    db = (
                        str(work / f"{mode}-{n}.db") if engine == "sqlite" else cluster.create_database()
                    )
                    results[(engine, mode, n)] = rate = run(db, n, args.n, mode, work)
                    print(f"  {engine:10} {mode:6} {n} client(s): {rate:7.1f} numbers/s", file=sys.stderr)
        cost = None if args.no_corpus else quick_check_cost(work)
    finally:
        cluster.destroy()

    base = results[("sqlite", "single", clients[0])]
    load = os.getloadavg()[0]
    print(f"\n{args.n} numbers per measurement, load {load:.1f}; baseline SQLite, 1 process, single: "
          f"{base:.0f} numbers/s\n")
    print("| mode | clients | SQLite numbers/s | × baseline | PostgreSQL numbers/s | × baseline | PG / SQLite |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode in ("single", "block"):
        for n in clients:
            s, p = results[("sqlite", mode, n)], results[("postgresql", mode, n)]
            print(f"| {mode} | {n} | {s:.0f} | {s / base:.2f} | {p:.0f} | {p / base:.2f} | {p / s:.2f} |")
    if cost:
        seconds, size = cost
        print(f"\nquick_check before each allocation: {seconds * 1000:.1f} ms on a {size / 1e6:.1f} MB store "
              f"with the whole corpus ({seconds * base * 100:.0f}% of a single-mode number's time at the baseline rate)")


if __name__ == "__main__":
    main()
