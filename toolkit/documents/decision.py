"""The decision engine's output, as a notice takes it (``--from-decision decision.json``).

Expected shape (other keys are allowed and ignored, so the engine can add its own)::

    {
      "type": "refusal",                 # optional: the document type it decides
      "region": "guangdong",             # optional: must match the case's region
      "date": "2026-11-23",              # optional: the date it was decided on
      "grounds": [                       # at least one
        {"key": "refusal.terminated_for_violation",   # stable key of the ground
         "label": "因违法违规被解除医保协议未满3年",      # the facts, as printed in the notice
         "citations": [{"doc_id": "gd-measure", "eid": "chp_2__art_9__para_1__point_5"}]}
      ]
    }

Each ground is printed like a case ground: its ``label`` as the facts, then every citation
quoted exactly from the corpus on the notice's date. Citations must belong to the case's region.
The engine also writes the party it decided about (``applicant``, ``institution`` or ``person``,
each with a ``name``): a decision about another party, or of another date than the notice's
成文日期, is refused (:func:`mismatches`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolkit.documents.cases import CaseError, Text, explain, read_data


class DecisionCitation(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    doc_id: Text = Field(title="文件编号")
    eid: Text = Field(title="条款编号（eId）")


class DecisionGround(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    key: Text = Field(title="理由键")
    label: Text = Field(title="理由")
    citations: list[DecisionCitation] = Field(min_length=1, title="引用")


class Decision(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    type: str | None = Field(None, title="文书类型")
    region: str | None = Field(None, title="地区")
    date: dt.date | None = Field(None, title="决定日期")
    grounds: list[DecisionGround] = Field(min_length=1, title="理由")


def load_decision(path: str | Path) -> Decision:
    data = read_data(path)
    if not isinstance(data, dict):
        raise CaseError(str(path), ["决定文件内容应为一个 JSON 对象"])
    try:
        return Decision.model_validate(data)
    except ValidationError as e:
        raise CaseError(str(path), explain(Decision, e)) from None


# The party a decision is about and the party a notice is addressed to, by the field that names
# it in the engine's JSON and in the case models (refusal: applicant, suspension: institution…).
PARTY_FIELDS = ("applicant", "institution", "person")


def _name(party: Any) -> str | None:
    if isinstance(party, dict):
        return party.get("name")
    return getattr(party, "name", None)


def decided_party(decision: Decision) -> str | None:
    extra = decision.model_extra or {}
    for key in PARTY_FIELDS:
        name = _name(extra.get(key))
        if name:
            return name
    return None


def case_party(case: BaseModel) -> str | None:
    for key in PARTY_FIELDS:
        party = getattr(case, key, None)
        name = party if isinstance(party, str) else _name(party)
        if name:
            return name
    return None


def mismatches(decision: Decision, case: BaseModel) -> list[str]:
    """Why this decision cannot become this notice: another party, another date."""
    from toolkit.calendar import format_date_cn

    problems = []
    decided, addressed = decided_party(decision), case_party(case)
    if decided and addressed and decided != addressed:
        problems.append(f"决定文件是对“{decided}”作出的，本文书的对象是“{addressed}”")
    on = getattr(case, "date", None)
    if decision.date is not None and on is not None and decision.date != on:
        problems.append(f"决定文件的判断日期是{format_date_cn(decision.date)}，本文书的成文日期是"
                        f"{format_date_cn(on)}：请按成文日期重新判断（policykit decide … --date "
                        f"{on.isoformat()} --json）")
    return problems
