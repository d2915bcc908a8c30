"""发文字号 allocation and the 发文登记簿: concurrency, voiding, crash leftovers, reissue.

Every register test runs on both engines (the ``db_url`` fixture: SQLite and a real PostgreSQL)."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from toolkit.db.engine import engine_for
from toolkit.issuing.numbering import (
    DocNumber,
    NumberingError,
    format_number,
    load_offices,
    parse_number,
    parse_offices,
)
from toolkit.issuing.register import Register, RegisterError, owner_pid

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}


def _allocate(db: str, count: int, start: mp.synchronize.Event) -> list[str]:
    start.wait()  # all processes hammer the register at the same moment
    with Register(db) as reg:
        return [reg.reserve(**SERIES, case_id=f"pid{os.getpid()}-{i}").number for i in range(count)]


def _reserve_then_crash(db: str) -> None:
    reg = Register(db)
    reg.reserve(**SERIES, case_id="crash")
    os._exit(17)  # dies between allocation and finalize: no cleanup, no mark_issued


def test_eight_processes_allocate_200_distinct_gap_free_numbers(db_url: str) -> None:
    """Must hold (#12): 8 processes × 25 numbers at once: 0 duplicates, 0 gaps, on each engine."""
    db = db_url
    Register(db).close()  # schema once, so the race is on allocation alone
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(8) as pool:
        pending = [pool.apply_async(_allocate, (db, 25, start)) for _ in range(8)]
        start.set()
        results = [p.get(timeout=180) for p in pending]
    numbers = [n for chunk in results for n in chunk]
    assert len(numbers) == 200
    assert len(set(numbers)) == 200
    seqs = sorted(parse_number(n).seq for n in numbers)
    assert seqs == list(range(1, 201))
    # each process saw its own numbers strictly increasing
    for chunk in results:
        assert [parse_number(n).seq for n in chunk] == sorted(parse_number(n).seq for n in chunk)
    with Register(db) as reg:
        rows = reg.entries(year=2026, office="jieyang-ybj")
        assert [r.seq for r in rows] == list(range(1, 201))
        assert reg.unexplained_gaps("揭医保", 2026) == []
        assert {r.status for r in rows} == {"reserved"}
        # every row is the one its process wrote: the case id carries the owner's pid
        assert all(r.case_id.startswith(f"pid{owner_pid(r.owner)}-") for r in rows)
        assert len({r.owner for r in rows}) == 8


def test_voided_numbers_stay_and_are_never_reused(db_url: str) -> None:
    with Register(db_url) as reg:
        first = [reg.reserve(**SERIES).number for _ in range(3)]
        assert first == ["揭医保〔2026〕1号", "揭医保〔2026〕2号", "揭医保〔2026〕3号"]
        voided = reg.void("揭医保[2026]3号", "drafted in error")
        assert voided.status == "voided" and voided.void_reason == "drafted in error"
        # the highest number voided: the next one still moves on, never back to 3
        assert reg.reserve(**SERIES).number == "揭医保〔2026〕4号"
        assert [r.number for r in reg.entries()] == first + ["揭医保〔2026〕4号"]
        assert reg.get("揭医保〔2026〕3号").status == "voided"
        with pytest.raises(RegisterError, match="already voided"):
            reg.void("揭医保〔2026〕3号", "again")
        with pytest.raises(RegisterError, match="only a reserved number is issued"):
            reg.mark_issued("揭医保〔2026〕3号", {})
        with pytest.raises(RegisterError, match="needs a reason"):
            reg.void("揭医保〔2026〕1号", "  ")
        # other series and years count on their own
        assert reg.reserve(**{**SERIES, "year": 2027}).number == "揭医保〔2027〕1号"
        assert reg.reserve(**{**SERIES, "prefix": "揭医保函"}).number == "揭医保函〔2026〕1号"


def test_ledger_refuses_deletes_and_backward_status(db_url: str) -> None:
    """The database itself keeps the ledger rules: a SQL console cannot break them either."""
    with Register(db_url) as reg:
        reg.reserve(**SERIES)
        reg.void("揭医保〔2026〕1号", "test")
    engine = engine_for(db_url)
    for sql, message in (
        ("DELETE FROM reg_numbers", "never deleted"),
        ("UPDATE reg_numbers SET status = 'reserved'", "reserved → issued → voided"),
        ("UPDATE reg_numbers SET seq = 9", "never changes"),
        ("UPDATE reg_numbers SET number = 'x'", "never changes"),
    ):
        with pytest.raises(DBAPIError, match=message), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status, seq FROM reg_numbers")).all() == [("voided", 1)]
    engine.dispose()


def test_crash_after_allocation_leaves_a_reserved_row_that_recover_closes(db_url: str) -> None:
    db = db_url
    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_reserve_then_crash, args=(db,))
    child.start()
    child.join(60)
    assert child.exitcode == 17
    with Register(db) as reg:
        mine = reg.reserve(**SERIES, case_id="alive")  # this process is still running
        crashed = reg.get("揭医保〔2026〕1号")
        assert crashed.status == "reserved" and crashed.case_id == "crash"
        assert owner_pid(crashed.owner) == child.pid
        recovered = reg.recover()
        assert [r.number for r in recovered] == ["揭医保〔2026〕1号"]
        assert recovered[0].status == "voided"
        assert "never issued" in recovered[0].void_reason
        assert reg.get(mine.number).status == "reserved"  # live work is not touched
        # an old enough reservation is closed even if its process lives
        later = datetime.now(UTC) + timedelta(hours=2)
        assert [r.number for r in reg.recover(max_age=timedelta(hours=1), now=later)] == [mine.number]


def test_issue_records_hashes_and_reissue_links_old_to_new(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "a.pdf"
    out.write_bytes(b"%PDF-1.7 test")
    with Register(db_url) as reg:
        old = reg.reserve(**SERIES, case_id="C-1", doc_date=date(2026, 3, 2), template_version="v1")
        issued = reg.mark_issued(old.number, {"pdf": out})
        assert issued.status == "issued"
        assert issued.files[0].sha256 == hashlib.sha256(b"%PDF-1.7 test").hexdigest()
        assert issued.files[0].size == len(b"%PDF-1.7 test")
        assert reg.check_files(old.number)[0].state == "ok"
        out.write_bytes(b"%PDF-1.7 changed")
        assert reg.check_files(old.number)[0].state == "changed"

        new = reg.reserve(**SERIES, case_id="C-1", reissue_of="揭医保〔2026〕1号")
        assert new.number == "揭医保〔2026〕2号" and new.reissue_of == old.number
        assert reg.get(old.number).status == "issued"  # stays valid until the new one is out
        with pytest.raises(RegisterError, match="already being reissued"):
            reg.reserve(**SERIES, reissue_of=old.number)
        reg.mark_issued(new.number, {})
        old_now = reg.get(old.number)
        assert old_now.status == "voided"
        assert old_now.void_reason == "reissued as 揭医保〔2026〕2号"
        assert old_now.reissued_as == "揭医保〔2026〕2号"
        assert [e.event for e in old_now.events] == ["reserved", "issued", "voided"]


def test_number_format_and_parse() -> None:
    assert format_number("揭医保", 2026, 12) == "揭医保\u30142026\u301512号"
    assert str(parse_number("楚医保〔2022〕10 号")) == "楚医保〔2022〕10号"
    assert parse_number("揭医保[2026]012号") == DocNumber("揭医保", 2026, 12)
    for bad in ("揭医保〔26〕1号", "揭医保〔2026〕0号", "揭医保2026年1号", "〔2026〕1号"):
        with pytest.raises(NumberingError):
            parse_number(bad)


def test_offices_table_is_data_with_per_type_prefixes(tmp_path: Path) -> None:
    offices = load_offices()
    jy = offices.get("jieyang-ybj")
    assert (jy.name, jy.prefix_for("通知")) == ("揭阳市医疗保障局", "揭医保")
    gd = offices.get("广东省医疗保障局")
    assert gd.prefix_for("规范性文件") == "粤医保规" and gd.prefix_for("通知") == "粤医保"
    with pytest.raises(NumberingError, match="unknown office 'nowhere'"):
        offices.get("nowhere")
    with pytest.raises(NumberingError, match=r"t.yaml: offices\[2\]: field 'code'"):
        parse_offices({"offices": [{"id": "a", "name": "甲局", "code": "甲"}, {"id": "b", "name": "乙局"}]}, "t.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("offices: [", encoding="utf-8")
    with pytest.raises(NumberingError, match="bad.yaml: not valid YAML"):
        load_offices(bad)
