"""Opening stores: concurrent first opens create the schema once (both engines); a refused
server, or a raw database error from any command, is one line naming the store."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from toolkit.cli.errors import one_line_errors
from toolkit.cli.main import cli
from toolkit.store import Store


def _open_and_read(db: str, out) -> None:
    try:
        with Store(db) as store:
            out.put(("ok", len(store.documents())))
    except Exception as exc:  # noqa: BLE001 - reported to the parent test
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def test_concurrent_first_opens_create_the_schema_once(db_url):
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_open_and_read, args=(db_url, out)) for _ in range(6)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    assert results == [("ok", 0)] * 6
    with Store(db_url, create=False) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_first_open_waits_for_a_writer_on_a_file_not_yet_in_wal_mode(tmp_path):
    # SQLite fails a journal-mode change at once, busy timeout or not, while another connection
    # holds a write lock on a rollback-journal file: the race a concurrent first open can lose.
    db = tmp_path / "policykit.db"
    writer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    released.start()
    try:
        with Store(db) as store, store.engine.connect() as conn:
            assert store.documents() == []
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        released.join()
        writer.close()


def test_refused_server_is_one_line_naming_it(pg_cluster):
    bad = f"postgresql://policykit:secret@127.0.0.1:1/{'nothere'}"
    for args in (["list"], ["search", "基金"], ["db", "check"], ["register", "list"]):
        result = CliRunner().invoke(cli, ["--db", bad, *args])
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "127.0.0.1:1" in lines[0], (args, result.output)
        assert "secret" not in result.output and "Traceback" not in result.output


def test_a_raw_database_error_names_the_store(tmp_path):
    @click.command()
    @one_line_errors(lambda: ())
    def boom() -> None:
        raise OperationalError("UPDATE reg_numbers …", {}, Exception("attempt to write a readonly database"))


    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = {"db": tmp_path / "kit.db"}

    root.add_command(boom)
    result = CliRunner().invoke(root, ["boom"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"policykit: {tmp_path / 'kit.db'}: database error "
                                     "(attempt to write a readonly database)")


@pytest.mark.parametrize("db", ["postgresql://u:pw@127.0.0.1:1/x"])
def test_database_error_never_prints_a_password(db):
    result = CliRunner().invoke(cli, ["--db", db, "list"])
    assert result.exit_code == 2 and ":pw@" not in result.output and "127.0.0.1:1" in result.output
