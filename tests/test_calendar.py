"""Working days and legal deadlines (toolkit.calendar), every expected date checked by hand.

Weekday anchors used below (checked with a printed calendar): 2026-02-01 Sun, 2026-09-01 Tue,
2026-10-01 Thu, 2026-11-01 Sun, 2025-10-01 Wed, 2024-02-01 Thu, 2099-05-01 Fri.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar as cc
import pytest
from click.testing import CliRunner

from toolkit import calendar as kc
from toolkit.calendar import (
    Calendar,
    Deadline,
    HolidayFileError,
    Unit,
    UnknownYearError,
    add_days,
    add_days_excluding,
    add_months,
    add_workdays,
    add_workdays_excluding,
    add_years,
    count_workdays,
    deadline,
    workdays_between,
)
from toolkit.cli.main import cli

D = date
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar.load(REPO / "corpus" / "holidays.yaml")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------- the issue's example


def test_issue_example_five_workdays_from_tuesday_2026_11_24(cal):
    # Received Tuesday 2026-11-24; counting starts the next day (民法典 第二百零一条):
    # 11-25 Wed (1), 11-26 Thu (2), 11-27 Fri (3), [28 Sat, 29 Sun], 11-30 Mon (4), 12-01 Tue (5).
    assert D(2026, 11, 24).weekday() == 1  # Tuesday
    dl = deadline(D(2026, 11, 24), 5, "workdays", cal=cal)
    assert dl == Deadline(D(2026, 11, 24), Unit.WORKING_DAYS, 5, D(2026, 12, 1))
    assert dl.format_cn() == "自收到本通知之日起5个工作日内（期限届满日为2026年12月1日，含当日）"
    assert dl.last_day_cn() == "期限届满日为2026年12月1日（含当日）"
    assert workdays_between(D(2026, 11, 24), D(2026, 12, 1), cal=cal) == [
        D(2026, 11, 25), D(2026, 11, 26), D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)
    ]


def test_phrase_matches_the_wording_of_a_real_document(cal):
    # The Chuxiong rules (004) write "自收到材料之日起 5 个工作日内" (the PDF put spaces around the
    # number); format_cn must produce that same wording from the parsed number and unit.
    text = (REPO / "tests/data/clean/004_928757f12460cdce.txt").read_text(encoding="utf-8")
    m = re.search(r"自(收到材料之日)起\s*(\d+)\s*个工作日内", text)
    assert m is not None
    dl = deadline(D(2026, 11, 24), int(m.group(2)), Unit.WORKING_DAYS, cal=cal)
    assert dl.format_cn(m.group(1)).startswith(re.sub(r"\s+", "", m.group(0)) + "（期限届满日为")
    assert dl.format_cn(m.group(1)) == "自收到材料之日起5个工作日内（期限届满日为2026年12月1日，含当日）"


def test_format_cn_for_natural_days_and_months(cal):
    # 2026-11-24 + 15 days = 12-09 (Wed). 2026-06-15 + 3 months = 09-15 (Tue: 09-01 is a Tue).
    assert deadline(D(2026, 11, 24), 15, "days", cal=cal).format_cn() == (
        "自收到本通知之日起15日内（期限届满日为2026年12月9日，含当日）"
    )
    assert deadline(D(2026, 6, 15), 3, "months", cal=cal).format_cn("作出决定之日") == (
        "自作出决定之日起3个月内（期限届满日为2026年9月15日，含当日）"
    )


# ---------------------------------------------------------------- 2026 Spring Festival


def test_2026_spring_festival_days(cal):
    # Package data (chinese-calendar 1.11.0) for 2026: off 02-15 (Sun) … 02-23 (Mon), make-up
    # working Saturdays 02-14 and 02-28.
    for d in _days(D(2026, 2, 15), D(2026, 2, 23)):
        assert not cal.is_workday(d) and cal.is_holiday(d), d
        assert cal.day(d).name == "春节"
    for d in (D(2026, 2, 14), D(2026, 2, 28)):
        assert d.weekday() == 5  # Saturday …
        assert cal.is_workday(d)  # … that counts as a working day
        assert not cal.is_holiday(d)
        assert cal.day(d).kind is kc.DayKind.MAKEUP_WORKDAY
    assert cal.is_workday(D(2026, 2, 13)) and cal.is_workday(D(2026, 2, 24))
    assert not cal.is_workday(D(2026, 2, 7)) and not cal.is_holiday(D(2026, 2, 7))  # plain Sat


def test_2026_deadline_spanning_spring_festival(cal):
    # Received Thu 2026-02-12: 02-13 Fri (1), 02-14 make-up Sat (2), 02-15…02-23 off,
    # 02-24 Tue (3), 02-25 Wed (4), 02-26 Thu (5).
    assert add_workdays(D(2026, 2, 12), 5, cal=cal) == D(2026, 2, 26)
    # Received Thu 2026-02-26: 02-27 Fri (1), 02-28 make-up Sat (2), 03-01 Sun off, 03-02 Mon (3).
    # Without the make-up Saturday this would be 03-03.
    assert add_workdays(D(2026, 2, 26), 3, cal=cal) == D(2026, 3, 2)
    # 02-12 → 02-26 contains exactly those 5 working days; the 9-day holiday contributes none.
    assert count_workdays(D(2026, 2, 12), D(2026, 2, 26), cal=cal) == 5


# ---------------------------------------------------------------- 2026 National Day / Mid-Autumn


def test_2026_national_day_and_mid_autumn_days(cal):
    # Off 09-25 (Fri) … 09-27 (Sun) for 中秋 and 10-01 … 10-07 for 国庆; make-up Sun 09-20 and
    # Sat 10-10.
    for d in [*_days(D(2026, 9, 25), D(2026, 9, 27)), *_days(D(2026, 10, 1), D(2026, 10, 7))]:
        assert not cal.is_workday(d), d
    assert cal.day(D(2026, 9, 25)).name == "中秋节"
    assert cal.day(D(2026, 10, 7)).name == "国庆节"
    assert D(2026, 9, 20).weekday() == 6 and cal.is_workday(D(2026, 9, 20))
    assert D(2026, 10, 10).weekday() == 5 and cal.is_workday(D(2026, 10, 10))
    assert not cal.is_workday(D(2026, 10, 11))  # the Sunday after is an ordinary rest day


def test_2026_deadline_from_friday_across_both_holidays(cal):
    # Received Fri 2026-09-18 (a start on a Friday): 09-19 Sat off, 09-20 make-up Sun (1),
    # 09-21…09-24 (2–5), 09-25…09-27 off, 09-28, 29, 30 (6–8), 10-01…10-07 off, 10-08 (9),
    # 10-09 (10).
    assert D(2026, 9, 18).weekday() == 4
    assert add_workdays(D(2026, 9, 18), 10, cal=cal) == D(2026, 10, 9)
    # 09-30 → 10-10: 10-08 Thu, 10-09 Fri, 10-10 make-up Sat.
    assert count_workdays(D(2026, 9, 30), D(2026, 10, 10), cal=cal) == 3


def test_start_on_a_plain_friday(cal):
    # Received Fri 2026-11-20: 1 working day → Mon 11-23. One natural day → Sat 11-21, a rest day,
    # rolled to Mon 11-23 (第二百零三条); without rolling it stays 11-21.
    assert add_workdays(D(2026, 11, 20), 1, cal=cal) == D(2026, 11, 23)
    assert add_days(D(2026, 11, 20), 1, cal=cal) == D(2026, 11, 23)
    assert add_days(D(2026, 11, 20), 1, roll_to_workday=False, cal=cal) == D(2026, 11, 21)


def test_start_on_a_holiday(cal):
    # Received Sat 2026-10-03, inside the National Day holiday: counting starts 10-04 (off);
    # 10-08 Thu (1), 10-09 Fri (2), 10-10 make-up Sat (3), 10-12 Mon (4), 10-13 Tue (5).
    assert add_workdays(D(2026, 10, 3), 5, cal=cal) == D(2026, 10, 13)
    # chinese_calendar.find_workday rolls the start to 10-08 and counts 5 more: one day late.
    assert cc.find_workday(5, D(2026, 10, 3)) == D(2026, 10, 14)


# ---------------------------------------------------------------- 2025 (package data only)


def test_2025_national_day_from_the_package(cal):
    # 2025 is not in corpus/holidays.yaml, so these days come from chinese-calendar: off 10-01
    # (Wed) … 10-08, make-up Sun 09-28 and Sat 10-11.
    # Received Fri 2025-09-26: 09-28 Sun (1), 09-29 (2), 09-30 (3), 10-01…10-08 off,
    # 10-09 Thu (4), 10-10 Fri (5), 10-11 make-up Sat (6), 10-12 Sun off, 10-13 Mon (7).
    assert cal.sources[2025].startswith("chinese-calendar")
    assert add_workdays(D(2025, 9, 26), 7, cal=cal) == D(2025, 10, 13)
    assert cal.day(D(2025, 10, 6)).name == "中秋"  # the package's Chinese name


def test_merged_calendar_agrees_with_the_package_on_every_known_day(cal):
    # 2004-01-01 … 2026-12-31: the bundled file's 2026 entry must reproduce the package exactly.
    for d in _days(D(2004, 1, 1), D(2026, 12, 31)):
        assert cal.is_workday(d) == cc.is_workday(d), d


def test_bundled_2026_entry_is_the_package_data_day_by_day(cal):
    assert cal.sources[2026] == "国务院办公厅关于2026年部分节假日安排的通知"
    assert {d for d in cal.holidays if d.year == 2026} == {d for d in cc.holidays if d.year == 2026}
    assert {d for d in cal.workdays if d.year == 2026} == {d for d in cc.workdays if d.year == 2026}


# ---------------------------------------------------------------- months and years


def test_month_end_arithmetic(cal):
    # 民法典 第二百零二条: no corresponding day → the last day of the month.
    assert add_months(D(2024, 1, 31), 1, cal=cal) == D(2024, 2, 29)  # leap February, a Thursday
    assert add_months(D(2023, 1, 31), 1, cal=cal) == D(2023, 2, 28)  # Tuesday
    assert add_months(D(2025, 8, 31), 1, cal=cal) == D(2025, 9, 30)  # Tuesday
    # 2026-01-31 + 1 month → 02-28, a Saturday that is a make-up working day: no roll.
    assert add_months(D(2026, 1, 31), 1, cal=cal) == D(2026, 2, 28)
    # Across a year: 2025-11-30 + 3 months → February 2026 has no 30th → 02-28.
    assert add_months(D(2025, 11, 30), 3, cal=cal) == D(2026, 2, 28)
    # A corresponding day exists: 2026-06-15 + 3 months → 09-15.
    assert add_months(D(2026, 6, 15), 3, cal=cal) == D(2026, 9, 15)


def test_leap_years(cal):
    assert add_years(D(2024, 2, 29), 1, cal=cal) == D(2025, 2, 28)  # Friday
    assert add_years(D(2023, 2, 28), 1, cal=cal) == D(2024, 2, 28)  # the 28th exists: not the 29th
    assert add_days(D(2024, 2, 28), 1, cal=cal) == D(2024, 2, 29)
    assert add_days(D(2023, 2, 28), 1, cal=cal) == D(2023, 3, 1)
    # 2028-02-29 exists; without rolling no calendar for 2028 is needed …
    assert add_years(D(2024, 2, 29), 4, roll_to_workday=False, cal=cal) == D(2028, 2, 29)
    # … but rolling must know whether 2028-02-29 is a working day.
    with pytest.raises(UnknownYearError, match="for 2028"):
        add_years(D(2024, 2, 29), 4, cal=cal)


def test_first_day_counts_for_validity_periods(cal):
    # NOTES: "有效期3年, 自2021年6月1日起施行" ends on 2024-05-31.
    assert add_years(D(2021, 6, 1), 3, first_day_counts=True, roll_to_workday=False, cal=cal) == (
        D(2024, 5, 31)
    )
    # One month from 2024-03-01 inclusive is March itself; from 01-31 it runs to February's end.
    assert add_months(D(2024, 3, 1), 1, first_day_counts=True, roll_to_workday=False, cal=cal) == (
        D(2024, 3, 31)
    )
    assert add_months(D(2024, 1, 31), 1, first_day_counts=True, roll_to_workday=False, cal=cal) == (
        D(2024, 2, 29)
    )
    assert add_days(D(2026, 6, 1), 30, first_day_counts=True, roll_to_workday=False, cal=cal) == (
        D(2026, 6, 30)
    )


# ---------------------------------------------------------------- roll forward (第二百零三条)


def test_period_ending_in_a_holiday_rolls_to_the_day_after(cal):
    # 2026-09-21 + 10 days = 10-01 (National Day) → the holiday ends 10-07 → 10-08.
    dl = deadline(D(2026, 9, 21), 10, "days", cal=cal)
    assert (dl.end, dl.rolled_from) == (D(2026, 10, 8), D(2026, 10, 1))
    assert add_days(D(2026, 9, 21), 10, roll_to_workday=False, cal=cal) == D(2026, 10, 1)
    # 2026-02-05 + 10 days = 02-15 (Spring Festival, off until 02-23) → 02-24.
    assert add_days(D(2026, 2, 5), 10, cal=cal) == D(2026, 2, 24)
    # 2026-09-01 + 1 month = 10-01 → 10-08.
    assert add_months(D(2026, 9, 1), 1, cal=cal) == D(2026, 10, 8)
    # 2026-09-18 + 1 day = Sat 09-19, whose next day is the make-up Sunday 09-20: offices are
    # open, so the period ends there.
    assert add_days(D(2026, 9, 18), 1, cal=cal) == D(2026, 9, 20)
    # A last day that is a working day is not moved.
    assert deadline(D(2026, 11, 24), 15, "days", cal=cal).rolled_from is None
    assert kc.roll_forward(D(2026, 10, 4), cal=cal) == D(2026, 10, 8)


# ---------------------------------------------------------------- unknown years


def test_first_unknown_year_is_an_error_never_a_guess(cal):
    unknown = max(cal.years) + 1
    if cc.__version__ == "1.11.0":
        assert unknown == 2027  # chinese-calendar 1.11.0 stops at 2026 and the file adds nothing
    with pytest.raises(UnknownYearError) as err:
        cal.is_workday(D(unknown, 3, 3))
    message = str(err.value)
    assert message.startswith(f"no official holiday calendar for {unknown}: add it to ")
    assert str(REPO / "corpus" / "holidays.yaml") in message
    assert f"国务院办公厅关于{unknown}年部分节假日安排的通知" in message
    assert err.value.year == unknown
    for call in (
        lambda: cal.is_holiday(D(unknown, 1, 1)),
        lambda: cal.day(D(unknown, 1, 1)),
        # counting runs into the unknown year: Dec 24 + 10 working days needs January
        lambda: add_workdays(D(unknown - 1, 12, 24), 10, cal=cal),
        lambda: count_workdays(D(unknown - 1, 12, 20), D(unknown, 1, 10), cal=cal),
        lambda: add_days(D(unknown - 1, 12, 20), 20, cal=cal),
        lambda: add_months(D(unknown - 1, 12, 15), 1, cal=cal),
    ):
        with pytest.raises(UnknownYearError, match=f"for {unknown}:"):
            call()
    # Natural-day periods that are not rolled do not need the calendar at all.
    assert add_months(D(unknown - 1, 12, 15), 1, roll_to_workday=False, cal=cal) == (
        D(unknown, 1, 15)
    )


def test_2026_december_counts_up_to_the_year_end(cal):
    # 2026-12-24 Thu + 5 working days: 12-25 Fri, 28, 29, 30, 31 → 12-31, still inside 2026.
    assert add_workdays(D(2026, 12, 24), 5, cal=cal) == D(2026, 12, 31)


def test_years_before_the_package_are_unknown(cal):
    with pytest.raises(UnknownYearError, match="for 2003"):
        cal.is_workday(D(2003, 12, 31))


# ---------------------------------------------------------------- excluded (paused) intervals


def test_workdays_excluding_supplement_time(cal):
    # 20 working days from Sun 2026-03-01: 03-02…06, 09…13, 16…20, 23…27 → 03-27.
    assert add_workdays(D(2026, 3, 1), 20, cal=cal) == D(2026, 3, 27)
    # Supplementing materials 03-05 … 03-10 removes 4 working days (05, 06, 09, 10), so the
    # period needs 4 more: 03-30, 03-31, 04-01, 04-02.
    pause = [(D(2026, 3, 5), D(2026, 3, 10))]
    assert add_workdays_excluding(D(2026, 3, 1), 20, pause, cal=cal) == D(2026, 4, 2)
    # Overlapping and touching intervals merge; a pause before the start changes nothing.
    messy = [(D(2026, 3, 8), D(2026, 3, 10)), (D(2026, 3, 5), D(2026, 3, 7)),
             (D(2026, 2, 1), D(2026, 2, 3))]
    assert add_workdays_excluding(D(2026, 3, 1), 20, messy, cal=cal) == D(2026, 4, 2)
    dl = deadline(D(2026, 3, 1), 20, "working_days", excluded=messy, cal=cal)
    assert dl.excluded == ((D(2026, 2, 1), D(2026, 2, 3)), (D(2026, 3, 5), D(2026, 3, 10)))


def test_natural_days_excluding(cal):
    # 15 days from Sun 2026-03-01 with 03-05…03-10 paused: 03-02, 03, 04 count (3), then 03-11 is
    # the 4th and 03-22 the 15th; 03-22 is a Sunday → rolled to Mon 03-23.
    pause = [(D(2026, 3, 5), D(2026, 3, 10))]
    assert add_days_excluding(D(2026, 3, 1), 15, pause, roll_to_workday=False, cal=cal) == (
        D(2026, 3, 22)
    )
    assert add_days_excluding(D(2026, 3, 1), 15, pause, cal=cal) == D(2026, 3, 23)


def test_bad_intervals_and_counts(cal):
    with pytest.raises(ValueError, match="excluded interval 1: last day 2026-03-01 is before"):
        add_workdays_excluding(D(2026, 3, 1), 5, [(D(2026, 3, 5), D(2026, 3, 1))], cal=cal)
    with pytest.raises(ValueError, match="not supported for a period in months"):
        deadline(D(2026, 3, 1), 1, "months", excluded=[(D(2026, 3, 5), D(2026, 3, 6))], cal=cal)
    for n in (0, -3, 1.5, True):
        with pytest.raises(ValueError, match="positive whole number"):
            add_workdays(D(2026, 3, 1), n, cal=cal)
    with pytest.raises(TypeError, match="expected a datetime.date"):
        add_workdays(datetime(2026, 3, 1, 9, 0), 1, cal=cal)
    with pytest.raises(ValueError, match="end 2026-03-01 is before start 2026-03-02"):
        count_workdays(D(2026, 3, 2), D(2026, 3, 1), cal=cal)
    assert count_workdays(D(2026, 3, 2), D(2026, 3, 2), cal=cal) == 0
    with pytest.raises(ValueError, match="unknown unit 'weeks'"):
        Unit.parse("weeks")


# ---------------------------------------------------------------- the holiday file


FICTITIOUS_2099 = """\
# A fictitious arrangement, only to test the file mechanism.
2099:
  source: 测试用虚构安排（非官方）
  holidays:
    - {name: 测试节, from: 2099-05-01, to: 2099-05-05}
  workdays:
    - {name: 测试节, date: 2099-04-25}
"""


def test_custom_file_adds_a_year(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text(FICTITIOUS_2099, encoding="utf-8")
    cal = Calendar.load(path)
    assert cal.knows(2099) and not cal.knows(2098)
    assert cal.knows(2026)  # the package still supplies the other years
    assert cal.sources[2099] == "测试用虚构安排（非官方）"
    # 2099-05-01 is a Friday; off 05-01 … 05-05 (Tue); Sat 04-25 is a make-up working day.
    assert cal.is_holiday(D(2099, 5, 1)) and cal.is_holiday(D(2099, 5, 5))
    assert cal.is_workday(D(2099, 4, 25)) and D(2099, 4, 25).weekday() == 5
    # Received Thu 04-23: 04-24 Fri (1), 04-25 make-up Sat (2), 04-27 Mon (3), 28 (4), 29 (5).
    assert add_workdays(D(2099, 4, 23), 5, cal=cal) == D(2099, 4, 29)
    # Received Wed 04-29: 04-30 Thu (1), 05-01 … 05-05 off, 05-06 Wed (2), 05-07 Thu (3).
    assert add_workdays(D(2099, 4, 29), 3, cal=cal) == D(2099, 5, 7)
    with pytest.raises(UnknownYearError, match=f"for 2098: add it to {re.escape(str(path))}"):
        cal.is_workday(D(2098, 6, 1))


def test_file_year_replaces_the_package_year(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(
        "2025:\n  source: 测试\n  holidays:\n    - {name: 测试, date: 2025-03-03}\n  workdays: []\n",
        encoding="utf-8",
    )
    cal = Calendar.load(path)
    assert not cal.is_workday(D(2025, 3, 3))  # Monday, made a holiday by the file
    assert cal.is_workday(D(2025, 10, 1))  # a package holiday, gone with the package's 2025
    assert not cal.is_workday(D(2026, 10, 1))  # other years untouched


def test_file_days_win_over_the_package_in_a_neighbouring_year(tmp_path):
    # The package has Sat 2018-12-29 as a make-up working day and Sun 2018-12-30 as a day off
    # (both announced by the 2019 notice). A (fictitious) file entry for 2019 reaching back into
    # December swaps them; the file must win on both days.
    assert cc.is_workday(D(2018, 12, 29)) and not cc.is_workday(D(2018, 12, 30))
    path = tmp_path / "h.yaml"
    path.write_text(
        "2019:\n  source: 测试\n  holidays:\n    - {name: 元旦, date: 2018-12-29}\n"
        "    - {name: 元旦, from: 2018-12-31, to: 2019-01-01}\n"
        "  workdays:\n    - {name: 元旦, date: 2018-12-30}\n",
        encoding="utf-8",
    )
    cal = Calendar.load(path)
    assert not cal.is_workday(D(2018, 12, 29)) and cal.day(D(2018, 12, 29)).name == "元旦"
    assert cal.is_workday(D(2018, 12, 30)) and not cal.is_holiday(D(2018, 12, 30))


def test_env_var_selects_the_default_file(tmp_path, monkeypatch):
    path = tmp_path / "env.yaml"
    path.write_text(FICTITIOUS_2099, encoding="utf-8")
    monkeypatch.setenv(kc.ENV_VAR, str(path))
    assert kc.is_workday(D(2099, 4, 25)) and kc.is_holiday(D(2099, 5, 4))
    monkeypatch.setenv(kc.ENV_VAR, str(tmp_path / "missing.yaml"))
    with pytest.raises(HolidayFileError, match=r"missing\.yaml: cannot read .*POLICYKIT_HOLIDAYS"):
        kc.is_workday(D(2026, 1, 5))
    monkeypatch.delenv(kc.ENV_VAR)
    assert kc.default_calendar().path == REPO / "corpus" / "holidays.yaml"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (FICTITIOUS_2099.replace("to: 2099-05-05", "to: 2099-02-30"),
         "year 2099: holidays item 1.to: '2099-02-30' is not a date written YYYY-MM-DD"),
        (FICTITIOUS_2099.replace("to: 2099-05-05", "to: 2099-04-05"),
         "year 2099: holidays item 1.to: 2099-04-05 is before from 2099-05-01"),
        (FICTITIOUS_2099.replace("date: 2099-04-25", "date: 2099-04-27"),
         "year 2099: workdays item 1.date: 2099-04-27 is a weekday (星期一)"),
        (FICTITIOUS_2099.replace("date: 2099-04-25", "date: 2098-04-25"),
         "year 2099: workdays item 1.date: 2098-04-25 is outside the year 2099"),
        (FICTITIOUS_2099.replace("  source: 测试用虚构安排（非官方）\n", ""),
         "year 2099: source: missing"),
        (FICTITIOUS_2099.replace("  workdays:", "  workday:"),
         "year 2099: workday: unknown field (expected source, holidays, workdays)"),
        (FICTITIOUS_2099.replace("{name: 测试节, from", "{from"),
         "year 2099: holidays item 1.name: missing"),
        (FICTITIOUS_2099.replace("date: 2099-04-25", "date: 2099-05-02"),
         "year 2099: workdays item 1.date: 2099-05-02 is listed twice"),
        (FICTITIOUS_2099 + FICTITIOUS_2099.split("\n", 1)[1], "duplicate key 2099"),
        (FICTITIOUS_2099.replace("  holidays:", "  holidays: [", 1), "not valid YAML: line"),
        ("- 2099\n", "the top level must map each year to its arrangement"),
        (FICTITIOUS_2099.replace("2099:\n", "twenty:\n", 1), "year 'twenty': a year key"),
    ],
)
def test_malformed_file_gives_one_clear_error(tmp_path, body, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(HolidayFileError) as err:
        Calendar.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


# ---------------------------------------------------------------- CLI


def _run(*args: str):
    return CliRunner().invoke(cli, ["calendar", *args])


def test_cli_add_prints_end_and_phrase():
    result = _run("add", "2026-11-24", "5", "--unit", "workdays")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2026-12-01",
        "自收到本通知之日起5个工作日内",
        "期限届满日为2026年12月1日（含当日）",
    ]
    assert "前" not in result.stdout  # "即2026年12月1日前" reads as "before" the last day


def test_cli_add_rolled_and_excluded():
    result = _run("add", "2026-09-21", "10", "--unit", "days")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["2026-10-08", "自收到本通知之日起10日内", "期限届满日为2026年10月8日（含当日）"]
    assert "2026-10-01" in lines[3] and "第二百零三条" in lines[3]
    result = _run("add", "2026-03-01", "20", "--exclude", "2026-03-05..2026-03-10")
    assert result.stdout.splitlines()[0] == "2026-04-02"


def test_cli_is_workday():
    result = _run("is-workday", "2026-10-10")
    assert result.exit_code == 0
    assert result.stdout == "2026-10-10 workday: 2026年10月10日（星期六）：调休上班（国庆节）\n"
    result = _run("is-workday", "2026-10-03")
    assert result.stdout == "2026-10-03 rest day: 2026年10月3日（星期六）：放假（国庆节）\n"
    assert _run("count", "2026-11-24", "2026-12-01").stdout == "5\n"


def test_cli_errors_are_one_line_exit_2():
    unknown = max(Calendar.load().years) + 1  # 2027 with chinese-calendar 1.11.0
    cases = [
        (("add", f"{unknown - 1}-12-24", "10"), f"no official holiday calendar for {unknown}"),
        (("is-workday", f"{unknown}-01-04"), f"no official holiday calendar for {unknown}"),
        (("add", "2026-13-01", "3"), "START: 2026-13-01 does not exist (there is no month 13)"),
        (("add", "2026-02-30", "3"), "START: 2026-02-30 does not exist (2026年2月只有28天)"),
        (("add", "2026/02/03", "3"), "START: '2026/02/03' is not a date written YYYY-MM-DD"),
        (("count", "2028-02-28", "2028-02-30"), "END: 2028-02-30 does not exist (2028年2月只有29天)"),
        (("add", "2026-11-24", "five"), "N: 'five' is not a whole number"),
        (("add", "2026-11-24", "0"), "positive whole number"),
        (("add", "2026-03-01", "5", "--exclude", "2026-03-09..2026-03-02"), "is before first day"),
        (("count", "2026-03-02", "2026-03-01"), "end 2026-03-01 is before start 2026-03-02"),
    ]
    for args, expected in cases:
        result = _run(*args)
        assert result.exit_code == 2, args
        assert result.stdout == "", args
        assert len(result.stderr.splitlines()) == 1 and expected in result.stderr, args


def test_cli_malformed_holiday_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(FICTITIOUS_2099.replace("  source: 测试用虚构安排（非官方）\n", ""), "utf-8")
    result = CliRunner().invoke(cli, ["calendar", "--holidays", str(path), "is-workday", "2099-04-25"])
    assert result.exit_code == 2
    assert result.stderr == f"policykit calendar: {path}: year 2099: source: missing\n"
    path.write_text(FICTITIOUS_2099, "utf-8")
    result = CliRunner().invoke(cli, ["calendar", "--holidays", str(path), "is-workday", "2099-04-25"])
    assert result.exit_code == 0 and "调休上班（测试节）" in result.stdout
