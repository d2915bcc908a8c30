"""``policykit notice``: an impossible --date named as such; ``--pdf`` warns about numbers a dead
run left reserved and refuses a case already issued unless ``--reissue --reason`` (recorded as one, with the
reason in the register and the audit log)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from batch_samples import EXAMPLES, store_copy
from click.testing import CliRunner

from toolkit.cli.main import cli
from toolkit.issuing.register import Register

CASE = EXAMPLES / "refusal.yaml"
REFUSAL = "不予受理通知书"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("pdf", [[], ["--pdf"]])
def test_an_impossible_date_is_named_as_such_not_as_a_format_error(tmp_path, pdf):
    result = _invoke("--db", str(tmp_path / "none.db"), "notice", "refusal", "--case", str(CASE),
                     "-o", str(tmp_path / "out"), "--date", "2026-02-30", *pdf)
    assert result.exit_code == 2
    assert result.stderr.strip() == \
        "policykit notice: --date: 2026-02-30 不存在（2026年2月只有28天）"
    assert not (tmp_path / "out").exists()
    wrong = _invoke("notice", "refusal", "--case", str(CASE), "--date", "2026/02/03", *pdf)
    assert wrong.exit_code == 2
    assert "'2026/02/03' 不是 YYYY-MM-DD 格式的日期" in wrong.stderr


def _dead_owner() -> str:
    """host:pid of a process that has exited (the register's owner format)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}"


@pytest.fixture
def issued_once(corpus_store, tmp_path) -> Path:
    """A store whose register already holds 揭医保〔2026〕1号 issued for the example case
    (case id ``refusal``) and 2号 left reserved by a process that died."""
    db = store_copy(corpus_store, tmp_path / "policykit.db")
    with Register(db) as reg:
        first = reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type=REFUSAL, year=2026,
                            case_id="refusal")
        reg.mark_issued(first.number, {})
        reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type=REFUSAL, year=2026,
                    case_id="other")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE reg_numbers SET owner = ? WHERE seq = 2", (_dead_owner(),))
    return db


def _rows(db: Path) -> list[tuple[str, str, str | None]]:
    with Register(db) as reg:
        return [(e.number, e.status, e.reissue_of) for e in reg.entries()]


def test_a_case_already_issued_is_refused_and_takes_no_number(issued_once, tmp_path):
    out = tmp_path / "out"
    result = _invoke("--db", str(issued_once), "notice", "refusal", "--case", str(CASE),
                     "-o", str(out), "--pdf")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    # the dead run's reserved number first, with the command that explains it
    assert "揭医保〔2026〕2号" in lines[0] and "`policykit register recover`" in lines[0]
    assert lines[-1] == (
        f"policykit notice: {CASE}: 案件 refusal 已签发过 揭医保〔2026〕1号（-）：未再次签发、"
        "未占用文号；确需重新签发请加 --reissue --reason 理由（发文登记簿记为重新签发并记下理由，原文号作废）")
    assert result.stdout == ""
    assert _rows(issued_once) == [("揭医保〔2026〕1号", "issued", None),
                                  ("揭医保〔2026〕2号", "reserved", None)]
    assert not out.exists()


def test_reissue_of_a_case_never_issued_is_refused(issued_once, tmp_path):
    case = tmp_path / "fresh.yaml"
    case.write_text(CASE.read_text(encoding="utf-8"), encoding="utf-8")  # case id: fresh
    result = _invoke("--db", str(issued_once), "notice", "refusal", "--case", str(case),
                     "-o", str(tmp_path / "out"), "--pdf", "--reissue", "--reason", "改正地址")
    assert result.exit_code == 2
    assert "--reissue：案件 fresh 没有已签发的不予受理通知书，无可重新签发，未占用文号" in result.stderr
    assert len(_rows(issued_once)) == 2


def test_reissue_needs_pdf(tmp_path):
    result = _invoke("notice", "refusal", "--case", str(CASE), "-o", str(tmp_path), "--reissue")
    assert result.exit_code == 2 and "请同时给出 --pdf" in result.stderr


def test_reissue_is_issued_with_a_new_number_recorded_as_a_reissue(issued_once, tmp_path):
    out = tmp_path / "out"
    result = _invoke("--db", str(issued_once), "notice", "refusal", "--case", str(CASE),
                     "-o", str(out), "--pdf", "--reissue", "--reason", "送达地址有误")
    assert result.exit_code == 0, result.output
    number, docx, pdf = result.stdout.strip().splitlines()
    assert number == "揭医保〔2026〕3号"
    assert Path(docx).is_file() and Path(pdf).is_file()
    assert "揭医保〔2026〕2号" in result.stderr  # the reserved warning is printed here too
    assert "注意：揭医保〔2026〕3号 为 揭医保〔2026〕1号 的重新签发，原文号已作废" in result.stderr
    assert _rows(issued_once) == [("揭医保〔2026〕1号", "voided", None),
                                  ("揭医保〔2026〕2号", "reserved", None),
                                  ("揭医保〔2026〕3号", "issued", "揭医保〔2026〕1号")]
    with Register(issued_once) as reg:
        old = reg.get("揭医保〔2026〕1号")
        assert old.void_reason == "reissued as 揭医保〔2026〕3号: 送达地址有误"
        assert old.reissued_as == "揭医保〔2026〕3号"
        assert ("reissue-reason", "送达地址有误") in \
            [(e.event, e.detail) for e in reg.get("揭医保〔2026〕3号").events]
        # what the issued notice quotes is in the register (document id, eId and hashes)
        assert [(q.doc_id, q.eid) for q in reg.get("揭医保〔2026〕3号").quotes] == \
            [("gd-measure", "chp_2__art_9__para_1__point_5")]


def test_the_reissue_is_in_the_audit_log_as_the_web_desk_writes_it(issued_once, tmp_path):
    from toolkit.accounts.users import Accounts

    result = _invoke("--db", str(issued_once), "notice", "refusal", "--case", str(CASE),
                     "-o", str(tmp_path / "out"), "--pdf", "--reissue", "--reason", "送达地址有误")
    assert result.exit_code == 0, result.output
    audit = Accounts.open(str(issued_once)).audit_entries(action="reissue")
    assert [(e.username, e.detail, e.remote) for e in audit] == [
        (None, "揭医保〔2026〕3号 reissues 揭医保〔2026〕1号 refusal case=refusal: 送达地址有误",
         "command line")]


@pytest.mark.parametrize("args, message", [
    (["--reissue"], "--reissue 须同时给出 --reason（重新签发的理由记入发文登记簿和审计日志）"),
    (["--reissue", "--reason", "  "],
     "--reissue 须同时给出 --reason（重新签发的理由记入发文登记簿和审计日志）"),
    (["--reason", "送达地址有误"], "--reason 只用于 --reissue（重新签发的理由）"),
])
def test_a_reissue_needs_a_reason_and_a_reason_a_reissue(issued_once, tmp_path, args, message):
    out = tmp_path / "out"
    result = _invoke("--db", str(issued_once), "notice", "refusal", "--case", str(CASE),
                     "-o", str(out), "--pdf", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"policykit notice: {message}"
    assert len(_rows(issued_once)) == 2 and not out.exists()
