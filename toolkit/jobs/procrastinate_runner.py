"""Jobs on a queue that lives in the store's PostgreSQL (procrastinate): no broker to run.

The app servers only *defer*: ``ProcrastinateRunner.start(job_id)`` puts one procrastinate job
carrying our job id into PostgreSQL. ``policykit worker`` processes (any number, on any machine
that reaches the database) take them and call the same ``toolkit.jobs.runner.execute`` as the
in-process runner, so state, progress and outcome stay in our ``jobs`` table and every app
server shows the same job. Procrastinate's own rows only say which job to run.

A worker killed mid-job: its procrastinate job stays ``doing`` and our row ``running``. The next
worker to start (or an app server, for workers on its own host) marks our row ``interrupted``
with the reason and closes the procrastinate job as failed. Nothing is re-run on its own: a batch
that stopped half-way has reserved numbers that ``policykit register recover`` explains, and
running it again would number the same cases twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager

from toolkit.db.engine import DatabaseUnavailable
from toolkit.db.url import database_url, describe
from toolkit.jobs.runner import Handler, execute
from toolkit.jobs.store import JobStore

log = logging.getLogger("policykit.jobs")

QUEUE = "policykit"
# procrastinate's tables, types and functions live in their own PostgreSQL schema: the store's
# schema check refuses foreign tables beside ours, and a `db copy`/`pg_dump -n public` of the
# store stays the store.
PG_SCHEMA = "procrastinate"
CONNECT = {"options": f"-c search_path={PG_SCHEMA}"}
TASK = "policykit.run_job"
# Any fixed 64-bit key: serialises two servers applying the schema to a fresh database.
SCHEMA_LOCK = 0x706F6C6963796B69
STALLED = "处理此任务的 worker 已停止（无心跳）；已分配的文号见发文登记簿（policykit register recover 说明未完成的预留文号）"


# A worker beats every 10 s; one silent for 30 s is taken as stopped (as ``work`` does).
WORKER_STALLED_S = 30.0


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} 秒"
    if seconds < 7200:
        return f"{int(seconds // 60)} 分钟"
    return f"{int(seconds // 3600)} 小时"


def is_postgresql(db: str | Path) -> bool:
    return database_url(db).get_backend_name() == "postgresql"


def conninfo(db: str | Path) -> str:
    """The store's SQLAlchemy URL as the libpq URL psycopg takes (password kept: it connects)."""
    url = database_url(db).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _shown(dsn: str) -> str:
    return describe(database_url(dsn))


def ensure_schema(dsn: str) -> bool:
    """Procrastinate's tables in this database, once; True if they were just created.

    procrastinate's schema script is not idempotent, so check for its table under an advisory
    lock: two app servers or workers starting together must not both apply it."""
    import psycopg

    try:
        conn = psycopg.connect(dsn, autocommit=True, **CONNECT)
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or ["refused"])[0]
        raise DatabaseUnavailable(f"{_shown(dsn)}: cannot connect ({reason})") from None
    with conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            row = conn.execute("SELECT to_regclass(%s)",
                               (f"{PG_SCHEMA}.procrastinate_jobs",)).fetchone()
            if row and row[0] is not None:
                return False
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
            conn.execute(SchemaManager.get_schema())
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


class ProcrastinateRunner:
    """The ``Runner`` for a PostgreSQL store: defers to procrastinate; ``work`` runs a worker."""

    def __init__(self, store: JobStore, handlers: dict[str, Handler], dsn: str, *,
                 pool_size: int = 2):
        self.store, self.handlers, self.dsn = store, handlers, dsn
        ensure_schema(dsn)
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=dsn, min_size=1, max_size=pool_size, kwargs=CONNECT))

        @self.app.task(name=TASK, queue=QUEUE)
        def run_job(job_id: str) -> None:
            execute(self.store, self.handlers, job_id)

        self.task = run_job
        self._open = False

    @classmethod
    def open(cls, db: str | Path, store: JobStore, handlers: dict[str, Handler],
             **kwargs: Any) -> ProcrastinateRunner:
        return cls(store, handlers, conninfo(db), **kwargs)

    def start(self, job_id: str) -> None:
        """Queue the job in PostgreSQL; the lock makes a second defer of a waiting job a no-op."""
        if not self._open:
            self.app.open()
            self._open = True
        try:
            self.task.configure(queueing_lock=job_id).defer(job_id=job_id)
        except AlreadyEnqueued:
            pass

    def recover(self) -> None:
        """On app start: jobs of dead workers on this host become interrupted; jobs still
        ``queued`` in our table are (re)deferred, so one submitted while the queue was
        unreachable is not forgotten."""
        self.store.interrupt_orphans()
        for job in self.store.queued():
            self.start(job.id)

    def worker_heartbeat_age(self) -> float | None:
        """Seconds since the freshest heartbeat of any worker on this queue's database, None
        when no worker is registered (none ever started, or all stopped cleanly)."""
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5, **CONNECT) as conn:
            (age,) = conn.execute("SELECT EXTRACT(EPOCH FROM now() - max(last_heartbeat))"
                                  " FROM procrastinate_workers").fetchone()
        return None if age is None else float(age)

    def waiting_reason(self, *, stalled_after_s: float = WORKER_STALLED_S) -> str | None:
        """Why a queued job is not starting, in a clerk's words, or None when a worker is alive
        (its heartbeat within ``stalled_after_s``): the app servers never run jobs themselves."""
        import psycopg

        try:
            age = self.worker_heartbeat_age()
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return f"无法查看 worker 的心跳（{reason}），任务仍在排队"
        if age is not None and age <= stalled_after_s:
            return None
        seen = "从未收到任何 worker 的心跳" if age is None else \
            f"最近一次 worker 心跳在 {_ago(age)}前"
        return (f"任务在排队，但没有 worker 在运行（{seen}）：本服务器不自己运行任务，"
                "请在服务器上启动 policykit worker（与 serve 使用同一 --db），任务随即开始")

    def shutdown(self) -> None:
        if self._open:
            self.app.close()
            self._open = False

    def work(self, *, concurrency: int = 1, wait: bool = True, name: str | None = None,
             stalled_after_s: float = WORKER_STALLED_S, heartbeat_s: float = 10.0,
             poll_s: float = 5.0) -> None:
        """Run a worker in this process until stopped (``wait=False``: until the queue is empty).

        Before taking jobs, and then every ``stalled_after_s`` while it runs, it closes the jobs
        of workers that stopped sending heartbeats, so a dead worker's job is noticed even when
        no worker is restarted."""
        import asyncio

        from procrastinate.worker import Worker

        async def watch(worker: Worker) -> None:
            # procrastinate stops a worker's heartbeat as soon as it is asked to stop, then waits
            # for the job in hand: without this beat, other workers would call a batch that is
            # finishing its last rows after a SIGTERM stalled and mark it interrupted.
            checked = 0.0
            while True:
                await asyncio.sleep(heartbeat_s)
                try:
                    if worker.worker_id is not None:
                        await self.app.job_manager.update_heartbeat(worker.worker_id)
                    checked += heartbeat_s
                    if checked >= stalled_after_s:
                        checked = 0.0
                        await self.close_stalled(stalled_after_s)
                except Exception:  # a lost connection here must not stop the worker's jobs
                    log.exception("heartbeat or stalled-job check failed")

        async def run() -> None:
            async with self.app.open_async():
                await self.close_stalled(stalled_after_s)
                worker = Worker(app=self.app, queues=[QUEUE], concurrency=concurrency, wait=wait,
                                name=name, update_heartbeat_interval=heartbeat_s,
                                stalled_worker_timeout=stalled_after_s,
                                fetch_job_polling_interval=poll_s, install_signal_handlers=wait)
                watcher = asyncio.create_task(watch(worker))
                try:
                    await worker.run()
                finally:
                    watcher.cancel()

        self.store.interrupt_orphans()
        asyncio.run(run())

    async def close_stalled(self, stalled_after_s: float) -> list[str]:
        """Jobs left ``doing`` by a worker without heartbeat: ours ``interrupted``, theirs failed."""
        manager = self.app.job_manager
        closed = []
        for pjob in await manager.get_stalled_jobs(queue=QUEUE, task_name=TASK,
                                                   seconds_since_heartbeat=stalled_after_s):
            job_id = pjob.task_kwargs.get("job_id")
            if isinstance(job_id, str) and self.store.interrupt(job_id, STALLED):
                closed.append(job_id)
            await manager.finish_job(pjob, status=Status.FAILED,
                                     delete_job=False)
            log.warning("job %s: worker stopped mid-job; marked interrupted", job_id)
        return closed
