"""Agreement dynamics: suspension and termination grounds, a requested suspension's 180-day cap,
breach penalties computed from the loss, and a list's routing of items to actions — all from the
region's table.

Money is computed with Decimal to the fen: the lower bound of a penalty range is rounded up and
the upper bound down, so every amount in the range honours both percentages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from toolkit import calendar as cal_lib
from toolkit.calendar import UnknownYearError
from toolkit.corpus import Corpus
from toolkit.rules import periods
from toolkit.rules.cases import AgreementCase
from toolkit.rules.engine import (
    Check,
    Cite,
    Citer,
    Deadline,
    Decision,
    DecisionError,
    check_row,
    predicate_paths,
)
from toolkit.rules.tables import (
    Cited,
    Penalties,
    PenaltyRate,
    RegionTable,
    RowList,
    cn_numeral,
    region_table,
)

OUTCOMES = {
    "terminate": "应当解除医保协议",
    "lapsed": "医保协议自动终止",
    "suspend": "应当中止医保协议",
    "measures": "按协议约定处理违约行为",
    "continue": "未发现应当中止或解除医保协议的情形",
}
_FEN = Decimal("0.01")


@dataclass
class PenaltyRange:
    loss: Decimal
    min_rate: int | None
    max_rate: int
    cap_rate: int
    minimum: Decimal
    maximum: Decimal
    proposed: Decimal | None
    proposed_ok: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"loss": str(self.loss), "min_rate": self.min_rate, "max_rate": self.max_rate,
                "cap_rate": self.cap_rate, "minimum": str(self.minimum), "maximum": str(self.maximum),
                "proposed": None if self.proposed is None else str(self.proposed),
                "proposed_ok": self.proposed_ok}


def penalty_range(loss: Decimal, rate: PenaltyRate, cap_rate: int,
                  proposed: Decimal | None = None) -> PenaltyRange:
    """The 违约金 range for a loss: [min% of loss rounded up, max% rounded down], never above the
    cap (第四十八条: 一般不超过损失的30%)."""
    lo = (loss * (rate.min.n if rate.min else 0) / 100).quantize(_FEN, rounding=ROUND_CEILING)
    top = min(rate.max.n, cap_rate)
    hi = (loss * top / 100).quantize(_FEN, rounding=ROUND_FLOOR)
    ok = None if proposed is None else lo <= proposed <= hi
    return PenaltyRange(loss, rate.min.n if rate.min else None, rate.max.n, cap_rate, lo, hi, proposed, ok)


def fact_keys(rows: list[RowList | None]) -> set[str]:
    """The ``facts.*`` keys a region's agreement rows read (what a case may state)."""
    out = set()
    for rl in rows:
        for row in (rl.rows if rl else []):
            out |= {p.split(".", 1)[1] for p in predicate_paths(row.when) if p.startswith("facts.")}
    return out


def decide_agreement(case: AgreementCase, corpus: Corpus, table: RegionTable | None = None) -> Decision:
    table = table or region_table(case.region)
    rules = table.agreement
    if rules is None:
        raise DecisionError(f"the {case.region} rules state no agreement dynamics")
    termination = rules.termination
    if case.institution.type == "pharmacy":
        if rules.pharmacy_termination is None:
            raise DecisionError(f"the {case.region} rules do not cover retail pharmacies' agreements")
        termination = rules.pharmacy_termination
    known = fact_keys([termination, rules.suspension])
    unknown = sorted(set(case.facts) - known)
    if unknown:
        raise DecisionError(f"facts: unknown key(s) {', '.join(unknown)} for {case.region} "
                            f"(known: {', '.join(sorted(known))})")

    # Grounds are allegations the clerk states: not stated = not established; null = to verify.
    facts = {k: case.facts.get(k, False) for k in known}
    view = {**case.model_dump(exclude={"facts", "suspensions"}), "facts": facts,
            "suspensions": case.suspensions}
    citer = Citer(corpus, table, case.date)
    decision = Decision(kind="agreement", region=case.region, date=case.date, outcome="", outcome_label="",
                        extra={"institution": case.institution.model_dump(),
                               "agreement": {"start": case.agreement.start, "end": case.agreement.end}})
    terms = [check_row(r, "termination", view, case.date, citer, termination.concept)
             for r in termination.rows]
    susps = [check_row(r, "suspension", view, case.date, citer, rules.suspension.concept)
             for r in (rules.suspension.rows if rules.suspension else [])]
    decision.checks += terms + susps

    lapsed = _requested_suspensions(case, rules.suspension_request, citer, decision)
    lapsed += _beyond_term(case, rules.suspension_request, citer, decision)
    routed: list[Check] = []
    if case.breach is not None:
        routed = _breach(case, rules.penalties, rules.breach_handling, citer, decision)

    term_grounds = [c for c in terms if c.result]
    routed_terminate = [c for c in routed if c.action == "terminate"]
    routed_suspend = [c for c in routed if c.action == "suspend"]
    susp_grounds = [c for c in susps if c.result]
    if term_grounds or routed_terminate:
        outcome, grounds = "terminate", term_grounds + routed_terminate + lapsed
    elif lapsed:
        outcome, grounds = "lapsed", lapsed
    elif susp_grounds or routed_suspend:
        outcome, grounds = "suspend", susp_grounds + routed_suspend
    elif routed:
        outcome, grounds = "measures", routed
    else:
        outcome, grounds = "continue", []
    decision.grounds = grounds
    decision.unverified = [c for c in terms + susps if c.result is None]
    decision.outcome, decision.outcome_label = outcome, OUTCOMES[outcome]
    return decision


def _requested_suspensions(case: AgreementCase, cap_rules: Any, citer: Citer, decision: Decision) -> list[Check]:
    """The 180-day cap of each suspension the institution asked for; the lapse grounds found."""
    requested = [s for s in case.suspensions if s.requested]
    if not requested:
        return []
    if cap_rules is None:
        decision.warnings.append(f"the {case.region} rules state no cap for a requested suspension")
        return []
    lapsed: list[Check] = []
    if case.institution.public and cap_rules.public_ban is not None:
        decision.checks.append(Check("not_allowed", "public_request", "公立医疗机构不得主动提出中止", True,
                                     [citer.cite(cap_rules.public_ban)],
                                     reason="申请中止的是公立医疗机构"))
        decision.warnings.append("a public institution may not itself request a suspension")
    span = cap_rules.cap.span
    for i, s in enumerate(requested, 1):
        key = f"requested_suspension_{i}"
        cites = [citer.cite(cap_rules), citer.cite(cap_rules.lapse)]
        last = periods.last_day(s.start, span)
        try:
            deadline = cal_lib.roll_forward(last)  # the last day to ask to resume (第二百零三条)
        except UnknownYearError as e:
            decision.errors.append(f"{key}: {e}")
            continue
        lapse_day = deadline + timedelta(days=1)
        reason = (f"中止自 {s.start} 起，{span.cn}期间最后一日 {last}"
                  + (f"（休息日，顺延至 {deadline}）" if deadline != last else "")
                  + f"；至 {deadline} 仍未提出继续履行申请的，{lapse_day} 起协议自动终止")
        d = _deadline_row(key, "提出继续履行医保协议申请", s.start, span.cn, deadline, cites, reason)
        decision.deadlines.append(d)
        if s.resume_requested is not None and s.resume_requested <= deadline:
            result, reason = False, reason + f"；已于 {s.resume_requested} 提出继续履行申请"
        elif s.end is not None and s.end <= deadline:
            result, reason = False, reason + f"；中止期已于 {s.end} 结束"
        elif case.date >= lapse_day or (s.resume_requested is not None and s.resume_requested > deadline):
            result = True
        else:
            result, reason = None, reason + f"；截至 {case.date} 尚在期限内"
        check = Check("lapse", key, "申请中止超过期限未申请继续履行，协议自动终止", result, cites, reason=reason)
        decision.checks.append(check)
        if result:
            lapsed.append(check)
    return lapsed


def _beyond_term(case: AgreementCase, cap_rules: Any, citer: Citer, decision: Decision) -> list[Check]:
    """中止期结束，超过协议有效期的，协议自动终止: a suspension ending after the agreement's term."""
    if cap_rules is None or cap_rules.beyond_term is None:
        return []
    found = []
    for i, s in enumerate(case.suspensions, 1):
        if s.end is not None:
            result: bool | None = s.end > case.agreement.end
            reason = f"中止期 {s.start} 至 {s.end}；协议期满 {case.agreement.end}"
        elif s.requested:
            cap_last = periods.last_day(s.start, cap_rules.cap.span)
            if cap_last <= case.agreement.end:
                continue
            result = None
            reason = f"中止期未定；如持续至上限 {cap_last}，将晚于协议期满 {case.agreement.end}"
        else:
            continue
        check = Check("lapse", f"suspension_{i}_beyond_term", "中止期结束超过协议有效期，协议自动终止", result,
                      [citer.cite(cap_rules.beyond_term)], reason=reason)
        decision.checks.append(check)
        if result:
            found.append(check)
    return found


def _deadline_row(key: str, label: str, start: date, span: str, end: date, cites: list[Cite],
                  reason: str) -> Deadline:
    return Deadline(key=key, label=label, kind="deadline", trigger="suspension.start", start=start,
                    span=span, end=end, text=reason, citations=cites)


def _breach(case: AgreementCase, penalties: Penalties | None, handling: Cited | None, citer: Citer,
            decision: Decision) -> list[Check]:
    breach = case.breach
    assert breach is not None
    if penalties is None:
        cites = [citer.cite(handling)] if handling else []
        decision.warnings.append(f"the {case.region} rules set no 违约金 percentage: 按协议约定")
        decision.checks.append(Check("penalty", "no_rate", "违约金按协议约定（规则未规定比例）", None, cites))
        return []
    rate = next((r for r in penalties.rates if r.key == breach.list), None)
    if rate is None:
        raise DecisionError(f"breach.list: unknown list {breach.list!r} for {case.region} "
                            f"(known: {', '.join(r.key for r in penalties.rates)})")
    if breach.item > rate.article_items:
        raise DecisionError(f"breach.item: {rate.label} has {rate.article_items} items, not {breach.item}")
    item_cite = citer.cite_node(rate.item_node.format(item=breach.item))
    loss = Decimal(str(breach.loss))
    proposed = None if breach.proposed_penalty is None else Decimal(str(breach.proposed_penalty))
    rng = penalty_range(loss, rate, penalties.cap.rate.n, proposed)
    decision.extra["penalty"] = rng
    cites = [item_cite, citer.cite(rate), citer.cite(penalties.cap)]
    lo = f"{rng.min_rate}%以上" if rng.min_rate else ""
    reason = (f"损失 {loss} 元；{lo}不超过{rng.max_rate}%（上限{rng.cap_rate}%）："
              f"{rng.minimum} 元至 {rng.maximum} 元")
    if proposed is not None:
        reason += f"；拟定违约金 {proposed} 元{'在' if rng.proposed_ok else '不在'}此范围内"
        if not rng.proposed_ok:
            decision.warnings.append(f"the proposed penalty {proposed} is outside {rng.minimum}–{rng.maximum}")
    decision.checks.append(Check("penalty", "penalty_range", f"违约金（{rate.label}）", bool(loss), cites,
                                 reason=reason))
    out = []
    measures = []
    for m in rate.measures:
        c = check_row(m, "measure", case, case.date, citer)
        c.citations.insert(0, item_cite)
        decision.checks.append(c)
        if c.result:
            measures.append(c)
            out.append(c)
    decision.extra["measures"] = measures
    for r in penalties.routing:
        if r.list == breach.list and breach.item in r.items:
            c = Check("routing", f"routing_{r.action}", r.label, True, [item_cite, citer.cite(r)],
                      reason=f"第（{cn_numeral(breach.item)}）项行为", action=r.action)
            decision.checks.append(c)
            out.append(c)
    if penalties.no_offset is not None:
        decision.checks.append(Check("penalty", "no_offset", "违约金不折抵罚款；中止一日折抵暂停一日", None,
                                     [citer.cite(penalties.no_offset)], reason="供作出行政处罚时参照"))
    return out
