"""May a designation application be accepted? Grounds for refusal, missing materials, unmet
conditions (the rectification advice), each with the articles it rests on.

Order of the outcome: a 不予受理 ground refuses the application; otherwise missing materials call
for a one-time supplement notice (with its deadline); otherwise unmet conditions are the 整改建议;
facts the case does not state leave the answer "to verify".
"""

from __future__ import annotations

from toolkit.corpus import Corpus
from toolkit.rules.cases import ApplicationCase
from toolkit.rules.engine import (
    Check,
    Citer,
    Decision,
    DecisionError,
    check_row,
    lookup,
    predicate_paths,
)
from toolkit.rules.tables import ApplicantRules, RegionTable, load_tables, region_table
from toolkit.rules.timeline import TRIGGER_CN, compute_row

OUTCOMES = {
    "refused": "不予受理定点申请",
    "supplement": "申请材料不全，一次性告知补充",
    "conditions_unmet": "不符合定点申请条件，提出整改建议",
    "to_verify": "部分事实待核实",
    "eligible": "予以受理，符合定点申请条件",
}


def applicant_rules(table: RegionTable, applicant_type: str) -> ApplicantRules:
    try:
        return table.application[applicant_type]  # type: ignore[index]
    except KeyError:
        covered = ", ".join(table.application) or "none"
        raise DecisionError(f"the {table.region} rules state no designation rules for applicants of type "
                            f"{applicant_type!r} (covered: {covered})") from None


def decide_application(case: ApplicationCase, corpus: Corpus, table: RegionTable | None = None) -> Decision:
    table = table or region_table(case.region)
    rules = applicant_rules(table, case.applicant.type)
    citer = Citer(corpus, table, case.date)
    decision = Decision(kind="application", region=case.region, date=case.date, outcome="",
                        outcome_label="", extra={"applicant": case.applicant.model_dump()})

    _check_lists(case)
    refusals = [check_row(r, "refusal", case, case.date, citer, rules.refusal.concept)
                for r in rules.refusal.rows]
    conditions = [check_row(r, "condition", case, case.date, citer, rules.conditions.concept)
                  for r in rules.conditions.rows]
    materials = _materials(case, rules, citer, decision)
    decision.checks = refusals + conditions + materials

    decision.grounds = [c for c in refusals if c.result is True]
    decision.unmet_conditions = [c for c in conditions if c.result is False]
    decision.missing_materials = [c for c in materials if c.result is False]
    decision.unverified = [c for c in refusals + conditions if c.result is None]

    if decision.grounds:
        outcome = "refused"
    elif decision.missing_materials:
        outcome = "supplement"
        notice = next((r for r in table.timeline if r.key == "supplement_notice"), None)
        if notice is not None:
            decision.deadlines.append(compute_row(notice, case.date, citer,
                                                  trigger_cn=TRIGGER_CN["received"]))
    elif decision.unmet_conditions:
        outcome = "conditions_unmet"
    elif decision.unverified:
        outcome = "to_verify"
    else:
        outcome = "eligible"
    decision.outcome, decision.outcome_label = outcome, OUTCOMES[outcome]
    return decision


def _materials(case: ApplicationCase, rules: ApplicantRules, citer: Citer, decision: Decision) -> list[Check]:
    if case.materials is None:
        decision.warnings.append("materials: not given, so the application materials were not checked")
        return []
    known = {m.key for m in rules.materials.rows}
    unknown = sorted(set(case.materials) - known) + sorted(set(case.data_shared) - known)
    if unknown:
        raise DecisionError(f"materials: unknown material key(s) {', '.join(unknown)} for {case.region} "
                            f"{case.applicant.type} applications (known: {', '.join(sorted(known))})")
    exemption = rules.materials.shared_exemption
    if case.data_shared and exemption is None:
        decision.warnings.append(f"data_shared: the {case.region} rules exempt no material verifiable by "
                                 "data sharing; it must be submitted")
    out = []
    for m in rules.materials.rows:
        cites = [citer.cite(m)]
        if m.key in case.materials:
            out.append(Check("material", m.key, m.label, True, cites, reason="已提供",
                             concept=rules.materials.concept))
        elif m.shareable and exemption is not None and m.key in case.data_shared:
            out.append(Check("material", m.key, m.label, True, cites + [citer.cite(exemption)],
                             reason="可通过数据共享查询、核验，无需另行提供", concept=rules.materials.concept))
        else:
            out.append(Check("material", m.key, m.label, False, cites, reason="未提供",
                             concept=rules.materials.concept))
    return out


def list_vocabulary() -> dict[str, set[str]]:
    """The keys a case may list for each list fact (management systems …): every key any region's
    table names for it, so a region that names fewer still recognises the others."""
    vocab: dict[str, set[str]] = {}
    for table in load_tables().values():
        for rules in table.application.values():
            for row in rules.refusal.rows + rules.conditions.rows:
                if row.requires:
                    for path in predicate_paths(row.when):
                        vocab.setdefault(path, set()).update(r.key for r in row.requires)
    return vocab


def _check_lists(case: ApplicationCase) -> None:
    for path, keys in list_vocabulary().items():
        v = lookup(case, path)
        if isinstance(v, list):
            unknown = sorted(set(v) - keys)
            if unknown:
                raise DecisionError(f"{path}: unknown key(s) {', '.join(unknown)} "
                                    f"(known: {', '.join(sorted(keys))})")
