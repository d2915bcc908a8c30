"""The issuing chain end to end with LibreOffice: fonts, seal page, page numbers, signatures.

LibreOffice runs twice per session: one ``issue_batch`` call (both specimens, signed) and one
conversion of the "naive" variants that the checks must reject.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber
import pytest
from batch_samples import run_once
from click.testing import CliRunner
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from issue_samples import FILL_PAGE_LINES, ISSUE_DATE, OFFICE_ID, specimen_docx, specimen_text

from toolkit.cli.main import cli
from toolkit.issuing.fonts import FONTS_CONF, fontconfig_env
from toolkit.issuing.issue import (
    MAPPED_FONTS,
    IssueOptions,
    IssueRequest,
    issue_batch,
)
from toolkit.issuing.pdf import convert_docx_to_pdf
from toolkit.issuing.pdf_check import Expectations, PdfReport, inspect_pdf
from toolkit.issuing.register import Register, sha256_file
from toolkit.issuing.seal import seal_png
from toolkit.issuing.sealing import find_signature_block, press_seal
from toolkit.issuing.sign import TestCertificate, make_test_certificate, verify_pdf
from toolkit.issuing.specimen import build_specimen

SEAL_PT = 42 / 25.4 * 72


@dataclass
class Doc:
    number: str
    docx: Path
    pdf: Path
    attempts: int


@dataclass
class Issued:
    register: Path
    cert: TestCertificate
    normal: Doc
    fill: Doc


@dataclass
class Naive:
    fill: PdfReport  # seal pressed on, but no keep-with-next
    fill_pages: list[list[str]]
    wrong_even_footer: PdfReport




def _issue_specimens(root: Path) -> dict:
    cert = make_test_certificate(root / "cert")
    db = root / "reg.db"
    with Register(db) as reg:
        outcomes = issue_batch(
            [
                IssueRequest(specimen_docx(), OFFICE_ID, "通知", case_id="normal"),
                IssueRequest(specimen_docx(fill_page=True), OFFICE_ID, "通知", case_id="fill"),
            ],
            register=reg,
            out_dir=root / "out",
            options=IssueOptions(sign=cert.signer(), reason="发文", location="揭阳"),
        )
    assert [o.status for o in outcomes] == ["issued", "issued"], [o.error for o in outcomes]
    docs = [
        {"number": o.number, "docx": str(o.docx), "pdf": str(o.pdf), "attempts": o.attempts}
        for o in outcomes
    ]
    return {"register": str(db), "cert": str(root / "cert"), "passphrase": cert.passphrase, "docs": docs}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    data = run_once(tmp_path_factory, "issued", _issue_specimens)
    cert_dir = Path(data["cert"])
    cert = TestCertificate(
        cert_dir / "ca.pem", cert_dir / "signer.p12", cert_dir / "signer-key.pem",
        cert_dir / "signer.pem", data["passphrase"],
    )  # fmt: skip
    normal, fill = (
        Doc(d["number"], Path(d["docx"]), Path(d["pdf"]), d["attempts"]) for d in data["docs"]
    )
    return Issued(Path(data["register"]), cert, normal, fill)


def _render_naive(root: Path) -> dict:
    # the page-filling specimen with the seal pressed on but the block NOT kept with the body
    doc = Document(io.BytesIO(specimen_docx(fill_page=True)))
    block = find_signature_block(doc)
    press_seal(doc, block, seal_png(specimen_text().signature[0]))
    doc.save(root / "fill.docx")
    # the normal specimen with its even-page number put at the right, against GB/T 9704
    doc2 = Document(io.BytesIO(specimen_docx()))
    doc2.sections[0].even_page_footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc2.save(root / "footer.docx")
    fill_pdf, footer_pdf = convert_docx_to_pdf([root / "fill.docx", root / "footer.docx"], root)
    return {"fill": str(fill_pdf), "footer": str(footer_pdf)}


@pytest.fixture(scope="module")
def naive(tmp_path_factory: pytest.TempPathFactory) -> Naive:
    data = run_once(tmp_path_factory, "naive", _render_naive)
    block = find_signature_block(Document(io.BytesIO(specimen_docx(fill_page=True))))
    expect = Expectations(
        date_text=block.date_text,
        signature_text=block.signature_text,
        body_last_text=block.body_last_text,
        seal_diameter_pt=SEAL_PT,
    )
    with pdfplumber.open(data["fill"]) as pdf:
        pages = [[line["text"] for line in p.extract_text_lines()] for p in pdf.pages]
    return Naive(
        inspect_pdf(data["fill"], expect), pages, inspect_pdf(data["footer"], Expectations())
    )


def _report(doc: Doc) -> PdfReport:
    prepared = Document(str(doc.docx))
    block = find_signature_block(prepared)
    return inspect_pdf(
        doc.pdf,
        Expectations(
            date_text=block.date_text,
            signature_text=block.signature_text,
            body_last_text=block.body_last_text,
            seal_diameter_pt=SEAL_PT,
            number=doc.number,
            allowed_fonts=MAPPED_FONTS,
        ),
    )


def _page_texts(pdf_path: Path) -> list[str]:
    with pdfplumber.open(pdf_path) as pdf:
        return [re.sub(r"\s+", "", p.extract_text() or "") for p in pdf.pages]


# -- fonts ----------------------------------------------------------------------------------------


def test_fontconfig_aliases_map_official_names_to_free_fonts() -> None:
    # Real FangSong for the body, a bold Song of the SC design for titles (issue #14).
    expected = {
        "仿宋_GB2312": "FandolFang Regular",
        "FangSong": "FandolFang Regular",
        "方正小标宋简体": "FandolSong Bold",
        "SimSun": "FandolSong Regular",
        "黑体": "FandolHei Regular",
        "楷体_GB2312": "FandolKai Regular",
        "Times New Roman": "Liberation Serif Regular",
    }
    for official, free in expected.items():
        out = subprocess.run(
            ["fc-match", "-f", "%{family[0]} %{style[0]}", official],
            env=fontconfig_env(), capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert out == free, (official, out)
    assert FONTS_CONF.is_file()


def test_pdf_embeds_the_mapped_free_fonts(issued: Issued) -> None:
    report = _report(issued.normal)
    names = {f.name for f in report.fonts}
    assert all(f.embedded for f in report.fonts), report.fonts
    assert all(any(m in n for m in MAPPED_FONTS) for n in names), names
    assert "FandolFang-Regular" in names  # 仿宋_GB2312 body: a real FangSong
    assert "FandolSong-Bold" in names  # 方正小标宋简体 title: bold Song, SC design
    assert any(n.startswith("LXGWWenKai") for n in names)  # the signature stamp
    # and the body text really is set in the 仿宋 substitute, the title in the 小标宋 one
    body = specimen_text().body[1][:6]
    title = specimen_text().title[:6]
    with pdfplumber.open(issued.normal.pdf) as pdf:
        chars = pdf.pages[0].chars
    text = "".join(c["text"] for c in chars)
    body_font = chars[text.index(body)]["fontname"].split("+")[-1]
    title_font = chars[text.index(title)]["fontname"].split("+")[-1]
    assert body_font == "FandolFang-Regular"
    assert title_font == "FandolSong-Bold"


# -- seal, signature block, page numbers ------------------------------------------------------


@pytest.mark.parametrize("which", ["normal", "fill"])
def test_seal_shares_the_page_of_the_date_and_the_body(issued: Issued, which: str) -> None:
    doc = getattr(issued, which)
    report = _report(doc)
    assert report.findings == []
    assert report.page_count == 2
    assert report.date_box is not None and len(report.seal_boxes) == 1
    seal, date = report.seal_boxes[0], report.date_box
    assert seal.page == date.page == 2
    assert seal.overlaps(date) and all(seal.overlaps(s) for s in report.signature_boxes)
    page2 = _page_texts(doc.pdf)[1]
    tail = re.sub(r"\s+", "", specimen_text(fill_page=which == "fill").body[-1])
    assert tail in page2  # the body's last paragraph is on the seal's page


def test_page_filling_body_needs_keep_with_next(issued: Issued, naive: Naive) -> None:
    # precondition: the page-filling specimen really fills page 1, so the naive signature
    # block starts page 2 on its own
    body = specimen_text(fill_page=True).body
    assert len(body) == FILL_PAGE_LINES
    page1 = "".join(naive.fill_pages[0])
    assert re.sub(r"\s+", "", body[-1]) in re.sub(r"\s+", "", page1)
    assert naive.fill.date_box.page == 2
    assert [f.code for f in naive.fill.findings] == ["signature-alone"]
    # issued: the last body line moved to page 2 with the block; page 1 ends one line earlier
    pages = _page_texts(issued.fill.pdf)
    assert re.sub(r"\s+", "", body[-1]) in pages[1]
    assert re.sub(r"\s+", "", body[-2]) in pages[0]
    assert issued.fill.attempts == 1


def test_issued_docx_carries_a_floating_seal_and_kept_block(issued: Issued) -> None:
    doc = Document(str(issued.fill.docx))
    block = find_signature_block(doc)
    anchors = doc.element.body.findall(f".//{qn('wp:anchor')}")
    assert len(anchors) == 1
    anchor = anchors[0]
    assert anchor.find(qn("wp:wrapNone")) is not None
    assert anchor.find(qn("wp:docPr")).get("name") == "PK-Seal"
    assert anchor.find(qn("wp:positionV")).get("relativeFrom") == "paragraph"
    signature_p = doc.paragraphs[block.signature[-1]]
    assert anchor in list(signature_p._p.iter(qn("wp:anchor")))
    for i in range(block.body_last, block.date):
        assert doc.paragraphs[i].paragraph_format.keep_with_next is True
    numbers = [p.text for p in doc.paragraphs if p.style.name == "PK-DocNumber"]
    assert numbers == [issued.fill.number]


def test_page_numbers_follow_gbt9704_parity(issued: Issued, naive: Naive) -> None:
    with pdfplumber.open(issued.normal.pdf) as pdf:
        for index, page in enumerate(pdf.pages, 1):
            lines = [
                line for line in page.extract_text_lines()
                if re.fullmatch(r"—\s*\d+\s*—", line["text"].strip())
            ]  # fmt: skip
            assert len(lines) == 1
            assert re.sub(r"\D", "", lines[0]["text"]) == str(index)
            centre = (lines[0]["x0"] + lines[0]["x1"]) / 2
            assert (centre > page.width / 2) == (index % 2 == 1)
    assert [(f.code, f.page) for f in naive.wrong_even_footer.findings] == [("page-number-side", 2)]


def test_number_printed_and_registered_with_hashes(issued: Issued) -> None:
    with Register(issued.register) as reg:
        rows = reg.entries()
        assert [(r.number, r.status, r.case_id) for r in rows] == [
            ("揭医保〔2026〕1号", "issued", "normal"),
            ("揭医保〔2026〕2号", "issued", "fill"),
        ]
        assert rows[0].doc_date == ISSUE_DATE.isoformat()  # read from the printed 成文日期
        for row, doc in zip(rows, (issued.normal, issued.fill), strict=True):
            files = {f.role: f for f in row.files}
            assert set(files) == {"docx", "pdf"}
            assert files["pdf"].sha256 == sha256_file(doc.pdf)
            assert files["docx"].sha256 == sha256_file(doc.docx)
            assert "揭医保〔2026〕" + str(row.seq) + "号" in _page_texts(doc.pdf)[0]


# -- signatures ---------------------------------------------------------------------------------


def test_signature_intact_with_test_ca(issued: Issued) -> None:
    result = verify_pdf(issued.normal.pdf, trust_roots=[issued.cert.ca_cert])
    assert result.status == "intact"
    assert result.signer == "policykit 测试签章 (TEST)"
    assert result.whole_file
    assert result.signing_time is not None
    assert verify_pdf(issued.normal.pdf).status == "untrusted"
    # the visible stamp is on the seal's page, naming the office
    with pdfplumber.open(issued.normal.pdf) as pdf:
        annots = pdf.pages[1].annots
    assert any(a.get("data", {}).get("FT") and "Sig" in str(a["data"]["FT"]) for a in annots)


def _flip_inside_signed_content(data: bytes) -> bytes:
    """Flip one byte inside a content stream of the signed byte range (before /Contents)."""
    byte_range = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+\d+\s+\d+\s*\]", data)
    covered = int(byte_range[1])  # bytes 0..covered precede the signature value
    start = data.index(b"stream", covered // 3) + len(b"stream\n") + 20
    assert start < covered
    out = bytearray(data)
    out[start] ^= 0x01
    return bytes(out)


def test_flipped_byte_is_tampered_and_cli_exit_codes(issued: Issued, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(_flip_inside_signed_content(issued.fill.pdf.read_bytes()))
    result = verify_pdf(bad, trust_roots=[issued.cert.ca_cert])
    assert result.status == "tampered"
    assert result.signatures[0].detail == "content changed after signing"

    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(issued.fill.pdf), "--trust", str(issued.cert.ca_cert)])
    assert ok.exit_code == 0 and "intact" in ok.output and "测试签章" in ok.output
    untrusted = runner.invoke(cli, ["verify", str(issued.fill.pdf)])
    assert untrusted.exit_code == 3 and ": untrusted" in untrusted.output
    tampered = runner.invoke(cli, ["verify", str(bad), "--trust", str(issued.cert.ca_cert)])
    assert tampered.exit_code == 1 and ": tampered" in tampered.output


def test_failed_page_check_is_tightened_and_rendered_again() -> None:
    # a signature block NOT kept with the body, two lines short of a full page: the two blank
    # lines above the 署名 push it onto page 2 alone; tightening removes them and re-renders
    from toolkit.issuing.issue import PdfJob, produce_pdfs

    text = specimen_text(fill_page=True)
    short = build_specimen(replace(text, body=list(text.body[: FILL_PAGE_LINES - 2])))
    doc = Document(io.BytesIO(short))
    block = find_signature_block(doc)
    diameter = press_seal(doc, block, seal_png(text.signature[0]))
    buf = io.BytesIO()
    doc.save(buf)
    expect = Expectations(
        date_text=block.date_text,
        signature_text=block.signature_text,
        body_last_text=block.body_last_text,
        seal_diameter_pt=diameter,
    )
    (result,), timings = produce_pdfs([PdfJob(0, buf.getvalue(), expect, text.signature[0])], IssueOptions())
    assert result.error is None and result.findings == []
    assert result.attempts >= 2
    report = inspect_pdf(result.pdf, expect)
    assert report.page_count == 1 and report.seal_boxes[0].page == report.date_box.page == 1
    blanks_before = sum(1 for p in Document(io.BytesIO(buf.getvalue())).paragraphs if not p.text.strip())
    blanks_after = sum(1 for p in Document(io.BytesIO(result.docx)).paragraphs if not p.text.strip())
    assert blanks_after < blanks_before
    assert timings.wall["libreoffice"] > 0 and timings.cpu["libreoffice"] > 0
