"""Nothing issued or drafted is overwritten (#15.8, #14): an issued file that another register
(or a register since reset) recorded keeps its bytes, drafts of the same name get new names,
and rerunning a batch refuses cases already issued unless --reissue --reason, recorded as a
reissue with its reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from batch_samples import EXAMPLES, make_examples, store_copy
from click.testing import CliRunner
from issue_samples import ISSUE_DATE, OFFICE_ID, specimen_docx

from toolkit.cli.main import cli
from toolkit.fileio import atomic_create, write_new
from toolkit.issuing.batch_table import schema_for, write_case_table
from toolkit.issuing.issue import IssueOptions, issue_document, output_paths
from toolkit.issuing.register import Register, sha256_file

DOCX_ONLY = IssueOptions(pdf=False)


def _issue(db: Path, out: Path):
    with Register(db) as reg:
        return issue_document(specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg,
                              out_dir=out, case_id="C-1", doc_date=ISSUE_DATE, options=DOCX_ONLY)


def test_a_second_register_never_overwrites_the_first_ones_file(tmp_path):
    out = tmp_path / "out"
    first = _issue(tmp_path / "a.db", out)
    kept = first.docx.read_bytes()
    second = _issue(tmp_path / "b.db", out)  # a fresh register: 1号 again
    assert first.number == second.number == "揭医保〔2026〕1号"
    assert first.docx == out / "揭医保-2026-1.docx" and first.docx.read_bytes() == kept
    digest = hashlib.sha256(second.docx.read_bytes()).hexdigest()[:8]
    assert second.docx == out / f"揭医保-2026-1-{digest}.docx"
    with Register(tmp_path / "a.db") as reg:
        assert [c.state for c in reg.check_files(first.number)] == ["ok"]
    with Register(tmp_path / "b.db") as reg:
        entry = reg.get(second.number)
        assert [f.sha256 for f in entry.files] == [sha256_file(second.docx)]


def test_output_paths_keep_docx_and_pdf_together(tmp_path):
    blobs = {"docx": b"d", "pdf": b"p"}
    assert output_paths(tmp_path, "揭医保-2026-3", blobs) == {
        "docx": tmp_path / "揭医保-2026-3.docx", "pdf": tmp_path / "揭医保-2026-3.pdf"}
    (tmp_path / "揭医保-2026-3.pdf").write_bytes(b"someone else's")
    digest = hashlib.sha256(b"p").hexdigest()[:8]
    assert output_paths(tmp_path, "揭医保-2026-3", blobs) == {
        "docx": tmp_path / f"揭医保-2026-3-{digest}.docx",
        "pdf": tmp_path / f"揭医保-2026-3-{digest}.pdf"}


def test_exclusive_writes(tmp_path):
    atomic_create(tmp_path / "a.txt", "one")
    with pytest.raises(FileExistsError):
        atomic_create(tmp_path / "a.txt", "two")
    assert (tmp_path / "a.txt").read_text() == "one"
    assert write_new(tmp_path / "a.txt", "two") == tmp_path / "a-2.txt"
    assert write_new(tmp_path / "a.txt", "three") == tmp_path / "a-3.txt"
    assert not list(tmp_path.glob(".*"))


def test_two_drafts_of_the_same_name_both_survive(tmp_path, corpus_store):
    case = (EXAMPLES / "refusal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "case.yaml"
    path.write_text(case.replace("doc_number: 揭医保〔2026〕101号\n", ""), encoding="utf-8")
    runner = CliRunner()
    args = ["--db", str(corpus_store), "notice", "refusal", "--case", str(path), "-o",
            str(tmp_path / "out")]
    one, two = runner.invoke(cli, args), runner.invoke(cli, args)
    assert one.exit_code == two.exit_code == 0, (one.output, two.output)
    assert one.stdout.strip() == str(tmp_path / "out" / "refusal_草稿.docx")
    assert two.stdout.strip() == str(tmp_path / "out" / "refusal_草稿-2.docx")


def test_a_batch_rerun_refuses_issued_cases_unless_reissue(tmp_path, corpus_store):
    from toolkit.accounts.users import Accounts

    db = store_copy(corpus_store, tmp_path / "policykit.db")
    rows = make_examples().example_rows()[:2]
    table = write_case_table(tmp_path / "cases.csv", schema_for("refusal"), rows)
    runner = CliRunner()
    args = ["--db", str(db), "batch", str(table), "--type", "refusal", "-o", str(tmp_path / "out")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    for row in rows:
        assert (f"案件 {row['case_id']} 已签发过 " in again.stderr), again.stderr
    assert "确需重新签发请加 --reissue" in again.stderr
    with Register(db) as reg:
        assert [e.number for e in reg.entries()] == ["揭医保〔2026〕1号", "揭医保〔2026〕2号"]
    unexplained = runner.invoke(cli, [*args, "--reissue"])  # a reissue says why
    assert unexplained.exit_code == 2
    assert unexplained.stderr.strip() == ("policykit batch: --reissue 须同时给出 --reason"
                                          "（重新签发的理由记入发文登记簿和审计日志）")
    assert runner.invoke(cli, [*args, "--reason", "地址有误"]).exit_code == 2  # without --reissue
    with Register(db) as reg:
        assert len(reg.entries()) == 2  # neither took a number
    redo = runner.invoke(cli, [*args, "--reissue", "--reason", "  送达地址有误 "])
    assert redo.exit_code == 0, redo.output
    with Register(db) as reg:
        entries = {e.number: e for e in reg.entries()}
        events = [(e.event, e.detail) for e in reg.get("揭医保〔2026〕4号").events]
    assert [(n, e.status, e.reissue_of) for n, e in entries.items()] == [
        ("揭医保〔2026〕1号", "voided", None), ("揭医保〔2026〕2号", "voided", None),
        ("揭医保〔2026〕3号", "issued", "揭医保〔2026〕1号"),
        ("揭医保〔2026〕4号", "issued", "揭医保〔2026〕2号")]
    assert entries["揭医保〔2026〕1号"].void_reason == "reissued as 揭医保〔2026〕3号: 送达地址有误"
    assert ("reissue-reason", "送达地址有误") in events
    audit = Accounts.open(str(db)).audit_entries(action="reissue")
    assert sorted((e.username, e.detail, e.remote) for e in audit) == [
        (None, f"揭医保〔2026〕{new}号 reissues 揭医保〔2026〕{old}号 refusal case={row['case_id']}: "
               "送达地址有误", "command line")
        for new, old, row in ((3, 1, rows[0]), (4, 2, rows[1]))]


def test_the_same_case_twice_in_one_table_is_refused(tmp_path, corpus_store):
    db = store_copy(corpus_store, tmp_path / "policykit.db")
    row = make_examples().example_rows()[0]
    table = write_case_table(tmp_path / "cases.csv", schema_for("refusal"), [row, row])
    result = CliRunner().invoke(cli, ["--db", str(db), "batch", str(table), "--type", "refusal",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"第3行：案件编号 {row['case_id']} 与第2行重复" in result.stderr
    with Register(db) as reg:
        assert len(reg.entries()) == 1


_BATCH = """
import sys
from pathlib import Path
from issue_samples import ISSUE_DATE, OFFICE_ID, specimen_docx
from toolkit.issuing.issue import IssueOptions, IssueRequest, issue_batch
from toolkit.issuing.register import Register

docx = specimen_docx()
sys.stdin.readline()  # start together
with Register(Path(sys.argv[1])) as reg:
    out = issue_batch([IssueRequest(docx, OFFICE_ID, "通知", case_id=f"{sys.argv[2]}-{i}",
                                    doc_date=ISSUE_DATE) for i in range(3)],
                      register=reg, out_dir=Path(sys.argv[3]), options=IssueOptions(pdf=False))
print(" ".join(str(o.entry.doc_number.seq) for o in out))
"""


def test_concurrent_batches_each_get_one_consecutive_block(tmp_path):
    import os
    import subprocess
    import sys

    db = tmp_path / "r.db"
    with Register(db):
        pass
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent),
                                                        os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", _BATCH, str(db), f"b{k}", str(tmp_path / f"o{k}")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for k in range(8)]
    outs = [p.communicate("go\n", timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-500:] for _, e in outs]
    blocks = [[int(x) for x in o.split()] for o, _ in outs]
    for block in blocks:
        assert block == list(range(block[0], block[0] + 3)), blocks
    assert sorted(n for b in blocks for n in b) == list(range(1, 25))
