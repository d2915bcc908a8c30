"""Build the national-corpus PDF fixtures of tests/test_titles.py (issue 11, PDF sample finding).

Run from the repository root (needs LibreOffice, ``soffice``):

    .venv/bin/python tests/data/pdf_fixtures/make_national.py

The text is generated, never typed: ``bench/national_gen.py`` on the bundled clean texts
(tests/data/clean; its default seed, 3 prefectures, 9 documents) writes a Chuxiong-family revision whose notice title is
``…实施细则（试行）（2024年修订）》的通知``; only the notice and the rule's first chapter are kept, to
keep the fixtures small (``national_revision.txt``). Two typesettings of it:

- ``national_revision.pdf``: LibreOffice's plain-text import, exactly as bench/national.py typesets
  its PDF sample. The title fills its line to the right margin, so the layout pass cannot see
  that its paragraph ended and joins the 主送 line under it into the title's block.
- ``three_line_title.pdf``: the same text from a DOCX, every paragraph at the left margin in
  one face and size, with the text box narrowed until the title wraps over three lines and
  the third line is full: the same join after a title of three lines.

The builder checks that each PDF really shows the join it is meant to test (the reader's
block holds title and 主送 together) and fails otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import national_gen  # noqa: E402
from docx import Document  # noqa: E402
from docx.shared import Pt  # noqa: E402

from extractors.readers.pdf import read_pdf  # noqa: E402

SEED = 20260101
FONT, SIZE = "Noto Serif CJK SC", 12.0


def generated_text() -> list[str]:
    """The Chuxiong-family revision of the generated corpus: notice + the rule's first chapter."""
    with tempfile.TemporaryDirectory() as tmp:
        national_gen.CLEAN = HERE.parent / "clean"  # the bundled clean texts: same as corpus-src
        planted = national_gen.generate(Path(tmp), docs=9, seed=SEED, prefectures=3)
        rec = next(p for p in planted if p.family == "cx" and "修订" in p.title)
        lines = (Path(tmp) / rec.file).read_text(encoding="utf-8").splitlines()
    end = next(i for i, ln in enumerate(lines) if ln.startswith("第二章"))
    return lines[:end]


def soffice(src: Path, out: Path, *infilter: str) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *infilter,
                        "--convert-to", "pdf", "--outdir", str(out), str(src)],
                       check=True, capture_output=True, timeout=300)
    return out / (src.stem + ".pdf")


def joined(pdf: Path, lines: list[str]) -> bool:
    """The reader gives the title and the 主送 line as one block (what the fixture is for)."""
    title, addressees = lines[1], lines[2]
    texts = [b.text for b in read_pdf(pdf).blocks]
    return title + addressees in texts


def title_lines(pdf: Path, title: str) -> int:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage().get_text_range()
    rows = [r.replace(" ", "") for r in text.splitlines() if r.strip()]  # pdfium spaces 2024 年
    got, n = "", 0
    for r in rows[1:]:
        if not title.startswith(got + r):
            break
        got, n = got + r, n + 1
    return n if got == title else 0


def docx_with_width(lines: list[str], width_pt: float, path: Path) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Pt(width_pt + 2 * 56), Pt(842)
    sec.left_margin = sec.right_margin = Pt(56)
    sec.top_margin = sec.bottom_margin = Pt(56)
    for line in lines:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(line)
        run.font.size = Pt(SIZE)
        run.font.name = FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", FONT)
    doc.save(path)


def main() -> None:
    lines = generated_text()
    (HERE / "national_revision.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        pdf = soffice(HERE / "national_revision.txt", t, "--infilter=Text (encoded):UTF8,LF,,,")
        if not joined(pdf, lines):
            raise SystemExit("national_revision.pdf: the title and 主送 are not joined; the fixture tests nothing")
        shutil.copy(pdf, HERE / "national_revision.pdf")
        # Narrow the text box a quarter of a character at a time from a third of the title's
        # width until the title's three lines are full and the 主送 line is joined to them.
        title = lines[1]
        estimate = sum(SIZE if ord(c) > 0x2E80 else 0.55 * SIZE for c in title) / 3
        for step in range(-4, 24):
            width = estimate + SIZE - step * SIZE / 4
            src = t / "three_line_title.docx"
            docx_with_width(lines, width, src)
            pdf = soffice(src, t)
            if title_lines(pdf, title) == 3 and joined(pdf, lines):
                shutil.copy(pdf, HERE / "three_line_title.pdf")
                print(f"three_line_title.pdf: text width {width:.1f} pt")
                break
        else:
            raise SystemExit("no text width gave a full three-line title")


if __name__ == "__main__":
    main()
