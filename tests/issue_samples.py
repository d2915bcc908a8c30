"""Specimen 公文 for the issuing tests and bench/issue.py: layout from toolkit.issuing.specimen,
every word from the bundled corpus (the 揭阳 notice and the Guangdong rule it forwards)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from toolkit.issuing.numbering import load_offices
from toolkit.issuing.sealing import date_text
from toolkit.issuing.specimen import SpecimenText, build_specimen

ROOT = Path(__file__).resolve().parent.parent
CLEAN_000 = ROOT / "tests" / "data" / "clean" / "000_b3443c26a488e755.txt"
OFFICE_ID = "jieyang-ybj"
ISSUE_DATE = date(2026, 3, 2)
# Single-line body paragraphs (24 characters + the 2-character indent fit a 28-character line)
# that exactly fill page 1 of the specimen; the test checks that this really is so.
FILL_PAGE_LINES = 12
PIECE = 24


def _corpus() -> tuple[str, str, str, list[str], list[str]]:
    lines = [line.strip() for line in CLEAN_000.read_text(encoding="utf-8").splitlines()]
    name = load_offices().get(OFFICE_ID).name
    mark = next(line for line in lines if line == f"{name}文件")
    title_at = next(i for i, line in enumerate(lines) if line.startswith(f"{name}关于") and line.endswith("通知"))
    addressee = lines[title_at + 1]
    assert addressee.endswith("："), addressee
    opening = [lines[title_at + 2]]
    articles = [line for line in lines if re.match(r"^第[一二三四五六七八九十百]+条", line)]
    return mark, lines[title_at], addressee, opening, articles


def specimen_text(*, fill_page: bool = False, day: date = ISSUE_DATE) -> SpecimenText:
    mark, title, addressee, opening, articles = _corpus()
    if fill_page:
        pieces = [a[i : i + PIECE] for a in articles for i in range(0, len(a), PIECE)]
        body = pieces[:FILL_PAGE_LINES]
    else:
        body = opening + articles[:5]
    return SpecimenText(
        issuer_mark=mark,
        title=title,
        addressee=addressee,
        body=body,
        signature=[load_offices().get(OFFICE_ID).name],
        date=date_text(day),
    )


def specimen_docx(*, fill_page: bool = False, day: date = ISSUE_DATE) -> bytes:
    return build_specimen(specimen_text(fill_page=fill_page, day=day))
