"""Two runs of one case at the same moment: the "already issued" check is made by the register
inside the transaction that allocates the number (under its lock), so exactly one run gets a
number and the other is refused with the clerk's message and takes none — on SQLite and on
PostgreSQL. Reservation owners name the process by pid *and start time*, so a pid the kernel
gave to another process does not keep a dead run's number reserved."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from issue_samples import ISSUE_DATE, OFFICE_ID, specimen_docx

from toolkit.issuing.issue import IssueOptions, IssueRequest, issue_batch
from toolkit.issuing.leftovers import process_gone, process_key
from toolkit.issuing.notice_issue import already_issued_reason, issued_by_case
from toolkit.issuing.register import CaseAlreadyIssued, Register, owner_pid

SERIES = {"prefix": "揭医保", "office": OFFICE_ID, "doc_type": "通知", "year": 2026}


def _run_case(db: str, out: str, start, result_queue) -> None:
    """One clerk's run: the early check (as `notice --pdf` and the desk make it) sees nothing
    issued, both runs wait until both have passed it, then both issue."""
    with Register(db) as reg:
        earlier = issued_by_case(reg).get(("C-7", "通知"), [])
        start.wait(240)  # both have seen "not issued yet" (a loaded machine starts slowly)
        (outcome,) = issue_batch(
            [IssueRequest(specimen_docx(), OFFICE_ID, "通知", case_id="C-7", doc_date=ISSUE_DATE)],
            register=reg, out_dir=Path(out), options=IssueOptions(pdf=False))
    result_queue.put((len(earlier), outcome.status, outcome.number,
                      [(e.number, e.status) for e in outcome.earlier]))


def test_two_concurrent_runs_of_one_case_get_exactly_one_number(db_url: str, tmp_path: Path) -> None:
    Register(db_url).close()
    ctx = mp.get_context("spawn")
    manager = ctx.Manager()
    start, results = manager.Barrier(2), manager.Queue()
    runs = [ctx.Process(target=_run_case, args=(db_url, str(tmp_path / f"out{k}"), start, results))
            for k in range(2)]
    for p in runs:
        p.start()
    for p in runs:
        p.join(300)
    assert [p.exitcode for p in runs] == [0, 0]
    outcomes = sorted(results.get(timeout=5) for _ in runs)
    assert [o[0] for o in outcomes] == [0, 0]  # both passed the early check: a real race
    statuses = sorted(o[1] for o in outcomes)
    assert statuses == ["issued", "refused"]
    issued = next(o for o in outcomes if o[1] == "issued")
    refused = next(o for o in outcomes if o[1] == "refused")
    assert issued[2] == "揭医保〔2026〕1号"
    assert refused[2] == ""  # no number taken
    # it saw the winner's row, issued or still being issued
    assert [n for n, _ in refused[3]] == ["揭医保〔2026〕1号"]
    with Register(db_url) as reg:
        rows = reg.entries()
        assert [(r.number, r.status, r.case_id) for r in rows] == [("揭医保〔2026〕1号", "issued", "C-7")]
        # the clerk's message, as `notice --pdf` prints it for a case issued earlier
        assert already_issued_reason("C-7", rows) == (
            "案件 C-7 已签发过 揭医保〔2026〕1号（2026-03-02）：未再次签发、未占用文号；"
            "确需重新签发请加 --reissue（发文登记簿记为重新签发，原文号作废）")


def test_the_register_refuses_a_live_case_inside_the_block(db_url: str) -> None:
    from toolkit.issuing.register import Slot

    with Register(db_url) as reg:
        first = reg.reserve(**SERIES, case_id="C-1")
        with pytest.raises(CaseAlreadyIssued) as refused:  # still being issued by that run
            reg.reserve_block(**SERIES, slots=[Slot("C-2"), Slot("C-1")])
        assert list(refused.value.conflicts) == [1]
        assert [e.status for e in refused.value.conflicts[1]] == ["reserved"]
        assert "no number was taken" in str(refused.value)
        reg.mark_issued(first.number, {})
        with pytest.raises(CaseAlreadyIssued):
            reg.reserve(**SERIES, case_id="C-1")
        # a reissue of the issued number is what a clerk may ask for; another type is another notice
        again = reg.reserve(**SERIES, case_id="C-1", reissue_of=first.number)
        other = reg.reserve(**{**SERIES, "doc_type": "决定"}, case_id="C-1")
        with pytest.raises(CaseAlreadyIssued):  # the reissue is under way: not twice
            reg.reserve(**SERIES, case_id="C-1", reissue_of=first.number)
        assert [e.seq for e in reg.entries()] == [1, 2, 3]
        assert (again.seq, other.seq) == (2, 3)


def test_a_refused_case_in_a_batch_costs_the_others_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Register(db) as reg:
        done = reg.reserve(**SERIES, case_id="B-2")
        reg.mark_issued(done.number, {})
        outcomes = issue_batch(
            [IssueRequest(specimen_docx(), OFFICE_ID, "通知", case_id=f"B-{i}", doc_date=ISSUE_DATE)
             for i in (1, 2, 3)],
            register=reg, out_dir=tmp_path / "out", options=IssueOptions(pdf=False))
        assert [(o.status, o.number) for o in outcomes] == [
            ("issued", "揭医保〔2026〕2号"), ("refused", ""), ("issued", "揭医保〔2026〕3号")]
        assert [e.number for e in outcomes[1].earlier] == [done.number]
        assert reg.unexplained_gaps("揭医保", 2026) == []


# -- owners: pid and start time ------------------------------------------------------------------


def _reserve_and_hang(db: str, ready: str) -> None:
    with Register(db) as reg:
        reg.reserve(**SERIES, case_id="killed")
        Path(ready).write_text("1")
        time.sleep(600)


def test_a_killed_runs_number_is_recovered_at_once(db_url: str, tmp_path: Path) -> None:
    """kill -9 and not yet reaped by its parent (a zombie still holds its pid): `register
    recover` voids its number at once, without waiting for any age."""
    ready = tmp_path / "ready"
    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_reserve_and_hang, args=(db_url, str(ready)))
    child.start()
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert time.monotonic() < deadline and child.is_alive()
        time.sleep(0.05)
    with Register(db_url) as reg:
        (row,) = reg.entries()
        assert owner_pid(row.owner) == child.pid
        assert row.owner == f"{socket.gethostname()}:{process_key(child.pid)}"
        assert reg.recover() == []  # alive: its number is its own
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not process_gone(process_key(child.pid)):  # the kernel has killed it, unreaped
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert Path(f"/proc/{child.pid}").exists()  # the pid is still taken (a zombie)
        (recovered,) = reg.recover()
        assert recovered.number == "揭医保〔2026〕1号" and recovered.status == "voided"
        assert recovered.void_reason.startswith(f"recovered: reserved by {row.owner}")
    child.join(30)
    assert child.exitcode == -signal.SIGKILL


def test_a_reused_pid_does_not_keep_a_dead_runs_number(tmp_path: Path) -> None:
    """The pid of the dead run now belongs to another, living process (pids are reused): the
    start time tells them apart, so the number is recovered."""
    db = tmp_path / "r.db"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        start = int(process_key(other.pid).partition("@")[2])
        with Register(db) as reg:
            entry = reg.reserve(**SERIES, case_id="dead")
            import sqlite3

            with sqlite3.connect(db) as conn:  # as if the dead run had held this pid earlier
                conn.execute("UPDATE reg_numbers SET owner = ? WHERE number = ?",
                             (f"{socket.gethostname()}:{other.pid}@{start - 100}", entry.number))
            assert [e.number for e in reg.reserved_warnings()] == [entry.number]
            assert [e.number for e in reg.recover()] == [entry.number]
            # the living process under its own start time is left alone
            live = reg.reserve(**SERIES, case_id="live")
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE reg_numbers SET owner = ? WHERE number = ?",
                             (f"{socket.gethostname()}:{process_key(other.pid)}", live.number))
            assert reg.recover() == []
    finally:
        other.kill()
        other.wait()


# -- the command a clerk runs: two `policykit notice --pdf` of one case at once ------------------

_NOTICE = """
import sys, time
from pathlib import Path
import toolkit.issuing.notice_issue as notice_issue
from toolkit.cli.main import cli

gate, me = Path(sys.argv[1]), sys.argv[2]
early = notice_issue.issued_by_case

def issued_by_case(register):
    found = early(register)  # the command's own early check: nothing issued yet
    (gate / f"{me}.ready").touch()
    while len(list(gate.glob("*.ready"))) < 2:  # until the other run has passed it too
        time.sleep(0.02)
    return found

notice_issue.issued_by_case = issued_by_case
cli.main(sys.argv[3:], prog_name="policykit")
"""


def test_two_concurrent_notice_commands_of_one_case(corpus_store, tmp_path: Path) -> None:
    import re

    from batch_samples import EXAMPLES, store_copy

    db = store_copy(corpus_store, tmp_path / "policykit.db")
    case = EXAMPLES / "refusal.yaml"
    gate = tmp_path / "gate"
    gate.mkdir()
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                                       os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.Popen([sys.executable, "-c", _NOTICE, str(gate), f"run{k}", "--db", str(db),
                              "notice", "refusal", "--case", str(case), "-o",
                              str(tmp_path / f"out{k}"), "--pdf"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for k in range(2)]
    results = [(p.wait(300), *p.communicate()) for p in runs]
    assert sorted(code for code, _, _ in results) == [0, 2], results
    (_, won, _), = [r for r in results if r[0] == 0]
    (_, _, lost), = [r for r in results if r[0] == 2]
    assert won.splitlines()[0] == "揭医保〔2026〕1号"
    assert re.fullmatch(
        rf"policykit notice: {re.escape(str(case))}: 案件 refusal 已签发过 揭医保〔2026〕1号"
        r"（2026-11-23(，正在签发)?）：未再次签发、未占用文号；确需重新签发请加 --reissue"
        r"（发文登记簿记为重新签发，原文号作废）", lost.strip().splitlines()[-1]), lost
    with Register(db) as reg:
        assert [(e.number, e.status) for e in reg.entries()] == [("揭医保〔2026〕1号", "issued")]


def test_a_case_held_by_a_dead_runs_reservation_says_to_recover(tmp_path: Path) -> None:
    """A run killed after reserving leaves its case refused (its number may yet be explained),
    and the refusal says what releases it; after `register recover` the case issues."""
    import sqlite3

    db = tmp_path / "r.db"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Register(db) as reg:
        left = reg.reserve(**SERIES, case_id="C-9", doc_date=ISSUE_DATE)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE reg_numbers SET owner = ? WHERE number = ?",
                         (f"{socket.gethostname()}:{dead.pid}", left.number))
        with pytest.raises(CaseAlreadyIssued) as refused:
            reg.reserve(**SERIES, case_id="C-9")
        assert already_issued_reason("C-9", refused.value.conflicts[0]) == (
            "案件 C-9 已签发过 揭医保〔2026〕1号（2026-03-02，已预留但签发它的进程已停止：先运行 "
            "policykit register recover）：未再次签发、未占用文号；确需重新签发请加 --reissue"
            "（发文登记簿记为重新签发，原文号作废）")
        assert [e.number for e in reg.recover()] == [left.number]
        assert reg.reserve(**SERIES, case_id="C-9").number == "揭医保〔2026〕2号"
