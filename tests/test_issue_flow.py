"""The issuing pipeline's bookkeeping and failure paths, and the register CLI (no LibreOffice:
where a PDF stage is needed, a stand-in ``soffice`` script plays a broken LibreOffice)."""

from __future__ import annotations

import io
import json
import stat
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from issue_samples import ISSUE_DATE, OFFICE_ID, specimen_docx
from PIL import Image

from toolkit.cli.main import cli
from toolkit.issuing.issue import (
    IssueError,
    IssueOptions,
    IssueRequest,
    issue_batch,
    issue_document,
)
from toolkit.issuing.numbering import NumberingError
from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing, convert_docx_to_pdf
from toolkit.issuing.register import Register, sha256_file
from toolkit.issuing.sign import PadesSigner, SigningError, make_test_certificate

DOCX_ONLY = IssueOptions(pdf=False)


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _dead(pid: int, wait_s: float = 3.0) -> bool:
    """Gone, or a zombie waiting for init to reap it (killed all the same)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "State:\tZ" in status:
            return True
        time.sleep(0.05)
    return False


def test_docx_only_issue_with_a_render_callback(tmp_path: Path) -> None:
    seen = []

    def render(number: str) -> bytes:
        seen.append(number)
        return specimen_docx()

    with Register(tmp_path / "r.db") as reg:
        out = issue_document(
            render, office=OFFICE_ID, doc_type="通知", register=reg, out_dir=tmp_path / "out",
            case_id="C-7", doc_date=ISSUE_DATE, template_version="notice-v3", options=DOCX_ONLY,
        )  # fmt: skip
        assert seen == ["揭医保〔2026〕1号"] and out.number == seen[0]
        assert out.docx == tmp_path / "out" / "揭医保-2026-1.docx" and out.pdf is None
        entry = reg.get(out.number)
        assert (entry.status, entry.case_id, entry.template_version) == ("issued", "C-7", "notice-v3")
        assert [(f.role, f.sha256) for f in entry.files] == [("docx", sha256_file(out.docx))]
    doc = Document(str(out.docx))
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == [out.number]
    assert doc.element.body.find(f".//{qn('wp:anchor')}") is not None
    assert not list((tmp_path / "out").glob(".*"))  # no temp files left behind


def test_preflight_errors_take_no_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Register(tmp_path / "r.db") as reg:
        with pytest.raises(NumberingError, match="unknown office 'nowhere'"):
            issue_document(specimen_docx(), office="nowhere", doc_type="通知", register=reg, out_dir=tmp_path)
        monkeypatch.setenv("POLICYKIT_SOFFICE", str(tmp_path / "no-such-soffice"))
        with pytest.raises(LibreOfficeMissing, match="apt-get install libreoffice-writer-nogui"):
            issue_document(specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg, out_dir=tmp_path)
        monkeypatch.delenv("POLICYKIT_SOFFICE")
        cert = make_test_certificate(tmp_path / "cert")
        wrong = PadesSigner(pkcs12=cert.signer_p12, passphrase="wrong")
        with pytest.raises(SigningError, match="signing key"):
            issue_document(
                specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg, out_dir=tmp_path,
                options=IssueOptions(sign=wrong),
            )  # fmt: skip
        assert reg.entries() == []


def _no_block_docx() -> bytes:
    doc = Document()
    doc.add_paragraph("正文")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_finished_docx_is_checked_before_numbering(tmp_path: Path) -> None:
    no_slot = Document(io.BytesIO(specimen_docx()))
    for p in no_slot.paragraphs:
        if p.style.name == "PK-DocNumber":
            p.style = no_slot.styles["Normal"]
    no_slot_path = tmp_path / "no-slot.docx"
    no_slot.save(no_slot_path)
    good = IssueRequest(specimen_docx(), OFFICE_ID, "通知")
    with Register(tmp_path / "r.db") as reg:
        with pytest.raises(IssueError, match="no-slot.docx: no paragraph in style PK-DocNumber"):
            issue_batch([good, IssueRequest(no_slot_path, OFFICE_ID, "通知")], register=reg,
                        out_dir=tmp_path / "out", options=DOCX_ONLY)  # fmt: skip
        with pytest.raises(IssueError, match="DOCX: no signature block"):
            issue_batch([IssueRequest(_no_block_docx(), OFFICE_ID, "通知")], register=reg,
                        out_dir=tmp_path / "out", options=DOCX_ONLY)  # fmt: skip
        with pytest.raises(IssueError, match="not a readable DOCX"):
            issue_batch([IssueRequest(b"PK not a zip", OFFICE_ID, "通知")], register=reg,
                        out_dir=tmp_path / "out", options=DOCX_ONLY)  # fmt: skip
        assert reg.entries() == []  # no number was taken for a known-bad batch
    assert not (tmp_path / "out").exists()


def test_failures_after_reservation_void_the_number_with_the_reason(tmp_path: Path) -> None:
    def broken_template(number: str) -> bytes:
        raise RuntimeError(f"template variable missing for {number}")

    requests = [
        IssueRequest(lambda number: _no_block_docx(), OFFICE_ID, "通知", doc_date=ISSUE_DATE),
        IssueRequest(broken_template, OFFICE_ID, "通知", doc_date=ISSUE_DATE),
        IssueRequest(specimen_docx(), OFFICE_ID, "通知", doc_date=date(2026, 3, 5)),
        IssueRequest(specimen_docx(), OFFICE_ID, "通知"),
    ]
    with Register(tmp_path / "r.db") as reg:
        outcomes = issue_batch(requests, register=reg, out_dir=tmp_path / "out", options=DOCX_ONLY)
        rows = reg.entries()
    assert [(r.seq, r.status) for r in rows] == [(1, "voided"), (2, "voided"), (3, "voided"), (4, "issued")]
    assert [o.status for o in outcomes] == ["voided", "voided", "voided", "issued"]
    assert rows[0].void_reason.startswith("not issued: rendering failed: no signature block")
    assert rows[1].void_reason == "not issued: rendering failed: template variable missing for 揭医保〔2026〕2号"
    assert rows[2].void_reason == (
        "not issued: rendering failed: 成文日期 in the document (2026年3月2日) is not the issue date 2026-03-05"
    )
    assert outcomes[3].number == "揭医保〔2026〕4号"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["揭医保-2026-4.docx"]
    with Register(tmp_path / "r.db") as reg, pytest.raises(IssueError) as e:
        issue_document(lambda number: _no_block_docx(), office=OFFICE_ID, doc_type="通知",
                       register=reg, out_dir=tmp_path / "out", options=DOCX_ONLY)  # fmt: skip
    assert e.value.number == "揭医保〔2026〕5号"  # the voided number travels with the error


def test_reissue_voids_the_old_number_when_the_new_one_is_issued(tmp_path: Path) -> None:
    with Register(tmp_path / "r.db") as reg:
        first = issue_document(specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg,
                               out_dir=tmp_path, options=DOCX_ONLY)  # fmt: skip
        second = issue_document(specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg,
                                out_dir=tmp_path, reissue_of=first.number, options=DOCX_ONLY)  # fmt: skip
        old, new = reg.get(first.number), reg.get(second.number)
    assert (old.status, old.reissued_as, old.void_reason) == ("voided", new.number, f"reissued as {new.number}")
    assert (new.status, new.reissue_of) == ("issued", old.number)


def test_broken_libreoffice_voids_the_batch_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYKIT_SOFFICE", str(_fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 0")))
    with Register(tmp_path / "r.db") as reg:
        outcomes = issue_batch(
            [IssueRequest(specimen_docx(), OFFICE_ID, "通知") for _ in range(2)],
            register=reg, out_dir=tmp_path / "out",
        )  # fmt: skip
        assert [o.status for o in outcomes] == ["voided", "voided"]
        assert "LibreOffice produced no PDF" in outcomes[0].error
        assert "source file could not be loaded" in outcomes[0].error
        assert {r.status for r in reg.entries()} == {"voided"}
    assert list((tmp_path / "out").iterdir()) == []


def test_conversion_timeout_kills_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("POLICYKIT_SOFFICE", str(_fake_soffice(tmp_path, f"sleep 60 & echo $! > {pid_file}; wait")))
    src = tmp_path / "a.docx"
    src.write_bytes(specimen_docx())
    started = time.monotonic()
    with pytest.raises(ConversionError, match="did not finish converting 1 file"):
        convert_docx_to_pdf([src], tmp_path / "out", timeout_s=1)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    assert _dead(child)  # the grandchild went with the process group
    with pytest.raises(ConversionError, match="no such file"):
        convert_docx_to_pdf([tmp_path / "missing.docx"], tmp_path / "out")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "a.docx").write_bytes(b"x")
    with pytest.raises(ConversionError, match="both become a.pdf"):
        convert_docx_to_pdf([src, tmp_path / "b" / "a.docx"], tmp_path / "out")


# -- CLI --------------------------------------------------------------------------------------------


def test_register_cli_list_show_void_recover(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Register(db) as reg:
        issue_document(specimen_docx(), office=OFFICE_ID, doc_type="通知", register=reg,
                       out_dir=tmp_path / "out", case_id="A-1", options=DOCX_ONLY)  # fmt: skip
        reg.reserve(prefix="揭医保", office=OFFICE_ID, doc_type="通知", year=2026, case_id="B-2")
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(db), "register", "list", "--year", "2026"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [
        "揭医保〔2026〕1号\tissued\tjieyang-ybj\t通知\tA-1\t2026-03-02",
        "揭医保〔2026〕2号\treserved\tjieyang-ybj\t通知\tB-2\t-",
    ]
    shown = runner.invoke(cli, ["--db", str(db), "register", "show", "揭医保[2026]1号", "--json"])
    data = json.loads(shown.output)
    assert data["status"] == "issued" and data["files"][0]["state"] == "ok"
    voided = runner.invoke(cli, ["--db", str(db), "register", "void", "揭医保〔2026〕1号", "--reason", "错发"])
    assert voided.exit_code == 0 and "voided: 错发" in voided.output
    again = runner.invoke(cli, ["--db", str(db), "register", "void", "揭医保〔2026〕1号", "--reason", "x"])
    assert again.exit_code == 2 and "already voided" in again.output
    # the reservation's process (this one) is alive: recover leaves it
    kept = runner.invoke(cli, ["--db", str(db), "register", "recover"])
    assert kept.exit_code == 0 and "0 reservation(s) voided" in kept.output
    listed = runner.invoke(cli, ["--db", str(db), "register", "list", "--status", "reserved", "--json"])
    assert [r["number"] for r in json.loads(listed.output)] == ["揭医保〔2026〕2号"]
    missing = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "register", "list"])
    assert missing.exit_code == 2 and "no register at" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_seal_and_test_certificate_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "seal.png"
    result = runner.invoke(cli, ["seal", "--office", "chuxiong-ybj", "-o", str(out), "--size-mm", "40"])
    assert result.exit_code == 0 and "楚雄州医疗保障局" in result.output
    image = Image.open(out)
    assert image.mode == "RGBA" and image.size == (472, 472)
    result = runner.invoke(cli, ["test-certificate", str(tmp_path / "cert")])
    assert result.exit_code == 0 and "TEST certificate" in result.output
    assert {p.name for p in (tmp_path / "cert").iterdir()} == {"ca.pem", "signer.pem", "signer-key.pem", "signer.p12"}
