"""A PostgreSQL store's batch waits "queued" for a `policykit worker`: when no worker's heartbeat
is fresh, the job page says so and what to start, instead of an endless 排队中 (real PostgreSQL,
real worker processes)."""

from __future__ import annotations

import re
import signal
import time

from tests.test_jobs_procrastinate import runner_for, start_worker, wait_for
from tests.web_support import OFFICES, PASSWORDS, ROLES, client_for


def test_waiting_reason_follows_the_workers_heartbeat(pg_url, tmp_path):
    from toolkit.jobs.store import JobStore

    gate = tmp_path / "gate"
    app = runner_for(pg_url, gate)
    busy = app.store.submit("count", {"n": 2})
    app.start(busy)
    waiting = app.store.submit("count", {"n": 1})
    app.start(waiting)
    reason = app.waiting_reason()
    assert reason is not None and "从未收到任何 worker 的心跳" in reason
    assert "policykit worker" in reason

    store = JobStore.open(pg_url)
    worker = start_worker(pg_url, gate, tmp_path, once=False)  # beats every 0.2 s
    try:
        wait_for(lambda: store.get(busy).done == 1, what="the worker to take the first job")
        assert store.get(waiting).state == "queued"  # waits behind the busy worker ...
        assert app.waiting_reason(stalled_after_s=2.0) is None  # ... which is alive: no alarm
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        time.sleep(2.5)
        reason = app.waiting_reason(stalled_after_s=2.0)
        assert reason is not None and re.search(r"最近一次 worker 心跳在 \d 秒前", reason), reason
    finally:
        if worker.poll() is None:
            worker.kill()
        app.shutdown()


def test_the_batch_page_says_why_a_job_waits(pg_url, tmp_path):
    from toolkit.accounts.users import Accounts
    from toolkit.web.app import create_app
    from toolkit.web.settings import Settings

    accounts = Accounts.open(pg_url)
    for name in ("clerk",):
        accounts.add(name, PASSWORDS[name], ROLES[name], offices=OFFICES.get(name, ()))
    app = create_app(Settings(db=pg_url, out_dir=tmp_path / "out", secret="t" * 40))
    try:
        job_id = app.state.jobs.submit("batch", {"office": "jieyang-ybj", "name": "cases.csv"},
                                       owner="clerk")
        c = client_for(app, "clerk")
        page = c.get(f"/desk/batch/{job_id}").text
        assert 'data-state="queued"' in page
        shown = re.search(r'<p id="waiting"[^>]*>([^<]+)</p>', page)
        assert shown and "没有 worker 在运行" in shown.group(1) and "policykit worker" in shown.group(1)
        # the htmx refresh carries it too
        partial = c.get(f"/desk/batch/{job_id}", headers={"hx-request": "true"}).text
        assert 'id="waiting"' in partial
    finally:
        app.state.runner.shutdown()


def test_the_embedded_store_never_shows_it(tmp_path):
    from toolkit.jobs.runner import InProcessRunner
    from toolkit.jobs.store import JobStore

    runner = InProcessRunner(JobStore.open(str(tmp_path / "s.db")), {}, inline=True)
    assert runner.waiting_reason() is None


def test_the_reason_names_no_job_kind(pg_url, tmp_path):
    """Batches and ingests wait for the same worker: the reason says 任务, never one kind."""
    app = runner_for(pg_url, tmp_path / "gate")
    try:
        reason = app.waiting_reason()
        assert reason is not None and "本服务器不自己运行任务" in reason
        assert "批量" not in reason and "导入" not in reason
    finally:
        app.shutdown()
