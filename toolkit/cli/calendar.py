"""``policykit calendar``: working days and deadlines on the official calendar (toolkit.calendar).

Thin: parse the arguments, call the library, print. Any error is one line on stderr, exit code 2.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from toolkit import calendar as cal_lib
from toolkit.cli.dates import parse_day


def _fail(message: str) -> NoReturn:
    click.echo(f"policykit calendar: {message}", err=True)
    sys.exit(2)


def _date(text: str, what: str) -> date:
    try:
        return parse_day(text)
    except ValueError as e:
        _fail(f"{what}: {e}")


def _interval(text: str) -> tuple[date, date]:
    first, sep, last = text.partition("..")
    return _date(first, "--exclude"), _date(last if sep else first, "--exclude")


def _calendar(ctx: click.Context) -> cal_lib.Calendar:
    return cal_lib.Calendar.load(ctx.obj.get("holidays") if ctx.obj else None)


@click.group("calendar")
@click.option(
    "--holidays",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Holiday file (default: ${cal_lib.ENV_VAR} or corpus/holidays.yaml).",
)
@click.pass_context
def calendar(ctx: click.Context, holidays: Path | None) -> None:
    """Working days and legal deadlines on China's official holiday calendar."""
    ctx.ensure_object(dict)
    ctx.obj["holidays"] = holidays


@calendar.command("add")
@click.argument("start")
@click.argument("n")
@click.option(
    "--unit",
    type=click.Choice(["workdays", "days", "months", "years"]),
    default="workdays",
    show_default=True,
)
@click.option(
    "--exclude",
    "excluded",
    multiple=True,
    metavar="FIRST..LAST",
    help="Days that do not count (e.g. time spent supplementing materials); repeatable.",
)
@click.option("--no-roll", is_flag=True, help="Do not move a last day that is a rest day.")
@click.option("--trigger", default="收到本通知之日", show_default=True, help="What starts the period.")
@click.pass_context
def add(
    ctx: click.Context,
    start: str,
    n: str,
    unit: str,
    excluded: tuple[str, ...],
    no_roll: bool,
    trigger: str,
) -> None:
    """Last day of a period of N units triggered on START (START itself is not counted)."""
    start_date = _date(start, "START")
    if not n.strip().isdigit():
        _fail(f"N: {n!r} is not a whole number")
    intervals = [_interval(x) for x in excluded]
    try:
        result = cal_lib.deadline(
            start_date, int(n), unit, excluded=intervals, roll_to_workday=not no_roll,
            cal=_calendar(ctx),
        )
    except (cal_lib.CalendarError, ValueError, TypeError) as e:
        _fail(str(e))
    click.echo(result.end.isoformat())
    # The last day is in the period: "即…前" would read as "before" it, so it is named plainly.
    click.echo(f"自{trigger}起{result.n}{result.unit.cn}内")
    click.echo(result.last_day_cn())
    if result.rolled_from is not None:
        click.echo(
            f"(last day {result.rolled_from.isoformat()} is a rest day: moved to the next "
            "working day, 民法典 第二百零三条)"
        )


@calendar.command("is-workday")
@click.argument("day")
@click.pass_context
def is_workday(ctx: click.Context, day: str) -> None:
    """Whether DAY is a working day, and why."""
    d = _date(day, "DAY")
    try:
        info = _calendar(ctx).day(d)
    except cal_lib.CalendarError as e:
        _fail(str(e))
    click.echo(f"{d.isoformat()} {'workday' if info.is_workday else 'rest day'}: {info.describe_cn()}")


@calendar.command("count")
@click.argument("start")
@click.argument("end")
@click.pass_context
def count(ctx: click.Context, start: str, end: str) -> None:
    """Number of working days after START up to and including END."""
    first, last = _date(start, "START"), _date(end, "END")
    try:
        click.echo(str(cal_lib.count_workdays(first, last, cal=_calendar(ctx))))
    except (cal_lib.CalendarError, ValueError) as e:
        _fail(str(e))
