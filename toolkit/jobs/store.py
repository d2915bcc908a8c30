"""Job state in the database: submit, claim, progress, finish, and the jobs a dead runner left.

States: queued → running → done | failed; a job whose runner process is gone while it was
running becomes ``interrupted`` with the reason (the register explains any number it took:
``policykit register recover``).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from toolkit.db.engine import connect, engine_for, write_transaction
from toolkit.db.metadata import METADATA
from toolkit.jobs.tables import jobs

STATES = ("queued", "running", "done", "failed", "interrupted")
INTERRUPTED = ("服务器在处理中途停止；已分配的文号见发文登记簿"
               "（policykit register recover 说明未完成的预留文号）")


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    state: str
    owner: str | None
    params: dict[str, Any]
    stage: str | None
    done: int
    total: int
    result: dict[str, Any] | None
    error: str | None
    runner: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "interrupted")

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.finished else 0)


class JobStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        with write_transaction(engine) as conn:
            METADATA.create_all(conn, tables=[jobs])

    @classmethod
    def open(cls, db: str | Path) -> JobStore:
        return cls(engine_for(db))

    def submit(self, kind: str, params: dict[str, Any], owner: str | None = None,
               job_id: str | None = None) -> str:
        """A queued job (``job_id`` from ``new_id()`` when its files must be placed first)."""
        job_id = job_id or new_id()
        with write_transaction(self.engine) as conn:
            conn.execute(insert(jobs).values(
                id=job_id, kind=kind, state="queued", owner=owner,
                params=json.dumps(params, ensure_ascii=False), done=0, total=0,
                created_at=_now()))
        return job_id

    def claim(self, job_id: str, runner: str | None = None) -> bool:
        """queued → running for this runner; False if another runner took it first."""
        with write_transaction(self.engine) as conn:
            taken = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.state == "queued")
                                 .values(state="running", runner=runner or runner_id(),
                                         started_at=_now())).rowcount
        return bool(taken)

    def progress(self, job_id: str, stage: str, done: int, total: int) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id)
                         .values(stage=stage, done=done, total=total))

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        self._end(job_id, "done", result=json.dumps(result, ensure_ascii=False, default=str))

    def fail(self, job_id: str, error: str, result: dict[str, Any] | None = None) -> None:
        self._end(job_id, "failed", error=error,
                  result=json.dumps(result, ensure_ascii=False, default=str) if result else None)

    def _end(self, job_id: str, state: str, **values: Any) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id)
                         .values(state=state, finished_at=_now(), **values))

    def get(self, job_id: str) -> Job | None:
        with connect(self.engine) as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def list(self, *, owner: str | None = None, kind: str | None = None,
             limit: int = 50) -> list[Job]:
        query = select(jobs).order_by(jobs.c.created_at.desc()).limit(limit)
        if owner is not None:
            query = query.where(jobs.c.owner == owner)
        if kind is not None:  # each page lists its own kind: another kind's link would 404 there
            query = query.where(jobs.c.kind == kind)
        with connect(self.engine) as conn:
            return [_job(r) for r in conn.execute(query)]

    def queued(self) -> list[Job]:
        with connect(self.engine) as conn:
            return [_job(r) for r in conn.execute(
                select(jobs).where(jobs.c.state == "queued").order_by(jobs.c.created_at))]

    def interrupt_orphans(self) -> list[str]:
        """Running jobs of a runner on this host whose process is gone: ``interrupted``."""
        host = socket.gethostname()
        gone = []
        with write_transaction(self.engine) as conn:
            for r in conn.execute(select(jobs.c.id, jobs.c.runner)
                                  .where(jobs.c.state == "running")):
                name, _, pid = (r.runner or "").rpartition(":")
                if name == host and pid.isdigit() and not _alive(int(pid)):
                    gone.append(r.id)
            for job_id in gone:
                self._interrupt(conn, job_id, INTERRUPTED)
        return gone

    def interrupt(self, job_id: str, reason: str) -> bool:
        """running → interrupted with ``reason`` (a queue saw its worker die); False if the job
        had already ended or never started."""
        with write_transaction(self.engine) as conn:
            return self._interrupt(conn, job_id, reason)

    @staticmethod
    def _interrupt(conn, job_id: str, reason: str) -> bool:
        return bool(conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.state == "running")
                                 .values(state="interrupted", finished_at=_now(), error=reason))
                    .rowcount)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _job(r) -> Job:
    return Job(r.id, r.kind, r.state, r.owner, json.loads(r.params), r.stage, r.done, r.total,
               json.loads(r.result) if r.result else None, r.error, r.runner, r.created_at,
               r.started_at, r.finished_at)
