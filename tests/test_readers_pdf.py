"""PDF reader on the bundled corpus PDFs, on fixtures from other layouts, and on bad input.

The clean texts (tests/data/clean) hold one paragraph per line; the reader's blocks are compared
with them in order, after ``normalize_spaces`` on the clean side (the reader normalises producer
spacing, the clean texts do so only in places). Every remaining difference is listed below with
its reason, so a new one fails the test.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors.normalize import normalize_spaces, squeeze_cjk
from extractors.readers import ocr as ocr_mod
from extractors.readers.base import ReadError
from extractors.readers.pdf import read_pdf

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "corpus" / "sources"
CLEAN = ROOT / "tests" / "data" / "clean"
FIXTURES = ROOT / "tests" / "data" / "pdf_fixtures"
STEMS = sorted(p.stem for p in SOURCES.glob("*.pdf"))

# Differences between the blocks and the clean text, as (block texts, clean lines) per file.
KNOWN_DIFFERENCES = {
    # 版记: 印发机关 and 印发日期 are printed on one line; the clean text splits them.
    "000_b3443c26a488e755": [
        (["广东省医疗保障局办公室 2024年4月23日印发"], ["广东省医疗保障局办公室", "2024年4月23日印发"]),
        (["揭阳市医疗保障局办公室 2024年4月30日印发"], ["揭阳市医疗保障局办公室", "2024年4月30日印发"]),
    ],
    # The clean text squeezes the letter-spaced 发文机关标志 elsewhere but keeps this blank.
    "001_2fb3cac5e76e682b": [(["广东省药品监督管理局文件"], ["广东省药品监督管理局 文件"])],
    "002_2b5a4cf9d6a9a96c": [
        (["江苏省医疗保障局办公室 2023年11月17日印发"], ["江苏省医疗保障局办公室", "2023年11月17日印发"]),
    ],
    "003_7489cc8a613fac2a": [],
    # The clean text has "办公室 2022年 4月 28日印发": normalising it glues 办公室 to the date.
    "004_928757f12460cdce": [
        (["楚雄州医疗保障局办公室 2022年4月28日印发"], ["楚雄州医疗保障局办公室2022年4月28日印发"]),
    ],
    "state-council-order-735": [],
}


@pytest.fixture(scope="module")
def corpus():
    return {stem: read_pdf(SOURCES / f"{stem}.pdf") for stem in STEMS}


def _clean_lines(stem: str) -> list[str]:
    text = (CLEAN / f"{stem}.txt").read_text(encoding="utf-8")
    return [normalize_spaces(line) for line in text.splitlines() if line.strip()]


def _comparable(block) -> str:
    # The 发文机关标志 is kept letter-spaced as printed; the clean text squeezes it.
    return squeeze_cjk(block.text) if block.style.red else block.text


# --- the corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_blocks_equal_clean_lines(corpus, stem):
    blocks = [_comparable(b) for b in corpus[stem].blocks]
    clean = _clean_lines(stem)
    matcher = difflib.SequenceMatcher(None, blocks, clean, autojunk=False)
    differences = [
        (blocks[a1:a2], clean[b1:b2]) for op, a1, a2, b1, b2 in matcher.get_opcodes() if op != "equal"
    ]
    assert differences == KNOWN_DIFFERENCES[stem]
    equal = sum(m.size for m in matcher.get_matching_blocks())
    assert equal == len(clean) - sum(len(c) for _, c in KNOWN_DIFFERENCES[stem])
    assert equal / len(clean) >= 0.97


def test_no_page_number_or_running_header_left(corpus):
    artifact = re.compile(r"^[-—–]\s*\d+\s*[-—–]$|—\s*\d+\s*—|^\d{1,3}$|第\s*\d+\s*页")
    for stem, result in corpus.items():
        assert not [b.text for b in result.blocks if artifact.search(b.text)], stem


def test_page_count_and_metadata(corpus):
    assert {stem: r.pages for stem, r in corpus.items()} == {
        "000_b3443c26a488e755": 24,
        "001_2fb3cac5e76e682b": 20,
        "002_2b5a4cf9d6a9a96c": 23,
        "003_7489cc8a613fac2a": 16,
        "004_928757f12460cdce": 22,
        "state-council-order-735": 14,
    }
    result = corpus["000_b3443c26a488e755"]
    assert result.format == "pdf" and not result.ocr and result.warnings == []
    assert result.metadata["Producer"].startswith("LibreOffice")


def test_paragraph_across_page_break_is_one_block(corpus):
    blocks = corpus["000_b3443c26a488e755"].blocks
    hits = [b for b in blocks if b.text.startswith("各统筹地区经办机构负责确定定点医疗机构")]
    assert len(hits) == 1
    assert hits[0].text == (
        "各统筹地区经办机构负责确定定点医疗机构，并与定点医疗机构签订医疗保障服务协议"
        "（以下简称“医保协议”），提供经办服务，开展医保协议管理、考核等。"
    )
    assert hits[0].page == 5
    assert hits[0].style.indent and hits[0].style.align == "left"


def test_title_number_and_dates_normalised(corpus):
    blocks = corpus["000_b3443c26a488e755"].blocks
    page1 = [b for b in blocks if b.page == 1]
    assert page1[0].text == "揭阳市医疗保障局文件" and page1[0].style.red and page1[0].style.size == 40.0
    assert page1[1].text == "揭医保〔2024〕21号" and page1[1].style.align == "center"
    title = page1[2]
    assert title.text == "揭阳市医疗保障局关于转发延长广东省医疗机构医疗保障定点管理暂行办法有效期的通知"
    assert title.style.title and title.style.size == 22.0 and title.style.align == "center"
    signature = [(b.text, b.style.align) for b in blocks if b.page == 4][-2:]
    assert signature == [("广东省医疗保障局", "right"), ("2021年5月26日", "right")]


def test_joint_issuers_red_lines_one_block_each(corpus):
    page1 = [b for b in corpus["001_2fb3cac5e76e682b"].blocks if b.page == 1]
    red = [b for b in page1 if b.style.red]
    assert [b.text for b in red] == ["湛 江 市 医 疗 保 障 局", "湛 江 市 卫 生 健 康 局 文件", "湛江市市场监督管理局"]
    assert all(b.style.size == 28.0 and b.style.bold for b in red)
    assert not any(b.style.red for b in page1[3:])
    signatures = [b.text for b in corpus["001_2fb3cac5e76e682b"].blocks if b.page == 5 and b.style.align == "right"]
    assert signatures == ["广东省医疗保障局", "广东省卫生健康委员会", "广东省药品监督管理局", "2025年4月21日"]


def test_banji_lines_are_separate_small_blocks(corpus):
    tail = [b for b in corpus["000_b3443c26a488e755"].blocks if b.page == 23]
    assert [(b.text, b.style.small) for b in tail] == [
        ("公开方式：主动公开", False),
        ("抄送：省人力资源社会保障厅，省医保中心。", True),
        ("广东省医疗保障局办公室 2024年4月23日印发", True),
    ]
    assert all(b.style.size == 14.0 for b in tail[1:])


def test_unnumbered_guide_headings_carry_size_and_bold(corpus):
    blocks = corpus["003_7489cc8a613fac2a"].blocks
    by_text = {b.text: b.style for b in blocks}
    assert by_text["医疗保障定点医疗机构服务管理标准化指南"].title
    assert (by_text["组织与人员"].size, by_text["组织与人员"].bold) == (14.0, True)
    assert (by_text["医疗保障管理委员会"].size, by_text["医疗保障管理委员会"].bold) == (12.0, True)
    note = by_text["注：仅提供门诊服务的定点医疗机构，可根据需要设立内部医保管理部门。"]
    assert (note.size, note.bold, note.small) == (10.5, True, True)
    body = [b for b in blocks if b.style.size == 12.0 and not b.style.bold]
    assert len(body) > 150 and all(b.style.indent for b in body)
    headings = [b.text for b in blocks if b.style.bold and b.style.size == 14.0]
    assert headings == ["组织与人员", "标识管理", "医保服务e站", "采购管理", "医药服务价格管理",
                        "目录管理", "医药服务", "信息化管理", "监督管理"]


def test_article_lead_in_is_bold_and_chapter_centred(corpus):
    blocks = corpus["state-council-order-735"].blocks
    chapter = next(b for b in blocks if b.text == "第一章 总 则")
    assert chapter.style.align == "center" and chapter.style.bold
    article = next(b for b in blocks if b.text.startswith("第一条 "))
    assert article.style.bold and article.style.indent and article.style.size == 16.0
    assert next(b for b in blocks if b.text.startswith("第五十条")).text == "第五十条 本条例自2021年5月1日起施行。"


# --- fixtures from other layouts -------------------------------------------------------------


@pytest.mark.parametrize("name", ["cjk_header_footer", "mirrored_spaced"])
def test_other_producer_layouts(name):
    result = read_pdf(FIXTURES / f"{name}.pdf")
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["blocks"]
    assert [b.text for b in result.blocks] == [e["text"] for e in expected]
    for block, want in zip(result.blocks, expected, strict=True):
        for key, value in want.items():
            if key != "text":
                assert getattr(block.style, key) == value, (block.text, key)
    assert result.pages >= 3


def test_fixture_paragraph_crosses_page_and_header_dropped():
    result = read_pdf(FIXTURES / "cjk_header_footer.pdf")
    title = result.blocks[0].text
    assert sum(b.text == title for b in result.blocks) == 1  # the running header is gone
    pages = [b.page for b in result.blocks]
    assert pages == sorted(pages) and len(set(pages)) == result.pages
    rows = [b.text for b in result.blocks if "\t" in b.text]
    assert len(rows) == 6 and all(r.startswith(("床位数", "1", "3", "5", "0")) for r in rows)


# --- bad input -------------------------------------------------------------------------------


def _encrypted(tmp_path: Path) -> Path:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    with (FIXTURES / "mirrored_spaced.pdf").open("rb") as fh:
        writer = copy_into_new_writer(PdfFileReader(fh))
        writer.encrypt("owner-pass", "user-pass")
        buf = io.BytesIO()
        writer.write(buf)
    out = tmp_path / "encrypted.pdf"
    out.write_bytes(buf.getvalue())
    return out


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    source = (SOURCES / "003_7489cc8a613fac2a.pdf").read_bytes()
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "text.pdf").write_text("第一条 这不是PDF。\n", encoding="utf-8")
    (tmp_path / "truncated.pdf").write_bytes(source[: len(source) // 2])
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    (tmp_path / "folder.pdf").mkdir()
    doc = pdfium.PdfDocument.new()
    doc.save(tmp_path / "nopages.pdf")
    doc.close()
    return {
        "missing": (tmp_path / "missing.pdf", "file not found"),
        "folder": (tmp_path / "folder.pdf", "not a file"),
        "empty": (tmp_path / "empty.pdf", "empty file (0 bytes)"),
        "text": (tmp_path / "text.pdf", "not a PDF (no %PDF- header)"),
        "truncated": (tmp_path / "truncated.pdf", "truncated PDF (no %%EOF marker at the end)"),
        "corrupt": (tmp_path / "corrupt.pdf", "corrupt PDF"),
        "encrypted": (_encrypted(tmp_path), "encrypted PDF (password required)"),
        "nopages": (tmp_path / "nopages.pdf", "PDF has no pages"),
    }


def test_bad_inputs_raise_read_error_with_reason(tmp_path):
    for label, (path, reason) in _bad_inputs(tmp_path).items():
        with pytest.raises(ReadError) as info:
            read_pdf(path)
        assert info.value.reason.startswith(reason), label
        assert info.value.path == str(path)
        assert str(info.value) == f"{path}: {info.value.reason}"


def test_owner_password_only_pdf_is_read(tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    with (FIXTURES / "mirrored_spaced.pdf").open("rb") as fh:
        writer = copy_into_new_writer(PdfFileReader(fh))
        writer.encrypt("owner-pass", "")
        buf = io.BytesIO()
        writer.write(buf)
    path = tmp_path / "restricted.pdf"
    path.write_bytes(buf.getvalue())
    assert [b.text for b in read_pdf(path).blocks] == [b.text for b in read_pdf(FIXTURES / "mirrored_spaced.pdf").blocks]


# --- scans -----------------------------------------------------------------------------------

SCAN_PAGE = 5  # of 000: a chapter heading and three articles


@pytest.fixture(scope="module")
def scan_pdf(tmp_path_factory) -> Path:
    """A real corpus page rendered to an image and wrapped into an image-only PDF."""
    doc = pdfium.PdfDocument(SOURCES / "000_b3443c26a488e755.pdf")
    image = doc[SCAN_PAGE - 1].render(scale=150 / 72).to_pil().convert("L")
    doc.close()
    path = tmp_path_factory.mktemp("scan") / "scan.pdf"
    image.save(path, "PDF", resolution=150)
    return path


def test_scan_without_ocr_is_a_clear_error(scan_pdf, monkeypatch):
    monkeypatch.setattr(ocr_mod, "unavailable_reason", lambda: "Tesseract is not installed")
    with pytest.raises(ReadError) as info:
        read_pdf(scan_pdf)
    assert info.value.reason == "image-only PDF (scan) and Tesseract chi_sim is not installed"
    with pytest.raises(ReadError, match="OCR requested"):
        read_pdf(scan_pdf, ocr=True)


def test_scan_with_ocr_turned_off(scan_pdf):
    with pytest.raises(ReadError) as info:
        read_pdf(scan_pdf, ocr=False)
    assert info.value.reason == "image-only PDF (scan) and OCR is turned off"


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.mark.skipif(not ocr_mod.available(), reason="Tesseract chi_sim is not installed")
def test_scan_is_read_by_ocr(scan_pdf, corpus):
    result = read_pdf(scan_pdf)
    assert result.ocr and result.pages == 1
    assert result.warnings and "OCR" in result.warnings[0]
    truth = [b for b in corpus["000_b3443c26a488e755"].blocks if b.page == SCAN_PAGE]
    # Every paragraph of the page comes back as one block, in order, ≥ 90 % of its characters
    # (the last one continues on page 6, which the scan lacks: compare the part on page 5).
    assert len(result.blocks) == len(truth)
    for got, want in zip(result.blocks, truth, strict=True):
        want_text = want.text.replace(" ", "")[: len(got.text) + 1]
        assert _similarity(got.text, want_text) >= 0.9, (got.text, want.text)
    assert result.blocks[0].style.title
    assert [b.style.indent for b in result.blocks] == [b.style.indent for b in truth]


def test_mixed_pdf_without_ocr_keeps_text_pages_and_warns(scan_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr_mod, "unavailable_reason", lambda: "Tesseract is not installed")
    mixed = pdfium.PdfDocument.new()
    source = pdfium.PdfDocument(SOURCES / "000_b3443c26a488e755.pdf")
    scan = pdfium.PdfDocument(scan_pdf)
    mixed.import_pages(source, [0, 1])
    mixed.import_pages(scan, [0])
    path = tmp_path / "mixed.pdf"
    mixed.save(path)
    for doc in (mixed, source, scan):
        doc.close()
    result = read_pdf(path)
    assert result.pages == 3 and not result.ocr
    assert result.warnings == ["page(s) 3: image only, skipped (Tesseract chi_sim is not installed)"]
    assert {b.page for b in result.blocks} == {1, 2}
    assert result.blocks[0].text == "揭阳市医疗保障局文件"


def _without_unicode_maps(tmp_path: Path) -> Path:
    """Page 5 of 000 with every font's /ToUnicode removed: text that extracts as (cid:N)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    source = pdfium.PdfDocument(SOURCES / "000_b3443c26a488e755.pdf")
    page_doc = pdfium.PdfDocument.new()
    page_doc.import_pages(source, [SCAN_PAGE - 1])
    buf = io.BytesIO()
    page_doc.save(buf)
    page_doc.close()
    source.close()
    writer = IncrementalPdfFileWriter(io.BytesIO(buf.getvalue()))
    fonts = writer.root["/Pages"]["/Kids"][0].get_object()["/Resources"]["/Font"]
    for key in list(fonts.keys()):
        font = fonts.raw_get(key).get_object()
        if "/ToUnicode" in font:
            del font["/ToUnicode"]
            writer.update_container(font)
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "cid.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_text_without_character_map_is_not_passed_off_as_text(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr_mod, "unavailable_reason", lambda: "Tesseract is not installed")
    with pytest.raises(ReadError) as info:
        read_pdf(_without_unicode_maps(tmp_path))
    assert info.value.reason == "PDF text without a character map (cid codes) and Tesseract chi_sim is not installed"
