"""#15.1: a damaged store takes no 文号; the integrity check says what is wrong, in one line."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import STEMS, parsed
from toolkit.cli.main import cli
from toolkit.db.integrity import check
from toolkit.issuing.register import Register, RegisterError

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> Path:
    """The bundled corpus (clean text, no layers: fast) in a store that also holds a register."""
    from toolkit.store import Store

    path = tmp_path_factory.mktemp("real") / "policykit.db"
    with Store(path) as store:
        for key in STEMS:
            store.save(parsed(key, "clean", layers=False))
    with Register(path) as reg:
        for _ in range(3):
            reg.reserve(**SERIES)
    cx = sqlite3.connect(path)
    cx.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before copying
    cx.close()
    return path


def _damage(store: Path, copy: Path, *, pages: int = 10, seed: int = 15) -> list[int]:
    """Copy ``store`` and write random bytes into ``pages`` of the corpus' pages (not the
    register's: the allocation itself would still work, which is the danger)."""
    shutil.copy(store, copy)
    cx = sqlite3.connect(copy)
    page_size = cx.execute("PRAGMA page_size").fetchone()[0]
    corpus_pages = [
        p for (p,) in cx.execute("SELECT pageno FROM dbstat WHERE name IN ('nodes', 'search_texts')")
    ]
    cx.close()
    rng = random.Random(seed)
    chosen = sorted(rng.sample(corpus_pages, pages))
    with open(copy, "r+b") as fh:
        for page in chosen:
            fh.seek((page - 1) * page_size + rng.randrange(0, 256))
            fh.write(rng.randbytes(256))
    return chosen


def test_a_sound_store_passes_quick_and_full_checks(real_store: Path, db_url: str) -> None:
    report = check(real_store)
    assert report.ok and report.mode == "quick" and report.line() == f"{real_store}: quick check ok"
    assert check(real_store, full=True).ok
    Register(db_url).close()
    assert check(db_url).ok and check(db_url, full=True).ok  # the PostgreSQL sanity query too


def test_a_damaged_store_refuses_allocation_and_takes_no_number(real_store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "corrupt.db"
    _damage(real_store, copy)
    # the register's own pages are intact: without the check the next number would be taken
    cx = sqlite3.connect(copy)
    assert cx.execute("SELECT max(seq) FROM reg_numbers").fetchone() == (3,)
    cx.close()
    report = check(copy)
    assert not report.ok and "damaged" in report.line() and str(copy) in report.line()
    with Register(copy) as reg, pytest.raises(RegisterError) as err:
        reg.reserve(**SERIES)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{copy}: the store is damaged (quick check:")
    assert message.endswith("no number was taken")
    with Register(copy) as reg, pytest.raises(RegisterError, match="no number was taken"):
        reg.reserve_block(**SERIES, count=5)
    cx = sqlite3.connect(copy)
    assert cx.execute("SELECT max(seq), count(*) FROM reg_numbers").fetchone() == (3, 3)
    cx.close()
    # the check command (`policykit db check`, the store's) names the damage, non-zero exit
    result = CliRunner().invoke(cli, ["--db", str(copy), "db", "check"])
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0].startswith(f"{copy}: the store is damaged (quick check:")
    # and the same store, undamaged, still allocates
    with Register(real_store) as reg:
        assert reg.reserve(**SERIES).number == "揭医保〔2026〕4号"


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 500)
    result = CliRunner().invoke(cli, ["--db", str(junk), "register", "list"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and str(junk) in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    assert not check(junk).ok


def test_someone_elses_database_and_a_newer_store_get_no_register_tables(tmp_path: Path, db_url: str) -> None:
    """#15.11: the register never writes its tables into a file or database it cannot vouch for."""
    from sqlalchemy import inspect, text

    from toolkit.db.engine import engine_for

    foreign = tmp_path / "foreign.db"
    cx = sqlite3.connect(foreign)
    cx.execute("CREATE TABLE invoices (id INTEGER)")
    cx.commit()
    cx.close()
    with pytest.raises(RegisterError, match=r"foreign.db: not a policykit store \(it holds other tables: invoices\)"):
        Register(foreign)
    result = CliRunner().invoke(cli, ["--db", str(foreign), "register", "list"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "not a policykit store" in result.stderr
    cx = sqlite3.connect(foreign)
    assert [n for (n,) in cx.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    cx.close()

    engine = engine_for(db_url)  # a store stamped by a newer policykit, on either engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('9999_future')"))
    with pytest.raises(RegisterError, match="store schema 9999_future is newer than this policykit"):
        Register(db_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["alembic_version"]
    engine.dispose()
