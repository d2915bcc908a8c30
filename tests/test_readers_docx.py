"""The DOCX reader on the bundled documents (the same documents as corpus/sources/*.pdf).

Expected paragraphs are the non-empty lines of tests/data/clean/NNN.txt through
``normalize_spaces`` (the clean texts keep producer blanks such as ``2022 年``; readers remove
them). Where the DOCX is structured differently from the PDF the clean texts were taken from, the
difference is documented below and asserted exactly.
"""

from __future__ import annotations

import difflib
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt, RGBColor

from extractors.normalize import normalize_spaces
from extractors.readers.base import ReadError
from extractors.readers.docx import read_docx
from extractors.readers.paragraphs import is_page_number

DATA = Path(__file__).parent / "data"
DOCX = sorted((DATA / "docx").glob("*.docx"))
STEMS = [p.stem for p in DOCX]


def clean_lines(stem: str) -> list[str]:
    text = (DATA / "clean" / f"{stem}.txt").read_text(encoding="utf-8")
    return [normalize_spaces(line) for line in text.splitlines() if line.strip()]


def header_table(lines: list[str]) -> list[str]:
    """A joint 发文机关标志 set as a table: issuers stacked in one cell, 文件 in the next.

    The PDF text puts 文件 on the visual line beside it (the middle issuer, or the last); the DOCX
    has it as a paragraph of its own cell, which the reader emits after the issuers.
    """
    issuers = [line.removesuffix("文件").rstrip() for line in lines]
    assert sum(line.endswith("文件") for line in lines) == 1
    return [*issuers, "文件"]


def expected_blocks(stem: str) -> list[str]:
    lines = clean_lines(stem)
    if stem == "001_2fb3cac5e76e682b":
        return header_table(lines[0:3]) + lines[3:8] + header_table(lines[8:11]) + lines[11:]
    if stem == "004_928757f12460cdce":
        # The 版记 line is "⇥印发机关⇥印发日期" in the DOCX: two tab fields, two blocks. (In 000 and
        # 002 the clean text has them on two lines too.)
        fields = ["楚雄州医疗保障局办公室", "2022年4月28日印发"]
        assert "".join(fields) == lines[-1]
        return lines[:-1] + fields
    return lines


def report(expected: list[str], got: list[str]) -> str:
    sm = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    out = [f"match rate {sm.ratio():.3f} ({len(expected)} expected, {len(got)} read)"]
    for op, a1, a2, b1, b2 in sm.get_opcodes():
        if op != "equal":
            out += [f"{op} expected[{a1}:{a2}] / read[{b1}:{b2}]"]
            out += [f"  - {s[:80]}" for s in expected[a1:a2]]
            out += [f"  + {s[:80]}" for s in got[b1:b2]]
    return "\n".join(out)


@pytest.fixture(scope="module")
def docs() -> dict:
    return {path.stem: read_docx(path) for path in DOCX}


def by_text(result, text: str):
    found = [b for b in result.blocks if b.text == text]
    assert len(found) == 1, f"{len(found)} blocks are {text!r}"
    return found[0]


# --------------------------------------------------------------------------- whole documents


def test_six_documents_bundled():
    assert len(STEMS) == 6 and "state-council-order-735" in STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_docx_paragraphs_equal_clean_lines(docs, stem):
    got = [b.text for b in docs[stem].blocks]
    expected = expected_blocks(stem)
    assert got == expected, report(expected, got)
    assert docs[stem].format == "docx"
    # Page numbers live in the footers, which are not read.
    assert not [t for t in got if is_page_number(t) or t.startswith("—")]


def test_joint_issuer_header_table_in_001(docs):
    blocks = docs["001_2fb3cac5e76e682b"].blocks
    assert [b.text for b in blocks[:4]] == [
        "湛江市医疗保障局",
        "湛江市卫生健康局",
        "湛江市市场监督管理局",
        "文件",
    ]
    assert all(b.style.red and b.style.title and b.style.size == 28 for b in blocks[:4])
    assert [b.line for b in blocks[:5]] == [2, 3, 4, 5, 7]  # paragraphs inside the table counted
    assert blocks[4].text == "湛医保〔2025〕42号" and not blocks[4].style.red


def test_titles_set_on_several_lines_are_joined(docs):
    # The title paragraphs carry <w:br/> wraps; joined, they equal the core-properties title.
    jieyang = docs["000_b3443c26a488e755"]
    assert (
        jieyang.blocks[2].text
        == "揭阳市医疗保障局关于转发延长广东省医疗机构医疗保障定点管理暂行办法有效期的通知"
    )
    assert jieyang.blocks[2].text == jieyang.metadata["title"]
    zhanjiang = docs["001_2fb3cac5e76e682b"]
    title = zhanjiang.blocks[5]
    assert title.text == zhanjiang.metadata["title"]
    assert title.text.startswith("湛江市医疗保障局 湛江市卫生健康局 湛江市市场监督管理局关于转发《")
    # The second title wraps between two issuers: the blank that separates issuers is kept.
    assert zhanjiang.blocks[14].text.startswith(
        "广东省医疗保障局 广东省卫生健康委员会 广东省药品监督管理局关于印发《"
    )
    assert "\n" not in "".join(b.text for b in zhanjiang.blocks)


def test_style_hints_on_000(docs):
    result = docs["000_b3443c26a488e755"]
    header = result.blocks[0]
    assert header.text == "揭阳市医疗保障局文件"
    assert (header.style.red, header.style.title, header.style.size, header.style.align) == (
        True,
        True,
        40.0,
        "center",
    )
    assert [b.text for b in result.blocks if b.style.red] == [
        "揭阳市医疗保障局文件",
        "广东省医疗保障局文件",
    ]
    number = result.blocks[1]
    assert (number.style.red, number.style.title, number.style.size) == (False, False, 16.0)
    title = result.blocks[2].style
    assert (title.title, title.size, title.align, title.small) == (True, 22.0, "center", False)
    article = [b for b in result.blocks if b.text.startswith("第一条 为加强")][0]
    assert article.style.bold and article.style.indent and not article.style.title  # 黑体 lead-in
    second_paragraph = [b for b in result.blocks if b.text.startswith("各统筹地区经办机构负责")][0]
    assert not second_paragraph.style.bold and second_paragraph.style.indent
    chapter = by_text(result, "第一章 总 则")
    assert (chapter.style.bold, chapter.style.align, chapter.style.title) == (True, "center", False)
    signature = [b for b in result.blocks if b.text == "广东省医疗保障局"][0]
    assert signature.style.align == "right"
    # 版记: 4号 (14 pt) against the 3号 (16 pt) body.
    small = [b.text for b in result.blocks if b.style.small]
    assert small == [
        "抄送：省人力资源社会保障厅，省医保中心。",
        "广东省医疗保障局办公室",
        "2024年4月23日印发",
        "抄送：揭阳市人力资源和社会保障局。",
        "揭阳市医疗保障局办公室",
        "2024年4月30日印发",
    ]
    assert all(b.style.size == 14 for b in result.blocks if b.style.small)
    assert all(b.style.level is None for b in result.blocks)


def test_approximate_pages_from_explicit_breaks(docs):
    result = docs["000_b3443c26a488e755"]
    pages = {b.text: b.page for b in result.blocks}
    assert result.blocks[0].page == 1
    assert pages["广东省医疗保障局文件"] == 2  # pageBreakBefore
    assert pages["附件"] == 3
    assert pages["广东省医疗机构医疗保障定点管理暂行办法"] == 4
    assert result.blocks[-1].page == 6
    assert [b.page for b in result.blocks] == sorted(b.page for b in result.blocks)
    assert result.pages is None
    assert any("approximate" in w for w in result.warnings)
    # A document without any break gets no page numbers at all.
    plain = docs["state-council-order-735"]
    assert {b.page for b in plain.blocks} == {None}
    assert plain.warnings == []


def test_line_is_the_paragraph_index(docs):
    blocks = docs["000_b3443c26a488e755"].blocks
    assert [b.line for b in blocks[:4]] == [1, 3, 6, 8]
    lines = [b.line for b in blocks]
    assert lines == sorted(lines)


def test_state_council_order_headings(docs):
    result = docs["state-council-order-735"]
    assert result.blocks[0].text == "医疗保障基金使用监督管理条例"
    assert result.blocks[0].style.title
    assert by_text(result, "第一章 总 则").style.bold


# --------------------------------------------------------------------------- a document built here


@pytest.fixture()
def built(tmp_path) -> Path:
    """A document exercising tables, headings, breaks, tabs and page marks."""
    d = Document()
    p = d.add_paragraph()
    run = p.add_run("某某市医疗保障局文件")
    run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    run.font.size = Pt(40)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first = p.add_run("某某市医疗保障局关于印发某某")
    first.add_break()
    second = p.add_run("办法的通知")
    first.font.size = second.font.size = Pt(22)
    d.add_heading("第一章 总则", level=1)
    p = d.add_paragraph()
    p.add_run("第一条").bold = True
    lead = p.add_run(" 有下列情形之一的，不予受理：")
    lead.add_break()
    item = p.add_run("（一）甲；")
    item.add_break()
    p.add_run("（二）乙。")
    table = d.add_table(rows=3, cols=2)
    rows = [("床位数", "专职医保管理人员"), ("床位数＞2000张", "13名以上"), ("0<床位数≤100", "")]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    p = d.add_paragraph("第二条 本段跨页")
    p.runs[0].add_break(WD_BREAK.PAGE)
    p.add_run("继续。")
    d.add_page_break()
    p = d.add_paragraph("\t某某市医疗保障局办公室\t2024年4月23日印发")
    for run in p.runs:
        run.font.size = Pt(9)
    path = tmp_path / "built.docx"
    d.save(path)
    return path


def test_built_document_blocks(built):
    result = read_docx(built)
    assert [(b.text, b.line, b.page) for b in result.blocks] == [
        ("某某市医疗保障局文件", 1, 1),
        ("某某市医疗保障局关于印发某某办法的通知", 2, 1),
        ("第一章 总则", 3, 1),
        ("第一条 有下列情形之一的，不予受理：", 4, 1),
        ("（一）甲；", 4, 1),  # a break before an item is a list, not a wrap
        ("（二）乙。", 4, 1),
        ("床位数\t专职医保管理人员", 5, 1),  # one block per table row, cells joined by a tab
        ("床位数＞2000张\t13名以上", 7, 1),
        ("0<床位数≤100", 9, 1),  # empty trailing cell
        ("第二条 本段跨页", 11, 1),
        ("继续。", 11, 2),  # a page break inside a paragraph cuts it
        ("某某市医疗保障局办公室", 13, 3),  # tab fields of a 版记 line
        ("2024年4月23日印发", 13, 3),
    ]


def test_built_document_styles(built):
    blocks = read_docx(built).blocks
    styles = {b.text: b.style for b in blocks}
    assert styles["某某市医疗保障局文件"].red and styles["某某市医疗保障局文件"].title
    assert styles["某某市医疗保障局关于印发某某办法的通知"].title  # 22 pt, centred
    assert styles["第一章 总则"].level == 1
    assert styles["第一条 有下列情形之一的，不予受理："].bold
    assert not styles["（一）甲；"].bold  # each piece has the style of its own runs
    assert styles["2024年4月23日印发"].small and styles["2024年4月23日印发"].size == 9
    assert not styles["继续。"].small


def test_layout_table_gives_one_block_per_paragraph(tmp_path):
    d = Document()
    table = d.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.text = "甲市医疗保障局"
    left.add_paragraph("甲市卫生健康局")
    right.text = "文件"
    for cell in (left, right):
        for p in cell.paragraphs:
            for run in p.runs:
                run.font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
    d.add_paragraph("甲医保〔2025〕1号")
    path = tmp_path / "header.docx"
    d.save(path)
    blocks = read_docx(path).blocks
    assert [b.text for b in blocks] == [
        "甲市医疗保障局",
        "甲市卫生健康局",
        "文件",
        "甲医保〔2025〕1号",
    ]
    assert [b.style.red for b in blocks] == [True, True, True, False]


# --------------------------------------------------------------------------- bad input


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bad_inputs(tmp_path):
    real = DATA / "docx" / "002_2b5a4cf9d6a9a96c.docx"
    cases = {
        "missing": (tmp_path / "missing.docx", "file not found"),
        "empty": (write(tmp_path, "empty.docx", b""), "empty file (0 bytes)"),
        "text": (
            write(tmp_path, "text.docx", "第一条 这是文本。\n".encode()),
            "not a DOCX: a text file",
        ),
        "pdf": (
            shutil.copy(
                next((DATA.parent.parent / "corpus" / "sources").glob("000_*.pdf")),
                tmp_path / "p.docx",
            ),
            "not a DOCX: this is a PDF file",
        ),
        "doc": (
            write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
            "not a DOCX: a legacy Word .doc (OLE2) file",
        ),
        "truncated": (
            write(tmp_path, "cut.docx", real.read_bytes()[: real.stat().st_size // 2]),
            "corrupt DOCX: bad zip archive",
        ),
    }
    nodoc = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(nodoc, "w") as zf:
        zf.writestr("hello.txt", "x")
    cases["zip"] = (nodoc, "not a DOCX: zip archive without word/document.xml")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(real) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            data = (
                zin.read(info) if info.filename != "word/document.xml" else b"<w:document><w:body>"
            )
            zout.writestr(info, data)
    cases["xml"] = (broken, "corrupt DOCX: malformed XML")
    blank = tmp_path / "blank.docx"
    Document().save(blank)
    cases["blank"] = (blank, "no text in the document body")
    for name, (path, reason) in cases.items():
        with pytest.raises(ReadError) as err:
            read_docx(path)
        assert err.value.reason.startswith(reason), (name, err.value.reason)
        assert err.value.path == str(path)


def test_flipped_byte_is_a_clear_error(tmp_path):
    real = DATA / "docx" / "002_2b5a4cf9d6a9a96c.docx"
    data = bytearray(real.read_bytes())
    with zipfile.ZipFile(real) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 100
    data[start] ^= 0xFF
    path = write(tmp_path, "flipped.docx", bytes(data))
    with pytest.raises(ReadError) as err:
        read_docx(path)
    assert err.value.reason.startswith("corrupt DOCX")


def test_rendered_page_marks_take_precedence(tmp_path):
    from docx.oxml import OxmlElement

    d = Document()
    d.add_paragraph("第一页。")
    second = d.add_paragraph("第二页开头。")
    second.runs[0]._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    third = d.add_paragraph()
    third.add_run("页末")._r.append(OxmlElement("w:lastRenderedPageBreak"))
    third.add_run("页首。")
    fourth = d.add_paragraph("分页符前")
    fourth.runs[0].add_break(WD_BREAK.PAGE)  # Word records this page with a rendered mark too
    fourth.add_run("分页符后")
    path = tmp_path / "rendered.docx"
    d.save(path)
    blocks = read_docx(path).blocks
    assert [(b.text, b.page) for b in blocks] == [
        ("第一页。", 1),
        ("第二页开头。", 2),
        ("页末", 2),  # a rendered mark inside a paragraph cuts it
        ("页首。", 3),
        ("分页符前", 3),  # explicit breaks are not counted when rendered marks exist…
        ("分页符后", 3),  # …but still end the piece before them
    ]
