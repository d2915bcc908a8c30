"""Issued notices typeset as GB/T 9704 asks (issue #14): 仿宋 body (FandolFang), bold Song SC
titles (FandolSong Bold), rare characters from a fallback face, `check` naming any PDF font the
DOCX does not ask for; the 署名 and 成文日期 never on a page with only the closing formula.

Every notice type is issued at several lengths in one LibreOffice run (the lengths include the
ones that put "特此决定。" alone with the seal before: the example suspension, a short refusal)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
import yaml

from toolkit.documents.cases import parse_case
from toolkit.documents.doctypes import TYPES
from toolkit.issuing.pdf_check import (
    Expectations,
    FontInfo,
    PdfReport,
    _check_fonts,
    check_pdf,
    docx_fonts,
)

NOTICES = [k for k, t in TYPES.items() if t.kind == "notice"]
LENGTHS = (0, 3, 6, 9)  # extra lines of facts
PAD = "经核查，该单位在医保结算中存在不规范情形，需予以纠正并说明情况。"
RARE = "揭阳市榕城区喆堃诊所"  # 喆 and 堃 are not in FandolFang (≈10 000 characters)


def padded(doc_type: str, n: int, **changes):
    data = yaml.safe_load(TYPES[doc_type].example.read_text(encoding="utf-8"))
    data.pop("doc_number", None)
    for key in ("rectification", "materials", "reasons", "issues", "facts"):
        if isinstance(data.get(key), list):
            data[key] = data[key] + [PAD] * n
            break
    else:
        data["grounds"][0]["facts"] += PAD * n
    return parse_case(data | changes, str(TYPES[doc_type].example), doc_type)


@pytest.fixture(scope="module")
def issued(corpus_store, tmp_path_factory):
    from toolkit.corpus import Corpus
    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.notice_issue import issue_notices, prepare_notice
    from toolkit.issuing.numbering import load_offices
    from toolkit.issuing.register import Register

    corpus = Corpus.open(corpus_store)
    offices = load_offices()
    root = tmp_path_factory.mktemp("typeset")
    jobs = {(k, n): padded(k, n) for k in NOTICES for n in LENGTHS}
    jobs[("rare", 0)] = padded("refusal", 0, applicant={"name": RARE}, addressee=RARE)
    prepared = [prepare_notice(k if k != "rare" else "refusal", case, corpus, offices,
                               case_id=f"{k}-{n}") for (k, n), case in jobs.items()]
    with Register(root / "register.db") as reg:
        outcomes = issue_notices(prepared, register=reg, out_dir=root / "out", offices=offices,
                                 options=IssueOptions())
    corpus.store.close()
    out = {}
    for key, p, o in zip(jobs, prepared, outcomes, strict=True):
        assert o.status == "issued", (key, o.error)
        out[key] = (Path(o.pdf), Path(o.docx), p.case.issuer.name)
    return out


def page_lines(pdf: Path) -> list[list[str]]:
    with pdfplumber.open(pdf) as doc:
        return [[line.replace(" ", "") for line in (page.extract_text() or "").splitlines()
                 if line.strip()] for page in doc.pages]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("doc_type", NOTICES)
def test_signature_page_carries_body_text(issued, doc_type, n):
    pdf, _, signature = issued[(doc_type, n)]
    pages = page_lines(pdf)
    where = [i for i, lines in enumerate(pages) if signature in lines]
    assert where, "署名 not found"
    lines = pages[where[-1]]
    above = lines[: lines.index(signature)]
    body = [line for line in above if not line.startswith("特此") and not line.startswith("—")]
    assert len(body) >= 2, (pdf.name, where[-1] + 1, above)
    assert any(line.startswith("特此") for line in above)  # the closing is on the same page


def chars_by_font(pdf: Path) -> Counter:
    fonts: Counter = Counter()
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            for ch in page.chars:
                fonts[(ch["text"], ch["fontname"].split("+", 1)[-1])] += 1
    return fonts


@pytest.mark.parametrize("doc_type", ["refusal", "suspension", "staff_points"])
def test_body_is_fangsong_and_titles_bold_song_sc(issued, doc_type):
    pdf, docx, _ = issued[(doc_type, 0)]
    fonts = chars_by_font(pdf)
    title = TYPES[doc_type].name.split("（")[0][:4]
    assert all(fonts[(ch, "FandolSong-Bold")] for ch in title)
    assert fonts[("你", "FandolFang-Regular")] > 0  # body
    assert not any("JP" in f or "UMing" in f for _, f in fonts)  # no Japanese, no 明体 body
    assert [f for f in check_pdf(pdf, Expectations(docx_fonts=docx_fonts(docx)))
            if f.code.startswith("font")] == []


def test_rare_characters_come_from_a_fallback_face(issued):
    pdf, docx, _ = issued[("rare", 0)]
    text = "".join(line for page in page_lines(pdf) for line in page)
    assert RARE in text  # no missing glyph boxes, no dropped characters
    fonts = chars_by_font(pdf)
    assert fonts[("喆", "UMingCN")] and fonts[("堃", "UMingCN")]
    assert fonts[("榕", "FandolFang-Regular")]
    assert [f for f in check_pdf(pdf, Expectations(docx_fonts=docx_fonts(docx)))
            if f.code.startswith("font")] == []


def test_check_cli_accepts_the_issued_pdf(issued):
    from click.testing import CliRunner

    from toolkit.cli.main import cli

    pdf, _, _ = issued[("suspension", 0)]
    result = CliRunner().invoke(cli, ["check", str(pdf)])
    assert result.exit_code == 0 and result.output.strip().endswith(": OK"), result.output


def test_check_names_fonts_the_docx_does_not_ask_for():
    # What the issue found: the body in AR PL UMing (明体) and titles in Noto Serif CJK JP.
    report = PdfReport(page_count=1, page_size=(595.0, 842.0), fonts=[
        FontInfo("UMingCN", "TrueType", True), FontInfo("NotoSerifCJKjp-Regular", "Type1", True),
        FontInfo("LiberationSerif", "TrueType", True)])
    _check_fonts(report, Expectations(docx_fonts=["Times New Roman", "仿宋_GB2312", "方正小标宋简体"]))
    codes = {(f.code, f.message.split(" ")[0]) for f in report.findings}
    assert ("font-not-in-docx", "font") in codes
    assert any("NotoSerifCJKjp-Regular" in f.message for f in report.findings
               if f.code == "font-not-in-docx")
    assert any(f.code == "font-substituted" and "仿宋_GB2312" in f.message and "FandolFang" in f.message
               for f in report.findings)
    assert not any("LiberationSerif" in f.message for f in report.findings)


def test_docx_fonts_are_the_official_names():
    fonts = docx_fonts(TYPES["suspension"].template)
    assert {"仿宋_GB2312", "方正小标宋简体", "黑体", "Times New Roman"} <= set(fonts)
