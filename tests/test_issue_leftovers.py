"""kill -9 during the PDF stage (#15.6): the killed run's temporary folders and the LibreOffice
it started stay behind; the next conversion removes exactly those, and nothing of a live run.

A stand-in ``soffice`` (a shell script that sleeps, started like LibreOffice in a session of
its own with the run's ``-env:UserInstallation`` profile) makes the moment of the kill certain."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.issuing.leftovers import clean_leftovers, make_temp_dir, owner_alive

CHILD = """
import sys
from pathlib import Path
from issue_samples import ISSUE_DATE, OFFICE_ID, specimen_docx
from toolkit.issuing.issue import IssueOptions, IssueRequest, issue_batch
from toolkit.issuing.register import Register

with Register(Path(sys.argv[1])) as reg:
    issue_batch([IssueRequest(specimen_docx(), OFFICE_ID, "通知", doc_date=ISSUE_DATE)],
                register=reg, out_dir=Path(sys.argv[2]), options=IssueOptions())
"""


def _stand_in(tmp_path: Path) -> Path:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nsleep 300 &\nwait\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _using_profile(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"policykit-lo-{pid}-" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _gone(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("next_run", ["convert", "clean"])
def test_the_next_run_cleans_up_after_kill_9(tmp_path, next_run):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), POLICYKIT_SOFFICE=str(_stand_in(tmp_path)),
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent),
                                           os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "r.db"), str(out)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _using_profile(child.pid):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the stand-in LibreOffice never started"
        time.sleep(0.1)
    soffice = _using_profile(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    left = sorted(p.name.split("-")[1] for p in tmp.iterdir())
    assert left == ["issue", "lo"], left  # policykit-issue-…, policykit-lo-<pid>-…
    assert all(owner_alive(p) is False for p in tmp.iterdir())
    # convert_docx_to_pdf called directly stages beside its outputs: such a folder of the dead
    # run (same owner) goes too
    staging = out / ".lo-dead"
    staging.mkdir(parents=True)
    (staging / "owner").write_text(next(tmp.glob("policykit-issue-*/owner")).read_text())
    assert not any(_gone(pid) for pid in soffice)  # LibreOffice outlived the kill

    live = make_temp_dir("policykit-issue-", dir=tmp)  # a live run's folder: left alone
    if next_run == "convert":  # the next conversion, in a new process, cleans up first
        docx = tmp_path / "x.docx"
        docx.write_bytes(b"not a docx")
        env["POLICYKIT_SOFFICE"] = "/bin/false"
        done = subprocess.run([sys.executable, "-c", NEXT, str(docx), str(out)], env=env,
                              capture_output=True, text=True, timeout=60)
        assert "ConversionError" in done.stdout, done
    else:
        done = clean_leftovers(tmp, out_dirs=(out,))
        assert sorted(done.processes) == sorted(soffice)
        assert len(done.folders) == 3  # profile, work folder, staging folder
        assert done.summary() == ("cleaned up after an interrupted run: 3 temporary folder(s), "
                                  f"{len(soffice)} LibreOffice process(es)")
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in soffice) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in soffice)
    assert [p for p in tmp.iterdir() if not p.name.startswith("policykit-lo-")] == [live]
    assert not [p for p in tmp.glob("policykit-lo-*") if owner_alive(p) is False]
    assert not [p for p in out.iterdir() if p.name.startswith(".lo-")]


NEXT = """
import sys
from pathlib import Path
from toolkit.issuing.pdf import ConversionError, convert_docx_to_pdf
try:
    convert_docx_to_pdf([Path(sys.argv[1])], Path(sys.argv[2]))
except ConversionError as e:
    print("ConversionError", e)
"""


def test_folders_without_owner_files_are_never_touched(tmp_path):
    foreign = tmp_path / "policykit-lo-1-abc"
    foreign.mkdir()
    (tmp_path / "policykit-issue-x").mkdir()
    assert not clean_leftovers(tmp_path)
    assert foreign.exists() and (tmp_path / "policykit-issue-x").exists()


@pytest.mark.parametrize("recycled", [False, True])
def test_a_reused_pid_does_not_keep_a_dead_folder(tmp_path, recycled):
    folder = make_temp_dir("policykit-issue-", dir=tmp_path)
    assert owner_alive(folder) is True
    if recycled:  # same pid, other start time: another process now has that pid
        pid, start = (folder / "owner").read_text().split()
        (folder / "owner").write_text(f"{pid} {int(start) - 1}\n")
        assert owner_alive(folder) is False


def test_the_next_batch_names_numbers_a_killed_run_left_reserved(tmp_path, corpus_store):
    from batch_samples import make_examples, store_copy
    from click.testing import CliRunner

    from toolkit.cli.main import cli
    from toolkit.issuing.batch_table import schema_for, write_case_table

    db = store_copy(corpus_store, tmp_path / "policykit.db")
    reserve = ("import os, sys, datetime\n"
               "from toolkit.issuing.register import Register\n"
               "reg = Register(sys.argv[1])\n"
               "e = reg.reserve(prefix='揭医保', office='jieyang-ybj', doc_type='不予受理通知书',"
               " year=2026, case_id='killed', doc_date=datetime.date(2026, 11, 23))\n"
               "print(e.number, flush=True)\n"
               "os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", reserve, str(db)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL and done.stdout.strip() == "揭医保〔2026〕1号"
    table = write_case_table(tmp_path / "cases.csv", schema_for("refusal"),
                             make_examples().example_rows()[:1])
    result = CliRunner().invoke(cli, ["--db", str(db), "batch", str(table), "--type", "refusal",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "揭医保〔2026〕1号" in result.stderr and "policykit register recover" in result.stderr
    assert "揭医保〔2026〕2号" in result.stdout  # the gap stays explained, never reused
