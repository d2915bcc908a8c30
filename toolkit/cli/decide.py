"""``policykit decide KIND``: decide a case from the rules, with the articles each outcome rests on.

    policykit decide application --case case.yaml [--explain] [--json] [--date D]
    policykit decide timeline    --case case.yaml
    policykit decide agreement   --case case.yaml
    policykit decide staff       --case case.yaml
    policykit decide staffing    --beds N [--outpatient-only]

Thin: read and validate the case, call toolkit.rules, print. A bad case lists every bad field
(file, field, reason) on stderr and exits 2; a date the official calendar does not know, or a rule
not in force on the date, is one line on stderr and exit 2. Nothing is written.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from toolkit.cli.main import db_path

KINDS = ("application", "timeline", "agreement", "staff", "staffing")
RESULT_CN = {True: "是", False: "否", None: "待核实"}


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"policykit decide: {message}", err=True)
    sys.exit(code)


def _date(text: str) -> date:
    from toolkit.cli.dates import parse_day

    try:
        return parse_day(text)
    except ValueError as e:  # "2026-02-30 does not exist (2026年2月只有28天)", not a format error
        _fail(f"--date: {e}")


@click.command("decide")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--case", "case_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Case file (YAML or JSON).")
@click.option("--explain", is_flag=True, help="List every rule checked with its result.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (for the notice generator).")
@click.option("--date", "on", default=None, help="Decide as of this date (YYYY-MM-DD), overriding the case.")
@click.option("--beds", type=click.IntRange(min=0), default=None, help="staffing: number of beds.")
@click.option("--outpatient-only", is_flag=True, help="staffing: the institution offers outpatient care only.")
@click.option("--region", default="shenzhen", show_default=True,
              help="staffing: region whose staffing table applies.")
@click.pass_context
def decide(ctx: click.Context, kind: str, case_path: Path | None, explain: bool, as_json: bool,
           on: str | None, beds: int | None, outpatient_only: bool, region: str) -> None:
    """Decide a case (application, timeline, agreement, staff, staffing) from the rules."""
    from toolkit.calendar import CalendarError
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.rules.cases import CaseError
    from toolkit.rules.engine import DecisionError
    from toolkit.rules.tables import TableError

    when = _date(on) if on else None
    try:
        corpus = Corpus.open(db_path(ctx))
        if kind == "staffing":
            if case_path is not None:
                _fail("staffing takes --beds N or --outpatient-only, not --case")
            from toolkit.rules.staffing import decide_staffing

            decision = decide_staffing(beds, corpus, outpatient_only=outpatient_only,
                                       region=region, on=when)
        else:
            if case_path is None:
                _fail(f"{kind} needs --case FILE")
            decision = _decide_case(kind, case_path, corpus, when)
    except CaseError as e:
        click.echo(f"policykit decide: {e}", err=True)
        sys.exit(2)
    except (DecisionError, CorpusError, TableError, CalendarError) as e:
        _fail(f"{case_path or kind}: {e}")

    if as_json:
        click.echo(json.dumps(decision.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        _print(decision, explain)
    if decision.errors:
        for err in decision.errors:
            click.echo(f"policykit decide: {err}", err=True)
        sys.exit(2)


def _decide_case(kind: str, path: Path, corpus: Any, when: date | None) -> Any:
    from toolkit.rules import decide_case
    from toolkit.rules.cases import load_case

    case = load_case(path, kind)
    if when is not None:
        case = case.model_copy(update={"date": when})
    return decide_case(case, corpus)


def _print(decision: Any, explain: bool) -> None:
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]{decision.outcome_label}[/bold]  ({decision.kind}, {decision.region}, "
                  f"{decision.date})")
    if decision.grounds:
        console.print("\n[bold]依据[/bold]")
        for g in decision.grounds:
            _print_check(console, g)
    if decision.unmet_conditions:
        console.print("\n[bold]未满足的条件（整改建议）[/bold]")
        for c in decision.unmet_conditions:
            _print_check(console, c)
    if decision.missing_materials:
        console.print("\n[bold]需补充的材料[/bold]")
        for c in decision.missing_materials:
            _print_check(console, c)
    if decision.unverified:
        console.print("\n[bold]待核实[/bold]")
        for c in decision.unverified:
            _print_check(console, c)
    if decision.deadlines:
        table = Table(title="期限", show_lines=False)
        for col in ("事项", "起算", "期间", "日期", "依据"):
            table.add_column(col)
        for d in decision.deadlines:
            when = f"{d.first} 至 {d.end}" if d.first and d.kind == "window" else str(d.end or "—")
            table.add_row(d.label, str(d.start), d.span, when,
                          "；".join(c.reference for c in d.citations))
        console.print(table)
        for d in decision.deadlines:
            console.print(f"  {d.label}：{d.text}" + (f"（{d.note}）" if d.note else ""))
    extra = decision.extra
    if extra.get("measures"):
        console.print("\n[bold]处理措施[/bold]")
        for c in extra["measures"]:
            _print_check(console, c)
    if "penalty" in extra:
        p = extra["penalty"]
        console.print(f"\n违约金：{p.minimum} 元 至 {p.maximum} 元（损失 {p.loss} 元）")
    elif extra.get("no_penalty"):
        console.print(f"\n违约金：{extra['no_penalty']}")
    _print_offsets(console, decision)
    if "timeline" in extra:
        table = Table(title=f"记分（{extra['as_of']} 本年度累计 {extra['year_total']} 分）")
        for col in ("日期", "事件", "记分", "累计", "处理"):
            table.add_column(col)
        for e in extra["timeline"]:
            table.add_row(str(e["date"]), e["reason"], "" if e["points"] is None else str(e["points"]),
                          str(e["total"]), e.get("consequence") or e.get("may_shorten") or "")
        console.print(table)
        for t in extra["terms"]:
            console.print(f"  {t['describe']}：{t['first']} 至 {t['last']}；"
                          f"恢复申请自 {t['restore_from'] or '（日历未知）'} 起；修复申请自 {t['repair_from']} 起")
    _print_status(console, extra.get("status"))
    if extra.get("remedies"):
        console.print("\n[bold]救济途径[/bold]")
        for c in extra["remedies"]:
            _print_check(console, c)
    for w in decision.warnings:
        console.print(f"[yellow]注意：{w}[/yellow]")
    if explain:
        console.print("\n[bold]逐条检查[/bold]")
        for c in decision.checks:
            console.print(f"- [{RESULT_CN[c.result]}] {c.group} {c.key}：{c.label}")
            for cite in c.citations:
                console.print(f"    {cite.reference}：“{cite.quote}”")
            if c.reason:
                console.print(f"    {c.reason}")


def _print_check(console: Console, c: Any) -> None:
    console.print(f"- {c.label}")
    for cite in c.citations:
        console.print(f"    {cite.reference}：“{cite.quote}”")
    if c.reason:
        console.print(f"    [dim]{c.reason}[/dim]")


# extra["offsets"] keys → how the result reads (the amounts come from the decision)
OFFSET_WORDS = {
    "fine_due": "应缴罚款 {} 元",
    "suspension_days_due": "尚需暂停 {} 日",
    "suspension_days_credit": "作出暂停处罚时折抵 {} 日",
}


def _print_offsets(console: Console, decision: Any) -> None:
    """违约金, 中止 and administrative penalties set against each other (the offset rows), with
    what remains due; the statement "for reference" when the case states none of them."""
    rows = [c for c in decision.checks if c.group == "offset" or c.key == "no_offset"]
    if not rows:
        return
    console.print("\n[bold]折抵[/bold]")
    for c in rows:
        _print_check(console, c)
    due = [OFFSET_WORDS[k].format(v) for k, v in (decision.extra.get("offsets") or {}).items()
           if k in OFFSET_WORDS]
    if due:
        console.print(f"  折抵结果：{'；'.join(due)}")


STATE_CN = {"suspended": "暂停", "terminated": "终止"}


def _print_status(console: Console, status: dict[str, Any] | None) -> None:
    """A person's current 登记备案状态; a term without a last day (it follows the institution's
    suspension) is said to be open, with the dates that cannot be computed yet."""
    if not status or status.get("state") not in STATE_CN:
        return
    state = STATE_CN[status["state"]]
    if status.get("last"):
        span = f"{status['first']} 至 {status['last']}"
    else:
        span = f"自 {status['first']} 起，期限未定（没有截止日期）；恢复申请、修复申请的起算日待期限确定后计算"
    console.print(f"\n当前状态：{state}（{status['describe']}）：{span}")
