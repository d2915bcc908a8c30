"""Alembic on real stores: the pre-Alembic fixture (tests/data/legacy, written by the code before
this data layer) upgraded in place, fresh stores at head on both engines, newer schemas refused
untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from toolkit.cli.main import cli
from toolkit.db.schema import head, include_name
from toolkit.db.store_tables import TABLES as STORE_TABLES
from toolkit.db.tables import load_all_tables
from toolkit.store import Store, StoreError

LEGACY = Path(__file__).parent / "data" / "legacy"
EXPECTED = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def legacy(tmp_path) -> Path:
    path = tmp_path / "legacy.db"
    shutil.copyfile(LEGACY / "store.db", path)
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_fixture_is_a_pre_alembic_store():
    cx = sqlite3.connect(f"file:{LEGACY / 'store.db'}?mode=ro", uri=True)
    names = {r[0] for r in cx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert cx.execute("PRAGMA user_version").fetchone()[0] == 1
    cx.close()
    assert "alembic_version" not in names and {"nodes", "node_fts", "reg_numbers"} <= names


def test_legacy_store_is_refused_until_upgraded_and_left_as_it_was(legacy):
    before = sha(legacy)
    with pytest.raises(StoreError, match="older than this policykit.*db upgrade"):
        Store(legacy, create=False)
    result = run("--db", str(legacy), "list")
    assert result.exit_code == 2 and "db upgrade" in result.output
    assert sha(legacy) == before


def test_upgrade_in_place_keeps_documents_search_and_register(legacy):
    result = run("--db", str(legacy), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded from pre-Alembic baseline 0001 to {head()}" in result.output
    with Store(legacy, create=False) as store:
        docs = store.documents()
        assert [d.id for d in docs] == EXPECTED["documents"]
        assert {d.id: d.articles for d in docs} == EXPECTED["articles"]
        for query, hits in EXPECTED["search"].items():
            # the same nodes and snippets; the order is today's BM25 over the terms as typed
            found = store.search(query, limit=20)
            assert {(h.doc_id, h.eid, h.snippet) for h in store.search(query, limit=1000)} >= {
                tuple(h) for h in hits}, query
            assert len(found) == len(hits)
        for alias, doc in EXPECTED["resolve"].items():
            assert store.resolve(alias) == doc
        assert store.document("gd-measure").articles()[8].num == "第九条"
    cx = sqlite3.connect(legacy)
    rows = cx.execute("SELECT number, status, case_id, void_reason FROM reg_numbers"
                      " ORDER BY prefix, year, seq").fetchall()
    files = {}
    for number, role, digest in cx.execute("SELECT number, role, sha256 FROM reg_files"):
        files.setdefault(number, {})[role] = digest
    # the FTS5 index's rows are now the search index's nodes (revision 0004)
    table = {"node_fts": "search_members"}
    counts = {t: cx.execute(f"SELECT count(*) FROM {table.get(t, t)}").fetchone()[0]
              for t in EXPECTED["counts"]}
    assert cx.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head()
    assert cx.execute("PRAGMA user_version").fetchone()[0] == 2
    cx.close()
    assert [list(r) for r in rows] == [
        [e["number"], e["status"], e["case_id"], e["void_reason"]] for e in EXPECTED["register"]]
    assert files == {e["number"]: e["files"] for e in EXPECTED["register"] if e["files"]}
    assert counts == EXPECTED["counts"]
    # a second upgrade has nothing to do
    again = run("--db", str(legacy), "db", "upgrade")
    assert again.exit_code == 0 and "already at schema" in again.output


def _schema_diffs(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diffs = compare_metadata(context, load_all_tables())
    engine.dispose()
    return diffs


def test_fresh_store_is_created_at_head_matching_metadata(db_url):
    with Store(db_url) as store:
        url = store.engine.url.render_as_string(hide_password=False)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()
    assert _schema_diffs(url) == []


def _table_of(diff: tuple) -> str:
    if diff[0].startswith("modify_"):
        return diff[2]
    obj = diff[1]
    return obj.name if diff[0].endswith("_table") else obj.table.name


def _flatten(diffs: list) -> list:
    return [d for item in diffs for d in (item if isinstance(item, list) else [item])]


def test_upgraded_legacy_store_matches_metadata(legacy):
    """The same tables, columns and indexes. What remains is how the hand-written SQLite schema
    spelled them: constraints without names (the same foreign keys and unique columns) and
    ``TEXT PRIMARY KEY`` without NOT NULL (SQLite's quirk). Alembic's batch mode, which any later
    SQLite revision uses, rebuilds a table from reflection and needs no constraint names."""
    assert run("--db", str(legacy), "db", "upgrade").exit_code == 0
    tables = load_all_tables().tables
    # the store's tables (the register's own test owns the comparison of reg_*)
    diffs = [d for d in _flatten(_schema_diffs(f"sqlite:///{legacy}"))
             if _table_of(d) in {t.name for t in STORE_TABLES}]

    def fks(kind: str) -> list:
        return sorted((d[1].table.name, tuple(c.name for c in d[1].columns),
                       d[1].referred_table.name) for d in diffs if d[0] == kind)

    assert fks("add_fk") == fks("remove_fk")
    left = [d for d in diffs if d[0] not in ("add_fk", "remove_fk")
            and not (d[0] == "modify_nullable" and tables[d[2]].c[d[3]].primary_key)
            and not (d[0] == "add_constraint" and sorted(c.name for c in d[1].columns)
                     == ["doc_id", "eid"])
            ]
    assert left == []


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_newer_schema_is_refused_and_not_touched(engine, legacy, request):
    if engine == "sqlite":
        assert run("--db", str(legacy), "db", "upgrade").exit_code == 0
        cx = sqlite3.connect(legacy)
        cx.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
        cx.commit()
        cx.close()
        db, before = str(legacy), sha(legacy)
    else:
        db = request.getfixturevalue("pg_url")
        Store(db).close()
        eng = create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
        with eng.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
        eng.dispose()
    with pytest.raises(StoreError, match="f00dcafe is newer than this policykit"):
        Store(db)
    for args in (["db", "upgrade"], ["list"], ["search", "基金"]):
        result = run("--db", db, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "newer than this policykit" in result.output and "Traceback" not in result.output
    if engine == "sqlite":
        assert sha(legacy) == before


def test_old_user_version_without_alembic_is_refused_as_newer(tmp_path):
    odd = tmp_path / "odd.db"
    cx = sqlite3.connect(odd)
    cx.execute("PRAGMA user_version = 7")
    cx.execute("CREATE TABLE sources (id TEXT PRIMARY KEY)")
    cx.commit()
    cx.close()
    before = sha(odd)
    with pytest.raises(StoreError, match="newer"):
        Store(odd)
    assert sha(odd) == before


def test_db_current_and_check(legacy):
    assert run("--db", str(legacy), "db", "current").exit_code == 2
    assert run("--db", str(legacy), "db", "upgrade").exit_code == 0
    current = run("--db", str(legacy), "db", "current")
    assert current.exit_code == 0 and f"current (revision {head()}" in current.output
    check = run("--db", str(legacy), "db", "check")
    assert check.exit_code == 0, check.output
    assert "quick_check ok" in check.output or "quick check ok" in check.output
    assert f"nodes {EXPECTED['counts']['nodes']:>8}".replace(" ", "") in check.output.replace(" ", "")
    assert f"473 of {EXPECTED['counts']['node_fts']} nodes" in check.output
