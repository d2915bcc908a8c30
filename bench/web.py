"""The browser face's speed, over HTTP against ``uvicorn`` on 127.0.0.1, each figure set against
the same work done by a direct library call in the same run:

  article page p95 (goal < 50 ms)     vs  Store.document + node + label
  search page p95 (goal < 100 ms)     vs  Store.search
  compare page of three rules, warm (goal < 1 s)  vs  align + parameters (first computation)
  issuing one notice through the web  vs  `policykit notice refusal --pdf --sign` (goal ≤ 1.2×)
  bounded load: R readers (article + search) and C clerks issuing for S seconds: errors, p95,
  and every number of the register unique, gap-free and explained

    .venv/bin/python bench/web.py [--db STORE] [--seconds 30] [--readers 20] [--clerks 4]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

BIN = Path(sys.executable).parent
QUERIES = ["中止", "基金", "医保协议", "评估", "定点医疗机构", "违约责任"]
OFFICE = "jieyang-ybj"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(base: str, user: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=300, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": user, "password": password, "csrf": token})
    assert r.status_code == 303, r.text
    return c


def csrf(c: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get("/desk").text).group(1)


def example_form() -> dict[str, str]:
    from toolkit.documents.cases import read_data
    from toolkit.web.forms import data_to_form

    values = data_to_form(read_data(ROOT / "examples" / "refusal.yaml"))
    values.pop("doc_number", None)
    values.pop("type", None)
    return values | {"office": OFFICE}


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, help="an ingested store (default: ingest corpus/ now)")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--clerks", type=int, default=4)
    ap.add_argument("--issues", type=int, default=3, help="notices per side for web vs CLI")
    args = ap.parse_args()
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        db = work / "policykit.db"
        if args.db:
            shutil.copy(args.db, db)
        else:
            subprocess.run([str(BIN / "policykit"), "--db", str(db), "ingest", str(ROOT / "corpus")],
                           check=True, env=env, capture_output=True)
        from toolkit.accounts.users import Accounts

        accounts = Accounts.open(str(db))
        accounts.add("reader", "reader-pass-001", ["reader"])
        for i in range(args.clerks):
            accounts.add(f"clerk{i}", "clerk-pass-0001", ["clerk"], offices=[OFFICE])
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "toolkit.web.app:from_env", "--factory",
             "--port", str(port), "--log-level", "warning"],
            env=env | {"POLICYKIT_DB": str(db), "POLICYKIT_WEB_OUT": str(work / "out"),
                       "POLICYKIT_TEST_CERT": str(work / "cert"), "POLICYKIT_SECRET": "b" * 32})
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        try:
            run(args, base, db, work, env)
        finally:
            server.terminate()
            server.wait(timeout=20)


def run(args, base: str, db: Path, work: Path, env: dict) -> None:
    from toolkit.store import Store

    reader = login(base, "reader", "reader-pass-001")
    with Store(db, create=False) as store:
        eids = [a.eid for a in store.document("gd-measure").articles()]

        def direct_article(eid):
            doc = store.document("gd-measure")
            doc.node(eid)
            store.label("gd-measure", eid)

        reader.get(f"/doc/gd-measure/{eids[0]}")  # warm-up
        web_art = [t for eid in eids * 4 for t in timed(
            lambda e=eid: reader.get(f"/doc/gd-measure/{e}").raise_for_status(), 1)]
        lib_art = [t for eid in eids * 4 for t in timed(lambda e=eid: direct_article(e), 1)]
        web_search = [t for q in QUERIES * 10 for t in timed(
            lambda q=q: reader.get("/search", params={"q": q}).raise_for_status(), 1)]
        lib_search = [t for q in QUERIES * 10 for t in timed(
            lambda q=q: store.search(q, limit=10**9), 1)]
        from toolkit.compare.align import align
        from toolkit.compare.params_table import alignment_parameters

        three = [store.document(i) for i in ("gd-measure", "js-rules", "cx-rules")]
        lib_compare = timed(lambda: alignment_parameters(align(three)), 1)[0]
    url = "/compare?d=gd-measure&d=js-rules&d=cx-rules"
    cold = timed(lambda: reader.get(url).raise_for_status(), 1)[0]
    warm = timed(lambda: reader.get(url).raise_for_status(), 5)

    clerk = login(base, "clerk0", "clerk-pass-0001")
    form = example_form()
    runs = itertools.count(1)  # a case is issued once: every timed run is a case of its own

    def issue_web():
        case = {"case_id": f"bench-web-{next(runs)}", "csrf": csrf(clerk)}
        r = clerk.post("/desk/refusal/issue", data=form | case)
        assert r.status_code == 200 and 'id="number"' in r.text, r.text[:500]

    def issue_cli():
        path = work / "cases" / f"bench-cli-{next(runs)}.yaml"  # the stem is its case id
        path.parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / "examples" / "refusal.yaml", path)
        cli = [str(BIN / "policykit"), "--db", str(db), "notice", "refusal", "--case",
               str(path), "--pdf", "--sign", "--test-cert", str(work / "cert-cli"),
               "--office", OFFICE, "-o", str(work / "cli-out")]
        done = subprocess.run(cli, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-500:]

    issue_web()  # warm: LibreOffice profile, fonts, test certificate
    web_issue = timed(issue_web, args.issues)
    issue_cli()  # warm
    cli_issue = timed(issue_cli, args.issues)

    print("### Web pages (`bench/web.py`, over HTTP to uvicorn on 127.0.0.1, 1 worker)\n")
    print("| measure | web | direct library call | ratio | goal |")
    print("|---|---:|---:|---:|---|")
    print(f"| article page p95 ({len(web_art)} requests) | {p95(web_art) * 1000:.1f} ms | "
          f"{p95(lib_art) * 1000:.1f} ms | {p95(web_art) / p95(lib_art):.1f}× | < 50 ms: "
          f"{'met' if p95(web_art) < 0.05 else 'MISSED'} |")
    print(f"| search page p95 ({len(web_search)} queries: {'、'.join(QUERIES)}) | "
          f"{p95(web_search) * 1000:.1f} ms | {p95(lib_search) * 1000:.1f} ms | "
          f"{p95(web_search) / p95(lib_search):.1f}× | < 100 ms: "
          f"{'met' if p95(web_search) < 0.1 else 'MISSED'} |")
    print(f"| compare page, three rules (cold {cold:.2f} s), warm max of 5 | {max(warm):.3f} s | "
          f"{lib_compare:.2f} s (align + parameters) | {max(warm) / lib_compare:.2f}× | < 1 s: "
          f"{'met' if max(warm) < 1 else 'MISSED'} |")
    mw, mc = statistics.median(web_issue), statistics.median(cli_issue)
    print(f"| issue one refusal, signed PDF (median of {args.issues}) | {mw:.2f} s | "
          f"{mc:.2f} s (`policykit notice --pdf --sign`) | {mw / mc:.2f}× | ≤ 1.2×: "
          f"{'met' if mw / mc <= 1.2 else 'MISSED'} |")
    load(args, base, db)


def load(args, base: str, db: Path) -> None:
    """R readers and C clerks at once for S seconds."""
    from toolkit.issuing.register import Register

    stop = time.time() + args.seconds
    lat: list[float] = []
    errors: list[str] = []
    issued: list[str] = []
    voided: list[str] = []  # numbers the issuing chain voided with a reason (explained, shown)
    lock = threading.Lock()
    form = example_form()

    def read_loop(i: int) -> None:
        c = login(base, "reader", "reader-pass-001")
        rnd = random.Random(i)
        while time.time() < stop:
            path = (f"/doc/gd-measure/chp_2__art_{rnd.randint(5, 12)}" if rnd.random() < .5
                    else f"/search?q={rnd.choice(QUERIES)}")
            t = time.perf_counter()
            try:
                r = c.get(path)
                ok = r.status_code == 200
            except httpx.HTTPError as e:
                ok, r = False, e
            with lock:
                lat.append(time.perf_counter() - t)
                if not ok:
                    errors.append(f"{path}: {getattr(r, 'status_code', r)}")

    def clerk_loop(i: int) -> None:
        c = login(base, f"clerk{i}", "clerk-pass-0001")
        for n in itertools.count(1):
            if time.time() >= stop:
                break
            case = {"case_id": f"bench-load-{i}-{n}", "csrf": csrf(c)}  # one case, one notice
            r = c.post("/desk/refusal/issue", data=form | case)
            m = re.search(r'id="number">([^<]+)<', r.text)
            failed = re.search(r"未能签发：([^<]+)<", r.text)
            with lock:
                if r.status_code == 200 and m:
                    issued.append(m.group(1))
                elif failed:
                    voided.append(failed.group(1))
                else:
                    errors.append(f"issue: {r.status_code}")

    threads = [threading.Thread(target=read_loop, args=(i,)) for i in range(args.readers)]
    threads += [threading.Thread(target=clerk_loop, args=(i,)) for i in range(args.clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Register(db) as reg:
        rows = reg.entries(office=OFFICE)
    numbers = [r.number for r in rows]
    seqs = sorted(r.seq for r in rows if r.year == rows[-1].year) if rows else []
    unexplained = [r.number for r in rows if r.status == "reserved"
                   or (r.status == "voided" and not r.void_reason)]
    print(f"\n### Bounded load: {args.readers} readers + {args.clerks} clerks for "
          f"{args.seconds:.0f} s\n")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| page requests (article or search) | {len(lat)} ({len(lat) / args.seconds:.0f}/s) |")
    print(f"| p95 / max latency under load | {p95(lat) * 1000:.0f} ms / {max(lat) * 1000:.0f} ms |")
    print(f"| notices issued during the run | {len(issued)} |")
    print(f"| notices the chain voided with a reason (shown to the clerk) | {len(voided)} |")
    print(f"| errors | {len(errors)} {('(' + '; '.join(errors[:3]) + ')') if errors else ''} |")
    print(f"| register: numbers / unique / gap-free / unexplained | {len(numbers)} / "
          f"{len(set(numbers))} / {'yes' if seqs == list(range(1, len(seqs) + 1)) else 'NO'} / "
          f"{len(unexplained)} |")
    if errors or len(set(numbers)) != len(numbers) or unexplained:
        raise SystemExit("load run failed")


if __name__ == "__main__":
    main()
