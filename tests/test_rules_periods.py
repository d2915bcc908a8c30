"""Period arithmetic of the rule tables (toolkit.rules.periods), every date worked out by hand.

2026 calendar facts used below (国务院办公厅关于2026年部分节假日安排的通知, checked against
toolkit.calendar in test_holiday_facts): Spring Festival 02-15..02-23 off, Saturdays 02-14 and 02-28
worked; Dragon Boat 06-19..06-21 off; Mid-Autumn 09-25..09-27 off; National Day 10-01..10-07 off,
Sunday 09-20 and Saturday 10-10 worked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from toolkit.calendar import UnknownYearError, default_calendar
from toolkit.rules import periods
from toolkit.rules.periods import Span, Unit

Y3 = Span(3, Unit.YEARS)
M3 = Span(3, Unit.MONTHS)


def test_holiday_facts():
    cal = default_calendar()
    worked = [date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]
    off = [date(2026, 2, 15), date(2026, 2, 23), date(2026, 9, 25), date(2026, 10, 1), date(2026, 10, 7)]
    assert all(cal.is_workday(d) for d in worked)
    assert not any(cal.is_workday(d) for d in off)
    assert cal.is_workday(date(2026, 10, 8))  # Thursday after the holiday


@pytest.mark.parametrize("start, span, last", [
    # 民法典 第二百零二条: the corresponding day of the last month is the last day.
    (date(2024, 3, 1), Y3, date(2027, 3, 1)),
    (date(2024, 2, 29), Span(1, Unit.YEARS), date(2025, 2, 28)),  # no 2025-02-29: month's last day
    (date(2026, 11, 30), M3, date(2027, 2, 28)),
    (date(2024, 1, 31), Span(1, Unit.MONTHS), date(2024, 2, 29)),
    (date(2026, 5, 11), Span(180, Unit.DAYS), date(2026, 11, 7)),  # 20+30+31+31+30+31+7 = 180
])
def test_last_day(start, span, last):
    assert periods.last_day(start, span) == last


@pytest.mark.parametrize("on, running", [
    # Terminated 2024-03-01; the 3-year period runs 2024-03-02 .. 2027-03-01 (第二百零一条).
    (date(2024, 3, 1), True),   # the triggering day itself: the ban is in force
    (date(2027, 2, 28), True),  # 未满
    (date(2027, 3, 1), True),   # the period's last day: still 未满 (it ends at 24:00)
    (date(2027, 3, 2), False),  # 满3年
])
def test_three_years_boundary(on, running):
    assert periods.is_running(date(2024, 3, 1), Y3, on) is running
    assert (on >= periods.complete_from(date(2024, 3, 1), Y3)) is (not running)


def test_complete_from_is_day_after_last_day():
    assert periods.complete_from(date(2026, 5, 1), M3) == date(2026, 8, 2)


@pytest.mark.parametrize("first, last, lasts", [
    (date(2026, 1, 1), date(2026, 12, 31), True),   # both stated days included: exactly 1 year
    (date(2026, 1, 2), date(2026, 12, 31), False),  # one day short
    (date(2024, 2, 29), date(2025, 2, 28), True),   # no 2025-02-29: the year ends on 02-28
    (date(2026, 3, 1), date(2026, 2, 1), False),    # reversed
])
def test_contract_terms(first, last, lasts):
    assert periods.term_lasts(first, last, Span(1, Unit.YEARS)) is lasts


@pytest.mark.parametrize("start, span, end", [
    # 5 working days from Thursday 2026-09-24: 09-25..27 Mid-Autumn off, 09-28 (1), 09-29 (2),
    # 09-30 (3), 10-01..07 National Day off, 10-08 (4), 10-09 (5).
    (date(2026, 9, 24), Span(5, Unit.WORKING_DAYS), date(2026, 10, 9)),
    # From Friday 2026-09-18: Sunday 09-20 is a make-up working day (1), 09-21 (2) .. 09-24 (5).
    (date(2026, 9, 18), Span(5, Unit.WORKING_DAYS), date(2026, 9, 24)),
    # From 2026-09-30: 10-08 (1), 10-09 (2), Saturday 10-10 worked (3), 10-12 (4), 10-13 (5).
    (date(2026, 9, 30), Span(5, Unit.WORKING_DAYS), date(2026, 10, 13)),
    # From Thursday 2026-02-12: 02-13 (1), Saturday 02-14 worked (2), 02-15..23 off, 02-24 (3),
    # 02-25 (4), 02-26 (5).
    (date(2026, 2, 12), Span(5, Unit.WORKING_DAYS), date(2026, 2, 26)),
    # From Friday 2026-02-27: Saturday 02-28 worked (1), 03-02 (2) .. 03-05 (5).
    (date(2026, 2, 27), Span(5, Unit.WORKING_DAYS), date(2026, 3, 5)),
    # 3 months from 2026-07-01 end on 10-01, a National Day holiday: moved to 10-08 (第二百零三条).
    (date(2026, 7, 1), M3, date(2026, 10, 8)),
    # 3 months from 2026-06-30 end on Wednesday 09-30, a working day.
    (date(2026, 6, 30), M3, date(2026, 9, 30)),
    # 180 days from 2026-05-11 end on Saturday 11-07: moved to Monday 11-09.
    (date(2026, 5, 11), Span(180, Unit.DAYS), date(2026, 11, 9)),
])
def test_deadlines(start, span, end):
    assert periods.deadline(start, span) == end


def test_months_with_supplement_time_excluded():
    # 3 months from 2026-07-15 = 92 days (to 10-15). Supplement time 07-20..08-10 (22 days,
    # both included) does not count: 07-16..07-19 are days 1-4, then from 08-11 days 5..92, the
    # 92nd being 08-11 + 87 days = 11-06 (a Friday, a working day).
    assert periods.deadline(date(2026, 7, 15), M3) == date(2026, 10, 15)
    got = periods.deadline(date(2026, 7, 15), M3, excluded=[(date(2026, 7, 20), date(2026, 8, 10))])
    assert got == date(2026, 11, 6)


def test_working_days_with_supplement_time_excluded():
    # Chuxiong: 15 working days from 2026-02-10, supplement 02-11..02-26 not counted: 02-27 (1),
    # Saturday 02-28 worked (2), 03-02 (3) .. 03-06 (7), 03-09 (8) .. 03-13 (12), 03-16 (13),
    # 03-17 (14), 03-18 (15).
    got = periods.deadline(date(2026, 2, 10), Span(15, Unit.WORKING_DAYS),
                           excluded=[(date(2026, 2, 11), date(2026, 2, 26))])
    assert got == date(2026, 3, 18)


@pytest.mark.parametrize("end, latest", [
    (date(2026, 12, 31), date(2026, 9, 30)),  # 09-30 + 3 months = 12-30 ≤ 12-31; 10-01 → 2027-01-01
    (date(2026, 11, 30), date(2026, 8, 31)),  # 08-31 + 3 months = 11-30 (no 11-31)
    (date(2026, 5, 31), date(2026, 2, 28)),   # 02-28 + 3 months = 05-28; 03-01 → 06-01
    (date(2027, 1, 4), date(2026, 10, 4)),    # natural days: no calendar needed for 2027
])
def test_latest_start_before(end, latest):
    assert periods.latest_start_before(end, M3) == latest
    assert periods.last_day(latest, M3) <= end < periods.last_day(latest + timedelta(days=1), M3)


def test_workdays_before():
    # 15 working days before 2026-07-15 (not counted): 07-14 (1), 07-13 (2), 07-10 (3) .. 07-06 (7),
    # 07-03 (8) .. 06-29 (12), 06-26 (13), 06-25 (14), 06-24 (15).
    assert periods.workdays_before(date(2026, 7, 15), 15) == date(2026, 6, 24)
    # Across National Day: 5 working days before 2026-10-13: 10-12, Saturday 10-10, 10-09, 10-08, 09-30.
    assert periods.workdays_before(date(2026, 10, 13), 5) == date(2026, 9, 30)


def test_previous_workday():
    assert periods.previous_workday(date(2026, 10, 4)) == date(2026, 9, 30)
    assert periods.previous_workday(date(2026, 9, 30)) == date(2026, 9, 30)


def test_unknown_year_is_an_error_never_a_guess():
    with pytest.raises(UnknownYearError, match="2027"):
        periods.deadline(date(2026, 12, 28), Span(5, Unit.WORKING_DAYS))
    with pytest.raises(UnknownYearError, match="2027"):
        periods.deadline(date(2026, 11, 1), M3)  # 2027-02-01: whether it is a working day is unknown
    # A status period needs no calendar: its last day is exact.
    assert periods.last_day(date(2026, 11, 1), M3) == date(2027, 2, 1)
