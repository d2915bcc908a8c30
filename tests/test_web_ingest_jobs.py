"""The ingest job on both engines through the runner each uses: on SQLite a thread of the app
(``InProcessRunner``), on PostgreSQL the procrastinate queue in the store, run by a separate
``policykit worker`` process — the app only queues it. The same files give the same outcome."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.test_web_ingest import CLEAN, NEW, OLD, PDF, _rows, _upload
from tests.web_support import PASSWORDS, ROLES, client_for

ROOT = Path(__file__).resolve().parent.parent
POLICYKIT = Path(sys.executable).parent / "policykit"


def _app(db_url: str, tmp_path: Path):
    from toolkit.accounts.users import Accounts
    from toolkit.store import Store
    from toolkit.web.app import create_app
    from toolkit.web.settings import Settings

    Store(db_url).close()
    accounts = Accounts.open(db_url)
    for name, pw in PASSWORDS.items():
        accounts.add(name, pw, ROLES[name])
    accounts.engine.dispose()
    return create_app(Settings(db=db_url, out_dir=tmp_path / "out", secret="t" * 40))


def _finish(app, db_url: str, tmp_path: Path, c, url: str) -> str:
    """The job page once the job has ended: on PostgreSQL after a `policykit worker --once`."""
    if db_url.startswith("postgresql"):
        waiting = c.get(url).text
        assert 'data-state="queued"' in waiting  # the app runs nothing itself
        assert 'id="waiting"' in waiting and "policykit worker" in waiting  # and says why
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        worker = subprocess.run([str(POLICYKIT), "--db", db_url, "worker", "--once",
                                 "--out", str(tmp_path / "out")], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=600)
        assert worker.returncode == 0, worker.stderr
    end = time.time() + 600
    while time.time() < end:
        page = c.get(url, headers={"HX-Request": "true"}).text
        if re.search(r'data-state="(done|failed|interrupted)"', page):
            return page
        time.sleep(0.5)
    raise AssertionError("the ingest job did not finish")


def test_ingest_job_on_both_engines(db_url, tmp_path):
    from toolkit.store import Store

    app = _app(db_url, tmp_path)
    try:
        c = client_for(app, "admin")
        r = _upload(c, (PDF.name, PDF.read_bytes()))
        assert r.status_code == 303
        page = _finish(app, db_url, tmp_path, c, r.headers["location"])
        assert 'data-state="done"' in page and _rows(page) == {PDF.name: "ok"}
        assert re.search(r"<code>cx-rules</code>（39 条）", page)
        with Store(db_url, create=False) as store:
            assert {s.id for s in store.sources()} == {"cx-designation"}

        changed = CLEAN.read_text(encoding="utf-8").replace(OLD, NEW).encode()
        r = _upload(c, (CLEAN.name, changed))
        url = r.headers["location"]
        page = _finish(app, db_url, tmp_path, c, url)
        assert _rows(page) == {CLEAN.name: "refused"} and "<ins>2</ins>" in page
        with Store(db_url, create=False) as store:
            assert {s.id for s in store.sources()} == {"cx-designation"}  # nothing stored yet

        r = c.post(url + "/new-version", data={"csrf": re.search(
            r'name="csrf" value="([^"]+)"', page).group(1)})
        assert r.status_code == 303
        page = _finish(app, db_url, tmp_path, c, r.headers["location"])
        assert _rows(page) == {CLEAN.name: "new version"}
        with Store(db_url, create=False) as store:
            assert len(store.sources()) == 2
            version = next(s.id for s in store.documents() if s.id.startswith("cx-rules@"))
            assert NEW.replace(" ", "") in store.article(version, 27).full_text().replace(" ", "")
    finally:
        app.state.runner.shutdown()
