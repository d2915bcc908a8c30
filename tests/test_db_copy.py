"""``policykit db copy``: the legacy fixture (upgraded) moved to a real PostgreSQL, every table
equal after, the same search answers there, and refusals that leave the target as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from toolkit.cli.main import cli
from toolkit.db.engine import engine_for
from toolkit.store import Store

LEGACY = Path(__file__).parent / "data" / "legacy"
EXPECTED = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))
QUERIES = ["中止", "基金", "定点医药机构", "医保 协议", "罚", "第三十四条", "ab"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def upgraded(tmp_path) -> str:
    path = tmp_path / "legacy.db"
    shutil.copyfile(LEGACY / "store.db", path)
    assert run("--db", str(path), "db", "upgrade").exit_code == 0
    return str(path)


def rows(db: str, sql: str) -> list[tuple]:
    engine = engine_for(db)
    with engine.connect() as conn:
        out = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return out


def test_copy_sqlite_to_postgresql(upgraded, pg_url):
    result = run("db", "copy", upgraded, pg_url)
    assert result.exit_code == 0, result.output
    for table in ("sources", "documents", "nodes", "spans", "events", "aliases"):
        assert f"{table} " in result.output
        n = EXPECTED["counts"][table]
        assert rows(pg_url, f"SELECT count(*) FROM {table}") == [(n,)], table
    assert f"search index {EXPECTED['counts']['node_fts']:>8}".split() == [
        w for w in result.output.splitlines() if "search index" in w][0].split()[:3]
    with Store(upgraded, create=False) as lite, Store(pg_url, create=False) as pg:
        assert pg.documents() == lite.documents()
        for doc in ("gd-measure", "cx-rules", "order-735"):
            assert pg.document(doc) == lite.document(doc)
        for q in QUERIES:  # the same hits, order, scores and snippets
            assert pg.search(q, limit=1000) == lite.search(q, limit=1000), q
    # the register's rows and SHA-256s came along (its tables are on METADATA once merged;
    # until then, the copy moves what METADATA lists and says so in its counts)
    listed = [line.split()[0] for line in result.output.splitlines()[1:]]
    if "reg_numbers" in listed:
        assert rows(pg_url, "SELECT number, status FROM reg_numbers ORDER BY number") == sorted(
            (e["number"], e["status"]) for e in EXPECTED["register"])
        assert sorted(r[0] for r in rows(pg_url, "SELECT sha256 FROM reg_files")) == sorted(
            d for e in EXPECTED["register"] for d in e["files"].values())


def test_copied_store_keeps_working_new_ids_after_the_copied_ones(upgraded, pg_url):
    from store_samples import sample_source

    assert run("db", "copy", upgraded, pg_url).exit_code == 0
    with Store(pg_url, create=False) as pg:
        pg.save(sample_source())  # serial ids continue after the copied nodes
        assert {h.doc_id for h in pg.search("不予受理", limit=1000)} >= {"gd-2021-rule"}


def test_copy_into_a_store_with_rows_is_refused_and_changes_nothing(upgraded, pg_url):
    assert run("db", "copy", upgraded, pg_url).exit_code == 0
    before = rows(pg_url, "SELECT count(*) FROM nodes")
    again = run("db", "copy", upgraded, pg_url)
    assert again.exit_code == 2
    assert "not empty" in again.output and "Traceback" not in again.output
    assert rows(pg_url, "SELECT count(*) FROM nodes") == before


def test_copy_of_a_legacy_store_asks_for_upgrade(tmp_path, pg_url):
    path = tmp_path / "old.db"
    shutil.copyfile(LEGACY / "store.db", path)
    result = run("db", "copy", str(path), pg_url)
    assert result.exit_code == 2 and "db upgrade" in result.output
    assert rows(pg_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'nodes'") == [(0,)]


def test_copy_to_an_unreachable_server_is_one_line(upgraded, pg_cluster):
    bad = pg_cluster.url("postgres").replace(f":{pg_cluster.port}/", ":1/")
    result = run("db", "copy", upgraded, bad)
    assert result.exit_code == 2
    assert "cannot connect" in result.output and "127.0.0.1" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_copy_carries_web_accounts_and_the_audit_log(upgraded, pg_url):
    # SQLite hands back a stored UTC time without its zone, PostgreSQL with it: the copy's
    # table-by-table check must take them for the same instant, not refuse the copy.
    from toolkit.accounts.users import Accounts

    accounts = Accounts.open(upgraded)
    accounts.add("clerk1", "a long enough passphrase 1", "clerk", offices=["jieyang-ybj"])
    accounts.log("clerk1", "login", "test", remote="127.0.0.1")
    accounts.engine.dispose()
    result = run("db", "copy", upgraded, pg_url)
    assert result.exit_code == 0, result.output
    assert rows(pg_url, "SELECT username, roles FROM acct_users") == [("clerk1", "clerk")]
    assert rows(pg_url, "SELECT office FROM acct_user_offices") == [("jieyang-ybj",)]
    assert rows(pg_url, "SELECT username, action FROM acct_audit") == [("clerk1", "login")]
