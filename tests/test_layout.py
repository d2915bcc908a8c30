"""Layout rules on hand-made lines: no PDF needed, every rule checked in isolation.

Geometry mimics a GB/T 9704 page (A4, text box 79.5–520.5 pt, 16 pt body, 29 pt pitch) unless a
test says otherwise. Texts are placeholders (甲乙丙…), not legal text.
"""

from __future__ import annotations

import pytest

from extractors.layout import (
    Line,
    blocks_from_lines,
    classify,
    drop_furniture,
    first_unit_width,
    measure,
    page_number,
    relative_bold,
)
from extractors.readers.ocr import lines_from_data, snap_sizes

LEFT, RIGHT, SIZE, PITCH = 79.5, 520.5, 16.0, 29.0
FULL = "甲" * 28  # a line that fills the text box


def ln(text, page=1, row=0, *, x0=LEFT, x1=None, size=SIZE, top=None, **kw) -> Line:
    if x1 is None:
        x1 = min(RIGHT, x0 + size * len(text))
    top = 112.0 + row * PITCH if top is None else top
    return Line(text=text, page=page, x0=x0, x1=x1, top=top, bottom=top + size, size=size, **kw)


def centred(text, page=1, row=0, size=SIZE, **kw) -> Line:
    w = size * len(text)
    x0 = (LEFT + RIGHT - w) / 2
    return ln(text, page, row, x0=x0, x1=x0 + w, size=size, **kw)


def body_page(page, rows=range(0, 20)):
    """One body paragraph (indented first line, full lines, short last line): enough lines for
    measure() to find the text box."""
    rows = list(rows)
    mark = "子丑寅卯辰巳午未申酉"[page % 10]  # pages differ, as real pages do
    out = [ln(mark + "乙" * 25, page, rows[0], x0=LEFT + 32)]
    out += [ln(mark + FULL[1:], page, r) for r in rows[1:-1]]
    out.append(ln(mark + "丙" * 4 + "。", page, rows[-1]))
    return out


# --- page numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, number",
    [
        ("— 8 —", 8),
        ("- 8 -", 8),
        ("—8—", 8),
        ("8", 8),
        ("第 8 页", 8),
        ("第8页", 8),
        ("第 8 页 共 24 页", 8),
        ("第8页/共24页", 8),
        ("第 8 页，共 24 页", 8),
        ("Page 8 of 24", 8),
        ("page 8", 8),
        ("8 / 24", 8),
    ],
)
def test_page_number_patterns(text, number):
    assert page_number(text)[0] == number


@pytest.mark.parametrize("text", ["第八条", "2024年", "（8）", "8.", "第 8 条", "共 24 页", "Page eight"])
def test_page_number_rejects_other_lines(text):
    assert page_number(text) is None


def test_bare_number_is_decorated_false():
    assert page_number("12") == (12, False)
    assert page_number("— 12 —") == (12, True)


# --- running headers and footers -------------------------------------------------------------


def test_running_header_and_page_footer_are_dropped_title_kept():
    lines = []
    for page in range(1, 6):
        lines.append(centred("乙丙局丁戊文件汇编", page, top=50.0))  # running header
        if page == 1:
            lines.append(centred("乙丙局丁戊文件汇编", page, top=120.0, size=22.0))  # same words, the title
        lines += body_page(page, rows=range(3, 20))
        lines.append(centred(f"第 {page} 页 共 5 页", page, top=790.0))
    kept = drop_furniture(lines)
    texts = [x.text for x in kept]
    assert not any("页" in t for t in texts)
    assert [x for x in kept if x.text == "乙丙局丁戊文件汇编"] == [lines[1]]  # the title only
    assert len(kept) == 5 * 17 + 1


def test_header_missing_on_first_page_of_short_document_is_still_dropped():
    lines = []
    for page in (1, 2, 3):
        if page > 1:
            lines.append(ln("甲乙丙局", page, top=40.0, x0=400.0))
        lines += body_page(page, rows=range(0, 15))
    kept = drop_furniture(lines)
    assert not any(x.text == "甲乙丙局" for x in kept) and len(kept) == 45


def test_line_repeated_on_few_pages_is_kept():
    lines = []
    for page in range(1, 11):
        lines += body_page(page, rows=range(0, 18))
        if page in (9, 10):  # 公开方式 at the same place on two 版记 pages: content, not a header
            lines.append(ln("公开方式：主动公开", page, 19, x0=111.0))
        lines.append(centred(f"— {page} —", page, top=760.0))
    kept = drop_furniture(lines)
    assert sum(x.text == "公开方式：主动公开" for x in kept) == 2
    assert not any("—" in x.text for x in kept)


def test_bare_page_numbers_need_a_constant_offset():
    lines = []
    for page in range(1, 5):
        lines += body_page(page, rows=range(0, 10))
        lines.append(centred(str(page - 1), page, top=790.0))  # numbering starts after a cover
    assert len(drop_furniture(lines)) == 40
    # A single number at a page edge with nothing to confirm it stays.
    lone = body_page(1, rows=range(0, 10)) + body_page(2, rows=range(0, 10)) + [ln("30", 2, 10)]
    assert len(drop_furniture(lone)) == 21


# --- measuring -------------------------------------------------------------------------------


def test_measure_finds_body_box_and_pitch():
    lines = body_page(1) + [ln("乙" * 10, 1, 21, x0=LEFT + 32)]
    m = measure(lines)
    assert m.size == SIZE
    assert m.pitch == PITCH
    assert m.box(1) == (LEFT, RIGHT)


def test_measure_mirrored_margins_per_parity():
    lines = []
    for page in (1, 2, 3, 4):
        x0 = 100.0 if page % 2 else 60.0
        lines += [ln(FULL, page, r, x0=x0, x1=x0 + 420.0) for r in range(12)]
    m = measure(lines)
    assert m.box(1) == (100.0, 520.0)
    assert m.box(2) == (60.0, 480.0)


# --- paragraphs ------------------------------------------------------------------------------


def test_paragraph_cut_by_page_break_is_one_block():
    lines = body_page(1, rows=range(0, 19))
    lines.append(ln("丙" * 26, 1, 19, x0=LEFT + 32))  # first line of a paragraph, indented
    lines += [ln("丁" * 28, 2, 0), ln("戊" * 5 + "。", 2, 1)]  # continued at the left margin
    lines += [ln("己" * 10 + "。", 2, 2, x0=LEFT + 32)]  # next paragraph, indented
    blocks = blocks_from_lines(lines)
    assert blocks[-2].text == "丙" * 26 + "丁" * 28 + "戊" * 5 + "。"
    assert blocks[-2].page == 1
    assert blocks[-2].style.indent
    assert blocks[-1].text == "己" * 10 + "。"


def test_short_line_ends_paragraph_and_unindented_next_starts_new():
    lines = body_page(1, rows=range(0, 10))
    lines += [ln("庚" * 6 + "：", 1, 10), ln("辛" * 12, 1, 11)]  # 主送-like short line, then a line
    blocks = blocks_from_lines(lines)
    assert [b.text for b in blocks[-2:]] == ["庚" * 6 + "：", "辛" * 12]


def test_wrapped_line_with_room_too_small_for_next_word_continues():
    # "…〔2020〕5 号）" cannot break before "号）": the line ends 1.5 characters short.
    lines = body_page(1, rows=range(0, 10))
    lines += [ln("甲" * 26, 1, 10, x0=LEFT + 32, x1=RIGHT - 23.0), ln("号）转发给你们。", 1, 11)]
    assert blocks_from_lines(lines)[-1].text == "甲" * 26 + "号）转发给你们。"


def test_first_unit_width():
    assert first_unit_width("号）转发", 16) == 32  # 号 carries the closing bracket
    assert first_unit_width("〔2021〕1号", 16) == 16 + 4 * 8 + 16  # bracket + number + bracket
    assert first_unit_width("《医疗", 16) == 32
    assert first_unit_width("word next", 10) == 20


def test_structural_marker_after_full_sentence_starts_block():
    lines = body_page(1, rows=range(0, 10))
    para = [ln("丁" * 26, 1, 10, x0=LEFT + 32), ln("甲" * 27 + "。", 1, 11)]
    lines += para + [ln("（一）乙" + "丙" * 10 + "；", 1, 12)]
    assert [b.text for b in blocks_from_lines(lines)[-2:]] == ["丁" * 26 + "甲" * 27 + "。", "（一）乙" + "丙" * 10 + "；"]
    # …but a wrapped citation "本条第（一）项" at the margin continues its sentence.
    lines2 = body_page(1, rows=range(0, 10)) + [ln("丁" * 26, 1, 10, x0=LEFT + 32), ln("（一）项规定。", 1, 11)]
    assert blocks_from_lines(lines2)[-1].text == "丁" * 26 + "（一）项规定。"


def test_article_with_blank_starts_block_even_after_full_line():
    lines = body_page(1, rows=range(0, 10)) + [ln("丁" * 26, 1, 10, x0=LEFT + 32)]
    lines.append(ln("第十二条 甲乙丙" + "丁" * 19, 1, 11))
    assert blocks_from_lines(lines)[-1].text.startswith("第十二条 ")


def test_vertical_gap_ends_paragraph_without_indent():
    lines = [ln(FULL, 1, r) for r in range(5)] + [ln(FULL, 1, top=112.0 + 6 * PITCH)]
    assert [len(b.text) for b in blocks_from_lines(lines)] == [5 * 28, 28]


def test_unnumbered_bold_heading_between_paragraphs():
    lines = [ln(FULL, 1, r) for r in range(6)]  # ends with a full line: only the face tells
    lines.append(ln("组织管理", 1, 6, font="NotoSansCJK", bold=True))
    lines.append(ln(FULL, 1, 7))
    blocks = blocks_from_lines(lines)
    assert [b.text for b in blocks] == [FULL * 6, "组织管理", FULL]
    assert blocks[-2].style.bold and not blocks[-1].style.bold


def test_size_change_ends_paragraph_and_small_flag():
    lines = body_page(1, rows=range(0, 6)) + [ln("注：" + "甲" * 36, 1, 6, size=10.5, x0=LEFT + 12)]
    block = blocks_from_lines(lines)[-1]
    assert block.style.small and block.style.size == 10.5


# --- titles, red issuers, signatures, tables -------------------------------------------------


def test_multiline_title_is_one_block():
    lines = [
        centred("甲乙丙丁戊己庚辛壬癸子丑寅", 1, top=360.0, size=22.0),
        centred("卯辰巳午未申酉", 1, top=396.0, size=22.0),
    ] + body_page(1, rows=range(11, 22))
    block = blocks_from_lines(lines)[0]
    assert block.text == "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    assert block.style.title and block.style.align == "center" and block.style.size == 22.0


def test_joint_issuer_title_keeps_blank_between_names():
    lines = [
        centred("甲市乙局 甲市丙委员会", 1, top=360.0, size=22.0),
        centred("甲市丁局关于戊的通知", 1, top=396.0, size=22.0),
    ] + body_page(1, rows=range(11, 22))
    assert blocks_from_lines(lines)[0].text == "甲市乙局 甲市丙委员会 甲市丁局关于戊的通知"


def test_red_issuer_lines_are_separate_blocks_as_printed():
    lines = [
        ln("甲 乙 丙 丁 局", 1, top=170.0, x0=111.0, x1=403.0, size=28.0, red=True, bold=True),
        ln("甲 乙 丙 丁 委 文件", 1, top=210.0, x0=111.0, x1=470.0, size=28.0, red=True, bold=True),
    ] + body_page(1, rows=range(8, 22))
    blocks = blocks_from_lines(lines)
    assert [b.text for b in blocks[:2]] == ["甲 乙 丙 丁 局", "甲 乙 丙 丁 委 文件"]
    assert all(b.style.red for b in blocks[:2])


def test_signature_and_date_are_right_aligned_blocks():
    lines = body_page(1, rows=range(0, 10)) + [
        ln("甲" * 9 + "。", 1, 10),
        ln("乙丙丁局", 1, 12, x0=344.5, x1=408.5),
        ln("2021 年 5 月 26 日", 1, 13, x0=339.5, x1=458.5),
    ]
    blocks = blocks_from_lines(lines)
    assert [(b.text, b.style.align) for b in blocks[-2:]] == [("乙丙丁局", "right"), ("2021年5月26日", "right")]


def test_hanging_indent_continues_attachment_line():
    lines = body_page(1, rows=range(0, 10)) + [
        ln("附件：" + "甲" * 23, 1, 10, x0=111.0),
        ln("乙丙丁。", 1, 11, x0=158.2),
    ]
    assert blocks_from_lines(lines)[-1].text == "附件：" + "甲" * 23 + "乙丙丁。"


def test_table_rows_tab_joined_and_single_wide_line_space_joined():
    lines = body_page(1, rows=range(0, 10))
    lines += [
        ln("甲＞2000 张 乙 13 名", 1, 10, x1=400.0, cells=("甲＞2000 张", "乙 13 名")),
        ln("丙≤2000 张 丁 9 名", 1, 11, x1=400.0, cells=("丙≤2000 张", "丁 9 名")),
        ln("戊己庚办公室 2024年4月23日印发", 1, 13, x0=93.2, size=14.0, cells=("戊己庚办公室", "2024年4月23日印发")),
    ]
    blocks = blocks_from_lines(lines)
    assert [b.text for b in blocks[-3:]] == [
        "甲＞2000张\t乙13名",
        "丙≤2000张\t丁9名",
        "戊己庚办公室 2024年4月23日印发",
    ]


def test_classify_indent_versus_centred():
    m = measure(body_page(1))
    assert classify(ln("甲" * 20, 1, x0=LEFT + 32), m) == "indent"
    assert classify(centred("第一章 总则", 1), m) == "center"
    assert classify(ln("甲" * 4, 1, x0=344.5), m) == "right"
    assert classify(ln("甲" * 4, 1, x0=158.0), m) == "far"


def test_relative_bold_when_body_face_is_sans():
    lines = [ln(FULL, 1, r, font="SimHei", bold=True) for r in range(10)]
    lines.append(ln("甲乙", 1, 10, font="SimHei-Bold", bold=True))
    out = relative_bold(lines)
    assert not any(x.bold for x in out[:10]) and out[10].bold


# --- OCR lines -------------------------------------------------------------------------------


def _tsv(rows):
    """rows: (level, block, par, line, left, top, width, height, conf, text)."""
    keys = ["level", "block_num", "par_num", "line_num", "left", "top", "width", "height", "conf", "text"]
    return {k: [r[i] for r in rows] for i, k in enumerate(keys)}


def test_ocr_lines_from_tesseract_data():
    data = _tsv(
        [
            (4, 1, 1, 1, 233, 300, 800, 32, -1, ""),
            (5, 1, 1, 1, 233, 300, 90, 31, 95, "第一条"),
            (5, 1, 1, 1, 340, 300, 400, 31, 91, "甲乙丙"),
            (5, 1, 1, 1, 960, 300, 70, 31, 90, "2024"),
            (4, 1, 1, 2, 167, 340, 200, 32, -1, ""),
            (5, 1, 1, 2, 167, 340, 60, 31, 93, "Page"),
            (5, 1, 1, 2, 240, 340, 20, 31, 93, "8"),
            (5, 1, 1, 2, 300, 340, 40, 2, -1, " "),
        ]
    )
    lines = lines_from_data(data, page=3, dpi=150)
    assert [x.text for x in lines] == ["第一条甲乙丙 2024", "Page 8"]
    first = lines[0]
    assert first.page == 3 and first.x0 == pytest.approx(233 * 72 / 150)
    assert first.cells == ("第一条甲乙丙", "2024")  # a 190 px gap: wider than 3 line heights
    assert first.size == pytest.approx(32 * 72 / 150 / 0.96, abs=0.1)


def test_ocr_sizes_snap_to_body():
    lines = [ln(FULL, 1, r, size=s) for r, s in enumerate([16.5, 17.0, 16.5, 15.8, 23.0])]
    assert [x.size for x in snap_sizes(lines)] == [16.5, 16.5, 16.5, 16.5, 23.0]
    # Pages with a text layer set the body size for the OCR'd ones.
    assert [x.size for x in snap_sizes(lines, target=16.0)] == [16.0, 16.0, 16.0, 16.0, 23.0]


def test_ocr_line_colour_from_the_page_image():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 20, 400, 60), fill=(230, 0, 18))  # a red 发文机关标志
    draw.rectangle((100, 120, 400, 150), fill=(0, 0, 0))  # black body text
    data = _tsv(
        [
            (4, 1, 1, 1, 100, 20, 300, 40, -1, ""),
            (5, 1, 1, 1, 100, 20, 300, 40, 90, "甲乙丙局文件"),
            (4, 1, 2, 1, 100, 120, 300, 30, -1, ""),
            (5, 1, 2, 1, 100, 120, 300, 30, 90, "丁戊己庚"),
        ]
    )
    lines = lines_from_data(data, page=1, dpi=150, image=image)
    assert [(x.text, x.red) for x in lines] == [("甲乙丙局文件", True), ("丁戊己庚", False)]
