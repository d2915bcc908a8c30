"""Minimum full-time insurance staff by beds, read from the guide's own items.

The thresholds are not typed anywhere: the table's patterns find them in the text of the items of
the node the concept ``staffing_by_beds`` names (``1000<床位数≤2000，配备9名以上…``), so a revised
guide changes the answer without a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from toolkit.corpus import Corpus
from toolkit.rules.engine import Check, Citer, Decision, DecisionError
from toolkit.rules.tables import RegionTable, Staffing, region_table, squash


@dataclass(frozen=True)
class Bracket:
    low: int  # beds > low
    high: int | None  # beds ≤ high (None: no upper bound)
    staff: int
    doc_id: str
    eid: str
    text: str

    def holds(self, beds: int) -> bool:
        return beds > self.low and (self.high is None or beds <= self.high)


def brackets(corpus: Corpus, table: RegionTable, spec: Staffing) -> list[Bracket]:
    """The guide's bed brackets, parsed from the concept's node's items."""
    refs = corpus.concepts.refs(spec.concept, table.region)
    out = []
    for ref in refs:
        node = corpus.document(ref.doc_id).node(ref.eid)
        if node is None:
            raise DecisionError(f"{ref.doc_id} has no node {ref.eid} (concept {spec.concept})")
        for item in node.children:
            text = squash(item.text)
            for pattern in spec.patterns:
                m = re.search(pattern, text)
                if m:
                    high = m.groupdict().get("high")
                    out.append(Bracket(int(m["low"]), int(high) if high else None, int(m["staff"]),
                                       ref.doc_id, item.eid, item.text))
                    break
    if not out:
        raise DecisionError(f"no bed brackets found in {spec.concept}: the guide's text and the "
                            "table's patterns disagree")
    _check_contiguous(out)
    return out


def _check_contiguous(found: list[Bracket]) -> None:
    ordered = sorted(found, key=lambda b: b.low)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.high != b.low:
            raise DecisionError(f"bed brackets leave a gap or overlap between {a.text} and {b.text}")
    if ordered[-1].high is not None:
        raise DecisionError("the guide's bed brackets have no open upper bracket")


def decide_staffing(beds: int | None, corpus: Corpus, *, region: str, outpatient_only: bool = False,
                    on: date | None = None,
                    table: RegionTable | None = None) -> Decision:
    table = table or region_table(region)
    spec = table.staffing
    if spec is None:
        raise DecisionError(f"the {region} rules state no staffing by beds")
    on = on or date.today()
    citer = Citer(corpus, table, on)
    decision = Decision(kind="staffing", region=region, date=on, outcome="", outcome_label="")
    if spec.advisory:
        decision.warnings.append(spec.advisory)
    if outpatient_only:
        ref = corpus.concepts.refs(spec.outpatient_concept, region)[0]
        node = corpus.document(ref.doc_id).node(ref.eid)
        m = re.search(spec.outpatient_pattern, squash(node.text if node else ""))
        if m is None:
            raise DecisionError(f"{spec.outpatient_concept}: the guide's text and the pattern disagree")
        staff = int(m["staff"])
        cite = citer.cite_node(f"{ref.doc_id}:{ref.eid}")
        decision.outcome = str(staff)
        decision.outcome_label = f"仅提供门诊服务：配备{staff}名以上专（兼）职医保管理人员"
        decision.grounds.append(Check("staffing", "outpatient_only", decision.outcome_label, True, [cite]))
        decision.extra.update({"beds": beds, "outpatient_only": True, "minimum_staff": staff,
                               "full_time": False})
        return decision
    if beds is None:
        raise DecisionError("beds: give the number of beds, or --outpatient-only")
    found = brackets(corpus, table, spec)
    hit = next((b for b in found if b.holds(beds)), None)
    if hit is None:
        lowest = min(b.low for b in found)
        raise DecisionError(f"beds: {beds} is outside the guide's brackets (it starts at more than "
                            f"{lowest} beds); an institution without beds is outpatient-only")
    cite = citer.cite_node(f"{hit.doc_id}:{hit.eid}")
    decision.outcome = str(hit.staff)
    decision.outcome_label = f"{beds}张床位：配备{hit.staff}名以上专职医保管理人员"
    decision.grounds.append(Check("staffing", "by_beds", decision.outcome_label, True, [cite],
                                  reason=hit.text))
    decision.checks = [Check("staffing", f"bracket_{b.low}", b.text, b.holds(beds), [], reason=b.text)
                       for b in sorted(found, key=lambda b: b.low)]
    decision.extra.update({"beds": beds, "outpatient_only": False, "minimum_staff": hit.staff,
                           "full_time": True,
                           "brackets": [{"low": b.low, "high": b.high, "staff": b.staff, "eid": b.eid}
                                        for b in sorted(found, key=lambda b: b.low)]})
    return decision

