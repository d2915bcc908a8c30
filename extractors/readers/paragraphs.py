"""Where a paragraph ends in extracted text: the line-classification rules shared by the readers.

Extracted text (a PDF dump, a hard-wrapped TXT, the line breaks inside a DOCX title) breaks lines
for layout reasons: the page was full, the title was set on three lines. The question asked at
every break is the same: does the text before it end a paragraph, or does the text after it start
a new one? Otherwise the two pieces are one paragraph, wrapped.

The answer rests on the structure of Chinese official documents (GB/T 9704 公文 and the rules
they carry): article / chapter / item markers start units; terminal punctuation, 文号, dates,
署名 and 附件 lines end them; a bracket or book-title mark left open means the sentence goes on.
All functions here are pure and work on one stripped line (or the paragraph built so far).
"""

from __future__ import annotations

import re

from extractors.normalize import join_wrapped
from extractors.titles import QUALIFIER_PATTERN

_CN_NUM = "一二三四五六七八九十百千零〇两"
_NUM = rf"[{_CN_NUM}\d０-９]+"

# Units that start a new paragraph when they open a line.
_STRUCTURAL_START = re.compile(
    "|".join(
        [
            # 第一条 / 第一章 / 第一节 / 第一编 followed by a blank, an article title 【…】, or nothing.
            # "第（四）款…" and "第九条情形之一的" (a wrapped cross-reference) do not match.
            rf"第{_NUM}[编章节条](?:[ \t\u3000【]|$)",
            rf"[（(]{_NUM}[）)]",  # （一） (一) （1）
            rf"[{_CN_NUM}]+、",  # 一、
            r"[\d０-９]{1,3}[.．、](?![\d０-９])",  # 1. 1、 (not 1.2.1 or a decimal)
            r"[①-⑳]",
            r"附件(?:[\d０-９]+)?(?:[:：\s]|$)",
            r"(?:抄送|主送|公开方式|公开属性|印发|联系人|联系电话)[:：]",
        ]
    )
)
# 发文字号: 粤医保规〔2024〕4号, 楚医保〔2022〕10 号 (producer blank before 号 allowed).
_DOC_NUMBER = re.compile(r"^\S{1,20}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
# A date on its own line, possibly the 印发 date of the 版记: 2024年4月23日印发.
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:印发|发布|公布)?$")
# A 题注 line of a law: "2020年12月9日 国务院第117次常务会议通过", "2021年5月1日 施行".
_DATE_NOTE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[ \u3000]+[\u4e00-\u9fff《]")
# Issuing organs: 署名 lines, the stacked issuers of a joint 发文机关标志.
_ISSUER_SUFFIX = r"(?:局|委员会|委|厅|部|院|办公室|政府|中心|署|总局|党组)"
_ISSUER = rf"[\u4e00-\u9fff]{{2,24}}?{_ISSUER_SUFFIX}"
_ISSUER_LINE = re.compile(rf"^{_ISSUER}(?:[ \u3000]+{_ISSUER})*(?:[ \u3000]*文件)?$")
_ENDS_WITH_ISSUER = re.compile(rf"{_ISSUER_SUFFIX}$")
# The second line of a joint-issuer title: more issuers, then 关于.
_ISSUERS_THEN_TITLE = re.compile(rf"^(?:{_ISSUER}[ \u3000]*)*{_ISSUER}关于|^关于")
# A whole line in brackets: （此件公开发布）, (此页无正文).
_PARENTHETICAL_LINE = re.compile(r"^[（(][^（()）]{1,20}[）)]$")
# A chapter / section heading line: 第一章 总 则.
_HEADING_LINE = re.compile(rf"^第{_NUM}[编章节](?:[ \t\u3000]|$)")
# Names of document types a title ends with.
_TITLE_END = re.compile(
    r"(?:通知|决定|意见|办法|细则|规定|规程|条例|指南|方案|批复|函|公告|通告|报告|规则|标准|"
    rf"{QUALIFIER_PATTERN})》?$"
)
# A title qualifier set on its own line: （试行）, （试行）》的通知.
_QUALIFIER_START = re.compile(rf"^{QUALIFIER_PATTERN}")
# Punctuation that ends a paragraph, optionally followed by closing quotes / brackets.
_TERMINAL_END = re.compile(r"[。；：！？;:!?…][”’」』）)】》〕\]]*$")
# Any sentence punctuation: a line without it may be a heading.
_SENTENCE_PUNCT = re.compile(r"[。，、；：！？,;:!?]")
# Page numbers printed in the footer: — 8 —, - 8 -, 第 8 页 共 24 页, 8/24, a bare 8.
_PAGE_NUMBER = re.compile(
    r"^(?:[—–\-－─]+\s*\d{1,4}\s*[—–\-－─]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|\d{1,4})$"
)

_OPENERS = "《（(“‘〈【「『〔"
_CLOSERS = "》）)”’〉】」』〕"
_PAIRS = dict(zip(_CLOSERS, _OPENERS, strict=True))

# A line this short without sentence punctuation is a heading (组织与人员, （三）评估结果运用).
SHORT_HEADING_MAX = 12


def starts_unit(line: str) -> bool:
    """The line opens a structural unit (article, chapter, item, 附件, 版记 field)."""
    return bool(_STRUCTURAL_START.match(line))


def is_doc_number(line: str) -> bool:
    return bool(_DOC_NUMBER.match(line))


def is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line))


def is_issuer_line(line: str) -> bool:
    """Only organ names (署名, stacked issuers), optionally followed by 文件; no 关于."""
    return "关于" not in line and bool(_ISSUER_LINE.match(line))


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line.strip()))


def is_title_line(line: str) -> bool:
    """A line that reads as a complete document title: no sentence punctuation, ends in a type."""
    if starts_unit(line) or len(line) < 6:
        return False
    if re.search(r"[。，；：！？,;:!?]", line):
        return False
    return bool(_TITLE_END.search(line)) and not unclosed(line)


def is_qualifier_start(line: str) -> bool:
    return bool(_QUALIFIER_START.match(line))


def ends_sentence(line: str) -> bool:
    return bool(_TERMINAL_END.search(line))


def is_short_heading(line: str) -> bool:
    """A short line without sentence punctuation and not a title in progress (…关于印发)."""
    return (
        len(line) <= SHORT_HEADING_MAX
        and not _SENTENCE_PUNCT.search(line)
        and "关于" not in line
        and not unclosed(line)
    )


def unclosed(text: str) -> bool:
    """A bracket, book-title mark or quote opened and not closed: the sentence goes on."""
    stack: list[str] = []
    for ch in text:
        if ch in _OPENERS:
            stack.append(ch)
        elif ch in _PAIRS and stack and stack[-1] == _PAIRS[ch]:
            stack.pop()
    return bool(stack)


def ends_paragraph(line: str) -> bool:
    """The line cannot be followed by more of the same paragraph."""
    return (
        ends_sentence(line)
        or bool(_HEADING_LINE.match(line))
        or is_doc_number(line)
        or is_date_line(line)
        or is_issuer_line(line)
        or bool(_PARENTHETICAL_LINE.match(line))
        or bool(re.fullmatch(r"附件[\d０-９]*[:：]?", line))
        or is_title_line(line)
        or is_short_heading(line)
    )


def starts_paragraph(line: str) -> bool:
    """The line cannot continue the paragraph before it."""
    return (
        starts_unit(line)
        or is_doc_number(line)
        or is_date_line(line)
        or bool(_DATE_NOTE.match(line))
        or is_issuer_line(line)
    )


def continues(paragraph: str, line: str) -> bool:
    """Whether ``line`` continues ``paragraph`` (the stripped text built so far).

    Order matters: a new unit always starts a paragraph; an open bracket, a title qualifier or
    the rest of a joint-issuer title always continue one; an article or item goes on after a
    semicolon at a wrap (its next item would open with its own marker); otherwise the end of the
    paragraph so far decides.
    """
    if starts_paragraph(line):
        return False
    if unclosed(paragraph) or is_qualifier_start(line):
        return True
    if (
        is_issuer_line(paragraph)
        and not paragraph.endswith("文件")
        and _ISSUERS_THEN_TITLE.match(line)
    ):
        return True
    if starts_unit(paragraph) and paragraph[-1] in "；;：:":
        return True
    return not ends_paragraph(paragraph)


def join_pieces(paragraph: str, line: str) -> str:
    """Join a wrapped line to its paragraph.

    Pieces are joined without a blank (CJK wraps), except between two issuers of a joint title
    wrapped at an issuer boundary: "广东省医疗保障局 广东省卫生健康委员会" + "广东省药品监督管理局关于…"
    keeps the blank that separates issuers on the same line.
    """
    if (
        re.search(r"[\u4e00-\u9fff][ \u3000][\u4e00-\u9fff]", paragraph)
        and "关于" not in paragraph
        and _ENDS_WITH_ISSUER.search(paragraph)
        and re.match(rf"{_ISSUER}(?:关于|[ \u3000])", line)
    ):
        return f"{paragraph} {line}"
    return join_wrapped(paragraph, line)
