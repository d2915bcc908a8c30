"""Open a SQLAlchemy engine for a store, with each dialect's settings and honest errors."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from toolkit.db.url import database_url, describe

IMMEDIATE = "policykit_sqlite_immediate"  # execution option read by the SQLite begin hook


class DatabaseUnavailable(RuntimeError):
    """The server refused, the password is wrong, or the file cannot be opened: one line for the user."""


def engine_for(db: str | Path | URL, *, busy_timeout_s: float = 60.0) -> Engine:
    """An engine for ``db`` (a path or a URL). Connection problems surface on first use as
    ``DatabaseUnavailable`` via ``connect``; creating the engine itself never touches the server."""
    url = database_url(db)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": busy_timeout_s})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        # pysqlite's own BEGIN handling is broken for our needs (SQLAlchemy docs, "Serializable
        # isolation / Savepoints / Transactional DDL"); we emit BEGIN ourselves, IMMEDIATE for a
        # writer that reads before it writes (see ``write_transaction``), so two allocators never
        # read the same MAX.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that will write after reading: SQLite takes its write lock at BEGIN
    (readers go on), PostgreSQL uses row locks (``SELECT … FOR UPDATE``) inside it."""
    with connect(engine) as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            yield conn


def _sqlite_pragmas(busy_timeout_s: float):
    def on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # autocommit at the driver; SQLAlchemy's begin hook rules
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        _set_wal(cur, deadline=time.monotonic() + busy_timeout_s)
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    return on_connect


def _set_wal(cur: sqlite3.Cursor, *, deadline: float) -> None:
    """``PRAGMA journal_mode = WAL``, waiting for a lock as the busy timeout would. SQLite does
    not call its busy handler for a journal-mode change: while another process holds a write
    lock on a file not yet in WAL mode (a new store being created by a concurrent first open),
    the pragma fails at once with "database is locked". A store already in WAL mode never waits."""
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            waiting = (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not waiting or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def connect(engine: Engine) -> Connection:
    """``engine.connect()`` with a refused connection or wrong password as one clear line."""
    try:
        return engine.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if engine.dialect.name == "sqlite":
            raise DatabaseUnavailable(_sqlite_open_problem(engine.url.database or "", reason)) from None
        raise DatabaseUnavailable(f"{describe(engine.url)}: cannot connect ({reason})") from None


def _sqlite_open_problem(database: str, reason: str) -> str:
    """Why a SQLite file does not open, in the user's words: most often a read-only file or
    folder (a read-only share), since the store writes its WAL files beside itself."""
    path = Path(database)
    if path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return (f"{path}: the store is read-only here (the file or its folder cannot be written; "
                f"policykit keeps its write-ahead log beside the store): {reason}")
    return f"{path}: cannot open the store ({reason})"
