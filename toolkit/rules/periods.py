"""Periods the rules state ("未满3年", "至少3个月", "期满前3个月", "整改3个月后"), counted per 民法典.

One convention for every table, so a clerk can predict every date:

* 第二百零一条: the triggering day is not counted; a period of N years / months / days starts the
  next day. 第二百零二条: a period of years or months ends on the corresponding day of the last
  month (its last day when there is none). That corresponding day is the period's **last day**.
* A period is **满** (complete) from the day after its last day, and **未满** up to and including
  its last day (第二百零三条第二款: the last day ends at 24:00). So an agreement terminated on
  2024-03-01 is within "未满3年" on 2027-02-28 and still on 2027-03-01 (the last day of the
  period), and 满3年 from 2027-03-02. This is also how 满N周岁 is read (from the day after the
  birthday). A status period (a ban, a suspension) is not moved off a rest day: 第二百零三条's
  extension protects someone who must *act* by the last day, and a ban has nobody to protect.
* A deadline to act (告知补正, 评估, 拨付, 申请) is counted the same way and *is* rolled to the next
  working day (toolkit.calendar does that); working-day periods always end on a working day.
* A period counted backwards from a day ("期满前3个月", "到期前30日内") is counted by analogy
  (the NPC commentary on 第十章: 逆算可类推适用顺算的计算方法): the latest day on which a period of
  that length still fits before the end.
* A term whose first and last days are both stated (a labour contract 2026-01-01 至 2026-12-31)
  contains its first day (民法典 第二百零四条: the parties' own dates govern): it lasts 1 year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from toolkit import calendar as cal_lib

_DAY = timedelta(days=1)


class Unit(StrEnum):
    YEARS = "years"
    MONTHS = "months"
    DAYS = "days"
    WORKING_DAYS = "working_days"

    @property
    def cn(self) -> str:
        return {"years": "年", "months": "个月", "days": "日", "working_days": "个工作日"}[self.value]


@dataclass(frozen=True)
class Span:
    """A length of time as a table states it: ``3 years``."""

    n: int
    unit: Unit

    @property
    def cn(self) -> str:
        return f"{self.n}{self.unit.cn}"


def last_day(start: date, span: Span, *, cal: cal_lib.Calendar | None = None) -> date:
    """The last day of a period triggered on ``start`` (not counted), never rolled.

    2024-03-01 + 3 years → 2027-03-01; 2024-01-31 + 1 month → 2024-02-29. Working days need the
    official calendar and raise ``UnknownYearError`` for a year it does not know.
    """
    if span.unit is Unit.YEARS:
        return cal_lib.add_years(start, span.n, roll_to_workday=False, cal=cal)
    if span.unit is Unit.MONTHS:
        return cal_lib.add_months(start, span.n, roll_to_workday=False, cal=cal)
    if span.unit is Unit.DAYS:
        return cal_lib.add_days(start, span.n, roll_to_workday=False, cal=cal)
    return cal_lib.add_workdays(start, span.n, cal=cal)


def complete_from(start: date, span: Span, *, cal: cal_lib.Calendar | None = None) -> date:
    """The first day on which the period is 满: the day after its last day."""
    return last_day(start, span, cal=cal) + _DAY


def is_running(start: date, span: Span, on: date, *, cal: cal_lib.Calendar | None = None) -> bool:
    """未满: ``on`` is on or before the period's last day (and not before its trigger)."""
    return start <= on <= last_day(start, span, cal=cal)


def term_lasts(first: date, last: date, span: Span) -> bool:
    """A term that includes both stated days (a contract) lasts at least ``span``."""
    if last < first:
        return False
    return last >= last_day(first - _DAY, span)


def deadline(start: date, span: Span, *, excluded: list[tuple[date, date]] | None = None,
             cal: cal_lib.Calendar | None = None) -> date:
    """The last day to act, ``span`` after ``start``: rolled to a working day (第二百零三条).

    ``excluded`` (inclusive intervals, e.g. the time an applicant spends supplementing materials)
    does not count. For months and years, the period is the same number of counted natural days
    as the plain period (3 months after 2026-09-18 = 92 days), each excluded day adding one.
    """
    excluded = list(excluded or [])
    if span.unit is Unit.WORKING_DAYS:
        return cal_lib.add_workdays_excluding(start, span.n, excluded, cal=cal)
    if span.unit is Unit.DAYS:
        return cal_lib.add_days_excluding(start, span.n, excluded, cal=cal)
    plain = last_day(start, span, cal=cal)
    if not excluded:
        return cal_lib.roll_forward(plain, cal=cal)
    return cal_lib.add_days_excluding(start, (plain - start).days, excluded, cal=cal)


def latest_start_before(end: date, span: Span) -> date:
    """The latest day from which a period of ``span`` still ends on or before ``end``
    ("于协议期满前3个月提出申请": agreement ending 2026-11-30 → apply by 2026-08-31, since
    2026-08-31 + 3 months = 2026-11-30). Natural units only."""
    if span.unit is Unit.WORKING_DAYS:
        raise ValueError("latest_start_before counts natural periods; use workdays_before")
    guess = _minus(end, span)
    while last_day(guess + _DAY, span) <= end:
        guess += _DAY
    while last_day(guess, span) > end:
        guess -= _DAY
    return guess


def _minus(end: date, span: Span) -> date:
    if span.unit is Unit.DAYS:
        return end - span.n * _DAY
    months = span.n * (12 if span.unit is Unit.YEARS else 1)
    y, m = divmod(end.month - 1 - months, 12)
    year, month = end.year + y, m + 1
    for day in range(end.day, 0, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def workdays_before(end: date, n: int, *, cal: cal_lib.Calendar | None = None) -> date:
    """The n-th working day before ``end`` (``end`` not counted): 民法典 第二百零一条 counted
    backwards. Raises ``UnknownYearError`` for a year the official calendar does not know."""
    if n < 1:
        raise ValueError(f"a period needs a positive number of working days, got {n}")
    cal = cal or cal_lib.default_calendar()
    d, seen = end, 0
    while seen < n:
        d -= _DAY
        if cal.is_workday(d):
            seen += 1
    return d


def previous_workday(d: date, *, cal: cal_lib.Calendar | None = None) -> date:
    """``d`` if it is a working day, else the last working day before it."""
    cal = cal or cal_lib.default_calendar()
    while not cal.is_workday(d):
        d -= _DAY
    return d
