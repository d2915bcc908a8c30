"""A national-scale corpus, simulated and measured on SQLite and PostgreSQL.

Generates (bench/national_gen.py, seeded) ``--docs`` prefecture rule documents, each inside its
forwarding notice, over up to 300 prefectures of three provinces, plus the three provincial rules;
every ``--pdf-every``-th file is also typeset as a PDF by LibreOffice (slow: one soffice run for
the whole sample). Everything is written under ``--out`` (default /tmp/policykit-national), never
into the repository. Then, per engine, in one run:

- ingest: ``policykit --db … ingest`` of the whole folder as a user runs it (two workers), timed;
  peak memory is the sum of the resident sizes of the process tree (CLI + workers), polled; pages
  per second count a text file at 616 characters a page (GB/T 9704: 22 lines × 28 characters),
  the PDF sample is measured on its real pages. Baseline: the same ingest of the first 30 files
  into an empty store in the same run (per-file ratio: > 1 means the cost per file grows with
  the store);
- store size (SQLite file, or pg_database_size);
- search p50/p95 over two-character and longer queries (``Store.search``, 20 hits as the CLI's
  default page; and with every hit, as ``policykit search`` fetches them to count them), baseline
  the same queries on the 30-file store;
- the comparison of one provision (concept ``evaluation_period``) across every prefecture's main
  rule (toolkit/compare/across.py), with the HTML report, checked against what the generator
  planted (every changed 评估期限 found, nothing else reported for it); baseline: the same on the
  30-file store, per document;
- re-ingest of one file: unchanged, and changed (one deadline, ``--new-version``), against the
  ingest of that file into an empty store.

Run: .venv/bin/python bench/national.py --docs 300 [--engines sqlite postgresql] [--pdf-every 10]
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
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national_gen import FAMILIES, generate, provincial_files  # noqa: E402

PAGE_CHARS = 616  # GB/T 9704: 22 lines of 28 characters
BASELINE_FILES = 30
HOT = {"gd": "gd:12", "js": "js:12", "cx": "cx:15"}  # the provincial articles of 评估期限
QUERIES = {"two": ["中止", "评估", "协议", "暂停", "药店", "公示", "违约", "解除"],
           "longer": ["定点医疗机构", "医保协议", "评估小组", "解除医保协议", "医保支付资格", "经办机构 评估",
                      "定点零售药店 中止"]}
ALL_HITS = ["中止", "医保协议"]  # --all-hits: at 3,000 documents 医保协议 alone takes minutes
POLICYKIT = [str(Path(sys.executable).parent / "policykit")]


# --- measuring a process tree ---------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out += [int(c) for c in text]
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _rss_kb(p)
        stack += _children(p)
    return total


def run(cmd: list[str], **kw: Any) -> dict[str, Any]:
    """Run ``cmd``; seconds, peak tree RSS (MB), return code, output."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)
    peak = [0]

    def poll() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            time.sleep(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers too: the pool waits for them
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu_s": cpu, "peak_mb": peak[0] / 1024, "rc": proc.returncode,
            "stdout": out, "stderr": err}


def ingest(db: str, paths: list[Path], *extra: str) -> dict[str, Any]:
    r = run([*POLICYKIT, "--db", db, "ingest", "--no-manifest", *extra, *map(str, paths)])
    if r["rc"] not in (0, 1):
        raise SystemExit(f"ingest failed ({r['rc']}): {r['stderr'][-2000:]}")
    return r


# --- the corpus -----------------------------------------------------------------------------

def build_corpus(out: Path, docs: int, seed: int, pdf_every: int) -> dict[str, Any]:
    text_dir = out / f"docs-{docs}" / "text"
    if text_dir.exists():
        shutil.rmtree(text_dir)
    start = time.perf_counter()
    planted = generate(text_dir, docs, seed=seed, hot=HOT)
    provinces = provincial_files(out / f"docs-{docs}" / "province")
    gen_s = time.perf_counter() - start
    files = sorted(text_dir.glob("*.txt"))
    chars = sum(len(f.read_text(encoding="utf-8")) for f in files)
    info = {"files": files, "provinces": provinces, "planted": planted, "generate_s": gen_s,
            "chars": chars, "text_pages": chars / PAGE_CHARS, "pdfs": [], "pdf_s": None}
    if pdf_every:
        sample = files[::pdf_every]
        pdf_dir = out / f"docs-{docs}" / "pdf"
        shutil.rmtree(pdf_dir, ignore_errors=True)
        pdf_dir.mkdir(parents=True)
        start = time.perf_counter()
        profile = out / "lo-profile"
        done = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                               "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", "pdf",
                               "--outdir", str(pdf_dir), *map(str, sample)],
                              capture_output=True, text=True, timeout=3600)
        info["pdf_s"] = time.perf_counter() - start
        info["pdfs"] = sorted(pdf_dir.glob("*.pdf"))
        if done.returncode or len(info["pdfs"]) != len(sample):
            print(f"LibreOffice made {len(info['pdfs'])} of {len(sample)} PDFs: {done.stderr[-500:]}")
    return info


# --- engines --------------------------------------------------------------------------------

class Engines:
    """Fresh store locations: a SQLite file, or a new database on a throwaway PostgreSQL."""

    def __init__(self, out: Path, names: list[str]):
        self.out, self.names, self.cluster = out, names, None
        if "postgresql" in names:
            sys.path.insert(0, str(ROOT / "tests"))
            from postgres_cluster import Cluster

            self.cluster = Cluster().start()

    def fresh(self, engine: str, name: str) -> str:
        if engine == "sqlite":
            path = self.out / "stores" / f"{name}.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            for p in path.parent.glob(path.name + "*"):
                p.unlink()
            return str(path)
        return self.cluster.create_database(name.replace("-", "_"))

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.destroy()


def store_size_mb(db: str) -> float:
    if not db.startswith("postgresql"):
        return sum(p.stat().st_size for p in Path(db).parent.glob(Path(db).name + "*")) / 2**20
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        size = conn.execute(text("select pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size / 2**20


# --- search ----------------------------------------------------------------------------------

def search_times(db: str, all_hits: list[str], reps: int = 3) -> dict[str, Any]:
    """p50/p95 of a page of 20 hits per query class; and, once per query of ``ALL_HITS``, every
    hit (what ``policykit search`` fetches to count them: a citation label per hit)."""
    from toolkit.store import Store

    out: dict[str, Any] = {}
    with Store(db, create=False) as store:
        for cls, queries in QUERIES.items():
            times = []
            for q in queries:
                store.search(q, limit=20)  # warm the caches once
                for _ in range(reps):
                    t = time.perf_counter()
                    store.search(q, limit=20)
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            out[cls] = {"p50_ms": statistics.median(times),
                        "p95_ms": times[max(0, round(len(times) * 0.95) - 1)], "n": len(times)}
        for q in all_hits:
            t = time.perf_counter()
            found = store.search(q, limit=10**9)
            out[f"all:{q}"] = {"ms": (time.perf_counter() - t) * 1000, "hits": len(found)}
    return out


# --- the comparison across prefectures -------------------------------------------------------

def comparison(db: str, planted: list[Any], report: Path | None) -> dict[str, Any]:
    import yaml

    from toolkit.compare.across import Entry, compare_across, reference, report_html
    from toolkit.fileio import atomic_write
    from toolkit.store import Store

    nodes = yaml.safe_load((ROOT / "corpus" / "concepts.yaml").read_text(encoding="utf-8"))[
        "concepts"]["evaluation_period"]["nodes"]
    start = time.perf_counter()
    by_file = {p.file: p for p in planted}
    with Store(db, create=False) as store:
        summaries = store.documents()
        rules = {s.source: s for s in summaries if s.kind == "rule"}
        notices = {s.source: s for s in summaries if s.position == 0}
        refs = {}
        for key, spec in FAMILIES.items():
            source = next(src for src in rules if src == f"province-{key}")
            refs[key] = reference(key, store.document(rules[source].id), nodes[spec["region"]][0])
        entries, truth = [], []
        for src, s in sorted(rules.items()):
            rec = by_file.get(src + ".txt")
            if rec is None or not src.endswith("-00"):
                continue  # the main rule of each prefecture; revisions and staff rules are not compared
            notice = notices[src]
            entries.append(Entry(store.document(s.id), rec.family,
                                 f"{rec.prefecture}{'州' if rec.family == 'cx' else '市'} {notice.doc_number or ''}"))
            truth.append(rec)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    result = compare_across(refs, entries, "评估期限")
    compare_s = time.perf_counter() - start
    if report is not None:
        atomic_write(report, report_html(result).encode("utf-8"))
    # every planted change of the 评估期限 article must be a reported deviation, and nothing else
    found = planted_changes = false = 0
    for m, rec in zip(result.matches, truth, strict=True):
        hot = [v for v in rec.values if v["origin"] == HOT[rec.family]]
        devs = m.deviations
        planted_changes += len(hot)
        hit = sum(1 for v in hot if any(d.kind == "changed" and any(lv.text == v["new"] for lv in d.local)
                                        for d in devs))
        found += hit
        false += max(0, len(devs) - hit)
    return {"documents": len(entries), "load_s": load_s, "compare_s": compare_s,
            "deviating": len(result.deviating), "unmatched": len(result.unmatched),
            "planted": planted_changes, "found": found, "other_deviations": false}


# --- re-ingest of one file -------------------------------------------------------------------

def reingest(engines: Engines, engine: str, db: str, files: list[Path], docs: int, *,
             changed_dir: Path | None = None, bump: int = 1, prime: bool = False) -> dict[str, Any]:
    """One file of the store again: unchanged (known by its bytes before any parse), then with one
    deadline changed (refused with its diff, then stored with ``--new-version``).

    Baselines of the same run: the CLI's start (``policykit ingest --help``: interpreter, imports,
    the command), and the same file into an empty store (start, parse, save, relink of one file).
    ``prime``: a store written before reading keys were recorded reads the file once first (that
    run is reported too). ``bump``: how much the deadline grows (another value than a text already
    stored as a new version)."""
    import re

    one = files[len(files) // 2]
    cli = run([*POLICYKIT, "ingest", "--help"])
    alone = ingest(engines.fresh(engine, f"again-{engine}-{docs}"), [one])
    primed = ingest(db, [one]) if prime else None
    same = ingest(db, [one])
    text = one.read_text(encoding="utf-8")
    m = re.search(r"(\d+)(个工作日|个月)", text[text.index("第五条"):])
    assert m is not None
    at = text.index("第五条") + m.start(1)
    changed_dir = changed_dir or one.parent.parent / "changed"
    changed_dir.mkdir(parents=True, exist_ok=True)
    changed = changed_dir / one.name  # the same source id (file stem), another text
    changed.write_text(text[:at] + str(int(m.group(1)) + bump) + text[at + len(m.group(1)):], encoding="utf-8")
    refused = ingest(db, [changed])
    new_version = ingest(db, [changed], "--new-version")
    return {"file": one.name, "cli_s": cli["seconds"], "cli_cpu_s": cli["cpu_s"],
            "alone_s": alone["seconds"], "unchanged_s": same["seconds"],
            "alone_cpu_s": alone["cpu_s"], "unchanged_cpu_s": same["cpu_s"], "new_version_cpu_s": new_version["cpu_s"],
            "changed_cpu_s": refused["cpu_s"],
            "primed_s": primed["seconds"] if primed else None, "primed_out": _status(primed) if primed else None,
            "unchanged_out": _status(same), "changed_s": refused["seconds"], "changed_out": _status(refused),
            "new_version_s": new_version["seconds"], "new_version_out": _status(new_version),
            "new_version_links": _links(new_version)}


def _links(r: dict[str, Any]) -> str:
    """What the relink said (references gained / lost), or that it had nothing to change."""
    said = [x.strip() for x in r["stderr"].splitlines() if x.startswith("cross-references")]
    return "; ".join(said) or "no reference changed"


def _status(r: dict[str, Any]) -> str:
    """What the ingest said of the file: its table row's status, or the refusal's first line."""
    lines = [x.strip() for x in (r["stdout"] + r["stderr"]).splitlines()]
    refused = next((x for x in lines if "refused:" in x), None)
    if refused:
        return "refused: " + refused.split("refused:", 1)[1].strip()[:100]
    for x in lines:
        cells = [c.strip() for c in x.split("│")][1:-1]
        if len(cells) >= 5 and cells[-1] in ("ok", "re-read", "new version", "partial", "failed", "unchanged"):
            return cells[-1]
    return f"rc {r['rc']}"


# --- main ------------------------------------------------------------------------------------

def measure_engine(engines: Engines, engine: str, corpus: dict[str, Any], docs: int, out: Path,
                   all_hits: list[str]) -> dict[str, Any]:
    files, provinces = corpus["files"], corpus["provinces"]
    base_files = files[:BASELINE_FILES]
    # one file into an empty store: the fixed cost of a run (start, model load, schema)
    alone = ingest(engines.fresh(engine, f"one-{engine}-{docs}"), [files[len(files) // 2]])
    base_db = engines.fresh(engine, f"base-{engine}-{docs}")
    base = ingest(base_db, provinces + base_files)
    db = engines.fresh(engine, f"full-{engine}-{docs}")
    full = ingest(db, provinces + files)
    n_base, n_full = len(base_files) + 3, len(files) + 3
    pages = corpus["text_pages"] * (n_full / max(1, len(files)))
    r: dict[str, Any] = {
        "ingest_s": full["seconds"], "ingest_peak_mb": full["peak_mb"],
        "pages_per_s": pages / full["seconds"], "files_per_s": n_full / full["seconds"],
        # the cost of one more file, beyond the fixed cost, against the same at 33 files
        "marginal_s": (full["seconds"] - alone["seconds"]) / (n_full - 1),
        "per_file_ratio": ((full["seconds"] - alone["seconds"]) / (n_full - 1))
        / ((base["seconds"] - alone["seconds"]) / (n_base - 1)),
        "alone_s": alone["seconds"], "cpu_s": full["cpu_s"], "base_cpu_s": base["cpu_s"],
        "alone_cpu_s": alone["cpu_s"],
        # the same in CPU seconds, which the load of other jobs on the machine does not stretch
        "per_file_cpu_ratio": ((full["cpu_s"] - alone["cpu_s"]) / (n_full - 1))
        / ((base["cpu_s"] - alone["cpu_s"]) / (n_base - 1)),
        "base_ingest_s": base["seconds"], "store_mb": store_size_mb(db),
        "failed": full["stderr"].count("failed") + full["stderr"].count("refused"),
    }
    print(f"  [{engine}] ingest {n_full} files {full['seconds']:.1f} s ({r['pages_per_s']:.1f} pages/s, "
          f"{r['marginal_s']:.2f} s a file beyond the {alone['seconds']:.1f} s of a 1-file run: x{r['per_file_ratio']:.2f} of "
          f"{n_base} files; CPU {full['cpu_s']:.0f} s, x{r['per_file_cpu_ratio']:.2f} a file), peak {full['peak_mb']:.0f} MB, "
          f"store {r['store_mb']:.0f} MB", flush=True)
    r["search"], base_search = search_times(db, all_hits), search_times(base_db, all_hits)
    for k in QUERIES:
        v = r["search"][k]
        v["p95_ratio"] = v["p95_ms"] / max(1e-6, base_search[k]["p95_ms"])
        print(f"  [{engine}] search {k:7s} (page of 20) p50 {v['p50_ms']:7.1f} ms  p95 {v['p95_ms']:7.1f} ms "
              f"(x{v['p95_ratio']:.1f} of {n_base} files)", flush=True)
    for q in all_hits:
        v, b = r["search"][f"all:{q}"], base_search[f"all:{q}"]
        print(f"  [{engine}] search {q} every hit: {v['hits']} hits {v['ms']:.0f} ms "
              f"({b['hits']} hits {b['ms']:.0f} ms at {n_base} files)", flush=True)
    r["compare"] = comparison(db, corpus["planted"], out / f"across-{engine}-{docs}.html")
    r["compare_base"] = comparison(base_db, corpus["planted"], None)
    c, cb = r["compare"], r["compare_base"]
    per, per_base = (c["load_s"] + c["compare_s"]) / c["documents"], (cb["load_s"] + cb["compare_s"]) / cb["documents"]
    c["per_doc_ratio"] = per / per_base
    print(f"  [{engine}] {c['documents']}-way comparison: load {c['load_s']:.1f} s + compare {c['compare_s']:.1f} s "
          f"(per document x{c['per_doc_ratio']:.2f} of {cb['documents']}-way); {c['deviating']} deviate, "
          f"{c['found']}/{c['planted']} planted 评估期限 changes found, {c['other_deviations']} other", flush=True)
    r["reingest"] = reingest(engines, engine, db, files, docs)
    ri = r["reingest"]
    print_reingest(engine, ri)
    return r


def print_reingest(engine: str, ri: dict[str, Any]) -> None:
    print(f"  [{engine}] one file ({ri['file']}): CLI start {ri['cli_s']:.1f} s; into an empty store "
          f"{ri['alone_s']:.1f} s; unchanged again {ri['unchanged_s']:.1f} s [{ri['unchanged_out']}] "
          f"(x{ri['unchanged_s'] / ri['cli_s']:.2f} of the CLI start; CPU {ri['cli_cpu_s']:.1f} / "
          f"{ri['unchanged_cpu_s']:.1f} s); changed {ri['changed_s']:.1f} s [{ri['changed_out'][:40]}] "
          f"(x{ri['changed_s'] / ri['alone_s']:.2f} of the empty store), --new-version "
          f"{ri['new_version_s']:.1f} s (x{ri['new_version_s'] / ri['alone_s']:.2f}; CPU "
          f"{ri['alone_cpu_s']:.1f} / {ri['new_version_cpu_s']:.1f} s) [{ri['new_version_links']}]"
          + (f"; first re-ingest into a store without reading keys {ri['primed_s']:.1f} s [{ri['primed_out']}]"
             if ri.get("primed_s") else ""), flush=True)


def measure_pdfs(engines: Engines, corpus: dict[str, Any], docs: int) -> dict[str, Any] | None:
    if not corpus["pdfs"]:
        return None
    import pypdfium2

    pages = 0
    for p in corpus["pdfs"]:
        pdf_doc = pypdfium2.PdfDocument(p)
        pages += len(pdf_doc)
        pdf_doc.close()
    texts = [p.parent.parent / "text" / (p.stem + ".txt") for p in corpus["pdfs"]]
    pdf_db, txt_db = engines.fresh("sqlite", f"pdf-{docs}"), engines.fresh("sqlite", f"pdftext-{docs}")
    pdf = ingest(pdf_db, corpus["pdfs"])
    txt = ingest(txt_db, texts)
    same = _same_documents(pdf_db, txt_db)
    r = {"files": len(corpus["pdfs"]), "pages": pages, "ingest_s": pdf["seconds"], "peak_mb": pdf["peak_mb"],
         "pages_per_s": pages / pdf["seconds"], "text_same_files_s": txt["seconds"],
         "typeset_s": corpus["pdf_s"], "failed": pdf["stderr"].count("failed"), "same_as_text": same}
    print(f"  [pdf sample] {r['files']} PDFs, {pages} pages: ingest {pdf['seconds']:.1f} s "
          f"({r['pages_per_s']:.1f} pages/s; the same files as text {txt['seconds']:.1f} s), "
          f"typeset by LibreOffice in {corpus['pdf_s']:.0f} s; {same} of {r['files']} give the documents "
          f"(kind, 文号, title, articles) of their text", flush=True)
    return r


def _same_documents(a: str, b: str) -> int:
    """How many sources give the same documents (kind, 文号, title, article count) in both stores."""
    from toolkit.store import Store

    def shape(db: str) -> dict[str, list[tuple[Any, ...]]]:
        with Store(db, create=False) as store:
            out: dict[str, list[tuple[Any, ...]]] = {}
            for d in store.documents():
                out.setdefault(d.source, []).append((d.kind, d.doc_number, d.title, d.articles))
        return out

    left, right = shape(a), shape(b)
    return sum(1 for k, v in left.items() if right.get(k) == v)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300, choices=[30, 300, 1000, 3000])
    ap.add_argument("--out", type=Path, default=Path("/tmp/policykit-national"))
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--pdf-every", type=int, default=10, help="every Nth file also as PDF (0: none)")
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    ap.add_argument("--all-hits", nargs="*", default=ALL_HITS, help="queries also timed fetching every hit")
    args = ap.parse_args()
    corpus = build_corpus(args.out, args.docs, args.seed, args.pdf_every)
    print(f"{args.docs} documents in {len(corpus['files'])} files ({corpus['chars'] / 1e6:.1f} M characters, "
          f"~{corpus['text_pages']:.0f} pages) generated in {corpus['generate_s']:.1f} s; "
          f"{len(corpus['pdfs'])} as PDF", flush=True)
    engines = Engines(args.out, args.engines)
    results: dict[str, Any] = {"docs": args.docs, "chars": corpus["chars"], "text_pages": corpus["text_pages"]}
    try:
        results["pdf"] = measure_pdfs(engines, corpus, args.docs)
        for engine in args.engines:
            results[engine] = measure_engine(engines, engine, corpus, args.docs, args.out, args.all_hits)
    finally:
        engines.close()
    path = args.out / f"results-{args.docs}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"results in {path}")


if __name__ == "__main__":
    main()
