"""Case data for notices and agreement drafts: one pydantic model per document type.

A case file (YAML or JSON) says who issues what to whom and the facts; it never holds legal text
(that comes from the corpus). :func:`load_case` validates it and, when anything is wrong, raises
:class:`CaseError` listing EVERY bad field with the file, the field (Chinese label and path) and
the reason in words a clerk understands. Nothing is generated from an invalid case.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from toolkit.documents import gbt9704 as G
from toolkit.documents.gbt9704 import DOC_NUMBER_RE

# Characters a printed notice must not carry: controls (ESC would vanish and leave "[31m"),
# invisible format characters and the bidirectional overrides (U+202E makes a printed name read
# differently from the stored one). Tabs and line breaks are ordinary whitespace.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _hidden_characters(value: str) -> str:
    """Refuse control, invisible and direction-changing characters, naming each one."""
    found: dict[str, int] = {}
    for i, ch in enumerate(value, 1):
        if ch in _ALLOWED_CONTROLS:
            continue
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            found.setdefault(ch, i)
    if not found:
        return value
    parts = []
    for ch, at in found.items():
        name = unicodedata.name(ch, "") or {"\x1b": "ESC"}.get(ch, "控制字符")
        kind = "改变文字方向的字符" if ch in _BIDI else "不可见的控制字符"
        parts.append(f"{kind} U+{ord(ch):04X}（{name}，第{at}个字符）")
    raise ValueError("含有" + "、".join(parts) + "：打印出的文字会与文件中的不同，请删去")


def _one_line(value: str) -> str:
    """A name or a line prints on one line: a line break or tab inside it is refused."""
    for i, ch in enumerate(value, 1):
        if ch in _ALLOWED_CONTROLS:
            name = {"\t": "制表符", "\n": "换行", "\r": "回车"}[ch]
            raise ValueError(f"含有{name}（第{i}个字符）：此项只能写一行")
    return value


def _text(max_length: int, *, lines: bool = False) -> Any:
    """A non-empty text of at most ``max_length`` characters without hidden characters (and,
    unless ``lines``, on one line)."""
    checks = [AfterValidator(_hidden_characters)] + ([] if lines else [AfterValidator(_one_line)])
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length), *checks]


# Length limits: what a field can hold and still print as the notice it belongs in (a 100 000
# character 主送 printed 164 pages; a 1 MB fact made LibreOffice time out after numbering).
NAME_MAX, LINE_MAX, PARA_MAX, LIST_MAX, CASE_ID_MAX = 60, 200, 2000, 30, 64
Name = _text(NAME_MAX)  # an organisation's or a person's name
Text = _text(LINE_MAX)  # one line: a place, a material, an attachment's title
Para = _text(PARA_MAX, lines=True)  # a paragraph: facts, reasons, advice


def _no_bool(value: Any) -> Any:
    # YAML's `item: true` is a bool, which pydantic would take as 1
    if isinstance(value, bool):
        raise ValueError(f"应为整数，不是 {str(value).lower()}")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Float = Annotated[float, BeforeValidator(_no_bool)]


def text_width_pt(text: str, size_pt: float) -> float:
    """Printed width of one line: a full-width (CJK) character is one em, others half."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return (wide + (len(text) - wide) / 2) * size_pt


MARK_MAX_PT = G.TEXT_WIDTH_TWIPS / 20  # the 版心 width


def _fits_masthead(value: str | None) -> str | None:
    if value is not None and text_width_pt(value, G.ISSUER_SIZE_PT) > MARK_MAX_PT:
        most = int(MARK_MAX_PT // G.ISSUER_SIZE_PT)
        raise ValueError(f"太长，{G.ISSUER_SIZE_PT}磅字一行排不下（版心宽156毫米，最多约{most}个汉字）")
    return value


_REGIONAL_NAME = "toolkit/documents/regional.yaml"


def _regions() -> list[str]:
    """The regions the notices have data for (the regional table), so an unknown region is a
    field error listed with the others, not a later refusal that hides them."""
    from toolkit.documents.regional import RegionalError, load_regional

    try:
        return list(load_regional().regions)
    except RegionalError:
        return []  # a broken table is reported when the notice is built


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
    name: Name = Field(title="发文机关名称（署名）")
    mark: Annotated[Text | None, AfterValidator(_fits_masthead)] = Field(
        None, title="发文机关标志（红头）")


class Recordal(_Model):
    cc: list[Name] = Field(default_factory=list, max_length=LIST_MAX, title="抄送机关")
    printed_by: Name = Field(title="印发机关")
    printed_on: dt.date = Field(title="印发日期")


class Contact(_Model):
    person: Name = Field(title="联系人")
    phone: Name = Field(title="联系电话")


class ItemRef(_Model):
    """An item of a region's enumerated list: 第（item）项, and 第sub目 under it."""

    item: Int = Field(ge=1, le=99, title="条款项号")
    sub: Int | None = Field(None, ge=1, le=99, title="目号")


class Ground(ItemRef):
    """One ground of a decision: the 项 of the region's list it falls under, and the facts."""

    facts: Para = Field(title="事实描述")


ApplicantKind = Literal["医疗机构", "零售药店"]


class Applicant(_Model):
    name: Name = Field(title="单位名称")
    kind: ApplicantKind = Field("医疗机构", title="机构类别")
    credit_code: Name | None = Field(None, title="统一社会信用代码")


class Institution(_Model):
    name: Name = Field(title="定点机构名称")
    kind: ApplicantKind = Field("医疗机构", title="机构类别")
    agreement_no: Name = Field(title="医保协议编号")


class CaseBase(_Model):
    """Fields every notice has: issuer, 文号, date, 主送, attachments, 版记.

    ``doc_number`` is optional: issuing (``--pdf``, ``policykit batch``) takes the 文号 from the
    发文登记簿; a draft without one prints a draft marker. ``case_id`` names the case in the
    register."""

    type: str = Field(title="文书类型")
    region: Name = Field(title="地区")
    doc_number: Name | None = Field(None, title="发文字号")
    case_id: _text(CASE_ID_MAX) | None = Field(None, title="案件编号")
    date: dt.date = Field(title="成文日期")
    issuer: Issuer = Field(title="发文机关")
    addressee: Text = Field(title="主送机关")
    attachments: list[Text] = Field(default_factory=list, max_length=LIST_MAX, title="附件")
    recordal: Recordal | None = Field(None, title="版记")
    contact: Contact | None = Field(None, title="联系方式")

    @field_validator("doc_number")
    @classmethod
    def _doc_number(cls, v: str | None) -> str | None:
        if v is not None and not DOC_NUMBER_RE.match(v):
            raise ValueError("应形如“揭医保〔2026〕12号”：六角括号〔〕、四位年份、序号不加“第”、不编虚位（不写 012）")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        known = _regions()
        if known and v not in known:
            raise ValueError(f"应为以下之一：{'、'.join(known)}（{_REGIONAL_NAME} 中有文书数据的地区）")
        return v

    @field_validator("addressee")
    @classmethod
    def _addressee(cls, v: str) -> str:
        return v.rstrip("：:")  # the template adds the full-width colon


class _WithGrounds(CaseBase):
    grounds: list[Ground] = Field(default_factory=list, max_length=LIST_MAX,
                                  title="理由（条款项号和事实）")


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
    materials: list[Text] = Field(min_length=1, max_length=LIST_MAX, title="需补正的材料")
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
    reasons: list[Para] = Field(min_length=1, max_length=LIST_MAX, title="不合格的理由")
    advice: list[Para] = Field(min_length=1, max_length=LIST_MAX, title="整改建议")
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
    rectification: list[Para] = Field(default_factory=list, max_length=LIST_MAX, title="整改要求")

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
    issues: list[Para] = Field(min_length=1, max_length=LIST_MAX, title="存在的问题")
    at: dt.datetime = Field(title="约谈时间")
    place: Text = Field(title="约谈地点")
    attendees: list[Name] = Field(min_length=1, max_length=LIST_MAX, title="约谈对象")
    bring: list[Text] = Field(default_factory=list, max_length=LIST_MAX, title="需携带的材料")

    @model_validator(mode="after")
    def _order(self) -> InterviewCase:
        if self.at.date() < self.date:
            raise ValueError("约谈时间（at）不能早于成文日期（date）")
        return self


Responsibility = Literal["一般", "重要", "主要"]


class Person(_Model):
    name: Name = Field(title="姓名")
    profession: Name = Field(title="职业类别（如：执业医师）")
    cert_no: Name = Field(title="执业（资格）证书编号")


class _StaffCase(CaseBase):
    """Staff notices (Guangdong staff points rules): ``grounds`` are items of the consequences
    list (e.g. item 3, sub 2); the scoring basis is ``scoring``."""

    grounds: list[ItemRef] = Field(default_factory=list, max_length=LIST_MAX,
                                   title="处理依据（累计记分处理的项、目）")
    person: Person = Field(title="相关人员")
    institution: Name = Field(title="所在定点医药机构")
    facts: list[Para] = Field(min_length=1, max_length=LIST_MAX, title="违法违规行为")
    responsibility: Responsibility = Field(title="责任程度")
    year_total: Int = Field(ge=0, le=99, title="本年度累计记分")


class StaffPointsCase(_StaffCase):
    type: Literal["staff_points"] = Field(title="文书类型")
    points: Int = Field(ge=1, le=12, title="本次记分")
    scoring: ItemRef | None = Field(None, title="记分依据（条款项号）")

    @model_validator(mode="after")
    def _total(self) -> StaffPointsCase:
        if self.year_total < self.points:
            raise ValueError("本年度累计记分（year_total）不能小于本次记分（points）")
        return self


class StaffSuspensionCase(_StaffCase):
    type: Literal["staff_suspension"] = Field(title="文书类型")
    start_on: dt.date = Field(title="暂停起始日期")
    months: Int = Field(ge=1, le=6, title="暂停月数")


class StaffTerminationCase(_StaffCase):
    type: Literal["staff_termination"] = Field(title="文书类型")
    start_on: dt.date = Field(title="终止起始日期")
    ban_years: Int = Field(ge=1, le=3, title="不得再次登记备案的年数")


# ----------------------------------------------------------------------------- agreements


class PartyA(_Model):
    name: Name = Field(title="甲方（经办机构）名称")
    address: Text = Field(title="甲方地址")
    representative: Name = Field(title="甲方法定代表人（负责人）")


class PartyB(_Model):
    name: Name = Field(title="乙方（定点机构）名称")
    credit_code: Name = Field(title="乙方统一社会信用代码")
    address: Text = Field(title="乙方地址")
    representative: Name = Field(title="乙方法定代表人（主要负责人）")


class Term(_Model):
    start_on: dt.date = Field(title="协议起始日期")
    kind: Literal["年度", "固定"] = Field("年度", title="协议方式（年度 或 固定）")
    years: Int = Field(1, ge=1, le=10, title="协议年数")


class Deposit(_Model):
    percent: Float = Field(gt=0, le=100, title="质量保证金比例（%）")
    base: Text = Field("年度医保基金实际结算金额", title="计提基数")
    use: Text = Field("予以返还或扣减", title="使用方式")


class AgreementBase(_Model):
    type: str = Field(title="文书类型")
    region: Name = Field(title="地区")
    agreement_no: Name = Field(title="协议编号")
    date: dt.date = Field(title="草案日期")
    drafter: Name = Field(title="草案拟稿单位")
    party_a: PartyA = Field(title="甲方")
    party_b: PartyB = Field(title="乙方")
    copies: Int = Field(2, ge=2, le=10, title="协议份数")


class ServiceAgreementCase(AgreementBase):
    type: Literal["service_agreement"] = Field(title="文书类型")
    term: Term = Field(title="协议期限")
    scope: list[Text] = Field(min_length=1, max_length=LIST_MAX, title="服务范围")
    deposit: Deposit | None = Field(None, title="医保服务质量保证金")


class InternetPlusCase(AgreementBase):
    type: Literal["internet_plus"] = Field(title="文书类型")
    parent_no: Name = Field(title="主协议编号")
    parent_end_on: dt.date = Field(title="主协议期满日期")
    start_on: dt.date = Field(title="补充协议起始日期")
    hospital: Name = Field(title="互联网医院名称")
    services: list[Text] = Field(min_length=1, max_length=LIST_MAX, title="“互联网+”医疗服务项目")

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
    "bool_parsing": "应为 true 或 false",
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


_DAY_TEXT = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?\s*")


def impossible_day(text: str) -> str | None:
    """``2026-02-30 不存在（2026年2月只有28天）`` for a rightly written day that does not exist."""
    m = _DAY_TEXT.fullmatch(text)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"{text.strip()} 不存在（没有{month}月）"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{text.strip()} 不存在（{year}年{month}月只有{days}天）"
    return None


def _reason(err: dict[str, Any]) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind.startswith(("date", "datetime")) and isinstance(got, str) and impossible_day(got):
        return impossible_day(got)
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        have = f"（现有{len(got)}个字符）" if isinstance(got, str) else ""
        return f"太长：最多{limit}个字符{have}"
    if kind == "too_long":
        limit = err.get("ctx", {}).get("max_length")
        return f"项数太多：最多{limit}项"
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        choices = [c.strip().strip("'\"") for c in re.split(r",| or ", expected) if c.strip()]
        return f"应为以下之一：{'、'.join(choices)}"
    if kind in ("value_error", "assertion_error"):
        msg = str(err.get("msg", ""))
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than"):
        bound = next(iter(err.get("ctx", {}).values()), "")
        word = {"greater_than_equal": "不能小于", "less_than_equal": "不能大于",
                "greater_than": "应大于"}[kind]
        return f"{word} {bound}"
    return _REASONS.get(kind, str(err.get("msg", kind)))


SHOWN_MAX = 40  # characters of a bad value quoted back (a 1 MB field is not printed back)
# Errors whose reason already says everything about the value.
_NOT_SHOWN = ("missing", "string_too_long", "too_long")


def shown(value: Any) -> str:
    """A value as the clerk wrote it: ``2026-11-25``, ``“药店”``, ``true`` — never a Python repr."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "空"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if len(text) > SHOWN_MAX:
        text = text[:SHOWN_MAX] + "…"
    # hidden characters are shown by code point, so the message itself stays plain
    text = "".join(f"<U+{ord(c):04X}>" if c in _BIDI or unicodedata.category(c)[0] == "C"
                   else c for c in text)
    return f"“{text}”"


def explain(model: type[BaseModel], error: ValidationError) -> list[str]:
    """One clerk-readable line per pydantic error."""
    lines = []
    for err in error.errors():
        got = err.get("input")
        reason = _reason(err)
        hide = err["type"] in _NOT_SHOWN or isinstance(got, dict | list) or "U+" in reason \
            or reason.startswith(str(got)) or reason.endswith(f"不是 {shown(got)}")  # quoted
        tail = "" if hide else f"（现为：{shown(got)}）"
        lines.append(f"{_label(model, tuple(err['loc']))}：{reason}{tail}")
    return lines


class _CaseLoader(yaml.SafeLoader):
    """YAML as a clerk writes it, with dates kept as text: ``date: 2026-02-30`` unquoted would
    make PyYAML's date constructor raise (a traceback, not a field error), and a quoted and an
    unquoted date must get the same answer. The case model parses the text."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    """YAML data with timestamps left as strings (see :class:`_CaseLoader`)."""
    return yaml.load(text, Loader=_CaseLoader)  # noqa: S506 - a SafeLoader subclass


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
        return load_yaml(text)
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
        raise CaseError(source, [f"文书类型（type）：应为以下之一：{known}（现为：{shown(kind)}）"])
    if doc_type and declared and declared != doc_type:
        raise CaseError(source, [f"文书类型（type）：文件写的是 {shown(declared)}，"
                                 f"命令要求 {shown(doc_type)}"])
    model = CASE_MODELS[kind]
    try:
        return model.model_validate({**data, "type": kind})
    except ValidationError as e:
        raise CaseError(source, explain(model, e)) from None


def load_case(path: str | Path, doc_type: str | None = None) -> BaseModel:
    """Read and validate a case file (YAML or JSON)."""
    return parse_case(read_data(path), str(path), doc_type)
