"""Working days and legal deadlines on China's official calendar.

The calendar is the chinese-calendar package's data (statutory holidays and make-up working
weekends, 调休上班) overlaid with ``corpus/holidays.yaml``, a file a user extends with a new year as
soon as the State Council publishes its arrangement. A year that neither knows is an error
(:class:`UnknownYearError`), never a guess: a wrong date in a signed notice is a legal defect.

Deadline rules (民法典 第十章 期间计算, articles 200–204):

* 第二百零一条: a period counted in days, months or years starts on the day *after* the
  triggering day, so every ``add_*`` function takes the triggering day as ``start`` and never
  counts it.
* 第二百零二条: a period of months or years ends on the corresponding day of the last month; when
  that month has no such day, on its last day (2024-01-31 + 1 month → 2024-02-29).
* 第二百零三条: when the last day of a period is a 法定休假日 the period ends on the day after the
  holiday ends. We read 法定休假日 as every rest day of the official calendar (weekends included,
  make-up working weekends excluded), as courts do for deadlines (the Supreme People's Court's
  former opinion on the 民法通则 treated Sundays and the actual days off of an adjusted holiday
  this way, and 民事诉讼法 rolls a period ending on a 节假日 likewise). So a rolled period ends on
  the next working day; ``roll_to_workday=False`` turns this off (e.g. for a rule's validity).
* Short administrative deadlines are counted in working days (行政许可法 第八十二条): only working
  days count, make-up working weekends included, and the result is always a working day.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import MappingProxyType

import yaml

ENV_VAR = "POLICYKIT_HOLIDAYS"
BUNDLED_FILE = Path(__file__).resolve().parents[1] / "corpus" / "holidays.yaml"
NOTICE_TITLE = "国务院办公厅关于{year}年部分节假日安排的通知"

_ONE_DAY = timedelta(days=1)
_WEEKDAYS_CN = "一二三四五六日"


# ---------------------------------------------------------------- errors


class CalendarError(Exception):
    """Base class: anything that stops a date computation from being trustworthy."""


class UnknownYearError(CalendarError, LookupError):
    """A date falls in a year with no official holiday arrangement loaded."""

    def __init__(self, year: int, calendar: Calendar) -> None:
        self.year = year
        where = calendar.path if calendar.path is not None else BUNDLED_FILE
        super().__init__(
            f"no official holiday calendar for {year}: add it to {where} "
            f"(from the State Council's {NOTICE_TITLE.format(year=year)}; "
            f"known years: {_format_years(calendar.years)})"
        )


class HolidayFileError(CalendarError, ValueError):
    """The holiday file is unreadable or malformed; the message names the file, year and field."""


# ---------------------------------------------------------------- the calendar


class DayKind(Enum):
    """What the official calendar says about one day (value: the Chinese label)."""

    WORKDAY = "工作日"
    WEEKEND = "周末休息"
    HOLIDAY = "放假"
    MAKEUP_WORKDAY = "调休上班"


@dataclass(frozen=True)
class Day:
    date: date
    kind: DayKind
    name: str | None  # the holiday (or, for a make-up working day, the holiday it makes up for)

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)

    def describe_cn(self) -> str:
        """``2026年10月10日（星期六）：调休上班（国庆节）``."""
        label = self.kind.value + (f"（{self.name}）" if self.name else "")
        return f"{format_date_cn(self.date)}（星期{_WEEKDAYS_CN[self.date.weekday()]}）：{label}"


@dataclass(frozen=True, eq=False)
class Calendar:
    """The official calendar: days off and make-up working days for a set of known years.

    ``holidays`` holds every day off of an official arrangement (放假调休), weekends inside the
    holiday included; ``workdays`` the make-up working weekend days. Any other day is a working
    day from Monday to Friday and a rest day on Saturday and Sunday.
    """

    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    years: frozenset[int]
    sources: Mapping[int, str] = field(default_factory=dict)  # year → where its data comes from
    path: Path | None = None  # the holiday file read, named in errors

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Calendar:
        """The package's calendar overlaid with a holiday file.

        The file is ``path`` if given, else ``$POLICYKIT_HOLIDAYS``, else the bundled
        ``corpus/holidays.yaml``. A year in the file replaces the package's entries for that year.
        """
        resolved = _resolve_path(path)
        return _merge(_package_years(), _read_holiday_file(resolved), resolved)

    def knows(self, year: int) -> bool:
        return year in self.years

    def check(self, d: date) -> date:
        """``d`` itself, or :class:`UnknownYearError` if its year has no arrangement loaded."""
        d = _as_date(d)
        if d.year not in self.years:
            raise UnknownYearError(d.year, self)
        return d

    def day(self, d: date) -> Day:
        d = self.check(d)
        if d in self.workdays:
            return Day(d, DayKind.MAKEUP_WORKDAY, self.workdays[d])
        if d in self.holidays:
            return Day(d, DayKind.HOLIDAY, self.holidays[d])
        return Day(d, DayKind.WEEKEND if d.weekday() >= 5 else DayKind.WORKDAY, None)

    def is_workday(self, d: date) -> bool:
        """True on Monday–Friday outside official holidays, and on make-up working weekends."""
        d = self.check(d)
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_holiday(self, d: date) -> bool:
        """True on a day off of an official holiday arrangement (not on an ordinary weekend)."""
        return self.check(d) in self.holidays

    def is_rest_day(self, d: date) -> bool:
        """Not a working day: an official holiday or an ordinary weekend day."""
        return not self.is_workday(d)


_default_cache: dict[tuple[str, int], Calendar] = {}


def default_calendar() -> Calendar:
    """The calendar from ``$POLICYKIT_HOLIDAYS`` or the bundled file, re-read when the file changes."""
    path = _resolve_path(None)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return Calendar.load(path)  # raises the HolidayFileError naming the file
    if key not in _default_cache:
        _default_cache.clear()
        _default_cache[key] = Calendar.load(path)
    return _default_cache[key]


def is_workday(d: date, *, cal: Calendar | None = None) -> bool:
    return (cal or default_calendar()).is_workday(d)


def is_holiday(d: date, *, cal: Calendar | None = None) -> bool:
    """A day off of an official holiday arrangement; ordinary weekends are not holidays here."""
    return (cal or default_calendar()).is_holiday(d)


def is_rest_day(d: date, *, cal: Calendar | None = None) -> bool:
    return (cal or default_calendar()).is_rest_day(d)


def describe_day(d: date, *, cal: Calendar | None = None) -> Day:
    return (cal or default_calendar()).day(d)


# ---------------------------------------------------------------- deadline arithmetic


class Unit(Enum):
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"

    @classmethod
    def parse(cls, text: str | Unit) -> Unit:
        if isinstance(text, Unit):
            return text
        key = text.strip().lower().replace("-", "_")
        key = {"workdays": "working_days", "workday": "working_days", "day": "days",
               "month": "months", "year": "years"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(u.value for u in cls)
            raise ValueError(f"unknown unit {text!r} (expected one of: {choices})") from None

    @property
    def cn(self) -> str:
        return {"working_days": "个工作日", "days": "日", "months": "个月", "years": "年"}[self.value]


Interval = tuple[date, date]


def add_workdays(start: date, n: int, *, cal: Calendar | None = None) -> date:
    """The n-th working day after ``start`` (the triggering day itself is never counted).

    Received Tuesday 2026-11-24, 5 working days → 11-25, 26, 27, 30, 12-01 → 2026-12-01.
    Unlike ``chinese_calendar.find_workday``, which counts the start day when it is a workday.
    """
    return add_workdays_excluding(start, n, (), cal=cal)


def add_workdays_excluding(
    start: date, n: int, excluded: Sequence[Interval], *, cal: Calendar | None = None
) -> date:
    """Like :func:`add_workdays`, but the days of ``excluded`` (inclusive ``(first, last)``
    intervals, e.g. the time an applicant spends supplementing materials) do not count."""
    cal = cal or default_calendar()
    start, n, skip = _as_date(start), _positive(n), _Intervals(excluded)
    return _nth_counted_day(start, n, lambda d: cal.is_workday(d), skip)


def add_days(
    start: date,
    n: int,
    *,
    roll_to_workday: bool = True,
    first_day_counts: bool = False,
    cal: Calendar | None = None,
) -> date:
    """End of a period of ``n`` natural days triggered on ``start`` (民法典 第二百零一条).

    ``first_day_counts=True`` is for periods that include their first day ("自…之日起施行，
    有效期…"): the period then covers ``start`` … ``start + n - 1``.
    """
    return _days_end(_as_date(start), _positive(n), _Intervals(()), roll_to_workday,
                     first_day_counts, cal)[0]


def add_days_excluding(
    start: date,
    n: int,
    excluded: Sequence[Interval],
    *,
    roll_to_workday: bool = True,
    cal: Calendar | None = None,
) -> date:
    """Like :func:`add_days`, but the days of ``excluded`` (inclusive intervals) do not count."""
    return _days_end(_as_date(start), _positive(n), _Intervals(excluded), roll_to_workday,
                     False, cal)[0]


def add_months(
    start: date,
    n: int,
    *,
    roll_to_workday: bool = True,
    first_day_counts: bool = False,
    cal: Calendar | None = None,
) -> date:
    """End of a period of ``n`` months triggered on ``start`` (民法典 第二百零二条).

    The corresponding day of the last month, or that month's last day when it has none:
    2024-01-31 + 1 month → 2024-02-29. With ``first_day_counts=True`` the period covers ``start``
    and ends the day before the corresponding day (2021-06-01 + 3 years → 2024-05-31), or on the
    month's last day when it has none.
    """
    return _months_end(_as_date(start), _positive(n), roll_to_workday, first_day_counts, cal)[0]


def add_years(
    start: date,
    n: int,
    *,
    roll_to_workday: bool = True,
    first_day_counts: bool = False,
    cal: Calendar | None = None,
) -> date:
    """End of a period of ``n`` years: :func:`add_months` with ``12 * n`` months
    (2024-02-29 + 1 year → 2025-02-28)."""
    return _months_end(_as_date(start), 12 * _positive(n), roll_to_workday, first_day_counts,
                       cal)[0]


def roll_forward(d: date, *, cal: Calendar | None = None) -> date:
    """``d`` if it is a working day, else the first working day after it (第二百零三条)."""
    cal = cal or default_calendar()
    return _roll(_as_date(d), cal, _Intervals(()))


def workdays_between(start: date, end: date, *, cal: Calendar | None = None) -> list[date]:
    """The working days after ``start`` up to and including ``end``."""
    cal = cal or default_calendar()
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    days = (start + i * _ONE_DAY for i in range(1, (end - start).days + 1))
    return [d for d in days if cal.is_workday(d)]


def count_workdays(start: date, end: date, *, cal: Calendar | None = None) -> int:
    """How many working days lie after ``start`` up to and including ``end``."""
    return len(workdays_between(start, end, cal=cal))


@dataclass(frozen=True)
class Deadline:
    """A computed period: triggered on ``start``, ``n`` ``unit``s long, ``end`` its last day
    (included). ``rolled_from`` is the unrolled last day when 第二百零三条 moved it."""

    start: date
    unit: Unit
    n: int
    end: date
    excluded: tuple[Interval, ...] = ()
    rolled_from: date | None = None

    def format_cn(self, trigger: str = "收到本通知之日") -> str:
        """``自收到本通知之日起5个工作日内（期限届满日为2026年12月1日，含当日）``.

        The named day is the last permitted day (``end``, included). "即2026年12月1日前" would
        read as "before" it, so the day is called the 期限届满日 and said to be included.
        Excluded intervals are not spelled out: the notice's own text must state the pause rule.
        """
        return (f"自{trigger}起{self.n}{self.unit.cn}内"
                f"（期限届满日为{format_date_cn(self.end)}，含当日）")

    def last_day_cn(self) -> str:
        """``期限届满日为2026年12月1日（含当日）``: the last day, on a line of its own."""
        return f"期限届满日为{format_date_cn(self.end)}（含当日）"


def deadline(
    start: date,
    n: int,
    unit: Unit | str,
    *,
    excluded: Sequence[Interval] = (),
    roll_to_workday: bool = True,
    cal: Calendar | None = None,
) -> Deadline:
    """Compute a :class:`Deadline`. ``excluded`` works for working days and natural days only:
    months and years have no agreed meaning for a paused period, so that is an error."""
    unit = Unit.parse(unit)
    start, n, skip = _as_date(start), _positive(n), _Intervals(excluded)
    rolled_from: date | None = None
    if unit is Unit.WORKING_DAYS:
        cal = cal or default_calendar()
        end = _nth_counted_day(start, n, lambda d: cal.is_workday(d), skip)
    elif unit is Unit.DAYS:
        end, rolled_from = _days_end(start, n, skip, roll_to_workday, False, cal)
    else:
        if skip:
            raise ValueError(f"excluded intervals are not supported for a period in {unit.value}")
        months = n if unit is Unit.MONTHS else 12 * n
        end, rolled_from = _months_end(start, months, roll_to_workday, False, cal)
    return Deadline(start, unit, n, end, skip.intervals, rolled_from)


def format_date_cn(d: date) -> str:
    """``2026年12月1日``: Arabic numerals, no leading zeros (as in GB/T 9704 成文日期)."""
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- arithmetic helpers


class _Intervals:
    """Validated, merged inclusive date intervals during which a period does not run."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        checked: list[Interval] = []
        for i, item in enumerate(intervals, 1):
            try:
                first, last = item
            except (TypeError, ValueError):
                raise ValueError(f"excluded interval {i}: expected (first, last), got {item!r}") from None
            first, last = _as_date(first), _as_date(last)
            if last < first:
                raise ValueError(f"excluded interval {i}: last day {last} is before first day {first}")
            checked.append((first, last))
        merged: list[Interval] = []
        for first, last in sorted(checked):
            if merged and first <= merged[-1][1] + _ONE_DAY:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        self.intervals = tuple(merged)

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def last_excluded(self, d: date) -> date | None:
        """The last day of the interval containing ``d``, or None."""
        for first, last in self.intervals:
            if first <= d <= last:
                return last
        return None


def _nth_counted_day(start: date, n: int, counts: Callable[[date], bool], skip: _Intervals) -> date:
    d, left = start, n
    while left:
        d += _ONE_DAY
        jump = skip.last_excluded(d)
        if jump is not None:
            d = jump  # jump the whole pause: an open-ended pause must not loop day by day
            continue
        if counts(d):
            left -= 1
    return d


def _roll(d: date, cal: Calendar, skip: _Intervals) -> date:
    while skip.last_excluded(d) is not None or not cal.is_workday(d):
        d += _ONE_DAY
    return d


def _finish(end: date, roll: bool, cal: Calendar | None, skip: _Intervals) -> tuple[date, date | None]:
    if not roll:
        return end, None
    rolled = _roll(end, cal or default_calendar(), skip)
    return rolled, (end if rolled != end else None)


def _days_end(
    start: date, n: int, skip: _Intervals, roll: bool, first_day_counts: bool, cal: Calendar | None
) -> tuple[date, date | None]:
    base = start - _ONE_DAY if first_day_counts else start
    end = _nth_counted_day(base, n, lambda d: True, skip) if skip else base + n * _ONE_DAY
    return _finish(end, roll, cal, skip)


def _months_end(
    start: date, months: int, roll: bool, first_day_counts: bool, cal: Calendar | None
) -> tuple[date, date | None]:
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    month_end = _month_length(year, month)
    if start.day > month_end:
        end = date(year, month, month_end)  # no corresponding day: the month's last day
    elif first_day_counts:
        end = date(year, month, start.day) - _ONE_DAY
    else:
        end = date(year, month, start.day)
    return _finish(end, roll, cal, _Intervals(()))


def _month_length(year: int, month: int) -> int:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - _ONE_DAY).day


def _positive(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"a period needs a positive whole number of units, got {n!r}")
    return n


def _as_date(d: object) -> date:
    # datetime is a date subclass; a time of day would silently shift nothing but confuse callers
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
    return d


def _format_years(years: Iterable[int]) -> str:
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in runs) or "none"


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Year:
    year: int
    source: str
    holidays: dict[date, str]
    workdays: dict[date, str]


def _resolve_path(path: str | os.PathLike[str] | None) -> Path:
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else BUNDLED_FILE


def _package_years() -> dict[int, _Year]:
    """chinese-calendar's data, per year, with the holiday names in Chinese."""
    import chinese_calendar as cc  # imported here: only loading needs it

    chinese = {h.value: h.chinese for h in cc.Holiday}
    first, last = min(cc.holidays).year, max(cc.holidays).year
    source = f"chinese-calendar {cc.__version__}"
    years = {y: _Year(y, source, {}, {}) for y in range(first, last + 1)}
    for table, attr in ((cc.holidays, "holidays"), (cc.workdays, "workdays")):
        for d, name in table.items():
            if d.year in years:
                getattr(years[d.year], attr)[d] = chinese.get(name, name)
    return years


def _merge(package: dict[int, _Year], extra: dict[int, _Year], path: Path) -> Calendar:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for y in package.values():
        if y.year not in extra:  # a year in the file replaces the package's year as a whole
            holidays.update(y.holidays)
            workdays.update(y.workdays)
    for y in extra.values():  # the file's years last: a neighbour-year day they list wins
        for d, name in y.holidays.items():
            workdays.pop(d, None)
            holidays[d] = name
        for d, name in y.workdays.items():
            holidays.pop(d, None)
            workdays[d] = name
    sources = {y: e.source for y, e in package.items()} | {y: e.source for y, e in extra.items()}
    return Calendar(
        holidays=MappingProxyType(holidays),
        workdays=MappingProxyType(workdays),
        years=frozenset(sources),
        sources=MappingProxyType(sources),
        path=path,
    )


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps (we parse dates ourselves, to name the field of a bad
    one) and with duplicate keys rejected (a repeated year would silently drop the first)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # the base class reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_FIELDS = ("source", "holidays", "workdays")


def _read_holiday_file(path: Path) -> dict[int, _Year]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        hint = f" (set by ${ENV_VAR})" if os.environ.get(ENV_VAR) == str(path) else ""
        raise HolidayFileError(f"{path}: cannot read the holiday file{hint}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise HolidayFileError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise HolidayFileError(f"{path}: not valid YAML: {where}{problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HolidayFileError(f"{path}: the top level must map each year to its arrangement")
    years: dict[int, _Year] = {}
    owner: dict[date, int] = {}
    for key, entry in data.items():
        year = _parse_year(path, key)
        parsed = _parse_year_entry(_Where(path, year), entry)
        for d in (*parsed.holidays, *parsed.workdays):
            if d in owner:
                raise HolidayFileError(
                    f"{path}: year {year}: {d} is also listed under year {owner[d]}"
                )
            owner[d] = year
        years[year] = parsed
    return years


@dataclass(frozen=True)
class _Where:
    path: Path
    year: int

    def error(self, fieldname: str, reason: str) -> HolidayFileError:
        return HolidayFileError(f"{self.path}: year {self.year}: {fieldname}: {reason}")


def _parse_year(path: Path, key: object) -> int:
    if isinstance(key, str) and key.isdigit():
        key = int(key)
    if isinstance(key, bool) or not isinstance(key, int) or not 1900 <= key <= 2200:
        raise HolidayFileError(f"{path}: year {key!r}: a year key must be a number like 2027")
    return key


def _parse_year_entry(at: _Where, entry: object) -> _Year:
    if not isinstance(entry, dict):
        raise at.error("(entry)", f"must be a mapping with {', '.join(_YEAR_FIELDS)}")
    unknown = sorted(str(k) for k in entry if k not in _YEAR_FIELDS)
    if unknown:
        raise at.error(unknown[0], f"unknown field (expected {', '.join(_YEAR_FIELDS)})")
    for name in _YEAR_FIELDS:
        if name not in entry:
            raise at.error(name, "missing")
    source = entry["source"]
    if not isinstance(source, str) or not source.strip():
        raise at.error("source", "must name the State Council notice the dates come from")
    if not isinstance(entry["holidays"], list) or not entry["holidays"]:
        raise at.error("holidays", "must be a non-empty list of {name, date} or {name, from, to}")
    if not isinstance(entry["workdays"], list):
        raise at.error("workdays", "must be a list of {name, date} (use [] for none)")

    holidays: dict[date, str] = {}
    for i, item in enumerate(entry["holidays"], 1):
        label = f"holidays item {i}"
        name, days = _parse_holiday_item(at, label, item)
        for d in days:
            if d in holidays:
                raise at.error(label, f"{d} is already a holiday ({holidays[d]})")
            holidays[d] = name
    workdays: dict[date, str] = {}
    for i, item in enumerate(entry["workdays"], 1):
        label = f"workdays item {i}"
        item = _item_mapping(at, label, item, required=("name", "date"), optional=())
        name = _item_name(at, label, item)
        d = _parse_date(at, f"{label}.date", item["date"])
        if d.weekday() < 5:
            raise at.error(f"{label}.date", f"{d} is a weekday (星期{_WEEKDAYS_CN[d.weekday()]}): "
                           "make-up working days are Saturdays or Sundays")
        if d in holidays or d in workdays:
            raise at.error(f"{label}.date", f"{d} is listed twice")
        workdays[d] = name
    return _Year(at.year, source.strip(), holidays, workdays)


def _parse_holiday_item(at: _Where, label: str, item: object) -> tuple[str, list[date]]:
    item = _item_mapping(at, label, item, required=("name",), optional=("date", "from", "to"))
    name = _item_name(at, label, item)
    if "date" in item:
        if "from" in item or "to" in item:
            raise at.error(label, "give either date or from/to, not both")
        return name, [_parse_date(at, f"{label}.date", item["date"])]
    for key in ("from", "to"):
        if key not in item:
            raise at.error(f"{label}.{key}", "missing (give date, or both from and to)")
    first = _parse_date(at, f"{label}.from", item["from"])
    last = _parse_date(at, f"{label}.to", item["to"])
    if last < first:
        raise at.error(f"{label}.to", f"{last} is before from {first}")
    if (last - first).days > 31:  # no official holiday is that long: a mistyped year or month
        raise at.error(f"{label}.to", f"{first} to {last} is longer than any official holiday")
    return name, [first + i * _ONE_DAY for i in range((last - first).days + 1)]


def _item_mapping(
    at: _Where, label: str, item: object, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict:
    if not isinstance(item, dict):
        raise at.error(label, f"must be a mapping like {{name: 春节, date: {at.year}-02-14}}")
    allowed = (*required, *optional)
    for key in item:
        if key not in allowed:
            raise at.error(f"{label}.{key}", f"unknown field (expected {', '.join(allowed)})")
    for key in required:
        if key not in item:
            raise at.error(f"{label}.{key}", "missing")
    return item


def _item_name(at: _Where, label: str, item: dict) -> str:
    name = item["name"]
    if not isinstance(name, str) or not name.strip():
        raise at.error(f"{label}.name", "must be the holiday's name, e.g. 春节")
    return name.strip()


def _parse_date(at: _Where, fieldname: str, value: object) -> date:
    text = str(value).strip()
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        d = date.fromisoformat(text)
    except ValueError:
        raise at.error(fieldname, f"{value!r} is not a date written YYYY-MM-DD") from None
    # A notice covers its own year; its New Year arrangement may reach into the neighbouring
    # December or January, never further.
    if not date(at.year - 1, 12, 1) <= d <= date(at.year + 1, 1, 31):
        raise at.error(fieldname, f"{d} is outside the year {at.year}")
    return d
