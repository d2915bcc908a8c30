"""GB/T 9704-2012 (党政机关公文格式) as numbers and names: one source for the template builder
and the layout checker, so what we build and what we check cannot drift apart.

Lengths are in twips (1/20 pt) as OOXML stores them; 1 mm = 56.6929 twips.
"""

from __future__ import annotations

import re

MM = 1440 / 25.4  # twips per millimetre

PAGE_WIDTH = 11906  # A4 210 mm
PAGE_HEIGHT = 16838  # A4 297 mm
MARGIN_TOP_MM = 37  # 天头
MARGIN_LEFT_MM = 28  # 订口
MARGIN_RIGHT_MM = 26  # 156 mm 版心 width
MARGIN_BOTTOM_MM = 35  # 225 mm 版心 height
FOOTER_DISTANCE_MM = 21  # page number line ≈ 7 mm below the 版心

LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
BODY_SIZE_PT = 16  # 3号
TITLE_SIZE_PT = 22  # 2号
RECORDAL_SIZE_PT = 14  # 4号 (版记, page numbers)
ISSUER_SIZE_PT = 26  # 发文机关标志: the standard fixes no size; red, 小标宋, within the 版心
# 22 lines in the 225 mm 版心: 225 mm / 22 = 28.95 pt, stored as 579 twips (exact line pitch).
LINE_PITCH_TWIPS = 579
TEXT_WIDTH_TWIPS = round((210 - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) * MM)  # 8844
# Character grid: 28 characters in 156 mm; Word stores the difference from the default font
# size in 1/4096 pt.
CHAR_SPACE = round((TEXT_WIDTH_TWIPS / 20 / CHARS_PER_LINE - BODY_SIZE_PT) * 4096)
CHAR_CONDENSE_TWIPS = -5  # body characters condensed by 0.25 pt: 28 × 15.75 pt fit 442.2 pt
# The character grid: a "lines" document grid (22 lines at the exact pitch) with body text
# condensed so exactly 28 characters fill a line. Word's "linesAndChars" grid (charSpace above)
# does the same in Word, but LibreOffice (our DOCX → PDF path) gives every 16 pt glyph two
# 15.79 pt cells and lines break after 13–14 characters; checked by rendering both ways.
GRID_TYPE = "lines"

RED = "FF0000"

# Official font names, kept in the DOCX (rendering maps them with toolkit/issuing/fonts).
FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

# Paragraph style names. PK-Signature and PK-Date are a contract with the issuing helper
# (seal placement): do not rename.
S_ISSUER = "PK-Issuer"
S_DOCNUMBER = "PK-DocNumber"
S_TITLE = "PK-Title"
S_ADDRESSEE = "PK-Addressee"
S_BODY = "PK-Body"
S_QUOTE = "PK-Quote"
S_H1 = "PK-Heading1"
S_H2 = "PK-Heading2"
S_H3 = "PK-Heading3"
S_H4 = "PK-Heading4"
S_ATTACHMENT = "PK-Attachment"
S_SIGNATURE = "PK-Signature"
S_DATE = "PK-Date"
S_RECORDAL = "PK-Recordal"
S_PARTY = "PK-Party"  # agreements: party lines, signature blocks (no first-line indent)
S_FOOTER_ODD = "PK-FooterOdd"
S_FOOTER_EVEN = "PK-FooterEven"

# Heading levels: the number pattern that opens the paragraph and the font it must use.
HEADING_FONTS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^[一二三四五六七八九十]+、"), HEITI, "一、"),
    (re.compile(r"^（[一二三四五六七八九十]+）"), KAITI, "（一）"),
    (re.compile(r"^\d+[.．]"), FANGSONG, "1."),
    (re.compile(r"^（\d+）"), FANGSONG, "（1）"),
]

DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
DATE_RE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")

# A signature is centred over the date; the date ends four characters from the right margin.
DATE_RIGHT_CHARS = 4
