"""Staff points (医保支付资格记分): a person's year as an event list → running totals and what follows.

Read from the staff table (Guangdong gd-staff), not from code:

* Score of one act: the band of its negative situation, the position in the band by
  responsibility (一般/重要/主要 → lowest to highest), a fixed score where the text fixes one
  (记12分). One act with several negative situations → the highest score only (第十二条第三款);
  different acts, even found in one inspection, are scored separately and added (第十二条第二款).
* 第十五条第二款: a lighter or heavier score within the band (one step by default, or the score
  the case names) or one band lighter / heavier (same responsibility position in the new band).
* Totals run per natural year and restart on 1 January (第十二条第一款), whatever the institution
  or practice site (第十二条第一款、第四款).
* Consequences of the running total (第二十一条): talks at 3—5 and 6—8; at 9/10/11 a suspension whose
  length depends on whether the points were reached cumulatively or at once (一次性: the points of one
  scoring decision — acts a case marks with the same ``decision`` id — reach the level by
  themselves); at 12 termination with a 1-year or 3-year ban. When both readings apply (2 points,
  then 9 at once: total 11) the heavier consequence is taken. A heavier level reached later in the
  year gives a new term from its own decision date.
* Periods: a suspension of N months decided on D runs from D+1 to D + N months (民法典 第二百零一条),
  a ban likewise; restoration may be applied for from the 15th working day before the last day
  (第二十六条, counted backwards).
* Repair (第二十五条): credits per measure with their caps (per natural year), only after half the
  term of a running suspension or termination has been served, never after 12 points at once; a
  repaired total may shorten the running term to the term of the repaired total (可, discretionary).
* A clerk's standing (the year's total, the status and the day it was decided) may stand in for
  the scoring events, and a repair request may be stated as counts of completed activities.
* The institution's suspension or termination carries the responsible person's status with it
  (第十一条第二款); every decision states the appeal route (第二十四条).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from toolkit.calendar import UnknownYearError
from toolkit.corpus import Corpus
from toolkit.rules import periods
from toolkit.rules.cases import InstitutionEvent, RepairEvent, Scoring, StaffCase, Standing
from toolkit.rules.engine import Check, Cite, Citer, Decision, DecisionError
from toolkit.rules.tables import Band, Cited, RegionTable, Situation, StaffRules, region_table

_DAY = timedelta(days=1)


@dataclass
class Act:
    event: Scoring
    points: int
    situation: Situation
    band: Band
    reason: str
    cited: list[Cited]


def score_act(ev: Scoring, rules: StaffRules) -> Act:
    """The points of one act (pure: no corpus needed)."""
    known = {s.key: s for s in rules.situations}
    unknown = [k for k in ev.situations if k not in known]
    if unknown:
        raise DecisionError(f"situations: unknown key(s) {', '.join(unknown)} "
                            f"(known: {', '.join(known)})")
    positions = {r.key: r for r in rules.responsibilities}
    scored = []
    for key in ev.situations:
        s = known[key]
        band = rules.bands[s.band - 1]
        if s.fixed is not None:
            scored.append((s.fixed, s, band, f"{s.label}：记{s.fixed}分"))
            continue
        if ev.responsibility is None:
            raise DecisionError(f"responsibility: needed to score {key!r} "
                                f"(one of: {', '.join(positions)})")
        resp = positions[ev.responsibility]
        p = band.low + resp.position
        scored.append((p, s, band, f"{s.label}：{band.low}—{band.high}分档，{resp.label}记{p}分"))
    scored.sort(key=lambda x: -x[0])
    points, situation, band, reason = scored[0]
    cited: list[Cited] = [situation, rules.bands_overview, band]  # 第十六条 sets the bands themselves
    if ev.responsibility is not None and situation.fixed is None:
        cited.append(positions[ev.responsibility])
    if len(scored) > 1:
        reason += f"（同一行为涉及{len(scored)}种负面情形，按最高分值记分）"
        cited.append(rules.highest_only)
    if ev.adjustment is not None:
        points, band, why, adj = _adjust(ev, points, situation, band, rules)
        reason += f"；{why}"
        cited.append(adj)
    elif ev.points is not None and ev.points != points:
        raise DecisionError(f"points: the rules give {points} for this act; name an adjustment "
                            "(lighter_within, heavier_within …) to score it otherwise")
    return Act(ev, points, situation, band, reason, cited)


def _adjust(ev: Scoring, base: int, situation: Situation, band: Band, rules: StaffRules
            ) -> tuple[int, Band, str, Cited]:
    adj = next(a for a in rules.adjustments if a.key == ev.adjustment)
    if situation.fixed is not None:
        raise DecisionError(f"adjustment: {situation.label} is scored {situation.fixed} by the text "
                            "itself; it cannot be adjusted")
    if adj.bands == 0:
        lo, hi = (band.low, base - 1) if adj.direction < 0 else (base + 1, band.high)
        if lo > hi:
            raise DecisionError(f"adjustment: {base} is already the {'lowest' if adj.direction < 0 else 'highest'}"
                                f" score of the {band.low}—{band.high} band; {adj.label} is not possible")
        p = ev.points if ev.points is not None else (hi if adj.direction < 0 else lo)
        if not lo <= p <= hi:
            raise DecisionError(f"points: {adj.label} from {base} allows {lo}—{hi}, not {p}")
        return p, band, f"{adj.label}：记{p}分", adj
    i = rules.bands.index(band) + adj.bands
    if not 0 <= i < len(rules.bands):
        raise DecisionError(f"adjustment: there is no band {'below' if adj.bands < 0 else 'above'} "
                            f"{band.low}—{band.high}")
    if ev.points is not None:
        raise DecisionError("points: a score is not chosen when moving a band (the responsibility sets it)")
    new = rules.bands[i]
    p = new.low + (base - band.low)
    return p, new, f"{adj.label}：{new.low}—{new.high}分档，记{p}分", adj


@dataclass
class Consequence:
    kind: str  # talk | suspension | termination
    label: str
    severity: tuple[int, int]
    cited: list[Cited]
    span: periods.Span | None = None  # suspension length / re-registration ban
    one_time: bool = False
    level: int = 0  # the points level it belongs to

    def describe(self) -> str:
        if self.span is None:  # a status that follows the institution's (第十一条第二款)
            return self.label
        how = "一次性" if self.one_time else "累计"
        if self.kind == "suspension":
            return f"{how}记分{self.level}分：暂停医保支付资格{self.span.cn}"
        if self.kind == "termination":
            return f"{how}记满{self.level}分：终止医保支付资格，终止之日起{self.span.cn}内不得再次登记备案"
        return self.label


def consequence_for(total: int, once: int, rules: StaffRules) -> Consequence | None:
    """What the year's total (and the points of this one scoring) lead to; the heavier reading."""
    found: list[Consequence] = []
    t = rules.termination
    levels = {s.points: s for s in rules.suspensions}
    for pts, one_time in ((total, False), (once, True)):
        if pts >= t.points:
            ban = t.one_time if one_time else t.cumulative
            found.append(Consequence("termination", "终止医保支付资格", (2, ban.ban.n), [t, ban],
                                     ban.ban.span, one_time, t.points))
        elif pts in levels:
            lv = levels[pts]
            q = lv.one_time if one_time else lv.cumulative
            found.append(Consequence("suspension", "暂停医保支付资格", (1, q.n),
                                     [rules.suspension_overview, lv], q.span, one_time, pts))
    if found:
        return max(found, key=lambda c: c.severity)
    for talk in rules.talks:
        if talk.low <= total <= talk.high:
            return Consequence("talk", talk.label, (0, talk.low), [talk], level=total)
    return None


@dataclass
class Term:
    """A running suspension or termination."""

    consequence: Consequence
    decided: date
    last: date | None  # last day of the suspension / of the ban; None: it follows the institution's
    restore_from: date | None = None
    restore_note: str | None = None
    starts: date | None = None  # first day, when it is not the day after the decision

    @property
    def first(self) -> date:
        return self.starts or self.decided + _DAY

    def running(self, on: date) -> bool:
        return self.decided <= on and (self.last is None or on <= self.last)

    def half_served_from(self) -> date | None:
        # 执行满一半期限: half of the counted days (rounded up) served; 满 the day after.
        if self.last is None:
            return None
        days = (self.last - self.decided).days
        return self.decided + math.ceil(days / 2) * _DAY + _DAY


@dataclass
class _Year:
    year: int
    total: int = 0
    applied: tuple[int, int] = (-1, 0)
    credits: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def decide_staff(case: StaffCase, corpus: Corpus, table: RegionTable | None = None) -> Decision:
    table = table or region_table(case.region)
    rules = table.staff
    if rules is None:
        raise DecisionError(f"the {case.region} rules state no staff points system")
    events = sorted(enumerate(case.events + _requested_repairs(case)), key=lambda x: (x[1].date, x[0]))
    dates = [ev.date for _, ev in events] + ([case.standing.date] if case.standing else [])
    as_of = case.date or max(dates)
    if as_of < max(dates):
        raise DecisionError(f"date: {as_of} is before the last event ({max(dates)})")
    citers: dict[date, Citer] = {}

    def cite(items: list[Cited], on: date) -> list[Cite]:
        if on not in citers:
            citers[on] = Citer(corpus, table, on)
        return [citers[on].cite(i) for i in items]

    decision = Decision(kind="staff", region=case.region, date=as_of, outcome="", outcome_label="",
                        extra={"person": case.person.model_dump()})
    timeline: list[dict[str, Any]] = []
    year: _Year | None = None
    term: Term | None = None
    terms: list[Term] = []
    if case.standing is not None:
        year, term = _from_standing(case.standing, rules, cite, timeline, decision)
        if term is not None:
            terms.append(term)

    for group in _groups(events):
        on = group[0].date
        if year is None or on.year != year.year:
            if year is not None:
                reset = date(on.year, 1, 1)
                timeline.append(_entry(reset, "year_reset", "自然年度记分清零", total=0,
                                       citations=cite([rules.year_reset], reset)))
            year = _Year(on.year)
        if isinstance(group[0], RepairEvent):
            timeline.append(_repair(group[0], rules, year, term, cite))
            continue
        if isinstance(group[0], InstitutionEvent):
            linked = _institution(group[0], rules, year, cite, timeline, decision)
            if linked is not None:
                term = linked
                terms.append(linked)
            continue
        acts = [score_act(ev, rules) for ev in group]
        once = sum(a.points for a in acts)
        year.total += once
        # The total is this natural year's (第十二条第一款), whatever the institution.
        items: list[Cited] = [rules.scoring_time, rules.year_reset] + [c for a in acts for c in a.cited]
        if len(acts) > 1:
            items.append(rules.separate_acts)
        consequence = consequence_for(year.total, once, rules)
        entry = _entry(on, "scoring", "；".join(a.reason for a in acts), points=once, total=year.total,
                       institutions=sorted({a.event.institution for a in acts}),
                       acts=[{"situations": a.event.situations, "points": a.points,
                              "responsibility": a.event.responsibility,
                              "adjustment": a.event.adjustment} for a in acts],
                       citations=cite(items, on))
        if consequence is not None and consequence.severity > year.applied:
            year.applied = consequence.severity
            entry["consequence"] = consequence.describe()
            grounds = _consequence_items(consequence, rules)
            entry["consequence_citations"] = [c.to_json() for c in cite(grounds, on)]
            if consequence.kind != "talk":
                term = _term(consequence, on, rules)
                terms.append(term)
                entry["term"] = _term_json(term)
            decision.grounds.append(Check("consequence", consequence.kind, consequence.describe(), True,
                                          cite(grounds, on),
                                          reason=f"{on}：本年度累计{year.total}分，本次记{once}分"))
        elif consequence is not None:
            entry["consequence"] = f"（已处理：{consequence.describe()}）"
        timeline.append(entry)

    institutions = sorted({ev.institution for _, ev in events if isinstance(ev, Scoring)})
    if len(institutions) > 1:
        decision.checks.append(Check("staff", "multi_site", "多点执业、多家机构记分累积计算", True,
                                     cite([rules.multi_site, rules.multi_site_status], as_of),
                                     reason="、".join(institutions)))
    for t in terms:
        if t.restore_note:
            decision.warnings.append(t.restore_note)

    current = term if term is not None and term.running(as_of) else None
    year_total = year.total if year is not None and year.year == as_of.year else 0
    decision.extra.update({"timeline": timeline, "year_total": year_total, "as_of": as_of,
                           # terms with a last day; one that follows the institution's is in status
                           "terms": [_term_json(t) for t in terms if t.last is not None],
                           "status": _status(current)})
    if current is None:
        decision.outcome = "normal"
        decision.outcome_label = f"登记备案状态正常（{as_of.year}年度累计{year_total}分）"
    elif current.consequence.kind == "suspension":
        decision.outcome = "suspended"
        until = f"至{current.last}" if current.last else "起，随所在机构中止期"
        decision.outcome_label = f"暂停医保支付资格（{current.first}{until}）"
    else:
        decision.outcome = "terminated"
        decision.outcome_label = (f"终止医保支付资格（{current.last}前不得再次登记备案）" if current.last
                                  else f"终止医保支付资格（自{current.first}起）")
    decision.checks += decision.grounds
    if rules.appeal is not None:
        # Every score and status can be contested (第二十四条): the notice states the remedy.
        remedy = Check("remedy", "appeal", "对记分结果、登记备案状态有异议的，可以提出陈述、申辩", True,
                       cite([rules.appeal], as_of))
        decision.checks.append(remedy)
        decision.extra["remedies"] = [remedy]
    return decision


def _consequence_items(c: Consequence, rules: StaffRules) -> list[Cited]:
    """What a consequence rests on: a cumulative total is a natural year's (第十二条第一款)."""
    return list(c.cited) if c.one_time else list(c.cited) + [rules.year_reset]


def _requested_repairs(case: StaffCase) -> list[RepairEvent]:
    """A repair request stated as counts of completed activities → one repair per activity."""
    req = case.repair_request
    if req is None:
        return []
    return [RepairEvent(type="repair", date=req.date, measure=m)
            for m, n in req.completed.items() for _ in range(n)]


def _from_standing(st: Standing, rules: StaffRules, cite: Any, timeline: list[dict[str, Any]],
                   decision: Decision) -> tuple[_Year, Term | None]:
    """The year and the running term from a clerk's figures (total, status, decision day)."""
    year = _Year(st.date.year, total=st.total)
    known = {m.key: m for m in rules.repair.measures}
    for key, pts in st.repaired.items():
        if key not in known:
            raise DecisionError(f"standing.repaired: unknown repair measure {key!r} (known: {', '.join(known)})")
        cap = known[key].cap
        if cap is not None and pts > cap.n:
            raise DecisionError(f"standing.repaired.{key}: {pts} points exceed the cap of {cap.printed}")
        year.credits[key] = pts
    items: list[Cited] = [rules.year_reset]
    term = None
    reason = f"截至{st.date}：本年度累计{st.total}分"
    if st.status != "normal":
        assert st.decided is not None
        pts = st.points if st.points is not None else st.total
        c = consequence_for(pts, pts if st.one_time else 0, rules)
        wanted = {"suspended": "suspension", "terminated": "termination"}[st.status]
        if c is None or c.kind != wanted:
            got = "no suspension or termination" if c is None or c.kind == "talk" else c.describe()
            raise DecisionError(f"standing: {pts} points {'at once' if st.one_time else 'in the year'} "
                                f"give {got}, not a {st.status} status")
        year.applied = c.severity
        term = _term(c, st.decided, rules)
        if st.last is not None and st.last != term.last:
            decision.warnings.append(f"standing.last: the decision ends the term on {st.last}; "
                                     f"{c.describe()} from {st.decided} ends on {term.last}")
            term = _term(c, st.decided, rules, st.last)
        items += c.cited
        reason += f"；{st.decided}决定：{c.describe()}（{term.first}至{term.last}）"
    elif st.points is not None or st.decided is not None:
        raise DecisionError("standing: points and decided describe a running term; the status is normal")
    timeline.append(_entry(st.date, "standing", reason, total=st.total, citations=cite(items, st.date),
                           **({"term": _term_json(term)} if term else {})))
    return year, term


def _institution(ev: InstitutionEvent, rules: StaffRules, year: _Year, cite: Any,
                 timeline: list[dict[str, Any]], decision: Decision) -> Term | None:
    """第十一条第二款: the person's status follows the institution's, unless not responsible."""
    link = rules.institution_link
    if link is None:
        raise DecisionError("events: the rules do not link a person's status to the institution's")
    what = {"agreement_suspended": "所在机构被中止医保协议",
            "service_suspended": "所在机构或部门（科室）被中止（责令暂停）涉及医疗保障基金使用的医疗服务",
            "agreement_terminated": "所在机构被解除服务协议"}[ev.action]
    if not ev.responsible:
        timeline.append(_entry(ev.date, "institution", f"{what}；本人不负有责任：登记备案状态仍为正常",
                               total=year.total, citations=cite([link.not_responsible], ev.date)))
        return None
    terminated = ev.action == "agreement_terminated"
    row = link.terminated if terminated else link.suspended
    label = f"{what}，登记备案状态调整为{'终止' if terminated else '暂停'}"
    c = Consequence("termination" if terminated else "suspension", label, (3 if terminated else 1, 0), [row])
    t = Term(c, ev.date, None if terminated else ev.end, starts=ev.date)
    if t.last is not None:
        try:  # 第二十六条 applies to any 暂停 with a last day
            t.restore_from = periods.workdays_before(t.last, rules.restoration.span.n)
        except UnknownYearError as e:
            t.restore_note = f"restoration date for the term ending {t.last}: {e}"
    entry = _entry(ev.date, "institution", label, total=year.total, citations=cite([row], ev.date),
                   consequence=label, term=_term_json(t))
    timeline.append(entry)
    decision.grounds.append(Check("consequence", f"institution_{ev.action}", label, True, cite([row], ev.date),
                                  reason=f"{ev.date}：{what}，本人负有责任"))
    return t


def _groups(events: list[tuple[int, Any]]) -> list[list[Any]]:
    """Scorings of one decision together (一次性记分); every other event alone."""
    groups: list[list[Any]] = []
    by_id: dict[str, list[Any]] = {}
    for _, ev in events:
        if isinstance(ev, Scoring) and ev.decision is not None:
            if ev.decision in by_id:
                if by_id[ev.decision][0].date != ev.date:
                    raise DecisionError(f"decision {ev.decision!r}: its acts carry different dates "
                                        f"({by_id[ev.decision][0].date}, {ev.date})")
                by_id[ev.decision].append(ev)
                continue
            by_id[ev.decision] = [ev]
            groups.append(by_id[ev.decision])
        else:
            groups.append([ev])
    return groups


def _term(c: Consequence, on: date, rules: StaffRules, last: date | None = None) -> Term:
    """The term a consequence decided on ``on`` gives (``last``: as the decision fixed it)."""
    assert c.span is not None
    last = last or periods.last_day(on, c.span)
    t = Term(c, on, last)
    try:
        t.restore_from = periods.workdays_before(last, rules.restoration.span.n)
    except UnknownYearError as e:
        t.restore_note = f"restoration date for the term ending {t.last}: {e}"
    return t


def _term_json(t: Term) -> dict[str, Any]:
    return {"kind": t.consequence.kind, "describe": t.consequence.describe(), "decided": t.decided,
            "first": t.first, "last": t.last, "one_time": t.consequence.one_time,
            "restore_from": t.restore_from, "restore_note": t.restore_note,
            "repair_from": t.half_served_from()}


def _status(t: Term | None) -> dict[str, Any]:
    if t is None:
        return {"state": "normal"}
    return {"state": "suspended" if t.consequence.kind == "suspension" else "terminated", **_term_json(t)}


def _repair(ev: RepairEvent, rules: StaffRules, year: _Year, term: Term | None, cite: Any) -> dict[str, Any]:
    known = {m.key: m for m in rules.repair.measures}
    if ev.measure not in known:
        raise DecisionError(f"measure: unknown repair measure {ev.measure!r} (known: {', '.join(known)})")
    m = known[ev.measure]
    items: list[Cited] = [m]
    running = term if term is not None and term.running(ev.date) else None

    def refused(why: str, *extra: Cited) -> dict[str, Any]:
        return _entry(ev.date, "repair", f"{m.label}：不予修复（{why}）", points=0, total=year.total,
                      citations=cite(items + list(extra), ev.date), granted=False)

    if year.total == 0:
        return refused("本年度没有记分")
    if running is not None and running.consequence.one_time and running.consequence.kind == "termination":
        return refused("一次记满12分", rules.repair.no_repair_one_time)
    half = running.half_served_from() if running is not None else None
    if running is not None and half is None:
        return refused("暂停或终止随所在机构，期限未定，不能确定是否已执行满一半期限", rules.repair.half_term)
    if half is not None and ev.date < half:
        return refused(f"暂停或终止期限执行满一半（{half}起）后方可申请", rules.repair.half_term)
    credit = m.credit.n
    if m.cap is not None:
        credit = min(credit, m.cap.n - year.credits[m.key])
        if credit <= 0:
            return refused(f"本年度该项修复已达{m.cap.printed}上限")
    credit = min(credit, year.total)
    year.credits[m.key] += credit
    year.total -= credit
    if running is not None:
        # Granted during a running term: it rests on the half-term having been served.
        items.append(rules.repair.half_term)
    entry = _entry(ev.date, "repair", f"{m.label}：减{credit}分", points=-credit, total=year.total,
                   citations=cite(items, ev.date), granted=True)
    if running is not None and running.consequence.span is not None:
        c = running.consequence
        shorter = consequence_for(year.total, year.total if c.one_time else 0, rules)
        if shorter is None or shorter.kind == "talk":
            entry["may_shorten"] = f"修复后累计{year.total}分，已不足暂停或终止的分值：可相应缩短至期满"
        elif shorter.severity < c.severity and shorter.span is not None:
            last = periods.last_day(running.decided, shorter.span)
            entry["may_shorten"] = f"可相应缩短为：{shorter.describe()}（自{running.decided}起，至{last}）"
        if "may_shorten" in entry:
            entry["shorten_citations"] = [x.to_json() for x in cite([rules.repair.shorten], ev.date)]
    return entry


def _entry(on: date, kind: str, reason: str, *, total: int, citations: list[Cite], points: int | None = None,
           **more: Any) -> dict[str, Any]:
    return {"date": on, "event": kind, "reason": reason, "points": points, "total": total,
            **more, "citations": [c.to_json() for c in citations]}
