"""Jobs on procrastinate in a real PostgreSQL: deferred by one app, run by a worker process,
seen by every app; a worker killed mid-job leaves the job interrupted with the reason.

The worker runs as a subprocess of this file (``python tests/test_jobs_procrastinate.py worker
URL GATE``) with a test handler ``count``: it reports progress step by step and, when GATE is a
path, waits for that file before finishing, so the test can kill it mid-job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICYKIT = Path(sys.executable).parent / "policykit"


def count_handler(gate: Path | None):
    def count(params, progress):
        n = params["n"]
        for i in range(1, n + 1):
            progress("count", i, n)
            if gate is not None and i == 1:
                while not gate.exists():
                    time.sleep(0.05)
        return {"counted": n}

    return count


def runner_for(url: str, gate: Path | None = None):
    from toolkit.jobs.procrastinate_runner import ProcrastinateRunner
    from toolkit.jobs.store import JobStore

    return ProcrastinateRunner.open(url, JobStore.open(url), {"count": count_handler(gate)})


def start_worker(url: str, gate: Path | None, tmp_path: Path, once: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, __file__, "worker", url, str(gate or ""), "once" if once else "wait"]
    return subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def procrastinate_status(url: str, job_id: str) -> list[str]:
    import psycopg

    from toolkit.jobs.procrastinate_runner import conninfo

    with psycopg.connect(conninfo(url)) as conn:
        return [r[0] for r in conn.execute(
            "SELECT status::text FROM procrastinate.procrastinate_jobs WHERE args->>'job_id' = %s ORDER BY id",
            (job_id,))]


def test_schema_applied_once(pg_url):
    from toolkit.jobs.procrastinate_runner import conninfo, ensure_schema

    assert ensure_schema(conninfo(pg_url)) is True
    assert ensure_schema(conninfo(pg_url)) is False  # a second server: no error, no change


def test_unreachable_server_is_one_line(pg_cluster):
    from toolkit.db.engine import DatabaseUnavailable
    from toolkit.jobs.procrastinate_runner import ensure_schema

    with pytest.raises(DatabaseUnavailable) as exc:
        ensure_schema("postgresql://postgres:secret@127.0.0.1:1/nowhere")
    assert "127.0.0.1:1/nowhere" in str(exc.value) and "secret" not in str(exc.value)


def test_job_deferred_by_one_app_runs_on_a_worker_and_every_app_sees_it(pg_url, tmp_path):
    from toolkit.jobs.store import JobStore

    app1 = runner_for(pg_url)
    job_id = app1.store.submit("count", {"n": 3}, owner="clerk1")
    app1.start(job_id)
    app1.start(job_id)  # a second defer of a waiting job is a no-op (queueing lock)
    app1.shutdown()
    assert procrastinate_status(pg_url, job_id) == ["todo"]

    app2 = JobStore.open(pg_url)  # another app server, or the same one restarted
    assert app2.get(job_id).state == "queued"

    worker = start_worker(pg_url, None, tmp_path, once=True)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, out

    job = app2.get(job_id)
    assert (job.state, job.stage, job.done, job.total) == ("done", "count", 3, 3), out
    assert job.result == {"counted": 3}
    assert job.runner.endswith(f":{worker.pid}")  # it ran in the worker, not in an app
    assert procrastinate_status(pg_url, job_id) == ["succeeded"]


def test_worker_killed_mid_job_leaves_it_interrupted_not_lost(pg_url, tmp_path):
    from toolkit.jobs.store import JobStore

    gate = tmp_path / "gate"  # never created: the job stops at step 1 of 4
    app = runner_for(pg_url)
    job_id = app.store.submit("count", {"n": 4})
    app.start(job_id)
    worker = start_worker(pg_url, gate, tmp_path, once=False)
    try:
        store = JobStore.open(pg_url)
        wait_for(lambda: store.get(job_id).done == 1, what="the job to reach step 1")
        assert store.get(job_id).state == "running"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert store.get(job_id).state == "running"  # nobody has noticed yet
    assert procrastinate_status(pg_url, job_id) == ["doing"]

    # another machine's worker notices by the missing heartbeat (not by the pid on this host)
    later = runner_for(pg_url)
    time.sleep(1.5)

    async def close() -> list[str]:
        async with later.app.open_async():
            return await later.close_stalled(stalled_after_s=1.0)

    assert asyncio.run(close()) == [job_id]
    job = store.get(job_id)
    assert job.state == "interrupted" and (job.done, job.total) == (1, 4)
    assert "register recover" in job.error
    assert procrastinate_status(pg_url, job_id) == ["failed"]

    # the queue goes on: the next job runs, the interrupted one is not silently re-run
    gate.touch()
    next_id = app.store.submit("count", {"n": 2})
    app.start(next_id)
    app.shutdown()
    worker = start_worker(pg_url, None, tmp_path, once=True)
    out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, out
    assert store.get(next_id).state == "done"
    assert store.get(job_id).state == "interrupted"


def test_a_running_worker_notices_another_worker_killed_mid_job(pg_url, tmp_path):
    """Worker B is already running when worker A dies: B's periodic heartbeat check (not a pid
    on this host, not a restart) ends A's job as interrupted."""
    from toolkit.jobs.store import JobStore

    gate = tmp_path / "gate"
    app = runner_for(pg_url)
    job_id = app.store.submit("count", {"n": 3})
    app.start(job_id)
    app.shutdown()
    store = JobStore.open(pg_url)
    a = start_worker(pg_url, gate, tmp_path, once=False)
    b = None
    try:
        wait_for(lambda: store.get(job_id).done == 1, what="worker A to reach step 1")
        b = start_worker(pg_url, None, tmp_path, once=False)
        wait_for(lambda: procrastinate_workers(pg_url) == 2, what="worker B to register")
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=10)
        job = wait_for(lambda: (j := store.get(job_id)).state != "running" and j,
                       what="worker B to notice")
        assert job.state == "interrupted" and (job.done, job.total) == (1, 3)
        assert "无心跳" in job.error and "register recover" in job.error
        # B closes procrastinate's row just after ours
        wait_for(lambda: procrastinate_status(pg_url, job_id) == ["failed"],
                 what="procrastinate's job to be closed")
        assert b.poll() is None  # B goes on working
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=10)


def procrastinate_workers(url: str) -> int:
    import psycopg

    from toolkit.jobs.procrastinate_runner import conninfo

    with psycopg.connect(conninfo(url)) as conn:
        return conn.execute("SELECT count(*) FROM procrastinate.procrastinate_workers").fetchone()[0]


def test_sigterm_lets_the_running_job_finish(pg_url, tmp_path):
    """systemd's stop: the worker finishes the job in hand (no number left reserved), then exits."""
    from toolkit.jobs.store import JobStore

    gate = tmp_path / "gate"
    app = runner_for(pg_url)
    job_id = app.store.submit("count", {"n": 2})
    app.start(job_id)
    app.shutdown()
    store = JobStore.open(pg_url)
    worker = start_worker(pg_url, gate, tmp_path, once=False)
    try:
        wait_for(lambda: store.get(job_id).done == 1, what="the job to reach step 1")
        worker.send_signal(signal.SIGTERM)
        time.sleep(1)
        assert worker.poll() is None and store.get(job_id).state == "running"
        gate.touch()
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert store.get(job_id).state == "done"
    assert procrastinate_status(pg_url, job_id) == ["succeeded"]


def test_restarted_app_marks_a_dead_local_worker_job_interrupted(pg_url, tmp_path):
    from toolkit.jobs.store import JobStore

    gate = tmp_path / "gate"
    app = runner_for(pg_url)
    job_id = app.store.submit("count", {"n": 2})
    app.start(job_id)
    worker = start_worker(pg_url, gate, tmp_path, once=False)
    store = JobStore.open(pg_url)
    try:
        wait_for(lambda: store.get(job_id).done == 1, what="the job to reach step 1")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    app.shutdown()
    runner_for(pg_url).recover()  # an app server (re)starting on the worker's host
    job = store.get(job_id)
    assert job.state == "interrupted" and "register recover" in job.error


def _pg_web_batch(corpus_store, pg_url, tmp_path):
    """The bundled corpus and the web accounts in ``pg_url``, an app on it, and a batch with one
    bad row uploaded by the 揭阳 clerk: (app, client, job page URL, out folder, cert folder)."""
    from tests.test_web_batch import _table_with_bad_row
    from tests.web_support import OFFICES, PASSWORDS, ROLES, client_for, token
    from toolkit.accounts.users import Accounts
    from toolkit.db.copy import copy_store
    from toolkit.db.engine import engine_for
    from toolkit.web.app import create_app
    from toolkit.web.settings import Settings

    copy_store(engine_for(corpus_store), engine_for(pg_url))
    accounts = Accounts.open(pg_url)
    for name, pw in PASSWORDS.items():
        accounts.add(name, pw, ROLES[name], offices=OFFICES.get(name, ()))
    out, cert = tmp_path / "out", tmp_path / "cert"
    app = create_app(Settings(db=pg_url, out_dir=out, secret="t" * 40, test_cert=cert))
    c = client_for(app, "clerk")
    r = c.post("/desk/batch", data={"csrf": token(c), "doc_type": "refusal",
                                    "office": "jieyang-ybj"},
               files={"file": ("cases.csv", _table_with_bad_row(), "text/csv")})
    assert r.status_code == 303, r.text
    return app, c, r.headers["location"], out, cert


def test_web_batch_on_postgresql_runs_on_a_policykit_worker(corpus_store, pg_url, tmp_path):
    """The real batch: uploaded on the web (which only queues it), issued by `policykit worker`,
    the bad row listed without a number, the numbers consecutive in the register."""
    import re

    from toolkit.issuing.register import Register

    app, c, url, out, cert = _pg_web_batch(corpus_store, pg_url, tmp_path)
    assert 'data-state="queued"' in c.get(url).text  # no worker yet: the app runs nothing itself

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.run([str(POLICYKIT), "--db", pg_url, "worker",
                             "--once", "--out", str(out), "--test-cert", str(cert)],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr

    page = c.get(url).text
    assert 'data-state="done"' in page, page
    rows = re.findall(r'<tr class="(\w+)" data-row="(\d+)">', page)
    assert rows == [("issued", "2"), ("invalid", "3"), ("issued", "4"), ("issued", "5")]
    with Register(pg_url) as reg:
        numbers = [e.number for e in reg.entries(office="jieyang-ybj") if e.status == "issued"]
    shown = re.findall(r'href="/register/[^"]+">(揭医保〔\d+〕\d+号)</a>', page)
    assert shown == numbers[-3:] and len(set(shown)) == 3
    app.state.runner.shutdown()


def test_real_batch_killed_mid_way_on_a_worker_leaves_every_number_explained(
        corpus_store, pg_url, tmp_path):
    from toolkit.issuing.register import Register
    from toolkit.jobs.store import JobStore
    from toolkit.web.app import create_app

    app, c, url, out, cert = _pg_web_batch(corpus_store, pg_url, tmp_path)
    job_id = url.rstrip("/").rsplit("/", 1)[-1]
    store = JobStore.open(pg_url)
    assert store.get(job_id) is not None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([str(POLICYKIT), "--db", pg_url, "worker", "--out", str(out),
                               "--test-cert", str(cert)], env=env, cwd=ROOT,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        # numbers reserved, not all issued yet: the worst moment to die
        def reserved() -> bool:
            with Register(pg_url) as reg:
                return bool(reg.entries(office="jieyang-ybj", status="reserved"))

        wait_for(reserved, timeout=240, what="a reserved number")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its LibreOffice
        worker.wait(timeout=10)
    app.state.runner.shutdown()
    with Register(pg_url) as reg:
        taken = reg.entries(office="jieyang-ybj")
    assert taken and any(e.status == "reserved" for e in taken)  # killed before issuing them

    restarted = create_app(app.state.settings)  # an app server on the worker's host restarts
    job = store.get(job_id)
    assert job.state == "interrupted" and "register recover" in job.error
    restarted.state.runner.shutdown()

    with Register(pg_url) as reg:
        voided = reg.recover()  # what the error tells the clerk to run
        after = reg.entries(office="jieyang-ybj")
    assert {e.number for e in voided} == {e.number for e in taken if e.status == "reserved"}
    assert {e.status for e in after} <= {"issued", "voided"}
    assert all(e.void_reason for e in after if e.status == "voided")
    seqs = sorted(e.seq for e in after)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, nothing vanished


def test_worker_refuses_a_sqlite_store(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([str(POLICYKIT), "--db",
                        str(tmp_path / "policykit.db"), "worker", "--once"],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "workers need a postgresql:// store" in r.stderr and "Traceback" not in r.stderr


def test_worker_on_an_unreachable_server_is_one_line():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([str(POLICYKIT), "--db", "postgresql://postgres:pw@127.0.0.1:1/nodb",
                        "worker", "--once"],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1:1/nodb: cannot connect" in lines[0], r.stderr
    assert ":pw@" not in r.stderr


def _worker_main(url: str, gate: str, mode: str) -> None:
    runner = runner_for(url, Path(gate) if gate else None)
    runner.work(wait=mode != "once", heartbeat_s=0.2, stalled_after_s=1.0, poll_s=0.2)


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker_main(*sys.argv[2:5])
