"""Stores the CLI must refuse, with one line naming the file and nothing written (#15.11, #15.1):
another program's SQLite file, a damaged store, a read-only store, a folder that does not exist."""

from __future__ import annotations

import hashlib
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "data" / "legacy" / "store.db"
TEXT = ROOT / "tests" / "data" / "clean" / "004_928757f12460cdce.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    return lines[0]


@pytest.fixture
def upgraded(tmp_path) -> Path:
    path = tmp_path / "store.db"
    shutil.copyfile(LEGACY, path)
    assert run("--db", str(path), "db", "upgrade").exit_code == 0
    return path


@pytest.fixture
def foreign(tmp_path) -> Path:
    import sqlite3

    path = tmp_path / "clinic.db"
    cx = sqlite3.connect(path)
    cx.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    cx.execute("INSERT INTO patients (name) VALUES ('张三')")
    cx.commit()
    cx.close()
    return path


@pytest.mark.parametrize("args", [["list"], ["search", "基金"], ["register", "list"],
                                  ["ingest", "--no-manifest", str(TEXT)], ["db", "upgrade"],
                                  ["db", "check"], ["show", "gd-measure"]])
def test_foreign_sqlite_file_is_refused_and_not_written(foreign, args):
    before = sha(foreign)
    result = run("--db", str(foreign), *args)
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert str(foreign) in line and "not a policykit store" in line and "patients" in line
    assert sha(foreign) == before
    assert sorted(p.name for p in foreign.parent.iterdir()) == [foreign.name]  # no -wal, no -shm


def damage_tables(path: Path, tables: tuple[str, ...], seed: int = 15) -> None:
    """Random bytes written into every page of these tables."""
    cx = sqlite3.connect(path)
    size = cx.execute("PRAGMA page_size").fetchone()[0]
    marks = ", ".join("?" * len(tables))
    pages = [p for (p,) in cx.execute(f"SELECT pageno FROM dbstat WHERE name IN ({marks})", tables)]
    cx.close()
    rng = random.Random(seed)
    data = bytearray(path.read_bytes())
    for page in pages:
        start = (page - 1) * size + 100
        data[start:start + 512] = rng.randbytes(512)
    path.write_bytes(bytes(data))


def damage(path: Path, pages: int = 10, seed: int = 15) -> None:
    """Random bytes written into ``pages`` pages of the file (never the header page)."""
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big") or 65536
    rng = random.Random(seed)
    count = len(data) // size
    for page in rng.sample(range(1, count), pages):
        start = page * size + 100
        data[start:start + 512] = rng.randbytes(512)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("args", [["list"], ["search", "中止"], ["search", "定点医药机构"]])
def test_damaged_store_is_one_line_naming_the_file(upgraded, args):
    if args[0] == "search":  # a search reads a few pages of its index: damage those too
        damage_tables(upgraded, ("search_tokens", "search_postings"))
    damage(upgraded, pages=40)
    result = run("--db", str(upgraded), *args)
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert str(upgraded) in line and ("damaged" in line or "malformed" in line), line


def test_db_check_says_damaged(upgraded):
    damage(upgraded)
    result = run("--db", str(upgraded), "db", "check")
    assert result.exit_code == 2
    assert f"{upgraded}: the store is damaged" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_missing_folder_is_refused_and_not_created(tmp_path):
    target = tmp_path / "nonexistent-dir" / "sub" / "pk.db"
    for args in (["ingest", "--no-manifest", str(TEXT)], ["list"], ["register", "list"]):
        result = run("--db", str(target), *args)
        assert result.exit_code == 2, (args, result.output)
        line = one_line(result.output)
        assert "does not exist" in line and str(target.parent) in line
    assert not (tmp_path / "nonexistent-dir").exists()


def _can_mount_read_only() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs a private mount namespace")
@pytest.mark.parametrize("args", [["ingest", "--no-manifest", str(TEXT)], ["search", "中止"],
                                  ["list"]])
def test_read_only_store_is_one_line(upgraded, args):
    """The store's folder mounted read-only (a private mount namespace, as a read-only share)."""
    folder = upgraded.parent
    before = sha(upgraded)
    cli_cmd = " ".join(shlex.quote(a) for a in [
        sys.executable, "-c", "from toolkit.cli.main import cli; cli()", "--db", str(upgraded), *args])
    script = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
              f"exec {cli_cmd}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                          cwd="/tmp", env={**os.environ, "PYTHONPATH": str(ROOT)})
    if args[0] == "list" or args[0] == "search":
        # reading may work (then it must answer) or not (then one line)
        assert done.returncode in (0, 2), done.stderr
        if done.returncode == 0:
            return
    assert done.returncode == 2, done.stdout + done.stderr
    line = one_line(done.stderr)
    assert str(upgraded) in line and ("read-only" in line or "cannot open" in line), line
    assert sha(upgraded) == before


def test_foreign_postgresql_database_is_refused_and_not_written(pg_url):
    from sqlalchemy import text

    from toolkit.db.engine import engine_for

    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE patients (id serial PRIMARY KEY, name text)"))
    for args in (["list"], ["ingest", "--no-manifest", str(TEXT)], ["db", "upgrade"],
                 ["register", "list"]):
        result = run("--db", pg_url, *args)
        assert result.exit_code == 2, (args, result.output)
        line = one_line(result.output)
        assert "not a policykit store" in line and "patients" in line
    with engine.connect() as conn:
        tables = set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    engine.dispose()
    assert tables == {"patients"}
