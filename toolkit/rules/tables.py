"""Rule tables: what each region's rules say, as data (toolkit/rules/tables/<region>.yaml).

Every row names the node it rests on (an eId in the region's rule, or ``doc-id:eId``) and the
exact words of that node it takes its numbers from (``quote``). Every number of a row (3 年,
5 个工作日, 20%, 9 分 …) must be printed in its quote, and :func:`verify` checks every quote against
the parsed corpus, so a table cannot silently disagree with the law. ``param_key`` optionally names
the parameters-layer key (extractors/layers/param_keys.yaml) that finds the same number.

Tables are validated with pydantic when loaded; a bad table is a :class:`TableError` naming the file
and the field. Adding a region is adding a file; the engine has no region names in it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from toolkit.rules.periods import Span, Unit

TABLES_DIR = Path(__file__).with_name("tables")

# Units of the numbers a table states and how the rules print them next to the number.
TIME_UNITS = {u.value for u in Unit}
COUNT_UNITS = {"times": "次", "persons": "名", "beds": "张", "points": "分", "percent": "%"}
_BLANKS = re.compile(r"\s+")


class TableError(Exception):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(_Model):
    """A number the rules state: ``{n: 3, unit: years}``, ``{n: 20, unit: percent}``."""

    n: int = Field(ge=0)
    unit: str
    param_key: str | None = None  # the parameters-layer key that finds it, when there is one

    @model_validator(mode="after")
    def _unit(self) -> Quantity:
        if self.unit not in TIME_UNITS and self.unit not in COUNT_UNITS:
            known = ", ".join(sorted(TIME_UNITS | set(COUNT_UNITS)))
            raise ValueError(f"unknown unit {self.unit!r} (expected one of: {known})")
        return self

    @property
    def is_time(self) -> bool:
        return self.unit in TIME_UNITS

    @property
    def span(self) -> Span:
        if not self.is_time:
            raise TableError(f"{self.n} {self.unit} is not a length of time")
        return Span(self.n, Unit(self.unit))

    @property
    def printed(self) -> str:
        """How the rules print it: 3年, 5个工作日, 180日, 20%, 2次, 1名, 100张, 9分."""
        suffix = Unit(self.unit).cn if self.is_time else COUNT_UNITS[self.unit]
        return f"{self.n}{suffix}"


class Cited(_Model):
    """Anything resting on a node: the node and the exact words of it relied on."""

    node: str
    quote: str = Field(min_length=2)

    def figures(self) -> list[str]:
        """Numbers (as printed) this row takes from its quote."""
        return []

    @model_validator(mode="after")
    def _quote_prints_figures(self) -> Cited:
        # Checked when the table loads: a number the quote does not print is a typo in the table.
        missing = [f for f in self.figures() if squash(f) not in squash(self.quote)]
        if missing:
            raise ValueError(f"the quote {self.quote!r} does not print {', '.join(map(repr, missing))}")
        return self


class Requirement(Cited):
    """One thing a rule names and a case lists (a management system): the key a case uses, and
    the words of this region's node that name it."""

    key: str
    label: str


class Row(Cited):
    """One rule of a list: a ground, a condition, a measure. ``when`` is a predicate on the case
    facts (see toolkit.rules.engine); ``params`` are the numbers it uses, by name; ``requires``
    the things it names, which ``has_all`` checks against a list the case states."""

    key: str
    label: str
    concept: str | None = None  # the concept-map key, when it is not the list's
    when: dict[str, Any] | None = None
    params: dict[str, Quantity] = Field(default_factory=dict)
    action: str | None = None  # what follows (terminate, suspend, transfer, interview …)
    note: str | None = None  # how the table reads the rule, where the text leaves room
    requires: list[Requirement] = Field(default_factory=list)

    def figures(self) -> list[str]:
        return [q.printed for q in self.params.values()]


class RowList(_Model):
    concept: str | None = None  # the concept-map key of the whole list (its main citation)
    rows: list[Row]

    @model_validator(mode="after")
    def _unique(self) -> RowList:
        keys = [r.key for r in self.rows]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"duplicate row keys: {', '.join(sorted(dup))}")
        return self


class Material(Cited):
    key: str
    label: str
    shareable: bool = False  # a government licence the agency can verify through data sharing


class Materials(_Model):
    concept: str | None = None
    rows: list[Material]
    shared_exemption: Cited | None = None  # the clause exempting data-shared licences


class ApplicantRules(_Model):
    refusal: RowList
    conditions: RowList
    materials: Materials


class TimelineRow(Cited):
    """A period of the procedure. ``trigger`` is the case date that starts it; ``kind``:

    deadline  last day to act (working days, or rolled to a working day)
    after     earliest day once the period is 满 ("整改3个月后可再次组织评估")
    ban       a period during which something may not happen; its last day and the day after
    before    latest day to act so that the period fits before the trigger ("期满前3个月")
    window    the days within the period before the trigger ("到期前30日内")
    """

    key: str
    label: str
    concept: str | None = None  # the concept-map key whose node states it
    kind: Literal["deadline", "after", "ban", "before", "window"]
    trigger: str
    span: Quantity
    supplement: Literal["exclude", "restart"] | None = None
    note: str | None = None

    def figures(self) -> list[str]:
        return [self.span.printed]

    @model_validator(mode="after")
    def _time(self) -> TimelineRow:
        if not self.span.is_time:
            raise ValueError(f"{self.key}: span must be a length of time")
        return self


class StartRule(Cited):
    """The day a suspension starts, as the rules tie it to the procedure: ``day`` names the case
    date (received: 收到中止申请之日, approved: 经办机构同意之日, decided: 作出中止处理之日).
    ``fixed``: the text fixes that day ("…之日中止医保协议"); otherwise it is the table's reading
    and a start the case states prevails."""

    day: Literal["received", "approved", "decided"]  # not "on": YAML reads a bare on as true
    fixed: bool = False
    note: str | None = None


class SuspensionStart(_Model):
    requested: StartRule | None = None  # a suspension the institution asked for
    imposed: StartRule | None = None  # a suspension the agency imposed


class PublicBan(Cited):
    """公立医疗机构不得主动提出中止（或者解除）医保协议. ``facts``: the agreement's fact keys that
    are such a request by the institution (主动提出解除协议), barred for a public one too."""

    facts: list[str] = Field(default_factory=list)


class SuspensionCap(Cited):
    cap: Quantity  # 中止时间原则上不得超过180日
    lapse: Cited  # 中止超过180日仍未提出继续履行申请的，协议自动终止
    beyond_term: Cited | None = None  # 中止期结束，超过协议有效期的，协议自动终止
    public_ban: PublicBan | None = None  # 公立医疗机构不得主动提出中止
    start: SuspensionStart | None = None  # the day a suspension starts, where the rules tie it

    def figures(self) -> list[str]:
        return [self.cap.printed]

    @model_validator(mode="after")
    def _lapse(self) -> SuspensionCap:
        if squash(self.cap.printed) not in squash(self.lapse.quote):
            raise ValueError(f"lapse: the quote {self.lapse.quote!r} does not print {self.cap.printed!r}")
        return self


class PenaltyRate(Cited):
    key: str
    label: str
    article_items: int = Field(ge=1)  # how many items the article lists
    item_node: str  # "chp_7__art_44__para_1__point_{item}"
    min: Quantity | None = None
    max: Quantity | None = None  # None: the list's measures include no 违约金 (江苏 第四十二条)
    measures: list[Row] = Field(default_factory=list)

    def figures(self) -> list[str]:
        return [q.printed for q in (self.min, self.max) if q is not None]


class Unlisted(Cited):
    """What a conduct in none of the 违约金 lists gets: the general handling per the agreement."""

    label: str


class Offsets(_Model):
    """第四十五条: 违约金不折抵罚款; 中止一日折抵暂停一日 (each the words it rests on)."""

    fine: Cited
    suspension: Cited


class Routing(Cited):
    """Which items of a list lead to which action (江苏 第四十四条第二至四款)."""

    list: str
    items: list[int]
    action: str
    label: str

    def figures(self) -> list[str]:
        return [f"({cn_numeral(i)})" for i in self.items]


class CapRate(Cited):
    rate: Quantity

    def figures(self) -> list[str]:
        return [self.rate.printed]


class Penalties(_Model):
    rates: list[PenaltyRate]
    cap: CapRate
    routing: list[Routing] = Field(default_factory=list)
    no_offset: Cited | None = None  # 违约金不折抵罚款; 中止一日折抵暂停一日
    offsets: Offsets | None = None  # the same, applied to the fine and suspension a case states
    unlisted: Unlisted | None = None  # conduct in none of the lists: no 违约金 under them


class StaffShare(Cited):
    """广东 gd-staff 第二十二条: suspended or terminated staff (人次) above a share of all staff."""

    share: Quantity
    note: str | None = None

    def figures(self) -> list[str]:
        return [self.share.printed]


class AgreementRules(_Model):
    suspension_request: SuspensionCap | None = None
    staff_share: StaffShare | None = None
    termination: RowList
    pharmacy_termination: RowList | None = None  # where the rules cover retail pharmacies
    suspension: RowList | None = None
    penalties: Penalties | None = None
    breach_handling: Cited | None = None  # the general list of measures (no rates)


class Band(Cited):
    low: int
    high: int

    def figures(self) -> list[str]:
        # "每次记1—3分。其中，一般责任者记1分，重要责任者记2分，主要责任者记3分"
        return [f"{self.low}—{self.high}分"] + [f"记{p}分" for p in range(self.low, self.high + 1)]


class Situation(Cited):
    key: str
    label: str
    band: int = Field(ge=1)  # 1-based index into bands
    fixed: int | None = None  # "记12分": no choice within the band

    def figures(self) -> list[str]:
        return [f"{self.fixed}分"] if self.fixed is not None else []


class Responsibility(Cited):
    key: str
    label: str
    position: int = Field(ge=0)  # 0 = lowest score of the band


class Adjustment(Cited):
    key: str
    label: str
    bands: int = Field(ge=-1, le=1)  # -1 one band lighter, +1 heavier, 0 within the band
    direction: int = Field(ge=-1, le=1)


class TalkLevel(Cited):
    low: int
    high: int
    label: str

    def figures(self) -> list[str]:
        return [f"{self.low}—{self.high}分"]


class SuspensionLevel(Cited):
    points: int
    cumulative: Quantity
    one_time: Quantity

    def figures(self) -> list[str]:
        return [f"{self.points}分", self.cumulative.printed, self.one_time.printed]


class TerminationBan(Cited):
    points: int
    ban: Quantity  # 终止之日起1年内不得再次登记备案

    def figures(self) -> list[str]:
        return [f"{self.points}分", self.ban.printed]


class TerminationLevel(Cited):
    """一个自然年度内记分累计达到12分，终止相关人员医保支付资格 (the quote), and the two bans."""

    points: int
    cumulative: TerminationBan
    one_time: TerminationBan

    def figures(self) -> list[str]:
        return [f"{self.points}分"]


class RepairMeasure(Cited):
    key: str
    label: str
    credit: Quantity  # points taken off each time
    cap: Quantity | None = None

    def figures(self) -> list[str]:
        out = [f"减{self.credit.n}分"]
        if self.cap is not None:
            out.append(f"最多不超过{self.cap.printed}")
        return out


class Repair(_Model):
    measures: list[RepairMeasure]
    half_term: Cited
    no_repair_one_time: Cited
    shorten: Cited


class Restoration(Cited):
    span: Quantity

    def figures(self) -> list[str]:
        return [self.span.printed]


class InstitutionLink(_Model):
    """第十一条第二款: a person's status follows the institution's suspension or termination,
    unless the person bears no responsibility."""

    suspended: Cited  # 中止医保协议、中止（责令暂停）医疗服务 → 暂停
    terminated: Cited  # 解除服务协议 → 终止
    not_responsible: Cited  # 不负有责任的，登记备案状态仍为正常


class StaffRules(_Model):
    doc: str
    year_reset: Cited
    separate_acts: Cited
    highest_only: Cited
    multi_site: Cited
    multi_site_status: Cited
    scoring_time: Cited
    bands_overview: Cited
    bands: list[Band]
    responsibilities: list[Responsibility]
    adjustments: list[Adjustment]
    situations: list[Situation]
    talks: list[TalkLevel]
    suspension_overview: Cited
    suspensions: list[SuspensionLevel]
    termination: TerminationLevel
    repair: Repair
    restoration: Restoration
    institution_link: InstitutionLink | None = None
    appeal: Cited | None = None  # 异议申诉: the person's remedy against a score or a status

    @model_validator(mode="after")
    def _bands(self) -> StaffRules:
        for s in self.situations:
            if s.band > len(self.bands):
                raise ValueError(f"situation {s.key}: band {s.band} does not exist")
            b = self.bands[s.band - 1]
            if s.fixed is not None and not b.low <= s.fixed <= b.high:
                raise ValueError(f"situation {s.key}: fixed score {s.fixed} is outside {b.low}—{b.high}")
        for b in self.bands:
            if b.high - b.low + 1 != len(self.responsibilities):
                raise ValueError(f"band {b.low}—{b.high} must have one score per responsibility")
        return self


class Staffing(_Model):
    """Staffing read from the guide's nodes: the patterns find the numbers in the text."""

    concept: str
    outpatient_concept: str
    patterns: list[str]
    outpatient_pattern: str
    advisory: str | None = None  # why the source is cited though it carries no dates


class RegionTable(_Model):
    region: str
    rule: str  # the document an eId without "doc:" belongs to
    advisory: list[str] = Field(default_factory=list)  # documents cited without validity dates
    application: dict[Literal["institution", "pharmacy"], ApplicantRules] = Field(default_factory=dict)
    timeline: list[TimelineRow] = Field(default_factory=list)
    agreement: AgreementRules | None = None
    staff: StaffRules | None = None
    staffing: Staffing | None = None

    def ref(self, node: str) -> tuple[str, str]:
        """(doc id, eId) of a table node."""
        if ":" in node:
            doc_id, eid = node.split(":", 1)
            return doc_id, eid
        return self.rule, node


def load_table(path: Path) -> RegionTable:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TableError(f"{path}: cannot read rule table: {e}") from e
    try:
        table = RegionTable.model_validate(raw)
    except ValidationError as e:
        lines = [f"  - {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        raise TableError(f"{path}: invalid rule table:\n" + "\n".join(lines)) from None
    if table.region != path.stem:
        raise TableError(f"{path}: region {table.region!r} must match the file name {path.stem!r}")
    return table


@cache
def _load_dir(directory: str) -> dict[str, RegionTable]:
    tables = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        table = load_table(path)
        tables[table.region] = table
    return tables


def load_tables(directory: Path | None = None) -> dict[str, RegionTable]:
    """Every region's table, by region key (cached per directory)."""
    return dict(_load_dir(str(directory or TABLES_DIR)))


def region_table(region: str, directory: Path | None = None) -> RegionTable:
    tables = load_tables(directory)
    try:
        return tables[region]
    except KeyError:
        raise TableError(f"no rule table for region {region!r}: known regions are "
                         f"{', '.join(sorted(tables))}") from None


# --------------------------------------------------------------------------- verification


def squash(text: str) -> str:
    """Text with blanks removed and brackets in one width: producer spacing (`5 个工作日`) and
    the rules' mixed `(一)` / `（一）` must not hide a match."""
    return _BLANKS.sub("", text).replace("（", "(").replace("）", ")")


_CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十 (item numbers as printed)."""
    if not 0 < n < 100:
        raise ValueError(f"item number {n} out of range")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def cited_items(table: RegionTable) -> list[tuple[str, Cited]]:
    """Every cited object of a table with a path naming it (for verification and errors)."""
    out: list[tuple[str, Cited]] = []

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, Cited):
            out.append((path, obj))
        if isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name), f"{path}.{name}" if path else name)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{path}.{k}")
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                key = getattr(v, "key", None)
                walk(v, f"{path}[{key if key is not None else i}]")

    walk(table, "")
    return out


def verify(table: RegionTable, node_text: Any) -> list[str]:
    """Problems of a table against the corpus: a missing node, a quote the node does not contain,
    a number the quote does not print. ``node_text(doc_id, eid)`` returns the node's full text
    (or None when there is no such node)."""
    problems = []
    for path, item in cited_items(table):
        doc_id, eid = table.ref(item.node)
        text = node_text(doc_id, eid)
        if text is None:
            problems.append(f"{table.region}: {path}: no node {doc_id}:{eid} in the corpus")
            continue
        if squash(item.quote) not in squash(text):
            problems.append(f"{table.region}: {path}: {doc_id}:{eid} does not contain {item.quote!r}")
        for fig in item.figures():
            if squash(fig) not in squash(item.quote):
                problems.append(f"{table.region}: {path}: the quote {item.quote!r} does not print {fig!r}")
    return problems
