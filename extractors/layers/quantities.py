"""Quantities and dates in legal Chinese text: what they say, normalised, with exact offsets.

``find_dates`` and ``find_quantities`` are pure functions on one string. They keep the exact
characters as printed (producer blanks such as ``5 个工作日`` included) and normalise only the
value: a number (Arabic or Chinese numerals), a unit from a closed set, and an ISO date.

Units are normalised but never converted across kinds: 工作日 stay 工作日 (a working-day period
is counted differently from a calendar-day one), 天 becomes 日, 万元 becomes 元.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from extractors.normalize import ascii_digits, cn_to_int

# Blanks a PDF producer may leave between a number and its unit.
_SP = r"[ \u3000\u00a0]*"
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_ARABIC = r"\d+(?:\.\d+)?"
_NUM = rf"(?:{_ARABIC}|[{_CN_NUM}]+)"
_ARABIC_FW = str.maketrans("０１２３４５６７８９％", "0123456789%")


@dataclass(frozen=True)
class Quantity:
    """A number with a unit (or a date) found in a text: ``text == source[start:end]``."""

    start: int
    end: int
    label: str  # DATE | DURATION | RATIO | COUNT | AMOUNT
    text: str
    value: float | int | None  # lower bound for a range; None for an invalid date
    unit: str  # normalised unit; "date" for dates
    data: dict[str, Any] = field(default_factory=dict)


def parse_number(numeral: str) -> float | int | None:
    """``12`` → 12, ``2.5`` → 2.5, ``十五`` → 15, ``两`` → 2, ``一万`` → 10000."""
    numeral = ascii_digits(numeral.strip()).translate(_ARABIC_FW)
    if re.fullmatch(r"\d+", numeral):
        return int(numeral)
    if re.fullmatch(_ARABIC, numeral):
        return float(numeral)
    if "万" in numeral:  # cn_to_int knows units up to 千
        head, _, tail = numeral.partition("万")
        hi = cn_to_int(head) if head else 1
        lo = cn_to_int(tail) if tail else 0
        return None if hi is None or lo is None else hi * 10000 + lo
    return cn_to_int(numeral)


# --- dates ------------------------------------------------------------------------------------
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_DATE_RE = re.compile(
    rf"(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}}){_SP}年{_SP}"
    rf"(?P<m>\d{{1,2}}|[一二三四五六七八九十]{{1,2}}){_SP}月{_SP}"
    rf"(?P<d>\d{{1,2}}|[一二三四五六七八九十]{{1,3}}){_SP}日"
)


def find_dates(text: str) -> list[Quantity]:
    """Full dates (year, month, day) in Arabic or Chinese numerals, with their ISO form."""
    out = []
    for m in _DATE_RE.finditer(text):
        y = m["y"]
        year = int(y) if y.isdigit() else int(y.translate(_CN_YEAR_DIGITS))
        month, day = parse_number(m["m"]), parse_number(m["d"])
        try:
            value = date(year, int(month or 0), int(day or 0))
            data = {"iso": value.isoformat()}
        except ValueError:
            data = {"iso": None, "invalid": True}
        out.append(Quantity(m.start(), m.end(), "DATE", m.group(), None, "date", data))
    return out


def parse_date(text: str) -> date | None:
    """The first full date in ``text`` (``2027年6月1日`` → 2027-06-01), or None."""
    for q in find_dates(text):
        if q.data.get("iso"):
            return date.fromisoformat(q.data["iso"])
    return None


# --- quantities -------------------------------------------------------------------------------
# (pattern of the unit as printed, label, normalised unit, Chinese numerals allowed?)
# Longer units first: 个工作日 before 工作日 before 日.
_UNITS: list[tuple[str, str, str, bool]] = [
    (rf"个{_SP}工作日", "DURATION", "工作日", True),
    (r"工作日", "DURATION", "工作日", True),
    (rf"个{_SP}(?:自然)?月", "DURATION", "个月", True),
    (r"小时", "DURATION", "小时", True),
    (r"分钟", "DURATION", "分钟", True),
    (r"[日天](?!常)", "DURATION", "日", True),
    (r"周(?!边|转)", "DURATION", "周", True),
    (r"年(?![度级龄])", "DURATION", "年", True),
    (r"[%％]", "RATIO", "%", False),
    (r"倍", "RATIO", "倍", True),
    (r"亿元", "AMOUNT", "元", True),
    (r"万元", "AMOUNT", "元", True),
    (r"元", "AMOUNT", "元", False),
    (rf"张{_SP}床位", "COUNT", "张", False),
    (r"张", "COUNT", "张", False),
    (r"名", "COUNT", "名", True),
    (r"人次", "COUNT", "人次", False),
    (r"人(?![员民身])", "COUNT", "人", True),
    (r"次(?!性|年|日|月)", "COUNT", "次", False),  # 一次记分 is "in one go", not a count
    (r"分(?![钟值档别类期级配摊担])", "COUNT", "分", False),
]
_AMOUNT_SCALE = {"亿元": 100_000_000, "万元": 10_000, "元": 1}

_UNIT_ALT = "|".join(f"(?:{u})" for u, *_ in _UNITS)
_RANGE_SEP = r"[—–\-~～至到]"
_QTY_RE = re.compile(
    rf"(?:(?P<lo>{_NUM}){_SP}(?P<lo_unit>{_UNIT_ALT})?{_SP}{_RANGE_SEP}{_SP})?"
    rf"(?P<num>{_NUM}){_SP}(?P<unit>{_UNIT_ALT})"
)
_PERCENT_WORDS = re.compile(rf"百分之(?P<num>[{_CN_NUM}点]+)")
_UNIT_TABLE = [(re.compile(u), label, norm, cn) for u, label, norm, cn in _UNITS]


def _classify(unit_text: str) -> tuple[str, str, bool]:
    for rx, label, norm, cn in _UNIT_TABLE:
        if rx.fullmatch(unit_text):
            return label, norm, cn
    raise AssertionError(unit_text)  # pragma: no cover - _QTY_RE only matches known units


def _is_cn(numeral: str) -> bool:
    return not re.match(r"[\d０-９]", numeral)


def _excluded(text: str, m: re.Match[str], unit: str, cn: bool) -> bool:
    """Numbers that are not quantities: ordinals, years, 一次性, numerals inside words."""
    num = m["num"]
    start = m.start("lo") if m["lo"] else m.start("num")
    before = text[max(0, start - 1) : start]
    if re.search(rf"第{_SP}$", text[max(0, start - 3) : start]):  # 第5次, 第 2 号 — ordinals
        return True
    if _is_cn(num):
        if not cn:
            return True
        # A Chinese numeral glued to a preceding CJK character is usually part of a word
        # (同一次, 统一年度, 每一名); accept it only after punctuation, a space or a few
        # words that introduce a quantity.
        if before and re.match(r"[\u4e00-\u9fff]", before) and not re.search(
            r"(?:为|满|过|于|超|达|至|到|内|后|前|少|多|期|限|记|减|及|在|每|的|暂停|延长|有效期|不得|不超|满)$",
            text[max(0, start - 3) : start],
        ):
            return True
    if unit == "年" and not _is_cn(num) and len(num) == 4:  # 2022年: a year, not a period
        return True
    if unit == "分" and _is_cn(num):
        return True
    return False


def find_quantities(text: str, skip: list[tuple[int, int]] | None = None) -> list[Quantity]:
    """Durations, ratios, counts and amounts, ranges included (``1—3 分``, ``3个月至12个月``).

    ``skip`` lists character ranges not to look into (dates, titles, document numbers); by
    default the dates of ``text`` are skipped so ``2021年6月1日`` never yields a period.
    """
    if skip is None:
        skip = [(d.start, d.end) for d in find_dates(text)]
    out: list[Quantity] = []

    def overlaps(a: int, b: int) -> bool:
        return any(a < e and s < b for s, e in skip)

    for m in _QTY_RE.finditer(text):
        label, unit, cn = _classify(m["unit"])
        if _excluded(text, m, unit, cn):
            continue
        start = m.start()
        if overlaps(start, m.end()):
            continue
        value = parse_number(m["num"])
        if value is None:
            continue
        data: dict[str, Any] = {"value": value, "unit": unit}
        if m["lo"] is not None:
            lo = parse_number(m["lo"])
            lo_unit = _classify(m["lo_unit"])[1] if m["lo_unit"] else unit
            if lo is None or lo_unit != unit or lo > value:
                start = m.start("num")  # not a range after all: keep the upper number only
            else:
                data = {"value": lo, "unit": unit, "min": lo, "max": value}
        if label == "AMOUNT":
            scale = _AMOUNT_SCALE[re.sub(_SP, "", m["unit"])]
            data["value"] = data["value"] * scale
            for k in ("min", "max"):
                if k in data:
                    data[k] = data[k] * scale
        if unit == "张" and "床位" in m["unit"]:
            data["noun"] = "床位"
        out.append(Quantity(start, m.end(), label, text[start : m.end()], data["value"], unit, data))
    for m in _PERCENT_WORDS.finditer(text):
        whole, _, frac = m["num"].partition("点")
        value = parse_number(whole)
        if value is not None and frac:
            digits = "".join(str(parse_number(ch)) for ch in frac)
            value = float(f"{value}.{digits}") if digits.isdigit() else None
        if value is None or overlaps(m.start(), m.end()):
            continue
        out.append(Quantity(m.start(), m.end(), "RATIO", m.group(), value, "%", {"value": value, "unit": "%"}))
    out.sort(key=lambda q: q.start)
    return out
