"""The text / Markdown reader on the raw seeds: the paragraphs must be the clean texts' lines.

Expected paragraphs are the non-empty lines of tests/data/clean/NNN.txt passed through
``normalize_spaces``: the clean texts keep the producers' blanks between CJK and digits
(``2022 年 4 月 28 日``) and every reader removes them, as the readers' contract says.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from extractors.normalize import normalize_spaces, squeeze_cjk
from extractors.readers.base import ReadError
from extractors.readers.paragraphs import continues, is_page_number, starts_unit
from extractors.readers.text import classify, decode, read_text

DATA = Path(__file__).parent / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))

# Titles the PDF extraction joined with blanks where the PDF wrapped them. The reader keeps those
# blanks (a CJK–CJK blank can be real: joint issuers) and the chain parser squeezes titles; the
# clean texts have them squeezed. Indices are positions in the clean file's non-empty lines.
TITLE_BLANKS = {
    "000_b3443c26a488e755": {2, 7, 12},
    "001_2fb3cac5e76e682b": {19},
    "002_2b5a4cf9d6a9a96c": {12},
    "003_7489cc8a613fac2a": set(),
    "004_928757f12460cdce": set(),
}


def clean_lines(stem: str) -> list[str]:
    text = (DATA / "clean" / f"{stem}.txt").read_text(encoding="utf-8")
    return [normalize_spaces(line) for line in text.splitlines() if line.strip()]


def report(expected: list[str], got: list[str]) -> str:
    """Match rate and the mismatching runs, for the assertion message."""
    sm = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    out = [f"match rate {sm.ratio():.3f} ({len(expected)} expected, {len(got)} read)"]
    for op, a1, a2, b1, b2 in sm.get_opcodes():
        if op != "equal":
            out += [f"{op} clean[{a1}:{a2}] / read[{b1}:{b2}]"]
            out += [f"  - {s[:80]}" for s in expected[a1:a2]]
            out += [f"  + {s[:80]}" for s in got[b1:b2]]
    return "\n".join(out)


@pytest.fixture(scope="module")
def seeds() -> dict:
    return {path.stem: read_text(path) for path in SEEDS}


def by_prefix(result, prefix: str):
    found = [b for b in result.blocks if b.text.startswith(prefix)]
    assert len(found) == 1, f"{len(found)} blocks start with {prefix!r}"
    return found[0]


# --------------------------------------------------------------------------- whole files


def test_all_five_seeds_are_checked():
    assert [p.stem for p in SEEDS] == sorted(TITLE_BLANKS)


@pytest.mark.parametrize("stem", sorted(TITLE_BLANKS))
def test_seed_paragraphs_equal_clean_lines(seeds, stem):
    expected = clean_lines(stem)
    got = [b.text for b in seeds[stem].blocks]
    assert len(got) == len(expected), report(expected, got)
    differing = {i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g}
    assert differing == TITLE_BLANKS[stem], report(expected, got)
    for i in differing:
        # The only difference: blanks the extraction put where the title wrapped.
        assert " " in got[i] and squeeze_cjk(got[i]) == expected[i]


def test_title_blanks_are_kept_as_extracted(seeds):
    blocks = seeds["000_b3443c26a488e755"].blocks
    assert (
        blocks[2].text
        == "揭阳市医疗保障局关于转发延长广东省 医疗机构医疗保障定点管理暂行 办法有效期的通知"
    )
    assert blocks[2].line == 7


def test_seed_format_line_and_encoding(seeds):
    result = seeds["000_b3443c26a488e755"]
    assert result.format == "text"
    assert result.metadata == {"encoding": "utf-8"}
    assert [b.line for b in result.blocks[:4]] == [3, 5, 7, 9]
    assert all(b.page is None for b in result.blocks)


@pytest.mark.parametrize("path", sorted((DATA / "clean").glob("*.txt")), ids=lambda p: p.stem)
def test_clean_texts_read_back_line_for_line(path):
    """A clean text (one paragraph per line) is already paragraphs: no line is joined or split.

    This runs the break rules over six more files, including the 题注 lines of 国务院令第735号
    ("2020年12月9日 国务院第117次常务会议通过"), which start paragraphs of their own.
    """
    expected = clean_lines(path.stem)
    got = [b.text for b in read_text(path).blocks]
    assert got == expected, report(expected, got)


def test_crlf_and_form_feeds_keep_line_numbers(tmp_path):
    path = tmp_path / "pdftotext.txt"
    path.write_bytes(
        "第一条 甲乙丙丁戊己庚辛壬癸，子丑\r\n\f寅卯辰巳。\r\n\r\n第二条 乙。\r\n".encode()
    )
    result = read_text(path)
    assert [(b.text, b.line) for b in result.blocks] == [
        ("第一条 甲乙丙丁戊己庚辛壬癸，子丑寅卯辰巳。", 1),
        ("第二条 乙。", 4),
    ]


# --------------------------------------------------------------------------- specific artifacts


def test_page_cut_sentence_in_000_article_3_paragraph_2(seeds):
    result = seeds["000_b3443c26a488e755"]
    block = by_prefix(result, "各统筹地区经办机构负责确定定点医疗")
    assert block.text == (
        "各统筹地区经办机构负责确定定点医疗机构，并与定点医疗机构签订医疗保障服务协议"
        "（以下简称“医保协议”），提供经办服务，开展医保协议管理、考核等。"
    )
    assert block.line == 55
    assert not [b for b in result.blocks if b.text.startswith("机构签订医疗保障服务协议")]


def test_hard_wrapped_notice_and_signature_lines_in_000(seeds):
    blocks = seeds["000_b3443c26a488e755"].blocks
    texts = [b.text for b in blocks]
    # Three physical lines (11–13) make one paragraph; 署名 and date (42–43) stay two.
    assert texts[4].endswith("（粤医保规〔2024〕4号）转发给你们，请遵照执行。")
    assert blocks[4].line == 11
    i = texts.index("广东省医疗保障局")
    assert texts[i + 1] == "2021年5月26日"


def test_markdown_list_marks_dropped_in_000(seeds):
    texts = [b.text for b in seeds["000_b3443c26a488e755"].blocks]
    assert "(四)与医疗保障有关的信息系统相关材料;" in texts
    assert not [t for t in texts if t.startswith("- ")]


def test_condition_continuation_in_002_does_not_start_an_article(seeds):
    result = seeds["002_2b5a4cf9d6a9a96c"]
    assert not [b for b in result.blocks if b.text.startswith("条情形之一的")]
    block = by_prefix(result, "对于评估合格的，向社会公示")
    assert "不属于本实施细则第九条情形之一的，应当将其纳入拟签订协议医疗机构名单。" in block.text
    assert block.line == 151


def test_item_reference_in_001_is_a_continuation(seeds):
    result = seeds["001_2fb3cac5e76e682b"]
    assert not [b for b in result.blocks if b.text.startswith("第（四）款")]
    block = by_prefix(result, "（一）相关人员所在定点医药机构违反服务协议")
    assert (
        "以2号令第三十八条第（四）款或《广东省医疗机构医疗保障定点管理暂行办法》第三十七条"
        in block.text
    )
    assert block.text.endswith("该相关人员负有责任的。")
    assert block.line == 147


def test_joint_issuer_title_in_001_keeps_the_blank_between_issuers(seeds):
    texts = [b.text for b in seeds["001_2fb3cac5e76e682b"].blocks]
    assert texts[:3] == ["湛江市医疗保障局", "湛江市卫生健康局文件", "湛江市市场监督管理局"]
    assert texts[4] == (
        "湛江市医疗保障局 湛江市卫生健康局 湛江市市场监督管理局关于转发"
        "《广东省定点医药机构相关人员医保支付资格管理实施细则（试行）》的通知"
    )
    assert texts[12].startswith(
        "广东省医疗保障局 广东省卫生健康委员会 广东省药品监督管理局关于印发《"
    )


def test_004_title_broken_over_lines_and_a_blank(seeds):
    result = seeds["004_928757f12460cdce"]
    assert result.blocks[0].text == "楚医保〔2022〕10号"  # producer blank before 号 removed
    title = result.blocks[1]
    assert (
        title.text
        == "楚雄州医疗保障局关于印发《楚雄州医疗保障定点管理经办规程实施细则（试行）》的通知"
    )
    assert title.line == 3
    assert by_prefix(result, "楚雄州医疗保障定点管理经办规程实施细则").text == (
        "楚雄州医疗保障定点管理经办规程实施细则（试行）"
    )
    assert by_prefix(result, "2022年4月28日").text == "2022年4月28日"


def test_004_article_after_a_leading_space_and_page_numbers_dropped(seeds):
    result = seeds["004_928757f12460cdce"]
    article = by_prefix(result, "第四条【经办流程】")
    assert article.line == 59
    assert article.text.endswith("违约处理、协议动态管理等环节。")
    cut = by_prefix(result, "第十三条【不予受理】")
    assert cut.text.endswith("应通过线上核查、线下核查和公示接受监督等方式进行核查。")
    assert not [b for b in result.blocks if "—" in b.text and any(c.isdigit() for c in b.text)]
    # A semicolon at a wrap inside an item does not end the item.
    assert by_prefix(result, "3.主要负责人负责医保工作").text.endswith("安排专职工作人员；")


def test_002_markdown_marks_stripped_with_heading_levels(seeds):
    result = seeds["002_2b5a4cf9d6a9a96c"]
    texts = [b.text for b in result.blocks]
    assert not [t for t in texts if "#" in t or "**" in t or t.startswith("-") or t == "---"]
    levels = {b.text: b.style.level for b in result.blocks if b.style.level}
    assert levels["南通市医疗保障局文件"] == 1
    assert (
        levels["转发江苏省医疗保障局关于印发《江苏省医疗机构医疗保障定点管理实施细则》的通知"] == 2
    )
    assert levels["第一章 总 则"] == 2
    assert levels["第三章 定点医疗机构的确定"] == 3
    assert levels["第四章 定点医疗机构运行管理"] == 4  # "#### **…**"
    assert len(levels) == 13
    first = by_prefix(result, "第一条 为了加强和规范")
    assert first.style.bold and first.style.level is None
    assert "（一）分解住院、挂床住院；" in texts
    # "---" rules separate the 版记 lines.
    assert texts[-3:] == ["抄送：国家医疗保障局", "江苏省医疗保障局办公室", "2023年11月17日印发"]


def test_003_heading_lines_stay_apart_and_the_title_is_joined(seeds):
    texts = [b.text for b in seeds["003_7489cc8a613fac2a"].blocks]
    assert texts[:3] == [
        "医疗保障定点医疗机构服务管理标准化指南",
        "组织与人员",
        "医疗保障管理委员会",
    ]
    assert "1000<床位数≤2000，配备9名以上专职医保管理人员；" in texts


# --------------------------------------------------------------------------- Markdown files


def test_markdown_law_keeps_metadata_and_drops_the_comment():
    result = read_text(DATA / "versions" / "reg-internet-cafe-2022.md")
    assert result.format == "markdown"
    texts = [b.text for b in result.blocks]
    assert texts[0] == "互联网上网服务营业场所管理条例"
    assert result.blocks[0].style.level == 1
    assert texts[1] == "2002年9月29日 中华人民共和国国务院令第363号公布"
    assert texts[5] == "2022年3月29日《国务院关于修改和废止部分行政法规的决定》第四次修订"
    assert texts[6] == "第一章 总 则" and result.blocks[6].style.level == 2
    assert result.blocks[6].line == 15
    assert not [t for t in texts if "<!--" in t or "INFO END" in t]
    source = (DATA / "versions" / "reg-internet-cafe-2022.md").read_text(encoding="utf-8")
    non_empty = [line for line in source.splitlines() if line.strip()]
    assert len(result.blocks) == len(non_empty) - 1  # one paragraph per line, minus the comment


def test_markdown_soft_wraps_and_list_items(tmp_path):
    path = tmp_path / "law.md"
    path.write_text(
        "# 标题\n\n第一条 第一行\n接续。\n\n- （一）甲；\n- （二）乙。\n\n<!--\n注释\n-->\n\n---\n\n尾\n",
        encoding="utf-8",
    )
    result = read_text(path)
    assert [b.text for b in result.blocks] == [
        "标题",
        "第一条 第一行接续。",
        "（一）甲；",
        "（二）乙。",
        "尾",
    ]
    assert [b.line for b in result.blocks] == [1, 3, 6, 7, 15]


# --------------------------------------------------------------------------- rules in isolation


@pytest.mark.parametrize(
    "line",
    [
        "第三条 各统筹",
        "第一条【政策依据】 为加强",
        "第一章 总 则",
        "（一）综合医院",
        "(六) 养老",
        "一、总体要求",
        "1.综合医院",
        "2、专科",
        "（1）门诊",
        "附件：广东省",
        "附件",
        "抄送：国家医疗保障局",
    ],
)
def test_unit_starts(line):
    assert starts_unit(line)


@pytest.mark.parametrize(
    "line",
    [
        "条情形之一的，应当将其纳入",
        "第（四）款或《广东省",
        "第九条情形之一的",
        "100 张床位以上",
        "1.2.1执行",
        "（国家医疗保障局令第 2 号）、",
        "（试行）》的通知",
        "2022 年州医疗保障局",
    ],
)
def test_not_unit_starts(line):
    assert not starts_unit(line)


@pytest.mark.parametrize("line", ["— 8 —", "- 8 -", "第 8 页 共 24 页", "12", "3/24", " — 14 — "])
def test_page_numbers(line):
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["2024年4月23日印发", "第八条", "---", "8项", "（八）"])
def test_not_page_numbers(line):
    assert not is_page_number(line)


def test_continues_decisions():
    assert continues("各统筹地区经办机构负责确定定点医疗", "机构签订医疗保障服务协议")
    assert not continues("评估细则另行制定。", "第十三条 统筹地区")
    assert continues("楚雄州医疗保障局关于印发", "《楚雄州医疗保障定点管理经办规程实施细则")
    assert continues("《楚雄州医疗保障定点管理经办规程实施细则", "（试行）》的通知")
    assert not continues("广东省医疗保障局", "2021年5月26日")
    assert not continues("广东省医疗保障局", "广东省卫生健康委员会")
    assert continues(
        "广东省医疗保障局 广东省卫生健康委员会", "广东省药品监督管理局关于印发《广东省"
    )
    assert not continues("组织与人员", "医疗保障管理委员会")


def test_classify_markdown_marks():
    assert classify(1, "## **第六章 定点医疗机构的动态管理**").level == 2
    line = classify(2, "**第一条** 为了")
    assert (line.kind, line.text, line.bold) == ("text", "第一条 为了", True)
    assert classify(3, "---").kind == "rule"
    assert classify(4, "　　— 8 —").kind == "page"


# --------------------------------------------------------------------------- encodings and bad input


def test_utf8_bom_and_gb18030(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeff第一条 内容。\n".encode())
    result = read_text(bom)
    assert result.blocks[0].text == "第一条 内容。" and result.metadata["encoding"] == "utf-8"
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("第一条 医疗保障定点管理。\n第二条 依据〔2024〕5号。\n".encode("gb18030"))
    result = read_text(gbk)
    assert result.metadata["encoding"] == "gb18030"
    assert [b.text for b in result.blocks] == [
        "第一条 医疗保障定点管理。",
        "第二条 依据〔2024〕5号。",
    ]


def test_undecodable_text_names_both_encodings(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("第一条".encode() + b"\xff\xfe\xff")
    with pytest.raises(ReadError) as err:
        read_text(path)
    assert err.value.path == str(path)
    assert "not UTF-8 (byte 0xff at offset 9)" in err.value.reason
    assert "not GB18030" in err.value.reason


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file (0 bytes)"),
        (b"\n  \n\xe3\x80\x80\n", "no text"),
        ("— 1 —\n\n- 2 -\n".encode(), "no text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF file, not text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a zip archive (DOCX?), not text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a legacy Office (OLE2) binary, not text"),
        (b"abc\x00\x01\x02def", "binary data (NUL bytes), not text"),
    ],
)
def test_bad_inputs(tmp_path, content, reason):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_text(path)
    assert err.value.reason.startswith(reason)
    assert str(err.value).startswith(f"{path}: ")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReadError, match="file not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(ReadError, match="is a directory"):
        read_text(tmp_path)


def test_decode_is_pure():
    assert decode("条".encode("gb18030")) == ("条", "gb18030")
