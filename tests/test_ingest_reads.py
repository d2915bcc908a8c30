"""#16.2 and #16.5: everything read imperfectly says so; UTF-16 text is read."""

from __future__ import annotations

import codecs

import pytest
from click.testing import CliRunner
from conftest import DATA

from extractors.readers.base import ReadError
from extractors.readers.text import decode, read_text
from toolkit.cli.main import cli

ENV = {"COLUMNS": "250", "POLICYKIT_DEBUG": None}
CX = DATA / "clean" / "004_928757f12460cdce.txt"


def run(*args: str, db=None):
    return CliRunner(env=ENV).invoke(cli, (["--db", str(db)] if db else []) + list(args))


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom_reads_like_utf8(tmp_path, codec, bom):
    text = CX.read_text(encoding="utf-8")
    path = tmp_path / "cx.txt"
    path.write_bytes(bom + text.encode(codec))
    assert decode(path.read_bytes()) == (text, codec)
    assert [b.text for b in read_text(path).blocks] == [b.text for b in read_text(CX).blocks]


def test_utf16_bom_with_broken_body_names_the_offset():
    with pytest.raises(ReadError, match="UTF-16-LE byte-order mark but is not UTF-16-LE"):
        decode(codecs.BOM_UTF16_LE + "条".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate


def test_utf16_file_is_ingested(tmp_path):
    path = tmp_path / "cx-utf16.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + CX.read_text(encoding="utf-8").encode("utf-16-le"))
    result = run("ingest", "--no-manifest", str(path), db=tmp_path / "kit.db")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "cx-utf16.txt" in line)
    assert [c.strip() for c in row.split("│")[2:4]] == ["2", "39"]


# --- #16.2: per-file status partial, --strict stores nothing -------------------------------

def _status(result, name):
    row = next(line for line in result.stdout.splitlines() if name in line)
    return row.split("│")[-2].strip()


def test_a_title_and_one_sentence_is_partial_and_strict_refuses_it(tmp_path):
    md = tmp_path / "short.md"
    md.write_text("# 关于加强定点医疗机构管理的通知\n\n各定点医疗机构应当严格执行医保协议。\n", encoding="utf-8")
    db = tmp_path / "kit.db"
    result = run("ingest", str(md), db=db)
    assert result.exit_code == 0, result.output
    assert _status(result, "short.md") == "partial"
    assert "short-0: no structure (no articles, headings, items, 文号 or 成文日期)" in result.stderr
    strict_db = tmp_path / "strict.db"
    result = run("ingest", "--strict", str(md), db=strict_db)
    assert result.exit_code == 1
    assert f"  {md}: refused: read imperfectly, not stored (--strict):" in result.stderr
    from toolkit.store import Store
    with Store(strict_db) as s:
        assert s.documents() == [] and s.sources() == []


def test_a_deleted_article_marker_is_partial_with_the_place(tmp_path):
    text = CX.read_text(encoding="utf-8").replace("第十八条【专业评估】 ", "", 1)
    path = tmp_path / "cx-gap.txt"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "kit.db"
    result = run("ingest", "--no-manifest", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert _status(result, "cx-gap.txt") == "partial"
    assert "cx-gap-1: line 115: 第十八条 missing from the numbering (第十七条 is followed by 第十九条)" in result.stderr
    clean = tmp_path / "cx.txt"
    clean.write_text(CX.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("ingest", "--no-manifest", str(clean), db=db)
    assert _status(result, "cx.txt") == "ok" and "partial" not in result.stderr


def _pdf_with_image_pages(tmp_path, pages):
    """order-735 with some pages replaced by images of themselves (a scan of those pages)."""
    import pypdfium2 as pdfium
    from conftest import SOURCES

    src = pdfium.PdfDocument(SOURCES / "state-council-order-735.pdf")
    out = pdfium.PdfDocument.new()
    for i in range(len(src)):
        if i + 1 in pages:
            img = src[i].render(scale=150 / 72).to_pil().convert("L")
            one = tmp_path / f"p{i}.pdf"
            img.save(one, "PDF", resolution=150)
            scan = pdfium.PdfDocument(one)
            out.import_pages(scan, [0])
        else:
            out.import_pages(src, [i])
    path = tmp_path / "state-council-order-735.pdf"
    out.save(path)
    return path


def test_pages_without_text_and_no_ocr_are_partial(tmp_path, monkeypatch):
    from extractors.readers import ocr as ocr_mod

    monkeypatch.setattr(ocr_mod, "available", lambda: False)
    monkeypatch.setattr(ocr_mod, "unavailable_reason", lambda: "Tesseract is not installed")
    path = _pdf_with_image_pages(tmp_path, {5, 6})
    result = run("ingest", "--no-manifest", str(path), db=tmp_path / "kit.db")
    assert result.exit_code == 0, result.output
    assert _status(result, path.name) == "partial"
    assert "pages skipped, no readable text: 5-6 of 14" in result.stderr
    assert "missing from the numbering" in result.stderr


@pytest.mark.skipif(not __import__("extractors.readers.ocr", fromlist=["x"]).available(),
                    reason="Tesseract chi_sim is not installed")
def test_pages_read_by_ocr_are_partial(tmp_path):
    path = _pdf_with_image_pages(tmp_path, {7})
    result = run("ingest", "--no-manifest", str(path), db=tmp_path / "kit.db")
    assert result.exit_code == 0, result.output
    assert _status(result, path.name) == "partial"
    assert "pages read by OCR: 7 of 14" in result.stderr
