"""PDFium characters give the same printed lines as pdfplumber's, line for line.

The PDF reader takes its characters from PDFium (``extractors.readers.pdf_chars``) for speed; the
lines it builds must be exactly those pdfplumber's own characters give — text, blanks, cells,
geometry, size, face, colour — on every bundled PDF and on the fixtures from other producers, so
that the trees and layers stored from them do not change.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from extractors.readers.pdf import page_text
from extractors.readers.pdf_chars import page_chars, text_lines

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "corpus" / "sources").glob("*.pdf")) + sorted(
    (ROOT / "tests" / "data" / "pdf_fixtures").glob("*.pdf"))


def _pdfplumber_lines(path: Path) -> list[list]:
    with pdfplumber.open(path) as pdf:
        return [page_text(page.extract_text_lines(return_chars=True, keep_blank_chars=True), n).lines
                for n, page in enumerate(pdf.pages, 1)]


def _pdfium_lines(path: Path) -> list[list]:
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for n in range(1, len(doc) + 1):
            page = doc[n - 1]
            chars = page_chars(page, page.get_textpage())
            pages.append(page_text(text_lines(chars, page.get_width(), page.get_height()), n).lines)
        return pages
    finally:
        doc.close()


def _rounded(line) -> tuple:
    return (line.text, line.page, round(line.x0, 2), round(line.x1, 2), round(line.top, 2),
            round(line.bottom, 2), line.size, line.font, line.bold, line.red, line.uniform, line.cells)


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_pdfium_lines_equal_pdfplumber_lines(path):
    old, new = _pdfplumber_lines(path), _pdfium_lines(path)
    assert len(old) == len(new)
    for page_old, page_new in zip(old, new, strict=True):
        assert [_rounded(x) for x in page_new] == [_rounded(x) for x in page_old]
    assert sum(len(p) for p in new) > 10


def test_unmapped_glyphs_read_as_cid_codes(tmp_path):
    from tests.test_readers_pdf import _without_unicode_maps

    path = _without_unicode_maps(tmp_path)
    doc = pdfium.PdfDocument(str(path))
    page = doc[0]
    text = "".join(c["text"] for c in page_chars(page, page.get_textpage()))
    doc.close()
    assert text.count("(cid:") > 100  # as pdfminer writes them, so the page goes to OCR
