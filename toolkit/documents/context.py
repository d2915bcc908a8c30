"""Template contexts: a validated case + the corpus → the variables a template prints.

One builder per document type. Builders compute deadlines with toolkit.calendar and take every
quoted rule from :class:`toolkit.documents.basis.Basis`; they never hold legal text. A builder
returns ``(context, warnings)``: a warning is something the clerk should know (a notice issued
after its legal deadline) that does not make the document wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from toolkit.calendar import (
    CalendarError,
    add_months,
    add_workdays,
    add_years,
    deadline,
    format_date_cn,
)
from toolkit.corpus import Citation
from toolkit.documents import cases as C
from toolkit.documents.basis import Basis, DocumentError, quote
from toolkit.documents.decision import Decision

Context = dict[str, Any]
Built = tuple[Context, list[str]]

_CN_NUM = "零一二三四五六七八九十"
# Printed in the 发文字号 line of a draft whose case gives no number; issuing replaces it with
# the number the 发文登记簿 allocates (and `policykit check` reports a draft as unnumbered).
DRAFT_NUMBER = "（草稿：文号签发时分配）"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十 (section numbers of an agreement)."""
    if n <= 10:
        return _CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (_CN_NUM[tens] if tens > 1 else "") + "十" + (_CN_NUM[ones] if ones else "")


def numbered(items: Iterable[str]) -> list[dict[str, str]]:
    return [{"ordinal": f"{i}.", "text": t} for i, t in enumerate(items, 1)]


def quotes(cites: Iterable[Citation | None]) -> list[dict]:
    return [quote(c).as_context() for c in cites if c is not None]


def datetime_cn(dt: datetime) -> str:
    minutes = f"{dt.minute}分" if dt.minute else ""
    return f"{format_date_cn(dt.date())}{dt.hour}时{minutes}"


def _calendar(fn: Callable, *args, **kw):
    """Deadline arithmetic; a year without an official calendar is a clear refusal."""
    try:
        return fn(*args, **kw)
    except CalendarError as e:
        raise DocumentError(f"无法计算期限：{e}") from None


def text_width(s: str) -> float:
    """Width in characters: CJK 1, ASCII (digits in dates) ½."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in s)


# ----------------------------------------------------------------------------- shared


def common(case: C.CaseBase) -> Context:
    """Head and tail of a notice: issuer, 文号, 主送, 附件说明, 署名, 成文日期, 版记."""
    attachments = list(case.attachments)
    if len(attachments) == 1:
        lines = [f"附件：{attachments[0]}"]
    else:
        lines = [("附件：" if i == 1 else "　　　") + f"{i}.{a}" for i, a in enumerate(attachments, 1)]
    rec = case.recordal
    return {
        "issuer_mark": case.issuer.mark or case.issuer.name,
        "doc_number": case.doc_number or DRAFT_NUMBER,
        "addressee": case.addressee,
        "signature": case.issuer.name,
        "date_cn": format_date_cn(case.date),
        "attachment_lines": lines,
        "recordal": rec is not None,
        "cc": "，".join(rec.cc) if rec else "",
        "printed_by": rec.printed_by if rec else "",
        "printed_cn": format_date_cn(rec.printed_on) if rec else "",
        "contact": f"联系人：{case.contact.person}，联系电话：{case.contact.phone}"
        if case.contact else "",
    }


def selector_of(kind: str) -> str:
    return kind  # 医疗机构 / 零售药店: the regional table's selectors are the kinds themselves


def grounds_context(case: Any, basis: Basis, list_name: str, selector: str,
                    decision: Decision | None) -> list[dict]:
    """Grounds with their quotes: from the decision engine if given, else from the case."""
    if decision is not None:
        if case.grounds:
            raise DocumentError("案件文件的理由（grounds）与决定文件（--from-decision）不能同时给出，请删去其一")
        allowed = basis.region_docs()
        out = []
        for i, g in enumerate(decision.grounds, 1):
            cites = []
            for c in g.citations:
                if c.doc_id not in allowed:
                    raise DocumentError(f"决定文件第{i}项理由引用的 {c.doc_id} 不是 {basis.region_key} "
                                        "的规定")
                cites.append(basis.node(c.doc_id, c.eid))
            out.append({"ordinal": f"{i}.", "facts": g.label, "quotes": quotes(cites)})
        return out
    if not case.grounds:
        raise DocumentError("理由（grounds）：至少要有一项（或用 --from-decision 给出决定文件）")
    return [{"ordinal": f"{i}.", "facts": g.facts,
             "quotes": quotes([basis.ground(list_name, selector, g.item, g.sub)])}
            for i, g in enumerate(case.grounds, 1)]


def article_reference(cites: list[Citation]) -> str:
    """《title》第九条 from the concept's citations (the first names the document)."""
    if not cites:
        return ""
    first = cites[0]
    labels = []
    for c in cites:
        if c.doc_id == first.doc_id and c.label not in labels:
            labels.append(c.label)
    return f"《{first.doc_title}》" + "、".join(labels)


# ----------------------------------------------------------------------------- notices


def refusal(case: C.RefusalCase, basis: Basis, decision: Decision | None) -> Built:
    concept = basis.concept("refusal_grounds")
    ctx = common(case) | {
        "applicant": case.applicant.name,
        "received_cn": format_date_cn(case.received_on),
        "grounds": grounds_context(case, basis, "refusal", selector_of(case.applicant.kind),
                                   decision),
        "basis_label": article_reference(concept),
        "remedies": quotes(basis.concept("application_remedies", required=False)),
    }
    return ctx, []


def supplement(case: C.SupplementCase, basis: Basis, decision: Decision | None) -> Built:
    warnings = []
    notify_days = basis.param("supplement_notify_workdays")
    if notify_days:
        notify_by = _calendar(add_workdays, case.received_on, int(notify_days))
        if case.date > notify_by:
            warnings.append(f"成文日期 {format_date_cn(case.date)} 晚于告知期限：应自收到材料之日起"
                            f"{notify_days}个工作日内（期限届满日为{format_date_cn(notify_by)}，含当日）一次性告知")
    applicant_days = basis.param("applicant_supplement_workdays")
    served = case.served_on or case.date
    applicant_deadline = ""
    if applicant_days:
        dl = _calendar(deadline, served, int(applicant_days), "working_days")
        applicant_deadline = dl.format_cn("收到本告知书之日")
    ctx = common(case) | {
        "received_cn": format_date_cn(case.received_on),
        "basis": quotes(basis.concept("supplement_notice")),
        "materials": numbered(case.materials),
        "applicant_deadline": applicant_deadline,
    }
    return ctx, warnings


def evaluation_failed(case: C.EvaluationFailedCase, basis: Basis,
                      decision: Decision | None) -> Built:
    months = basis.param("re_evaluation_months")
    if not months:
        raise DocumentError(f"{basis.region_key} 的文书数据表没有再次评估的整改期限（re_evaluation_months）")
    served = case.served_on or case.date
    # A period of months needs no holiday calendar: the earliest day to apply is not rolled.
    re_eval = _calendar(add_months, served, int(months), roll_to_workday=False)
    cites = basis.concept("evaluation_failed") + [basis.named("re_evaluation")]
    ctx = common(case) | {
        "received_cn": format_date_cn(case.received_on),
        "evaluated_cn": format_date_cn(case.evaluated_on),
        "reasons": numbered(case.reasons),
        "advice": numbered(case.advice),
        "basis": quotes(cites),
        "re_evaluation_months": months,
        "re_evaluation_cn": format_date_cn(re_eval),
        "remedies": quotes(basis.concept("application_remedies", required=False)),
    }
    return ctx, []


def suspension(case: C.SuspensionCase, basis: Basis, decision: Decision | None) -> Built:
    ctx = common(case) | {
        "agreement_no": case.institution.agreement_no,
        "grounds": grounds_context(case, basis, "suspension",
                                   selector_of(case.institution.kind), decision),
        "effective_cn": format_date_cn(case.effective_on),
        "until_cn": format_date_cn(case.until) if case.until else "",
        "consequences": quotes(basis.concept("suspension_effect")),
        "rectification": numbered(case.rectification),
        "remedies": quotes(basis.concept("decision_remedies", required=False)),
    }
    return ctx, []


def termination(case: C.TerminationCase, basis: Basis, decision: Decision | None) -> Built:
    ctx = common(case) | {
        "agreement_no": case.institution.agreement_no,
        "grounds": grounds_context(case, basis, "termination",
                                   selector_of(case.institution.kind), decision),
        "effective_cn": format_date_cn(case.effective_on),
        "consequences": quotes(basis.concept("termination_effect")),
        "remedies": quotes(basis.concept("decision_remedies", required=False)),
    }
    return ctx, []


def interview(case: C.InterviewCase, basis: Basis, decision: Decision | None) -> Built:
    ctx = common(case) | {
        "issues": numbered(case.issues),
        "basis": quotes(basis.concept("interview")),
        "at_cn": datetime_cn(case.at),
        "place": case.place,
        "attendees": "、".join(case.attendees),
        "bring": numbered(case.bring),
    }
    return ctx, []


def _staff_common(case: C._StaffCase, basis: Basis) -> Context:
    p = case.person
    return common(case) | {
        "person_desc": f"{p.profession}，证书编号：{p.cert_no}",
        "institution": case.institution,
        "facts": numbered(case.facts),
        "responsibility": case.responsibility,
        "year": case.date.year,
        "year_total": case.year_total,
        "repair": quotes(basis.concept("staff_repair", required=False)),
        "objection": quotes(basis.concept("staff_appeal", required=False)),
    }


def _tier(basis: Basis, points: int) -> str:
    """The regional list of scoring tiers ("1-3", "4-6" …) that ``points`` falls in."""
    for key in basis.region.lists.get("staff_scoring", {}):
        low, _, high = key.partition("-")
        if low.isdigit() and high.isdigit() and int(low) <= points <= int(high):
            return key
    raise DocumentError(f"{basis.region_key} 的规则中没有相关人员记分档次（{points}分）的规定")


def _decision_cites(basis: Basis, decision: Decision) -> list[Citation]:
    allowed = basis.region_docs()
    out = []
    for g in decision.grounds:
        for c in g.citations:
            if c.doc_id not in allowed:
                raise DocumentError(f"决定文件引用的 {c.doc_id} 不是 {basis.region_key} 的规定")
            out.append(basis.node(c.doc_id, c.eid))
    return out


def _consequence_cites(case: C._StaffCase, basis: Basis, decision: Decision | None,
                       required: bool) -> list[Citation]:
    if decision is not None:
        if case.grounds:
            raise DocumentError("案件文件的理由（grounds）与决定文件（--from-decision）不能同时给出，请删去其一")
        return _decision_cites(basis, decision)
    if required and not case.grounds:
        raise DocumentError("理由（grounds）：至少要有一项处理依据（如第21条第（三）项第2目：item: 3, sub: 2）")
    return [basis.ground("staff_consequences", "any", g.item, g.sub) for g in case.grounds]


def staff_points(case: C.StaffPointsCase, basis: Basis, decision: Decision | None) -> Built:
    basis.concept("staff_scoring")  # the staff rules must be in force for the region
    if decision is not None:
        scoring = _decision_cites(basis, decision)
        consequences: list[Citation] = []
    else:
        if case.scoring is None:
            raise DocumentError("记分依据（scoring）：缺少此项（或用 --from-decision 给出决定文件）")
        tier = _tier(basis, case.points)
        scoring = [basis.ground("staff_scoring", tier, case.scoring.item, case.scoring.sub)]
        consequences = _consequence_cites(case, basis, None, required=False)
    ctx = _staff_common(case, basis) | {
        "scoring": quotes(scoring),
        "points": case.points,
        "consequences": quotes(consequences),
    }
    return ctx, []


def staff_suspension(case: C.StaffSuspensionCase, basis: Basis,
                     decision: Decision | None) -> Built:
    end = _calendar(add_months, case.start_on, case.months, roll_to_workday=False,
                    first_day_counts=True)
    ctx = _staff_common(case, basis) | {
        "consequences": quotes(_consequence_cites(case, basis, decision, required=True)),
        "effects": quotes([basis.named("staff_effects")]),
        "months": case.months,
        "start_cn": format_date_cn(case.start_on),
        "end_cn": format_date_cn(end),
    }
    return ctx, []


def staff_termination(case: C.StaffTerminationCase, basis: Basis,
                      decision: Decision | None) -> Built:
    end = _calendar(add_years, case.start_on, case.ban_years, roll_to_workday=False,
                    first_day_counts=True)
    ctx = _staff_common(case, basis) | {
        "consequences": quotes(_consequence_cites(case, basis, decision, required=True)),
        "effects": quotes([basis.named("staff_effects")]),
        "start_cn": format_date_cn(case.start_on),
        "ban_years": case.ban_years,
        "ban_end_cn": format_date_cn(end),
    }
    return ctx, []


# ----------------------------------------------------------------------------- agreements


def _agreement_common(case: C.AgreementBase) -> Context:
    return {
        "agreement_no": case.agreement_no,
        "party_a": case.party_a.model_dump(),
        "party_b": case.party_b.model_dump(),
        "signature": case.drafter,
        "date_cn": format_date_cn(case.date),
        "copies": case.copies,
        "copies_each": case.copies // 2,
    }


def service_agreement(case: C.ServiceAgreementCase, basis: Basis,
                      decision: Decision | None) -> Built:
    if decision is not None:
        raise DocumentError("协议草案不接受决定文件（--from-decision）")
    term = case.term
    term_years = basis.param("agreement_term_years")
    term_cites = basis.concept("agreement_term")
    fixed_years = 0
    if term.kind == "固定":
        minimum = basis.param("fixed_agreement_min_years")
        if minimum is None:
            raise DocumentError(f"协议期限（term.kind）：{basis.region_key} 的规定没有固定协议的方式，"
                                f"只能签订年度协议（期限{term_years}年）")
        if term.years < minimum:
            raise DocumentError(f"协议期限（term.years）：固定协议不少于{minimum}年（现为{term.years}年）")
        fixed_years = term.years
        term_cites = term_cites + [c for c in basis.concept("renewal")
                                   if c.eid not in {t.eid for t in term_cites}]
    elif term.years != term_years:
        raise DocumentError(f"协议期限（term.years）：{basis.region_key} 的年度协议期限为{term_years}年"
                            f"（现为{term.years}年）")
    years = fixed_years or int(term_years)
    end = _calendar(add_years, term.start_on, years, roll_to_workday=False, first_day_counts=True)

    deposit_cites = basis.concept("quality_deposit", required=False)
    deposit = None
    if case.deposit is not None:
        if not deposit_cites:
            raise DocumentError(f"医保服务质量保证金（deposit）：{basis.region_key} 的规则没有质量保证金的规定，"
                                "请删去此项")
        cap = basis.param("deposit_max_percent")
        if cap is not None and case.deposit.percent > cap:
            raise DocumentError(f"医保服务质量保证金比例（deposit.percent）：不得高于{cap}%"
                                f"（现为{case.deposit.percent}%）")
        deposit = case.deposit.model_dump() | {"percent": f"{case.deposit.percent:g}"}

    sections = ["term", "scope", "settlement"] + (["deposit"] if deposit else []) + \
        ["breach", "suspension", "disputes", "other"]
    num = {key: cn_number(i) for i, key in enumerate(sections, 1)}
    ctx = _agreement_common(case) | {
        "num": num,
        "fixed_years": fixed_years,
        "term_years": years,
        "start_cn": format_date_cn(term.start_on),
        "end_cn": format_date_cn(end),
        "term_basis": quotes(term_cites),
        "scope": numbered(case.scope),
        "payment_workdays": basis.param("payment_workdays"),
        "payment_basis": quotes(basis.concept("payment_deadline")),
        "deposit": deposit,
        "deposit_basis": quotes(deposit_cites) if deposit else [],
        "breach_basis": quotes(basis.concept("breach_handling")),
        "suspension_basis": quotes(basis.concept("suspension")),
        "termination_basis": quotes(basis.concept("termination")),
        "disputes_basis": quotes(basis.concept("remedies", required=False)),
    }
    return ctx, []


def internet_plus(case: C.InternetPlusCase, basis: Basis, decision: Decision | None) -> Built:
    if decision is not None:
        raise DocumentError("协议草案不接受决定文件（--from-decision）")
    ctx = _agreement_common(case) | {
        "parent_no": case.parent_no,
        "hospital": case.hospital,
        "services": numbered(case.services),
        "conditions": quotes(basis.concept("internet_plus")),
        "payment_workdays": basis.param("payment_workdays"),
        "payment_basis": quotes(basis.concept("payment_deadline")),
        "start_cn": format_date_cn(case.start_on),
        "end_cn": format_date_cn(case.parent_end_on),
    }
    return ctx, []

