"""verify on what was signed and nothing else (#15.3, #15.10), the TEST CA made once (#15.2),
the visible stamp's time in China Standard Time and TEST on its face (#14). No LibreOffice: the
signed file is a one-page PDF written by pyHanko and signed by the real signer."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from toolkit.cli.main import cli
from toolkit.issuing.sign import (
    SigningError,
    StampPlacement,
    default_stamp_box,
    make_test_certificate,
    stamp_text,
    verify_pdf_bytes,
)

OFFICE = "揭阳市医疗保障局"


def _blank_pdf() -> bytes:
    writer = PdfFileWriter()
    size = [generic.NumberObject(v) for v in (0, 0, 595, 842)]
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(size),
    }))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("verify")
    cert = make_test_certificate(root / "cert")
    data = cert.signer().sign_pdf(_blank_pdf(), office=OFFICE,
                                  placement=StampPlacement(0, default_stamp_box(595)))
    (root / "signed.pdf").write_bytes(data)
    return {"root": root, "cert": cert, "data": data}


def _byte_range(data: bytes) -> list[int]:
    return [int(x) for x in re.search(rb"/ByteRange\s*\[([\d\s]+)\]", data)[1].split()]


def _forge_title(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.set_info(generic.DictionaryObject(
        {generic.NameObject("/Title"): generic.TextStringObject("伪造的标题")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _set(data: bytes, at: int, value: bytes) -> bytes:
    out = bytearray(data)
    out[at:at + len(value)] = value
    return bytes(out)


def _variants(data: bytes) -> dict[str, bytes]:
    start, gap, gap_end, _ = _byte_range(data)
    hex_text = data[gap + 1:gap_end - 1]
    used = len(hex_text.rstrip(b"0"))  # the CMS, then zero padding to the reserved size
    assert used < len(hex_text) - 100
    cms_at = gap + 1 + 40
    return {
        "appended": data + b"\n% x\n",
        "eof": data + b"\n%%EOF\n",
        "newline": data + b"\n",
        "title": _forge_title(data),
        "padding": _set(data, gap + 1 + used + 50, b"1"),
        "cms": _set(data, cms_at, b"0" if data[cms_at:cms_at + 1] != b"0" else b"1"),
        "content": _set(data, 200, bytes([data[200] ^ 1])),
    }


def test_the_file_as_signed_is_intact(signed):
    result = verify_pdf_bytes(signed["data"], trust_roots=[signed["cert"].ca_cert])
    assert result.status == "intact" and result.whole_file


@pytest.mark.parametrize("kind,detail", [
    ("appended", "modified after signing: 5 byte(s) appended after the signed range"),
    ("newline", "modified after signing: 1 byte(s) appended after the signed range"),
    ("title", "modified after signing: 1 later revision(s) of the file"),
    ("padding", "modified after signing: bytes changed in the unused padding of the signature"),
])
def test_changes_outside_the_signed_range_are_modified_after_signing(signed, kind, detail):
    data = _variants(signed["data"])[kind]
    for roots in ([signed["cert"].ca_cert], None):  # trusted or not: modified comes first
        result = verify_pdf_bytes(data, trust_roots=roots)
        assert result.status == "modified", (kind, result)
        assert result.signatures[0].detail.startswith(detail)
    if kind == "title":  # the forged title really is what a reader now shows
        info = PdfFileReader(io.BytesIO(data)).trailer["/Info"].get_object()
        assert info["/Title"] == "伪造的标题"


@pytest.mark.parametrize("kind", ["cms", "content", "eof"])
def test_changes_inside_the_signature_or_the_content_are_tampered(signed, kind):
    data = _variants(signed["data"])[kind]
    assert verify_pdf_bytes(data, trust_roots=[signed["cert"].ca_cert]).status == "tampered"


def test_verify_exit_codes(signed, tmp_path):
    ca = str(signed["cert"].ca_cert)
    files = {"intact": signed["data"], **_variants(signed["data"])}
    runner = CliRunner()
    codes = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        result = runner.invoke(cli, ["verify", str(path), "--trust", ca])
        codes[name] = result.exit_code
        if name == "title":
            assert f"{path}: modified after signing" in result.output
    assert codes == {"intact": 0, "appended": 5, "newline": 5, "title": 5, "padding": 5,
                     "cms": 1, "content": 1, "eof": 1}
    assert runner.invoke(cli, ["verify", str(tmp_path / "intact.pdf")]).exit_code == 3
    (tmp_path / "plain.pdf").write_bytes(_blank_pdf())
    assert runner.invoke(cli, ["verify", str(tmp_path / "plain.pdf")]).exit_code == 4
    missing = runner.invoke(cli, ["verify", str(tmp_path / "nothing.pdf")])
    assert missing.exit_code == 2 and "no such file" in missing.output


# -- the visible stamp -------------------------------------------------------------------------


def test_stamp_time_is_china_standard_time_and_says_test():
    at = datetime(2026, 12, 3, 17, 30, 5, tzinfo=UTC)
    assert stamp_text(OFFICE, test=True, now=at) == (
        "签章：揭阳市医疗保障局\n时间：2026-12-04 01:30:05（北京时间 UTC+8）\n"
        "TEST 测试证书签章，不具法律效力")
    assert "TEST" not in stamp_text(OFFICE, test=False, now=at)


def test_the_signed_stamp_prints_cst_and_test(signed):
    # the stamp is the signature field's appearance, which poppler prints with the page
    text = subprocess.run(["pdftotext", str(signed["root"] / "signed.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    when = verify_pdf_bytes(signed["data"]).signing_time
    assert "TEST 测试证书签章，不具法律效力" in text
    cst = re.search(r"时间：(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)（北京时间 UTC\+8）", text)
    assert cst, text
    printed = datetime.strptime(cst[1], "%Y-%m-%d %H:%M:%S")
    hours = (printed - when.replace(tzinfo=None)).total_seconds() / 3600
    assert abs(hours - 8) < 0.02  # the stamp's clock is the signature's, 8 hours ahead


# -- the TEST CA: made once, reused, never overwritten ----------------------------------------


def test_test_ca_is_made_once_and_reused(signed):
    folder = signed["root"] / "cert"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}
    again = make_test_certificate(folder)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}
    assert before == after and set(after) == {"ca.pem", "signer.pem", "signer-key.pem",
                                              "signer.p12"}
    # a notice signed before the rerun still verifies against the folder's ca.pem
    assert verify_pdf_bytes(signed["data"], trust_roots=[again.ca_cert]).status == "intact"


def test_a_partial_test_ca_is_refused_not_repaired(tmp_path):
    make_test_certificate(tmp_path / "c")
    key = (tmp_path / "c" / "signer-key.pem").read_bytes()
    (tmp_path / "c" / "ca.pem").unlink()
    with pytest.raises(SigningError, match="incomplete TEST certificate.*never overwritten"):
        make_test_certificate(tmp_path / "c")
    assert (tmp_path / "c" / "signer-key.pem").read_bytes() == key


_PARALLEL = """
import sys
from toolkit.issuing.sign import make_test_certificate
tc = make_test_certificate(sys.argv[1])
print(tc.ca_cert.read_text())
"""


def test_eight_parallel_runs_make_one_ca(tmp_path):
    folder = tmp_path / "shared"
    procs = [subprocess.Popen([sys.executable, "-c", _PARALLEL, str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    cas = {o for o, _ in outs}
    assert len(cas) == 1 and cas == {(folder / "ca.pem").read_text() + "\n"}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_partial_test_ca_folder_is_one_line_from_the_notice_command(tmp_path):
    make_test_certificate(tmp_path / "c")
    (tmp_path / "c" / "signer.p12").unlink()
    result = CliRunner().invoke(cli, ["notice", "refusal", "--case", "examples/refusal.yaml",
                                      "-o", str(tmp_path / "out"), "--pdf", "--sign",
                                      "--test-cert", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "incomplete TEST certificate" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c" / "signer.p12").exists()
