"""Agreement dynamics: suspension and termination grounds, a requested suspension's 180-day cap
(or its bar for a public institution), the day a suspension starts where the rules tie it to the
request, breach penalties computed from the loss (or none, for conduct outside the 违约金 lists),
the offsets between 违约金, fines and suspensions, a list's routing of items to actions, and the
share of staff suspended or terminated — all from the region's table.

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
    "barred": "公立医疗机构主动提出的申请不予同意",
    "staff_measures": "应当依法依规采取暂停拨付费用、中止医保协议、解除医保协议等措施",
    "measures": "按协议约定处理违约行为",
    "continue": "未发现应当中止或解除医保协议的情形",
}
# The case date each start rule reads, as a notice says it.
START_CN = {"received": "经办机构收到中止申请之日", "approved": "经办机构同意中止之日",
            "decided": "经办机构作出中止处理之日"}
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
    citer = Citer(corpus, table, case.date)
    decision = Decision(kind="agreement", region=case.region, date=case.date, outcome="", outcome_label="",
                        extra={"institution": case.institution.model_dump(),
                               "agreement": {"start": case.agreement.start, "end": case.agreement.end}})
    cap_rules = rules.suspension_request
    barred = _public_requests(case, cap_rules, facts, citer, decision)
    suspensions = _starts(case, cap_rules, citer, decision)
    view = {**case.model_dump(exclude={"facts", "suspensions"}), "facts": facts, "suspensions": suspensions}
    terms = [check_row(r, "termination", view, case.date, citer, termination.concept)
             for r in termination.rows]
    susps = [check_row(r, "suspension", view, case.date, citer, rules.suspension.concept)
             for r in (rules.suspension.rows if rules.suspension else [])]
    decision.checks += terms + susps

    lapsed = _requested_suspensions(case, suspensions, cap_rules, citer, decision)
    lapsed += _beyond_term(case, suspensions, cap_rules, citer, decision)
    routed: list[Check] = []
    if case.breach is not None:
        routed = _breach(case, rules.penalties, rules.breach_handling, citer, decision)
    staff = _staff_share(case, rules, citer, decision)

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
    elif barred:
        outcome, grounds = "barred", barred
    elif staff:
        outcome, grounds = "staff_measures", staff + routed
    elif routed:
        outcome, grounds = "measures", routed
    else:
        outcome, grounds = "continue", []
    decision.grounds = grounds
    decision.unverified = [c for c in terms + susps if c.result is None]
    decision.outcome, decision.outcome_label = outcome, OUTCOMES[outcome]
    return decision


def _public_requests(case: AgreementCase, cap_rules: Any, facts: dict[str, Any], citer: Citer,
                     decision: Decision) -> list[Check]:
    """A public institution's own request to suspend (or terminate) is barred: it stops there,
    with its ground, and no period is counted for it. The request facts are cleared so they
    cannot become grounds of their own."""
    ban = cap_rules.public_ban if cap_rules is not None else None
    if not case.institution.public or ban is None:
        return []
    asked = [f"suspensions[{i}]" for i, s in enumerate(case.suspensions) if s.requested]
    asked += [f"facts.{k}" for k in ban.facts if facts.get(k)]
    if not asked:
        return []
    for k in ban.facts:
        facts[k] = False
    check = Check("not_allowed", "public_request", ban.quote, True,  # the rule's own words
                  [citer.cite(ban)], reason=f"提出申请的是公立医疗机构（{'、'.join(asked)}）：申请不予同意，"
                                            "不计算中止期限")
    decision.checks.append(check)
    decision.warnings.append("a public institution may not itself request a suspension"
                             + (" or a termination" if ban.facts else ""))
    return [check]


def _starts(case: AgreementCase, cap_rules: Any, citer: Citer, decision: Decision) -> list[Any]:
    """Each suspension with its first day: stated, or the day the rules tie it to (收到申请之日,
    经办机构同意之日, 作出中止处理之日). A public institution's barred request never starts."""
    barred = case.institution.public and cap_rules is not None and cap_rules.public_ban is not None
    rules = cap_rules.start if cap_rules is not None else None
    out = []
    for i, s in enumerate(case.suspensions):
        if s.requested and barred:
            continue
        rule = getattr(rules, "requested" if s.requested else "imposed", None) if rules else None
        day = getattr(s, rule.day) if rule is not None else None
        where = f"suspensions[{i}]"
        if day is None:
            if s.start is None:
                need = (f"{rule.day} ({START_CN[rule.day]}), from which the {case.region} rules start it, or start"
                        if rule is not None else f"start (the {case.region} rules tie it to no other day)")
                raise DecisionError(f"{where}: the day the suspension starts is not known: give {need}")
            out.append(s)
            continue
        start = day
        if s.start is not None and s.start != day:
            if rule.fixed:
                decision.warnings.append(f"{where}.start: {s.start} is not the day the rules start it "
                                         f"({START_CN[rule.day]} {day}); {day} is used")
            else:
                start = s.start  # the table's reading yields to a start the parties fixed
        if start == day:
            decision.checks.append(Check("suspension_start", f"suspension_{i + 1}_start", "医保协议中止的起始日",
                                         True, [citer.cite(rule)], reason=f"{START_CN[rule.day]}为 {day}：自该日起中止",
                                         note=rule.note))
        out.append(s.model_copy(update={"start": start}))
    return out


def _staff_share(case: AgreementCase, rules: Any, citer: Citer, decision: Decision) -> list[Check]:
    """Staff suspended or terminated above a share of all staff in a natural year."""
    if case.staff is None:
        return []
    share = rules.staff_share
    if share is None:
        decision.warnings.append(f"staff: the {case.region} rules state no measure for the share of staff "
                                 "suspended or terminated")
        return []
    part, whole = case.staff.suspended_or_terminated, case.staff.total
    # 超过 excludes the number itself: exactly the share does not apply (the table's note).
    result = part * 100 > share.share.n * whole
    check = Check("staff_share", "staff_share", "登记备案状态为暂停或终止的人次超过相关人员总人数的比例",
                  result, [citer.cite(share)], reason=f"{part}人次 / {whole}人 = {part * 100 / whole:.1f}%；"
                                                      f"超过{share.share.printed} → {'是' if result else '否'}",
                  note=share.note, action="measures")
    decision.checks.append(check)
    return [check] if result else []


def _requested_suspensions(case: AgreementCase, suspensions: list[Any], cap_rules: Any, citer: Citer,
                           decision: Decision) -> list[Check]:
    """The 180-day cap of each suspension the institution asked for; the lapse grounds found."""
    requested = [s for s in suspensions if s.requested]
    if not requested:
        return []
    if cap_rules is None:
        decision.warnings.append(f"the {case.region} rules state no cap for a requested suspension")
        return []
    lapsed: list[Check] = []
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


def _beyond_term(case: AgreementCase, suspensions: list[Any], cap_rules: Any, citer: Citer,
                 decision: Decision) -> list[Check]:
    """中止期结束，超过协议有效期的，协议自动终止: a suspension ending after the agreement's term."""
    if cap_rules is None or cap_rules.beyond_term is None:
        return []
    found = []
    for i, s in enumerate(suspensions, 1):
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
    if breach.list is None:
        out = [_unlisted(penalties, handling, None, citer, decision, "所述行为不在各条所列违约行为之中")]
        _offsets(breach, penalties, citer, decision)
        return out
    rate = next((r for r in penalties.rates if r.key == breach.list), None)
    if rate is None:
        raise DecisionError(f"breach.list: unknown list {breach.list!r} for {case.region} "
                            f"(known: {', '.join(r.key for r in penalties.rates)}; leave it out for conduct "
                            "in none of them)")
    assert breach.item is not None
    if breach.item > rate.article_items:
        raise DecisionError(f"breach.item: {rate.label} has {rate.article_items} items, not {breach.item}")
    item_cite = citer.cite_node(rate.item_node.format(item=breach.item))
    out = []
    if rate.max is None:
        if breach.proposed_penalty is not None:
            decision.warnings.append(f"breach.proposed_penalty: {rate.label} carry no 违约金 under these rules")
        # A list whose measures include no 违约金 (江苏 第四十二条): none is due under the lists that set one.
        out.append(_unlisted(penalties, handling, item_cite, citer, decision,
                             f"第（{cn_numeral(breach.item)}）项行为：{rate.label}，该条所定处理方式不含违约金"))
    else:
        _penalty_range(breach, rate, penalties, item_cite, citer, decision)
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
    _offsets(breach, penalties, citer, decision)
    return out


def _penalty_range(breach: Any, rate: PenaltyRate, penalties: Penalties, item_cite: Cite, citer: Citer,
                   decision: Decision) -> None:
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


def _unlisted(penalties: Penalties, handling: Cited | None, item_cite: Cite | None, citer: Citer,
              decision: Decision, why: str) -> Check:
    """No 违约金 under the lists that set one: a statement with the lists it was checked against."""
    rule = penalties.unlisted
    if rule is None:
        raise DecisionError("breach.list: the rules state no handling for conduct outside their lists")
    lists = [citer.cite(r) for r in penalties.rates if r.max is not None]
    cites = ([item_cite] if item_cite else []) + lists + [citer.cite(rule)]
    if handling is not None and handling.node != rule.node:
        cites.append(citer.cite(handling))
    check = Check("penalty", "no_listed_penalty", rule.label, True, cites, reason=why, action="measures")
    decision.checks.append(check)
    decision.extra["no_penalty"] = rule.label
    return check


def _offsets(breach: Any, penalties: Penalties, citer: Citer, decision: Decision) -> None:
    """第四十五条 applied: the fine stays whole whatever 违约金 was paid; each day of suspension by
    the agency counts as one day of the administrative 暂停."""
    admin = breach.administrative
    stated = breach.damages_paid is not None or breach.suspension_days is not None or admin is not None
    if not stated or penalties.offsets is None:
        if stated and penalties.offsets is None:
            decision.warnings.append("breach: the rules state no offsets between 违约金, fines and suspensions")
        if penalties.no_offset is not None:
            decision.checks.append(Check("penalty", "no_offset", "违约金不折抵罚款；中止一日折抵暂停一日", None,
                                         [citer.cite(penalties.no_offset)], reason="供作出行政处罚时参照"))
        return
    out: dict[str, Any] = {}
    if admin is not None and admin.fine is not None:
        fine = Decimal(str(admin.fine)).quantize(_FEN)
        paid = Decimal(str(breach.damages_paid or 0)).quantize(_FEN)
        out["fine_due"] = str(fine)
        reason = f"罚款 {fine} 元；已支付违约金 {paid} 元不折抵罚款：应缴罚款 {fine} 元"
        decision.checks.append(Check("offset", "offset_fine", "违约金不折抵罚款", True,
                                     [citer.cite(penalties.offsets.fine)], reason=reason))
    elif breach.damages_paid is not None:
        decision.checks.append(Check("offset", "offset_fine", "违约金不折抵罚款", True,
                                     [citer.cite(penalties.offsets.fine)],
                                     reason=f"已支付违约金 {Decimal(str(breach.damages_paid)).quantize(_FEN)} 元，"
                                            "作出罚款时不予折抵"))
    days = breach.suspension_days
    if days is not None:
        if admin is not None and admin.suspension_days is not None:
            left = max(admin.suspension_days - days, 0)
            out["suspension_days_due"] = left
            reason = (f"责令暂停 {admin.suspension_days} 日；经办机构已中止 {days} 日，中止一日折抵暂停一日："
                      f"尚需暂停 {left} 日")
        else:
            out["suspension_days_credit"] = days
            reason = f"经办机构已中止 {days} 日：作出暂停处罚时折抵 {days} 日"
        decision.checks.append(Check("offset", "offset_suspension", "中止一日折抵暂停一日", True,
                                     [citer.cite(penalties.offsets.suspension)], reason=reason))
    elif admin is not None and admin.suspension_days is not None:
        out["suspension_days_due"] = admin.suspension_days
        decision.checks.append(Check("offset", "offset_suspension", "中止一日折抵暂停一日", True,
                                     [citer.cite(penalties.offsets.suspension)],
                                     reason=f"责令暂停 {admin.suspension_days} 日；经办机构未就同一行为中止：无可折抵"))
    decision.extra["offsets"] = out
