"""Case data for notices and agreement drafts: one pydantic model per document type.

A case file (YAML or JSON) says who issues what to whom and the facts; it never holds legal text
(that comes from the corpus). :func:`load_case` validates it and, when anything is wrong, raises
:class:`CaseError` listing EVERY bad field with the file, the field (Chinese label and path) and
the reason in words a clerk understands. Nothing is generated from an invalid case.
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
    ValidationError,
    field_validator,
    model_validator,
)

from toolkit.documents.gbt9704 import DOC_NUMBER_RE

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class CaseError(Exception):
    """An invalid case: ``problems`` holds one line per bad field."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: 案件数据有 {len(problems)} 处错误：\n" +
                         "\n".join(f"  - {p}" for p in problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- shared parts


class Issuer(_Model):
    name: Text = Field(title="发文机关名称（署名）")
    mark: str | None = Field(None, title="发文机关标志（红头）")


class Recordal(_Model):
    cc: list[Text] = Field(default_factory=list, title="抄送机关")
    printed_by: Text = Field(title="印发机关")
    printed_on: dt.date = Field(title="印发日期")


class Contact(_Model):
    person: Text = Field(title="联系人")
    phone: Text = Field(title="联系电话")


class ItemRef(_Model):
    """An item of a region's enumerated list: 第（item）项, and 第sub目 under it."""

    item: int = Field(ge=1, title="条款项号")
    sub: int | None = Field(None, ge=1, title="目号")


class Ground(ItemRef):
    """One ground of a decision: the 项 of the region's list it falls under, and the facts."""

    facts: Text = Field(title="事实描述")


ApplicantKind = Literal["医疗机构", "零售药店"]


class Applicant(_Model):
    name: Text = Field(title="单位名称")
    kind: ApplicantKind = Field("医疗机构", title="机构类别")
    credit_code: str | None = Field(None, title="统一社会信用代码")


class Institution(_Model):
    name: Text = Field(title="定点机构名称")
    kind: ApplicantKind = Field("医疗机构", title="机构类别")
    agreement_no: Text = Field(title="医保协议编号")


class CaseBase(_Model):
    """Fields every notice has: issuer, 文号, date, 主送, attachments, 版记.

    ``doc_number`` is optional: issuing (``--pdf``, ``policykit batch``) takes the 文号 from the
    发文登记簿; a draft without one prints a draft marker. ``case_id`` names the case in the
    register."""

    type: str = Field(title="文书类型")
    region: Text = Field(title="地区")
    doc_number: Text | None = Field(None, title="发文字号")
    case_id: Text | None = Field(None, title="案件编号")
    date: dt.date = Field(title="成文日期")
    issuer: Issuer = Field(title="发文机关")
    addressee: Text = Field(title="主送机关")
    attachments: list[Text] = Field(default_factory=list, title="附件")
    recordal: Recordal | None = Field(None, title="版记")
    contact: Contact | None = Field(None, title="联系方式")

    @field_validator("doc_number")
    @classmethod
    def _doc_number(cls, v: str | None) -> str | None:
        if v is not None and not DOC_NUMBER_RE.match(v):
            raise ValueError("应形如“揭医保〔2026〕12号”：六角括号〔〕、四位年份、序号不加“第”、不编虚位（不写 012）")
        return v

    @field_validator("addressee")
    @classmethod
    def _addressee(cls, v: str) -> str:
        return v.rstrip("：:")  # the template adds the full-width colon


class _WithGrounds(CaseBase):
    grounds: list[Ground] = Field(default_factory=list, title="理由（条款项号和事实）")


# ----------------------------------------------------------------------------- notices


class RefusalCase(_WithGrounds):
    type: Literal["refusal"] = Field(title="文书类型")
    applicant: Applicant = Field(title="申请单位")
    received_on: dt.date = Field(title="收到申请日期")

    @model_validator(mode="after")
    def _order(self) -> RefusalCase:
        if self.received_on > self.date:
            raise ValueError("收到申请日期（received_on）不能晚于成文日期（date）")
        return self


class SupplementCase(CaseBase):
    type: Literal["supplement"] = Field(title="文书类型")
    applicant: Applicant = Field(title="申请单位")
    received_on: dt.date = Field(title="收到材料日期")
    materials: list[Text] = Field(min_length=1, title="需补正的材料")
    served_on: dt.date | None = Field(None, title="预计送达日期（默认为成文日期）")

    @model_validator(mode="after")
    def _order(self) -> SupplementCase:
        if self.received_on > self.date:
            raise ValueError("收到材料日期（received_on）不能晚于成文日期（date）")
        if self.served_on and self.served_on < self.date:
            raise ValueError("送达日期（served_on）不能早于成文日期（date）")
        return self


class EvaluationFailedCase(CaseBase):
    type: Literal["evaluation_failed"] = Field(title="文书类型")
    applicant: Applicant = Field(title="申请单位")
    received_on: dt.date = Field(title="受理申请日期")
    evaluated_on: dt.date = Field(title="评估完成日期")
    reasons: list[Text] = Field(min_length=1, title="不合格的理由")
    advice: list[Text] = Field(min_length=1, title="整改建议")
    served_on: dt.date | None = Field(None, title="预计送达日期（默认为成文日期）")

    @model_validator(mode="after")
    def _order(self) -> EvaluationFailedCase:
        if not self.received_on <= self.evaluated_on <= self.date:
            raise ValueError("日期顺序应为：受理申请日期 ≤ 评估完成日期 ≤ 成文日期")
        return self


class SuspensionCase(_WithGrounds):
    type: Literal["suspension"] = Field(title="文书类型")
    institution: Institution = Field(title="定点机构")
    effective_on: dt.date = Field(title="中止生效日期")
    until: dt.date | None = Field(None, title="中止截止日期")
    rectification: list[Text] = Field(default_factory=list, title="整改要求")

    @model_validator(mode="after")
    def _order(self) -> SuspensionCase:
        if self.until is not None and self.until < self.effective_on:
            raise ValueError("中止截止日期（until）不能早于中止生效日期（effective_on）")
        return self


class TerminationCase(_WithGrounds):
    type: Literal["termination"] = Field(title="文书类型")
    institution: Institution = Field(title="定点机构")
    effective_on: dt.date = Field(title="解除生效日期")


class InterviewCase(CaseBase):
    type: Literal["interview"] = Field(title="文书类型")
    institution: Institution = Field(title="定点机构")
    issues: list[Text] = Field(min_length=1, title="存在的问题")
    at: dt.datetime = Field(title="约谈时间")
    place: Text = Field(title="约谈地点")
    attendees: list[Text] = Field(min_length=1, title="约谈对象")
    bring: list[Text] = Field(default_factory=list, title="需携带的材料")

    @model_validator(mode="after")
    def _order(self) -> InterviewCase:
        if self.at.date() < self.date:
            raise ValueError("约谈时间（at）不能早于成文日期（date）")
        return self


Responsibility = Literal["一般", "重要", "主要"]


class Person(_Model):
    name: Text = Field(title="姓名")
    profession: Text = Field(title="职业类别（如：执业医师）")
    cert_no: Text = Field(title="执业（资格）证书编号")


class _StaffCase(CaseBase):
    """Staff notices (Guangdong staff points rules): ``grounds`` are items of the consequences
    list (e.g. item 3, sub 2); the scoring basis is ``scoring``."""

    grounds: list[ItemRef] = Field(default_factory=list, title="处理依据（累计记分处理的项、目）")
    person: Person = Field(title="相关人员")
    institution: Text = Field(title="所在定点医药机构")
    facts: list[Text] = Field(min_length=1, title="违法违规行为")
    responsibility: Responsibility = Field(title="责任程度")
    year_total: int = Field(ge=0, le=99, title="本年度累计记分")


class StaffPointsCase(_StaffCase):
    type: Literal["staff_points"] = Field(title="文书类型")
    points: int = Field(ge=1, le=12, title="本次记分")
    scoring: ItemRef | None = Field(None, title="记分依据（条款项号）")

    @model_validator(mode="after")
    def _total(self) -> StaffPointsCase:
        if self.year_total < self.points:
            raise ValueError("本年度累计记分（year_total）不能小于本次记分（points）")
        return self


class StaffSuspensionCase(_StaffCase):
    type: Literal["staff_suspension"] = Field(title="文书类型")
    start_on: dt.date = Field(title="暂停起始日期")
    months: int = Field(ge=1, le=6, title="暂停月数")


class StaffTerminationCase(_StaffCase):
    type: Literal["staff_termination"] = Field(title="文书类型")
    start_on: dt.date = Field(title="终止起始日期")
    ban_years: int = Field(ge=1, le=3, title="不得再次登记备案的年数")


# ----------------------------------------------------------------------------- agreements


class PartyA(_Model):
    name: Text = Field(title="甲方（经办机构）名称")
    address: Text = Field(title="甲方地址")
    representative: Text = Field(title="甲方法定代表人（负责人）")


class PartyB(_Model):
    name: Text = Field(title="乙方（定点机构）名称")
    credit_code: Text = Field(title="乙方统一社会信用代码")
    address: Text = Field(title="乙方地址")
    representative: Text = Field(title="乙方法定代表人（主要负责人）")


class Term(_Model):
    start_on: dt.date = Field(title="协议起始日期")
    kind: Literal["年度", "固定"] = Field("年度", title="协议方式（年度 或 固定）")
    years: int = Field(1, ge=1, le=10, title="协议年数")


class Deposit(_Model):
    percent: float = Field(gt=0, le=100, title="质量保证金比例（%）")
    base: Text = Field("年度医保基金实际结算金额", title="计提基数")
    use: Text = Field("予以返还或扣减", title="使用方式")


class AgreementBase(_Model):
    type: str = Field(title="文书类型")
    region: Text = Field(title="地区")
    agreement_no: Text = Field(title="协议编号")
    date: dt.date = Field(title="草案日期")
    drafter: Text = Field(title="草案拟稿单位")
    party_a: PartyA = Field(title="甲方")
    party_b: PartyB = Field(title="乙方")
    copies: int = Field(2, ge=2, le=10, title="协议份数")


class ServiceAgreementCase(AgreementBase):
    type: Literal["service_agreement"] = Field(title="文书类型")
    term: Term = Field(title="协议期限")
    scope: list[Text] = Field(min_length=1, title="服务范围")
    deposit: Deposit | None = Field(None, title="医保服务质量保证金")


class InternetPlusCase(AgreementBase):
    type: Literal["internet_plus"] = Field(title="文书类型")
    parent_no: Text = Field(title="主协议编号")
    parent_end_on: dt.date = Field(title="主协议期满日期")
    start_on: dt.date = Field(title="补充协议起始日期")
    hospital: Text = Field(title="互联网医院名称")
    services: list[Text] = Field(min_length=1, title="“互联网+”医疗服务项目")

    @model_validator(mode="after")
    def _order(self) -> InternetPlusCase:
        if self.start_on > self.parent_end_on:
            raise ValueError("补充协议起始日期（start_on）不能晚于主协议期满日期（parent_end_on）")
        return self


CASE_MODELS: dict[str, type[_Model]] = {
    "refusal": RefusalCase,
    "supplement": SupplementCase,
    "evaluation_failed": EvaluationFailedCase,
    "suspension": SuspensionCase,
    "termination": TerminationCase,
    "interview": InterviewCase,
    "staff_points": StaffPointsCase,
    "staff_suspension": StaffSuspensionCase,
    "staff_termination": StaffTerminationCase,
    "service_agreement": ServiceAgreementCase,
    "internet_plus": InternetPlusCase,
}


# ----------------------------------------------------------------------------- loading


_REASONS = {
    "missing": "缺少此项（必填）",
    "string_too_short": "不能为空",
    "too_short": "至少要有一项",
    "extra_forbidden": "不认识的字段（拼写是否有误？）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "date_parsing": "日期格式应为 YYYY-MM-DD，如 2026-11-23",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD，如 2026-11-23",
    "date_from_datetime_inexact": "只写日期，不写时间",
    "date_type": "日期格式应为 YYYY-MM-DD，如 2026-11-23",
    "datetime_parsing": "时间格式应为 YYYY-MM-DD HH:MM，如 2026-11-30 09:30",
    "datetime_from_date_parsing": "时间格式应为 YYYY-MM-DD HH:MM，如 2026-11-30 09:30",
    "datetime_type": "时间格式应为 YYYY-MM-DD HH:MM，如 2026-11-30 09:30",
    "string_type": "应为文字",
    "list_type": "应为列表（每项一行，以“- ”开头）",
    "model_type": "应为一组字段",
    "dict_type": "应为一组字段",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "greater_than": "数值太小",
}


def _label(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """``申请单位 › 单位名称（applicant.name）`` from a pydantic error location."""
    labels: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            labels.append(f"第{part + 1}项")
            continue
        info = None
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
        if info is None:
            labels.append(str(part))
            current = None
            continue
        labels.append(info.title or str(part))
        current = _inner_model(info.annotation)
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p + 1}]" for p in loc)
    return f"{' › '.join(labels)}（{path}）" if loc else "整个文件"


def _inner_model(annotation: Any) -> Any:
    """The model inside ``X | None`` or ``list[X]`` annotations, for nested labels."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _reason(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"应为以下之一：{expected}"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than"):
        bound = next(iter(err.get("ctx", {}).values()), "")
        word = {"greater_than_equal": "不能小于", "less_than_equal": "不能大于",
                "greater_than": "应大于"}[kind]
        return f"{word} {bound}"
    return _REASONS.get(kind, str(err.get("msg", kind)))


def explain(model: type[BaseModel], error: ValidationError) -> list[str]:
    """One clerk-readable line per pydantic error."""
    lines = []
    for err in error.errors():
        got = err.get("input")
        shown = "" if err["type"] in ("missing",) or isinstance(got, dict | list) else \
            f"（现为：{got!r}）"
        lines.append(f"{_label(model, tuple(err['loc']))}：{_reason(err)}{shown}")
    return lines


def read_data(path: str | Path) -> Any:
    """A YAML or JSON file's data, or :class:`CaseError` naming the file and the syntax error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError(str(p), ["文件不存在"]) from None
    except UnicodeDecodeError:
        raise CaseError(str(p), ["文件不是 UTF-8 编码的文本"]) from None
    try:
        if p.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark is not None else \
            (f"第{e.lineno}行：" if isinstance(e, json.JSONDecodeError) else "")
        raise CaseError(str(p), [f"{where}文件格式错误（{getattr(e, 'problem', None) or e}）"]) \
            from None


def parse_case(data: Any, source: str = "<case>", doc_type: str | None = None) -> BaseModel:
    """Validate case data. ``doc_type`` (from the command line) must match the file's ``type``."""
    if not isinstance(data, dict):
        raise CaseError(source, ["文件内容应为一组“字段: 值”"])
    declared = data.get("type")
    kind = doc_type or declared
    if kind not in CASE_MODELS:
        known = "、".join(CASE_MODELS)
        raise CaseError(source, [f"文书类型（type）：应为以下之一：{known}（现为：{kind!r}）"])
    if doc_type and declared and declared != doc_type:
        raise CaseError(source, [f"文书类型（type）：文件写的是 {declared!r}，命令要求 {doc_type!r}"])
    model = CASE_MODELS[kind]
    try:
        return model.model_validate({**data, "type": kind})
    except ValidationError as e:
        raise CaseError(source, explain(model, e)) from None


def load_case(path: str | Path, doc_type: str | None = None) -> BaseModel:
    """Read and validate a case file (YAML or JSON)."""
    return parse_case(read_data(path), str(path), doc_type)
