"""``policykit notice --pdf``: the example refusal issued for real (one LibreOffice run per test
run): 文号 from the register printed in the notice, sealed PDF checked, signed, registered."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pdfplumber
import pytest
import yaml
from batch_samples import EXAMPLES, run_once, store_copy
from click.testing import CliRunner
from docx import Document

from toolkit.cli.main import cli
from toolkit.documents.doctypes import TYPES
from toolkit.issuing.issue import MAPPED_FONTS
from toolkit.issuing.numbering import load_offices
from toolkit.issuing.pdf_check import Expectations, inspect_pdf
from toolkit.issuing.register import Register, sha256_file
from toolkit.issuing.sealing import find_signature_block

CASE = EXAMPLES / "refusal.yaml"
SEAL_PT = 42 / 25.4 * 72


def _issue(store: Path):
    def build(root: Path) -> dict:
        db = store_copy(store, root / "policykit.db")
        result = CliRunner().invoke(cli, [
            "--db", str(db), "notice", "refusal", "--case", str(CASE), "-o", str(root / "out"),
            "--pdf", "--sign", "--test-cert", str(root / "cert"),
        ])
        return {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr,
                "db": str(db), "cert": str(root / "cert"), "out": str(root / "out")}
    return build


@pytest.fixture(scope="module")
def issued(tmp_path_factory, corpus_store) -> dict:
    data = run_once(tmp_path_factory, "notice-pdf", _issue(corpus_store))
    assert data["exit"] == 0, data["stderr"]
    number, docx, pdf = data["stdout"].strip().splitlines()
    return data | {"number": number, "docx": Path(docx), "pdf": Path(pdf)}


def _case_data() -> dict:
    return yaml.safe_load(CASE.read_text(encoding="utf-8"))


def test_cli_prints_the_number_and_both_files(issued):
    assert issued["number"] == "揭医保〔2026〕1号"  # a fresh register: the office's first number
    assert issued["docx"] == Path(issued["out"]) / "揭医保-2026-1.docx"
    assert issued["pdf"] == Path(issued["out"]) / "揭医保-2026-1.pdf"
    assert issued["docx"].is_file() and issued["pdf"].is_file()
    assert sorted(p.name for p in Path(issued["out"]).iterdir()) == \
        ["揭医保-2026-1.docx", "揭医保-2026-1.pdf"]  # no temp files left
    # the case file's own 文号 is not used, and the clerk is told so
    assert f"案件文件的发文字号 {_case_data()['doc_number']} 不使用" in issued["stderr"]


def test_register_row_is_issued_with_the_sha256_of_both_files(issued):
    template = TYPES["refusal"].template
    with Register(issued["db"]) as reg:  # the store file itself holds the register
        (entry,) = reg.entries()
        assert reg.check_files(entry.number)[0].state == "ok"
    assert (entry.number, entry.status, entry.office) == (issued["number"], "issued", "jieyang-ybj")
    assert (entry.doc_type, entry.case_id, entry.doc_date) == ("不予受理通知书", "refusal",
                                                              "2026-11-23")
    digest = hashlib.sha256(template.read_bytes()).hexdigest()[:12]
    assert entry.template_version == f"refusal.docx@{digest}"
    files = {f.role: f for f in entry.files}
    assert set(files) == {"docx", "pdf"}
    assert files["docx"].sha256 == sha256_file(issued["docx"])
    assert files["pdf"].sha256 == sha256_file(issued["pdf"])
    assert Path(files["pdf"].path) == issued["pdf"].resolve()


def test_printed_number_in_the_pdf_is_the_registers(issued):
    with pdfplumber.open(issued["pdf"]) as pdf:
        lines = [re.sub(r"\s+", "", line["text"]) for line in pdf.pages[0].extract_text_lines()]
    printed = [line for line in lines if re.fullmatch(r"\S+〔\d{4}〕\d+号", line)]
    with Register(issued["db"]) as reg:
        (entry,) = reg.entries()
    assert printed == [entry.number]
    assert lines.index(printed[0]) == 1  # right under the 发文机关标志
    assert lines[0] == "揭阳市医疗保障局"
    doc = Document(str(issued["docx"]))
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == [entry.number]
    assert all(_case_data()["doc_number"] not in p.text for p in doc.paragraphs)


def test_pdf_fonts_embedded_and_seal_on_the_dates_page(issued):
    block = find_signature_block(Document(str(issued["docx"])))
    report = inspect_pdf(issued["pdf"], Expectations(
        date_text=block.date_text, signature_text=block.signature_text,
        body_last_text=block.body_last_text, seal_diameter_pt=SEAL_PT,
        number=issued["number"], allowed_fonts=MAPPED_FONTS,
    ))
    assert report.findings == []
    assert report.fonts and all(f.embedded for f in report.fonts)
    assert block.signature_text == (load_offices().get("jieyang-ybj").name,)
    assert block.date_text == "2026年11月23日"
    assert report.date_box is not None and len(report.seal_boxes) == 1
    assert report.seal_boxes[0].page == report.date_box.page
    assert report.seal_boxes[0].overlaps(report.date_box)
    check = CliRunner().invoke(cli, ["check", str(issued["pdf"])])
    assert check.exit_code == 0 and check.stdout.strip().endswith(": OK")


def test_signature_verifies_intact_with_the_test_ca(issued):
    ca = Path(issued["cert"]) / "ca.pem"
    result = CliRunner().invoke(cli, ["verify", str(issued["pdf"]), "--trust", str(ca)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{issued['pdf']}: intact"
    untrusted = CliRunner().invoke(cli, ["verify", str(issued["pdf"])])
    assert untrusted.exit_code == 3


# -- refused before any number is taken (no LibreOffice) ----------------------------------------


def _register_copy(issued, tmp_path: Path) -> Path:
    """A copy of the issued store + register (SQLite's backup: the WAL is included)."""
    db = tmp_path / "policykit.db"
    with sqlite3.connect(issued["db"]) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db


def _write_case(tmp_path: Path, **changes) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(_case_data() | changes, allow_unicode=True), encoding="utf-8")
    return path


def _numbers(db: Path) -> list[tuple[str, str]]:
    with Register(db) as reg:
        return [(e.number, e.status) for e in reg.entries()]


def test_unknown_office_consumes_no_number(issued, tmp_path):
    db = _register_copy(issued, tmp_path)
    before = _numbers(db)
    assert before == [("揭医保〔2026〕1号", "issued")]
    case = _write_case(tmp_path, issuer={"name": "某某市医疗保障局"})
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(case),
                                 "-o", str(tmp_path / "out"), "--pdf"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"policykit notice: {case}: 发文机关“某某市医疗保障局”不在发文机关表")
    assert "未分配文号" in lines[0]
    # --office naming no known office: the same
    other = runner.invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(CASE),
                                "-o", str(tmp_path / "out"), "--pdf", "--office", "nowhere-ybj"])
    assert other.exit_code == 2 and "发文机关“nowhere-ybj”不在发文机关表" in other.stderr
    # --office contradicting the case's 署名
    clash = runner.invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(CASE),
                                "-o", str(tmp_path / "out"), "--pdf", "--office", "zhanjiang-ybj"])
    assert clash.exit_code == 2 and "与 --office 的“湛江市医疗保障局”不一致" in clash.stderr
    assert _numbers(db) == before
    assert not (tmp_path / "out").exists()
    with Register(db) as reg:  # and the series goes on without a gap
        nxt = reg.reserve(prefix="揭医保", office="jieyang-ybj", doc_type="不予受理通知书", year=2026)
    assert nxt.number == "揭医保〔2026〕2号"


def test_office_fills_a_case_without_issuer(corpus_store, tmp_path):
    """--office supplies the 署名 a case leaves out; the validation still runs first: a bad
    case takes no number."""
    db = store_copy(corpus_store, tmp_path / "policykit.db")
    data = _case_data()
    data.pop("issuer")
    data["received_on"] = "2026-12-01"  # after the 成文日期: invalid
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(case),
                                      "-o", str(tmp_path / "out"), "--pdf", "--office",
                                      "jieyang-ybj"])
    assert result.exit_code == 2
    assert "收到申请日期（received_on）不能晚于成文日期（date）" in result.stderr
    assert "issuer" not in result.stderr  # the office filled it in
    assert _numbers(db) == []


@pytest.mark.parametrize("args, message", [
    (["--sign", "--test-cert", "CERT"], "请同时给出 --pdf"),
    (["--pdf", "--sign"], "--sign 需要密钥"),
    (["--pdf", "--test-cert", "CERT"], "需要同时给出 --sign"),
    (["--office", "jieyang-ybj"], "请同时给出 --pdf"),
])
def test_signing_options_are_checked_first(corpus_store, tmp_path, args, message):
    db = store_copy(corpus_store, tmp_path / "policykit.db")
    args = [str(tmp_path / "cert") if a == "CERT" else a for a in args]
    result = CliRunner().invoke(cli, ["--db", str(db), "notice", "refusal", "--case", str(CASE),
                                      "-o", str(tmp_path / "out"), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "cert").exists()
    assert _numbers(db) == []


def test_without_pdf_the_draft_is_as_before_and_numberless_cases_get_a_marker(corpus_store,
                                                                               tmp_path):
    from toolkit.documents.context import DRAFT_NUMBER

    runner = CliRunner()
    given = runner.invoke(cli, ["--db", str(corpus_store), "notice", "refusal", "--case",
                                str(CASE), "-o", str(tmp_path / "a")])
    assert given.exit_code == 0
    doc = Document(given.stdout.strip())
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == \
        [_case_data()["doc_number"]]
    data = _case_data()
    data.pop("doc_number")
    case = tmp_path / "draft.yaml"
    case.write_text(yaml.safe_dump(data | {"case_id": "JY-7"}, allow_unicode=True),
                    encoding="utf-8")
    draft = runner.invoke(cli, ["--db", str(corpus_store), "notice", "refusal", "--case",
                                str(case), "-o", str(tmp_path / "b")])
    assert draft.exit_code == 0, draft.output
    path = Path(draft.stdout.strip())
    assert path.name == "refusal_JY-7_草稿.docx"
    doc = Document(str(path))
    assert [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"] == [DRAFT_NUMBER]
    check = runner.invoke(cli, ["check", str(path)])  # a draft is not a finished 公文
    assert check.exit_code == 1 and "doc_number" in check.stdout
