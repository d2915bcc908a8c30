"""Write tests/data/legacy/store.db: a store as the policykit before Alembic wrote it.

Run ONCE with the code of main at commit de248cd (the hand-written SQLite schema,
``PRAGMA user_version = 1``, the register's own ``CREATE TABLE IF NOT EXISTS``):

    (it was run in a worktree at de248cd, before any change of the store branch)
    cd /tmp/pk-legacy && PYTHONPATH=$PWD /work/main/.venv/bin/python \
        tests/data/legacy/make_legacy.py <repo>/tests/data/legacy

It ingests three bundled sources through the real CLI and issues two notices for real (``notice
--pdf``: 文号 from the register, PDF via LibreOffice), then voids a third number, so every reg_*
table has rows. ``expected.json`` records what that code read back from the store (counts, a
search, register rows): the upgrade test compares the upgraded store against it, so the fixture
checks itself rather than trusting numbers typed into a test.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ["corpus/sources/000_b3443c26a488e755.pdf", "corpus/sources/004_928757f12460cdce.pdf",
           "corpus/sources/state-council-order-735.pdf"]
NOTICES = [("refusal", "examples/refusal.yaml"), ("termination", "examples/more/chuxiong-termination.yaml")]
SEARCHES = ["基金", "定点医药机构", "中止"]


def policykit(db: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from toolkit.cli.main import cli; cli()", "--db", str(db), *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def expected(db: Path) -> dict:
    from toolkit.issuing.register import Register
    from toolkit.store import Store

    with Store(db, create=False) as store:
        docs = store.documents()
        out = {
            "documents": [d.id for d in docs],
            "articles": {d.id: d.articles for d in docs},
            "search": {q: [[h.doc_id, h.eid, h.snippet] for h in store.search(q, limit=20)]
                       for q in SEARCHES},
            "resolve": {"广东办法": store.resolve("广东办法")} if _has_alias(store) else {},
        }
    with Register(db) as reg:
        out["register"] = [
            {"number": e.number, "status": e.status, "case_id": e.case_id,
             "void_reason": e.void_reason,
             "files": {f.role: f.sha256 for f in e.files}}
            for e in reg.entries()
        ]
    cx = sqlite3.connect(db)
    out["counts"] = {t: cx.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
        "sources", "documents", "aliases", "nodes", "spans", "events", "node_fts",
        "reg_numbers", "reg_files", "reg_events")}
    cx.close()
    return out


def _has_alias(store) -> bool:
    try:
        store.resolve("广东办法")
        return True
    except Exception:  # noqa: BLE001 - the alias is optional in the manifest
        return False


def main() -> None:
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        policykit(db, "ingest", *SOURCES)
        for doc_type, case in NOTICES:
            policykit(db, "notice", doc_type, "--case", case, "-o", str(Path(tmp) / "out"), "--pdf")
        from toolkit.issuing.register import Register

        with Register(db) as reg:
            spare = reg.reserve(prefix="揭医保", office="揭阳市医疗保障局", doc_type="refusal",
                                year=2025, case_id="legacy-void")
            reg.void(spare.number, "legacy fixture: a voided number")
        facts = expected(db)
        cx = sqlite3.connect(db)
        cx.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # one self-contained file, no -wal beside it
        cx.close()
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, dest / "store.db")
        (dest / "expected.json").write_text(
            json.dumps(facts, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {dest / 'store.db'} and expected.json: {facts['counts']}")


if __name__ == "__main__":
    main()
