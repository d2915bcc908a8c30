"""Case files for decisions: one pydantic model per kind, validated with every bad field listed.

A case states facts with dates; it never states the law. ``load_case(path)`` reads YAML or JSON
and returns the model, or raises :class:`CaseError` naming the file and each bad field with the
reason. Facts a case does not state are ``None`` (unknown): a condition resting on them is
reported as "to verify", never as met.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class CaseError(Exception):
    """An invalid case: ``problems`` holds one line per bad field."""

    def __init__(self, path: str, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: {len(problems)} problem(s) in the case:\n"
                         + "\n".join(f"  - {p}" for p in problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Term(_Model):
    """A term with both days included (a labour contract, an agreement)."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _order(self) -> Term:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


# ----------------------------------------------------------------------------- application


class Termination(_Model):
    """An earlier agreement termination and whether its consequences were fully performed."""

    date: dt.date
    fulfilled: bool | None = None  # 行政处罚（法律）责任 / 违约责任 完全履行


class History(_Model):
    """Facts behind the 不予受理 grounds. Not stated = did not happen."""

    non_basic_main_scope: bool = False  # 以医疗美容…等非基本医疗服务为主要执业范围
    price_policy_not_followed: bool = False  # 基本医疗服务未执行医药价格政策
    penalty_unfulfilled: bool = False  # 未依法履行行政处罚（、法律）责任
    fraud_found_on: dt.date | None = None  # 以弄虚作假等不正当手段申请定点，发现之日
    terminated_for_violation: Termination | None = None  # 因违法违规被解除协议
    terminated_for_breach: Termination | None = None  # 因严重违反协议约定被解除协议
    controller_caused_termination_on: dt.date | None = None  # 负责人致原定点机构被解除协议之日
    controller_dishonest: bool = False  # 法定代表人等被列入失信人名单
    other_legal_ground: Text | None = None  # 法律法规规定的其他情形: the clerk names the law


class Staff(_Model):
    name: Text | None = None
    registered_here: bool | None = None  # 注册地在该零售药店所在地
    contract: Term | None = None  # 劳动合同


class Facts(_Model):
    """Facts behind the eligibility conditions. Not stated = unknown (to verify)."""

    eligible_category: bool | None = None  # 属于可申请定点的机构范围
    operating_since: dt.date | None = None  # 正式运营（经营）起始日
    physicians_first_registered: int | None = Field(None, ge=0)  # 第一注册地在本机构的医师
    head_responsible: bool | None = None  # 主要负责人负责医保工作
    insurance_staff: int | None = Field(None, ge=0)  # 专（兼）职医保管理人员
    beds: int | None = Field(None, ge=0)
    insurance_department: bool | None = None  # 内部医保管理部门
    full_time_insurance_staff: int | None = Field(None, ge=0)  # 专职工作人员
    # Which internal management systems exist (keys the rule tables name: insurance_management,
    # financial, statistics, quality_core …); true / false only says "all" / "not all".
    management_systems: list[Text] | bool | None = None
    information_system: bool | None = None  # 信息系统对接、直接联网结算
    other_conditions: bool | None = None  # 其他条件
    # retail pharmacies
    drug_license: bool | None = None  # 药品经营许可证
    pharmacists: list[Staff] | None = None
    insurance_staff_list: list[Staff] | None = None
    drug_classification: bool | None = None  # 药品分类分区管理、医保用药标识


class Applicant(_Model):
    name: Text
    type: Literal["institution", "pharmacy"] = "institution"


class ApplicationCase(_Model):
    kind: Literal["application"]
    region: Text
    date: dt.date = Field(description="the day the application is decided (申请受理日)")
    applicant: Applicant
    materials: list[Text] | None = None  # keys of the materials submitted (None: not checked)
    data_shared: list[Text] = Field(default_factory=list)  # licences verifiable by data sharing
    history: History = History()
    facts: Facts = Facts()


# ----------------------------------------------------------------------------- timeline


class Supplement(_Model):
    notified: dt.date  # 一次性告知补正之日
    received_notice: dt.date | None = None  # 申请人收到告知书之日 (default: notified)
    completed: dt.date | None = None  # 材料补充完整之日

    @model_validator(mode="after")
    def _order(self) -> Supplement:
        if self.completed is not None and self.completed < self.notified:
            raise ValueError(f"completed {self.completed} is before notified {self.notified}")
        return self


class TimelineCase(_Model):
    kind: Literal["timeline"]
    region: Text
    date: dt.date | None = None  # the day the rules must be in force (default: earliest trigger)
    received: dt.date | None = None  # 收到（受理）申请材料之日
    supplement: Supplement | None = None
    evaluation_passed: dt.date | None = None  # 评估合格（审议通过）之日
    publicity_start: dt.date | None = None  # 公示发布之日
    failure_served: dt.date | None = None  # 评估不合格结果告知送达之日
    second_failure_served: dt.date | None = None  # 再次评估仍不合格结果送达之日
    agreement_signed: dt.date | None = None  # 医保协议签订完成之日
    agreement_expires: dt.date | None = None  # 医保协议期满（最后一日）
    change_approved: dt.date | None = None  # 重大信息变更经有关部门批准之日
    change_applied: dt.date | None = None  # 向经办机构申请变更之日
    payment_declared: dt.date | None = None  # 定点医疗机构申报费用之日
    exit_effective: dt.date | None = None  # 请求中止、解除或不再续签的生效日
    category_requested: dt.date | None = None  # 收到增加医保支付类别书面申请之日

    @model_validator(mode="after")
    def _some(self) -> TimelineCase:
        if not self.triggers():
            raise ValueError("give at least one date to count from (received, agreement_expires, …)")
        if self.supplement is not None and self.received is not None and self.supplement.notified < self.received:
            raise ValueError("supplement.notified is before received")
        return self

    def stated(self) -> set[str]:
        """The trigger dates the case itself states (not those defaulted)."""
        out = {k for k in self.model_fields_set if isinstance(getattr(self, k), dt.date) and k != "date"}
        if self.supplement is not None:
            out |= {f"supplement.{k}" for k in self.supplement.model_fields_set}
        return out

    def triggers(self) -> dict[str, dt.date]:
        out = {k: v for k, v in self.model_dump().items()
               if isinstance(v, dt.date) and k not in ("date",)}
        if self.supplement is not None:
            out["supplement.notified"] = self.supplement.notified
            out["supplement.received_notice"] = self.supplement.received_notice or self.supplement.notified
            if self.supplement.completed:
                out["supplement.completed"] = self.supplement.completed
        return out


# ----------------------------------------------------------------------------- agreement


class Suspension(_Model):
    start: dt.date | None = None  # first day of the suspension (default: from the rules, below)
    end: dt.date | None = None  # 中止期结束之日, if known
    requested: bool = False  # 定点机构申请中止 (vs. imposed by the agency)
    resume_requested: dt.date | None = None  # 提出继续履行协议申请之日
    received: dt.date | None = None  # 经办机构收到中止申请之日
    approved: dt.date | None = None  # 经办机构同意中止之日
    decided: dt.date | None = None  # 经办机构作出中止处理之日 (an imposed suspension)

    @model_validator(mode="after")
    def _dated(self) -> Suspension:
        if self.start is None and self.received is None and self.approved is None and self.decided is None:
            raise ValueError("give start, or the day the request was received / approved, or the "
                             "day the suspension was decided")
        if self.approved is not None and self.received is not None and self.approved < self.received:
            raise ValueError(f"approved {self.approved} is before received {self.received}")
        return self

    @property
    def date(self) -> dt.date | None:  # counting by date (the count predicate reads ``date``)
        return self.start

    @property
    def imposed(self) -> bool:
        return not self.requested


class AdministrativePenalty(_Model):
    """The administrative penalty for the same conduct (行政处罚), for 第四十五条's offsets."""

    fine: float | None = Field(None, ge=0)  # 罚款（元）
    suspension_days: int | None = Field(None, ge=0)  # 责令暂停 … 的日数


class Breach(_Model):
    # the table's list of conduct (江苏: minor 第四十二条, general 第四十三条, serious 第四十四条);
    # none: the conduct is in none of the lists
    list: Text | None = None
    item: int | None = Field(None, ge=1)
    loss: float = Field(0, ge=0)  # 造成医保基金损失的金额（元）
    proposed_penalty: float | None = Field(None, ge=0)
    refused_to_correct: bool = False
    serious_consequences: bool = False  # 造成严重后果 (第四十三条)
    serious_impact: bool = False  # 造成严重影响 (第四十二条)
    fraud_purpose: bool = False
    particularly_serious: bool = False
    damages_paid: float | None = Field(None, ge=0)  # 已支付的违约金（元）
    suspension_days: int | None = Field(None, ge=0)  # 经办机构就同一行为已中止的日数
    administrative: AdministrativePenalty | None = None

    @model_validator(mode="after")
    def _item(self) -> Breach:
        if self.list is not None and self.item is None:
            raise ValueError(f"item: the number of the conduct in list {self.list!r} is required")
        if self.list is None and self.item is not None:
            raise ValueError("list: an item number needs the list it belongs to")
        return self


class StaffShare(_Model):
    """The institution's staff in a natural year: all of them, and the person-times (人次) whose
    status was suspended or terminated."""

    total: int = Field(ge=1)
    suspended_or_terminated: int = Field(ge=0)


class Institution(_Model):
    name: Text
    type: Literal["institution", "pharmacy"] = "institution"
    public: bool = False


class AgreementCase(_Model):
    kind: Literal["agreement"]
    region: Text
    date: dt.date
    institution: Institution
    agreement: Term
    suspensions: list[Suspension] = Field(default_factory=list)
    # grounds by the table's fact keys: true, false, or null (suspected: to verify)
    facts: dict[Text, bool | None] = Field(default_factory=dict)
    breach: Breach | None = None
    staff: StaffShare | None = None


# ----------------------------------------------------------------------------- staff


Responsibility = Literal["general", "important", "main"]
_RESPONSIBILITY_CN = {"一般": "general", "重要": "important", "主要": "main"}


class Scoring(_Model):
    """One act scored (记分时点: the day of the administrative penalty or agreement handling)."""

    type: Literal["scoring"]
    date: dt.date
    institution: Text
    situations: list[Text] = Field(min_length=1)  # negative situations of this one act
    responsibility: Responsibility | None = None
    adjustment: Literal["lighter_within", "lighter_band", "heavier_within", "heavier_band"] | None = None
    points: int | None = Field(None, ge=1, le=12)  # a score within the band, with *_within
    decision: Text | None = None  # acts scored in one decision share an id (一次性记分)
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _cn(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("responsibility") in _RESPONSIBILITY_CN:
            data = {**data, "responsibility": _RESPONSIBILITY_CN[data["responsibility"]]}
        return data


class RepairEvent(_Model):
    type: Literal["repair"]
    date: dt.date
    measure: Text  # the table's repair measure key
    note: Text | None = None


class InstitutionEvent(_Model):
    """What happened to the person's institution (第十一条第二款): its agreement suspended, the
    services of it or of a department suspended (中止、责令暂停), or its agreement terminated."""

    type: Literal["institution"]
    date: dt.date  # the day the institution's suspension or termination takes effect
    action: Literal["agreement_suspended", "service_suspended", "agreement_terminated"]
    responsible: bool  # 相关人员对违法违规行为负有责任
    end: dt.date | None = None  # last day of the institution's suspension, when known
    note: Text | None = None

    @model_validator(mode="after")
    def _order(self) -> InstitutionEvent:
        if self.end is not None and self.end < self.date:
            raise ValueError(f"end {self.end} is before date {self.date}")
        return self


StaffEvent = Annotated[Scoring | RepairEvent | InstitutionEvent, Field(discriminator="type")]


class Standing(_Model):
    """A person's year as a clerk has it: the current total and status, without the scoring
    events behind them. ``points`` is the total the running term was decided on (default: the
    total); ``repaired`` the points already taken off this year per repair measure (for the caps)."""

    date: dt.date  # the day these figures hold (the total is for this natural year)
    total: int = Field(ge=0)
    status: Literal["normal", "suspended", "terminated"] = "normal"
    decided: dt.date | None = None  # the day the running suspension or termination was decided
    points: int | None = Field(None, ge=0)
    one_time: bool = False  # the term follows points scored at once (一次性记分)
    last: dt.date | None = None  # the term's last day as decided, when the clerk has it
    repaired: dict[Text, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _term(self) -> Standing:
        if self.status != "normal" and self.decided is None:
            raise ValueError(f"a {self.status} status needs the day it was decided (decided)")
        if self.decided is not None and self.decided > self.date:
            raise ValueError(f"decided {self.decided} is after date {self.date}")
        if any(v < 0 for v in self.repaired.values()):
            raise ValueError("repaired: points already repaired cannot be negative")
        return self


class RepairRequest(_Model):
    """A repair (修复) request: how many of each repair activity the person has completed."""

    date: dt.date  # the day the request is made
    completed: dict[Text, int] = Field(min_length=1)  # measure key → completed activities

    @model_validator(mode="after")
    def _counts(self) -> RepairRequest:
        bad = [k for k, v in self.completed.items() if v < 0]
        if bad:
            raise ValueError(f"completed: a count cannot be negative ({', '.join(bad)})")
        return self


class Person(_Model):
    name: Text
    id: Text | None = None


class StaffCase(_Model):
    kind: Literal["staff"]
    region: Text
    date: dt.date | None = None  # status as of this day (default: the last event)
    person: Person
    events: list[StaffEvent] = Field(default_factory=list)
    standing: Standing | None = None  # the current total and status, instead of (or before) events
    repair_request: RepairRequest | None = None

    @model_validator(mode="after")
    def _something(self) -> StaffCase:
        if not self.events and self.standing is None:
            raise ValueError("give the scoring events, or the person's standing (total and status)")
        if self.standing is not None and any(e.date < self.standing.date for e in self.events):
            raise ValueError("events: an event is dated before standing.date (the standing already counts it)")
        if self.repair_request is not None and self.standing is not None \
                and self.repair_request.date < self.standing.date:
            raise ValueError("repair_request.date is before standing.date")
        return self


# ----------------------------------------------------------------------------- loading

CASE_MODELS: dict[str, type[_Model]] = {
    "application": ApplicationCase,
    "timeline": TimelineCase,
    "agreement": AgreementCase,
    "staff": StaffCase,
}


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in ("scoring", "repair", "institution") and parts and parts[-1].startswith("["):
            continue  # the discriminator's tag adds nothing for a reader
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "(case)"


def validate_case(data: Any, kind: str, path: str) -> Any:
    """The case model for ``kind``; CaseError lists every bad field."""
    try:
        model = CASE_MODELS[kind]
    except KeyError:
        raise CaseError(path, [f"kind: unknown kind {kind!r} (expected one of: "
                               f"{', '.join(CASE_MODELS)})"]) from None
    if not isinstance(data, dict):
        raise CaseError(path, ["(case): the file must hold a mapping of fields"])
    data = {"kind": kind, **data}
    if data["kind"] != kind:
        raise CaseError(path, [f"kind: the file says {data['kind']!r} but {kind!r} was asked for"])
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as e:
        raise CaseError(path, [f"{_where(err['loc'])}: {err['msg']}" for err in e.errors()]) from None


class _CaseLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date (2026-02-30) is reported against its
    field by the model instead of failing the whole file."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_case_file(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CaseError(str(path), [f"(file): cannot read: {e.strerror}"]) from None
    except UnicodeDecodeError:
        raise CaseError(str(path), ["(file): not UTF-8 text"]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_CaseLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise CaseError(str(path), [f"(file): not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                                    f"{where}{getattr(e, 'problem', None) or e}"]) from None


def load_case(path: str | Path, kind: str) -> Any:
    return validate_case(read_case_file(path), kind, str(path))
