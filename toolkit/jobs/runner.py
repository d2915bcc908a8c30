"""Runners: what executes a submitted job. Handlers are registered by kind and receive the
job's params and a ``progress(stage, done, total)`` that writes to the job's row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from toolkit.jobs.store import JobStore

log = logging.getLogger("policykit.jobs")

Progress = Callable[[str, int, int], None]
Handler = Callable[[dict[str, Any], Progress], dict[str, Any]]


class JobFailed(Exception):
    """A handler's known failure: its message is the job's error, ``result`` kept."""

    def __init__(self, message: str, result: dict[str, Any] | None = None):
        super().__init__(message)
        self.result = result


class Runner(Protocol):
    def start(self, job_id: str) -> None: ...

    def waiting_reason(self) -> str | None:
        """Why a queued job is not starting (no worker alive), or None."""
        ...


def execute(store: JobStore, handlers: dict[str, Handler], job_id: str) -> None:
    """Claim and run one job, recording progress and outcome (any runner uses this)."""
    if not store.claim(job_id):
        return
    job = store.get(job_id)
    handler = handlers.get(job.kind)
    if handler is None:
        store.fail(job_id, f"没有处理 {job.kind} 的程序")
        return
    try:
        result = handler(job.params, lambda s, d, t: store.progress(job_id, s, d, t))
    except JobFailed as e:
        store.fail(job_id, str(e), e.result)
    except Exception as e:  # a bug must end the job honestly, not leave it "running"
        log.exception("job %s failed", job_id)
        store.fail(job_id, f"内部错误：{type(e).__name__}: {e}")
    else:
        store.finish(job_id, result)


class InProcessRunner:
    """Threads of this process (the embedded SQLite default). On start it marks jobs a dead
    process left running as interrupted and picks up the ones still queued."""

    def __init__(self, store: JobStore, handlers: dict[str, Handler], workers: int = 1,
                 inline: bool = False):
        self.store, self.handlers, self.inline = store, handlers, inline
        self.pool = None if inline else ThreadPoolExecutor(max_workers=workers,
                                                           thread_name_prefix="policykit-job")

    def recover(self) -> None:
        self.store.interrupt_orphans()
        for job in self.store.queued():
            self.start(job.id)

    def start(self, job_id: str) -> None:
        if self.pool is None:
            execute(self.store, self.handlers, job_id)
        else:
            self.pool.submit(execute, self.store, self.handlers, job_id)

    def waiting_reason(self) -> str | None:
        return None  # this process runs its jobs itself: a queued job starts when a thread frees

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=False)
