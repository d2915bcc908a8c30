"""Text normalisation shared by every reader: undo what PDF producers add, keep the words exact.

Producers insert spaces between CJK characters and Latin letters or digits (``〔2024〕21 号``,
``5 个工作日``) and vary bracket widths in item markers (``(六)`` vs ``（六）``). Quotes must stay
exact otherwise: punctuation as printed is kept (a half-width comma in the source stays one).
"""

from __future__ import annotations

import re

# CJK ideographs, CJK punctuation and full-width forms.
CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
_CJK_RE = re.compile(f"[{CJK}]")
_ALNUM = r"0-9A-Za-z%.\-"

# A run of blanks between a CJK char and an ASCII letter/digit, either way round.
_SPACE_CJK_ALNUM = re.compile(rf"(?<=[{CJK}])[ \t\u00a0\u3000]+(?=[0-9A-Za-z%])")
_SPACE_ALNUM_CJK = re.compile(rf"(?<=[0-9A-Za-z%.])[ \t\u00a0\u3000]+(?=[{CJK}])")
# Blanks between CJK punctuation (brackets, quotes…) and anything: 〔2024〕 21号.
_SPACE_AROUND_PUNCT = re.compile(r"(?<=[〔〕（）《》“”‘’、，。；：【】])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[〔〕（）《》“”‘’、，。；：【】])")
_SPACE_AROUND_HALF_BRACKET = re.compile(rf"(?<=[({CJK}])[ \t\u00a0]+(?=\))|(?<=\()[ \t\u00a0]+")
_MULTI_SPACE = re.compile(r"[ \t\u00a0]{2,}")

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def normalize_spaces(text: str) -> str:
    """Drop producer blanks between CJK and Latin/digits and around CJK punctuation.

    Blanks between two CJK characters are kept (``中共中央 国务院``, joint issuers); callers that
    know a blank is typographic (``第一章 总 则``) remove it themselves.
    """
    text = text.replace("\u00a0", " ")
    text = _SPACE_CJK_ALNUM.sub("", text)
    text = _SPACE_ALNUM_CJK.sub("", text)
    text = _SPACE_AROUND_PUNCT.sub("", text)
    text = _SPACE_AROUND_HALF_BRACKET.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    return text.strip(" \t\u3000")


def squeeze_cjk(text: str) -> str:
    """Remove every blank between two CJK characters (headings set with spacing: 总 则)."""
    return re.sub(rf"(?<=[{CJK}])[ \u3000]+(?=[{CJK}])", "", text).strip()


def join_wrapped(first: str, second: str) -> str:
    """Join two pieces of a line wrapped by layout: no blank between CJK, one between words."""
    if not first:
        return second
    if not second:
        return first
    a, b = first[-1], second[0]
    if a.isascii() and a.isalpha() and b.isascii() and b.isalpha():
        return f"{first} {second}"
    return first + second


def cn_to_int(numeral: str) -> int | None:
    """Chinese or Arabic numeral to int: 五十三 → 53, 十 → 10, 一百零二 → 102, 12 → 12."""
    numeral = numeral.strip()
    if not numeral:
        return None
    if numeral.isdigit():
        return int(numeral.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    total, current = 0, 0
    for ch in numeral:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def int_to_cn(n: int) -> str:
    """53 → 五十三, 10 → 十, 102 → 一百零二, 1010 → 一千零一十 (for printing article numbers)."""
    digits = "零一二三四五六七八九"
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = digits[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + digits[rest]
        return head + (digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))
    if n < 10000:
        rest = n % 1000
        head = digits[n // 1000] + "千"
        if rest == 0:
            return head
        tail = int_to_cn(rest)
        # 1001 一千零一, 1010 一千零一十, 1100 一千一百: a 零 where the hundreds are empty
        return head + ("零" + ("一" + tail if 10 <= rest < 20 else tail) if rest < 100 else tail)
    raise ValueError(f"number too large for a legal numeral: {n}")


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def ascii_digits(text: str) -> str:
    return text.translate(_FULLWIDTH_DIGITS)


def normalize_item_brackets(marker: str) -> str:
    """``(六)``, ``( 六 )``, ``（六)`` → ``（六）``: item markers get full-width brackets."""
    m = marker.strip()
    m = re.sub(r"^[(（]\s*", "（", m)
    m = re.sub(r"\s*[)）]$", "）", m)
    return m
