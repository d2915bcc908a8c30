"""#14 "an office already at 90号 cannot start at 91": audited set-next; #15.6 reserved numbers left
by dead processes are named where a clerk looks; issued_for_case for batch reruns; a register
written by the previous policykit (hand-written SQLite) opens and goes on."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import shutil
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.conftest import DATA
from toolkit.cli.main import cli
from toolkit.db.engine import engine_for
from toolkit.issuing.leftovers import process_key
from toolkit.issuing.register import CaseAlreadyIssued, Register, RegisterError, reserved_warning

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}
LEGACY = DATA / "register" / "legacy-main-de248cd.db"  # written by policykit at main de248cd


def _reserve_then_crash(db: str) -> None:
    Register(db).reserve(**SERIES, case_id="crash")
    os._exit(17)


def test_set_next_starts_a_series_at_91_audited_and_never_backwards(db_url: str) -> None:
    with Register(db_url) as reg:
        state = reg.set_next(prefix="揭医保", year=2026, next_seq=91, reason="纸质登记簿已编至90号",
                             office="jieyang-ybj", doc_type="通知")
        assert state.next_number == "揭医保〔2026〕91号" and state.highest == 0
        (event,) = state.events
        assert (event.event, event.old_next, event.new_next, event.detail) == ("set-next", 1, 91, "纸质登记簿已编至90号")
        assert event.actor == f"{socket.gethostname()}:{process_key()}"
        assert [reg.reserve(**SERIES).number for _ in range(2)] == ["揭医保〔2026〕91号", "揭医保〔2026〕92号"]
        assert reg.unexplained_gaps("揭医保", 2026) == []  # 1–90 are explained by the audit row
        for backwards in (92, 50, 1):
            with pytest.raises(RegisterError, match="揭医保〔2026〕92号 is already in the register: the next"
                                                    " number can only be 93 or later"):
                reg.set_next(prefix="揭医保", year=2026, next_seq=backwards, reason="mistake")
        with pytest.raises(RegisterError, match="needs a reason"):
            reg.set_next(prefix="揭医保", year=2026, next_seq=100, reason=" ")
        # another year is its own series; forward over nothing taken, then back again, both audited
        reg.set_next(prefix="揭医保", year=2027, next_seq=20, reason="typo: meant 10")
        state = reg.set_next(prefix="揭医保", year=2027, next_seq=10, reason="corrected")
        assert [(e.old_next, e.new_next) for e in state.events] == [(1, 20), (20, 10)]
        assert reg.reserve(**{**SERIES, "year": 2027}).number == "揭医保〔2027〕10号"
        assert reg.series("揭医保", 2026).next_number == "揭医保〔2026〕93号"


def test_a_hole_without_an_audit_row_is_reported(db_url: str) -> None:
    """unexplained_gaps can fail: a row written around the allocator leaves 3–4 unexplained."""
    with Register(db_url) as reg:
        reg.reserve(**SERIES)
        reg.reserve(**SERIES)
    engine = engine_for(db_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO reg_numbers (number, prefix, year, seq, office, doc_type, status, reserved_at, owner)"
            " VALUES ('揭医保〔2026〕5号', '揭医保', 2026, 5, 'jieyang-ybj', '通知', 'reserved', '2026-01-01', 'sql')"
        ))  # fmt: skip
    engine.dispose()
    with Register(db_url) as reg:
        assert reg.unexplained_gaps("揭医保", 2026) == [3, 4]
        assert reg.reserve(**SERIES).number == "揭医保〔2026〕6号"  # never below what exists


def test_cli_set_next_and_its_refusal(tmp_path: Path) -> None:
    db = str(tmp_path / "pk.db")
    run = CliRunner().invoke
    result = run(cli, ["--db", db, "register", "set-next", "jieyang-ybj", "通知", "2026", "91",
                       "--reason", "纸质登记簿已编至90号"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "揭阳市医疗保障局 通知 2026: next number 揭医保〔2026〕91号 (was 1号; 纸质登记簿已编至90号)"
    with Register(db) as reg:
        reg.reserve(**SERIES)
    result = run(cli, ["--db", db, "register", "set-next", "jieyang-ybj", "通知", "2026", "50", "--reason", "x"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "揭医保〔2026〕91号 is already in the register" in result.stderr
    result = run(cli, ["--db", db, "register", "set-next", "nowhere", "通知", "2026", "5", "--reason", "x"])
    assert result.exit_code == 2 and "unknown office 'nowhere'" in result.stderr


def test_reserved_numbers_of_dead_processes_are_named_with_the_command(db_url: str, tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_reserve_then_crash, args=(db_url,))
    child.start()
    child.join(60)
    assert child.exitcode == 17
    with Register(db_url) as reg:
        live = reg.reserve(**SERIES, case_id="alive")  # this process lives: not a warning
        warned = reg.reserved_warnings()
        assert [w.number for w in warned] == ["揭医保〔2026〕1号"]
        assert reserved_warning(warned) == (
            "warning: 1 number(s) reserved and never issued by a process that is gone: 揭医保〔2026〕1号"
            " — they stay gaps in the register until `policykit register recover` voids them"
        )
        # a day later even a live (or another machine's) reservation is named, with --older-than-hours
        later = datetime.now(UTC) + timedelta(hours=25)
        old = reg.reserved_warnings(now=later)
        assert [w.number for w in old] == ["揭医保〔2026〕1号", live.number]
        assert "`policykit register recover --older-than-hours 24`" in reserved_warning(old)
        assert reserved_warning([]) is None
    # `register list` and the next `issue` print it (the issue here stops later, at its office)
    result = CliRunner().invoke(cli, ["--db", db_url, "register", "list"])
    assert result.exit_code == 0
    assert "揭医保〔2026〕1号 — they stay gaps" in result.stderr and "register recover" in result.stderr
    docx = tmp_path / "a.docx"
    docx.write_bytes(b"PK")
    result = CliRunner().invoke(cli, ["--db", db_url, "issue", str(docx), "--office", "nowhere", "--no-pdf"])
    assert result.exit_code == 2
    first, second = result.stderr.splitlines()
    assert "揭医保〔2026〕1号" in first and "policykit register recover" in first
    assert "unknown office 'nowhere'" in second
    with Register(db_url) as reg:
        reg.recover()
        assert reg.reserved_warnings() == []
    result = CliRunner().invoke(cli, ["--db", db_url, "register", "list"])
    assert "warning" not in result.stderr


def test_issued_for_case_lets_a_batch_refuse_reruns(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    out.write_bytes(b"%PDF")
    with Register(db_url) as reg:
        first = reg.reserve(**SERIES, case_id="C-1")
        reg.mark_issued(first.number, {"pdf": out})
        with pytest.raises(CaseAlreadyIssued):  # the register itself refuses a second notice
            reg.reserve(**SERIES, case_id="C-1")
        failed = reg.reserve(**SERIES, case_id="C-1", reissue_of=first.number)
        reg.void(failed.number, "not issued: page check")
        pending = reg.reserve(**SERIES, case_id="C-1", reissue_of=first.number)
        reg.reserve(**SERIES, case_id="C-2")
        assert [e.number for e in reg.issued_for_case("C-1")] == [first.number]
        assert [e.number for e in reg.issued_for_case("C-1", include_reserved=True)] == [first.number, pending.number]
        assert reg.issued_for_case("C-9") == []
        assert reg.issued_for_case("C-1")[0].files[0].path == str(out.resolve())


def test_a_register_written_by_the_previous_policykit_opens_and_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "legacy.db"
    shutil.copy(LEGACY, db)
    with Register(db) as reg:
        rows = reg.entries()
        assert [(r.number, r.status, r.case_id) for r in rows] == [
            ("揭医保〔2026〕1号", "issued", "C-1"),
            ("揭医保〔2026〕2号", "voided", "C-2"),
            ("揭医保〔2026〕3号", "reserved", "C-3"),
        ]
        assert rows[0].files[0].sha256 == hashlib.sha256(b"%PDF legacy").hexdigest()
        assert rows[1].void_reason == "drafted in error"
        assert [e.event for e in reg.get("揭医保〔2026〕2号").events] == ["reserved", "voided"]
        assert reg.reserve(**SERIES).number == "揭医保〔2026〕4号"  # no counter row yet: from MAX
        assert reg.series("揭医保", 2026).next_number == "揭医保〔2026〕5号"
    cx = sqlite3.connect(db)
    tables = {n for (n,) in cx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"reg_numbers", "reg_files", "reg_events", "reg_counters", "reg_series_events"} <= tables
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        cx.execute("DELETE FROM reg_numbers")  # the old triggers still stand
    cx.close()


def test_a_register_moved_to_postgresql_goes_on_where_it_was(tmp_path: Path, pg_url: str) -> None:
    """`db upgrade` then `db copy` to a server: the rows, files and history arrive, the series and
    the event ids continue after the copied ones."""
    db = tmp_path / "legacy.db"
    shutil.copy(LEGACY, db)
    run = CliRunner().invoke
    assert run(cli, ["--db", str(db), "db", "upgrade"]).exit_code == 0
    result = run(cli, ["db", "copy", str(db), pg_url])
    assert result.exit_code == 0, result.output
    with Register(db) as before, Register(pg_url) as after:
        assert after.entries() == before.entries()
        assert after.get("揭医保〔2026〕2号").events == before.get("揭医保〔2026〕2号").events
        assert after.reserve(**SERIES).number == "揭医保〔2026〕4号"
        after.void("揭医保〔2026〕4号", "moved to the server: test")
        assert [e.event for e in after.get("揭医保〔2026〕4号").events] == ["reserved", "voided"]
