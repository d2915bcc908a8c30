"""Deadlines of the designation procedure, from a region's timeline table.

Each table row says what starts the period (a case date, or another row's last day), how long it
is, and what kind of period it is (see toolkit.rules.tables.TimelineRow). Counting follows
toolkit.rules.periods; a year the official calendar does not know is an error for that deadline,
reported as such, never a guessed date.
"""

from __future__ import annotations

from datetime import date, timedelta

from toolkit import calendar as cal_lib
from toolkit.calendar import UnknownYearError, format_date_cn
from toolkit.corpus import Corpus
from toolkit.rules import periods
from toolkit.rules.cases import TimelineCase
from toolkit.rules.engine import Check, Citer, Deadline, Decision
from toolkit.rules.tables import RegionTable, TimelineRow, region_table

# What starts a period, as a notice says it (labels of case fields, not legal text).
TRIGGER_CN = {
    "received": "收到申请材料之日",
    "supplement.notified": "告知补正之日",
    "supplement.received_notice": "收到告知书之日",
    "supplement.completed": "申请材料补充完整之日",
    "evaluation_passed": "评估合格之日",
    "publicity_start": "公示发布之日",
    "failure_served": "评估结果告知送达之日",
    "second_failure_served": "再次评估结果告知送达之日",
    "agreement_signed": "协议签订完成之日",
    "agreement_expires": "医保协议期满之日",
    "change_approved": "有关部门批准之日",
    "change_applied": "申请变更之日",
    "payment_declared": "申报之日",
    "exit_effective": "拟中止、解除或不再续签之日",
    "category_requested": "收到书面申请之日",
}

_DAY = timedelta(days=1)
AFTER = "after:"  # a trigger naming another row: that row's last day


def compute_row(row: TimelineRow, start: date, citer: Citer, *, trigger_cn: str,
                supplement: tuple[date | None, date | None] | None = None) -> Deadline:
    """One deadline. ``supplement`` is (notified, completed) when materials were supplemented.
    Raises UnknownYearError when the official calendar does not know a year the count needs."""
    span = row.span.span
    cite = [citer.cite(row)]
    base = Deadline(key=row.key, label=row.label, kind=row.kind, trigger=row.trigger, start=start,
                    span=span.cn, end=None, note=row.note, citations=cite, concept=row.concept)
    if row.kind == "deadline":
        excluded: list[tuple[date, date]] = []
        if supplement and supplement[0] is not None and row.supplement is not None:
            notified, completed = supplement
            if completed is None:
                base.note = _join(base.note, f"材料尚未补充完整（{notified} 已告知补正）：期限暂停，补充完整后才能确定")
                return base
            if row.supplement == "exclude":
                excluded = [(notified, completed)]
                base.note = _join(base.note, f"补充材料时间 {notified} 至 {completed} 不计入")
            else:  # restart: the whole period runs again from the day the materials are complete
                start = completed
                trigger_cn = TRIGGER_CN["supplement.completed"]
                base.note = _join(base.note, f"自 {completed}（材料补充完整之日）起重新计算")
        end = periods.deadline(start, span, excluded=excluded)
        base.start, base.end, base.excluded = start, end, excluded
        base.text = f"自{trigger_cn}起{span.cn}内（即{format_date_cn(end)}前）"
        plain = periods.last_day(start, span)
        if span.unit is not periods.Unit.WORKING_DAYS and not excluded and plain != end:
            base.note = _join(base.note, f"期间最后一日 {plain} 为休息日，顺延至 {end}（民法典第二百零三条）")
    elif row.kind == "after":
        base.end = base.first = periods.complete_from(start, span)
        base.text = f"自{trigger_cn}起满{span.cn}，即{format_date_cn(base.end)}起"
    elif row.kind == "ban":
        base.end = periods.last_day(start, span)
        base.first = base.end + _DAY
        base.text = (f"自{trigger_cn}起{span.cn}内（至{format_date_cn(base.end)}），"
                     f"{format_date_cn(base.first)}起方可")
    elif row.kind == "before":
        base.end = periods.latest_start_before(start, span)
        base.text = f"{trigger_cn}（{format_date_cn(start)}）前{span.cn}，即{format_date_cn(base.end)}前"
        base.note = _join(base.note, _rest_day_note(base.end))
    elif row.kind == "window":
        base.first = start - span.n * _DAY if span.unit is periods.Unit.DAYS else None
        if base.first is None:
            raise ValueError(f"{row.key}: a window is counted in natural days")
        base.end = start - _DAY
        base.text = (f"{trigger_cn}（{format_date_cn(start)}）前{span.cn}内，即{format_date_cn(base.first)}"
                     f"至{format_date_cn(base.end)}")
    return base


def _rest_day_note(d: date) -> str | None:
    # Backward deadlines are not moved forward (that would shorten the notice period); say so.
    try:
        if cal_lib.is_workday(d):
            return None
        return f"{d} 为休息日：应不晚于其前的最后一个工作日 {periods.previous_workday(d)} 提出"
    except UnknownYearError as e:
        return f"{d} 是否为工作日未知：{e}"


def _join(a: str | None, b: str | None) -> str | None:
    return "；".join(x for x in (a, b) if x) or None


def decide_timeline(case: TimelineCase, corpus: Corpus, table: RegionTable | None = None) -> Decision:
    table = table or region_table(case.region)
    triggers = case.triggers()
    on = case.date or min(triggers.values())
    citer = Citer(corpus, table, on)
    decision = Decision(kind="timeline", region=case.region, date=on, outcome="computed",
                        outcome_label="期限计算结果")
    supplement = (case.supplement.notified, case.supplement.completed) if case.supplement else None
    done: dict[str, Deadline] = {}
    for row in table.timeline:
        start, trigger_cn = _trigger(row, triggers, done)
        if start is None:
            decision.checks.append(Check("timeline", row.key, row.label, None, [citer.cite(row)],
                                         reason=f"未计算：案件未给出 {row.trigger}"))
            continue
        try:
            d = compute_row(row, start, citer, trigger_cn=trigger_cn, supplement=supplement)
        except UnknownYearError as e:
            decision.errors.append(f"{row.label}（{row.key}）：{e}")
            decision.checks.append(Check("timeline", row.key, row.label, None, [citer.cite(row)],
                                         reason=str(e)))
            continue
        done[row.key] = d
        decision.deadlines.append(d)
        decision.checks.append(Check("timeline", row.key, row.label, True, d.citations,
                                     reason=d.text + (f"（{d.note}）" if d.note else "")))
    known = {r.trigger for r in table.timeline}
    if any(r.supplement for r in table.timeline):
        known |= {"supplement.notified", "supplement.completed"}
    for name in sorted(case.stated() - known):
        decision.warnings.append(f"{name}: the {case.region} rules state no period counted from this date")
    if decision.errors:
        decision.outcome, decision.outcome_label = "incomplete", "部分期限无法计算"
    return decision


def _trigger(row: TimelineRow, triggers: dict[str, date], done: dict[str, Deadline]
             ) -> tuple[date | None, str]:
    if row.trigger.startswith(AFTER):  # counted from the last day of another period (公示期结束后…)
        prev = done.get(row.trigger[len(AFTER):])
        return (prev.end, f"{prev.label}之日") if prev is not None else (None, "")
    return triggers.get(row.trigger), TRIGGER_CN.get(row.trigger, row.trigger)
