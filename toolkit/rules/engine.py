"""The engine: evaluates table rows against case facts and cites the nodes they rest on.

A row's ``when`` is a small predicate language over the case facts (dotted paths into the case)
and the row's ``params`` (numbers checked against the corpus). Results are three-valued: True,
False, or None when a fact the rule needs is not stated (the clerk must verify it). ``all`` /
``any`` / ``not`` follow Kleene's logic, so a missing fact only matters where it could change the
answer.

    {fact: path}                          the fact is true (None if not stated)
    {present: path}                       the fact is stated (a date, an event): never None
    {not: P}  {all: [P…]}  {any: [P…]}
    {within: {since: path, period: p}}    未满: on the decision date the period p since the fact's
                                          date has not ended (False when there is no such date)
    {elapsed: {since: path, period: p}}   满: the period p since the date has ended
    {at_least: {fact: path, n: p}}        number ≥ param p
    {below: {fact: path, n: p}}           number < p
    {term_at_least: {first: path, last: path, period: p}}   a term (both days included) lasts p
    {in_term: {first: path, last: path}}  the decision date lies in the term
    {count: {list: path, where: P, between: [path, path], date: field, at_least: p}}
                                          items of a list (dated within the range) meeting P
    {has_all: path}                       the list at path holds every key the row ``requires``
                                          (true / false: the case says so without listing them)

Period semantics are those of toolkit.rules.periods (民法典 第二百零一条、第二百零二条).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from toolkit.corpus import Citation, Corpus, CorpusError, NotInForce
from toolkit.rules import periods
from toolkit.rules.tables import Cited, Quantity, RegionTable, Row, TableError

Tri = bool | None


class DecisionError(Exception):
    """The case cannot be decided (a fact contradicts the rules' vocabulary, a date is unknown)."""


# --------------------------------------------------------------------------- facts


def lookup(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any step is missing."""
    value: Any = facts
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        else:
            value = getattr(value, part, None)
        if value is None:
            return None
    return value


@dataclass
class Context:
    facts: Mapping[str, Any]
    on: date
    params: Mapping[str, Quantity]
    trace: list[str] = field(default_factory=list)
    requires: Sequence[tuple[str, str]] = ()  # (key, label) of what the row names (has_all)

    def param(self, ref: str) -> Quantity:
        # Numbers come only from the row's params, which are checked against the corpus.
        try:
            return self.params[ref]
        except KeyError:
            raise TableError(f"predicate names param {ref!r}, which the row does not define") from None

    def item(self, item: Mapping[str, Any]) -> Context:
        return Context(item, self.on, self.params, self.trace, self.requires)


def _kleene_all(values: list[Tri]) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _kleene_any(values: list[Tri]) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _yes(v: Tri) -> str:
    return {True: "是", False: "否", None: "未知（事实未说明）"}[v]


def evaluate(pred: Mapping[str, Any] | None, ctx: Context) -> Tri:
    """Evaluate a predicate; each leaf adds one line to ``ctx.trace``."""
    if pred is None:
        return True
    if len(pred) != 1:
        raise TableError(f"a predicate has exactly one operator, got {sorted(pred)}")
    (op, arg), = pred.items()
    try:
        fn = _OPS[op]
    except KeyError:
        raise TableError(f"unknown predicate operator {op!r} (known: {', '.join(sorted(_OPS))})") from None
    return fn(arg, ctx)


def _fact(arg: str, ctx: Context) -> Tri:
    v = lookup(ctx.facts, arg)
    out = None if v is None else bool(v)
    ctx.trace.append(f"{arg} = {_show(v)} → {_yes(out)}")
    return out


def _present(arg: str, ctx: Context) -> Tri:
    v = lookup(ctx.facts, arg)
    out = v is not None and v != []
    ctx.trace.append(f"{arg}：{'已发生（' + _show(v) + '）' if out else '未发生/未说明'}")
    return out


def _not(arg: Mapping[str, Any], ctx: Context) -> Tri:
    v = evaluate(arg, ctx)
    out = None if v is None else not v
    ctx.trace.append(f"取反 → {_yes(out)}")
    return out


def _all(arg: list, ctx: Context) -> Tri:
    # Stops at the first False (it decides the result): the trace shows only what mattered.
    seen: list[Tri] = []
    for p in arg:
        seen.append(evaluate(p, ctx))
        if seen[-1] is False:
            break
    return _kleene_all(seen)


def _any(arg: list, ctx: Context) -> Tri:
    seen: list[Tri] = []
    for p in arg:
        seen.append(evaluate(p, ctx))
        if seen[-1] is True:
            break
    return _kleene_any(seen)


def _date_of(ctx: Context, path: str) -> date | None:
    v = lookup(ctx.facts, path)
    if v is not None and not isinstance(v, date):
        raise DecisionError(f"{path} must be a date, got {v!r}")
    return v


def _within(arg: Mapping[str, Any], ctx: Context) -> Tri:
    since = _date_of(ctx, arg["since"])
    q = ctx.param(arg["period"])
    if since is None:
        ctx.trace.append(f"{arg['since']} 未发生 → 不在{q.printed}期间内")
        return False
    last = periods.last_day(since, q.span)
    out = since <= ctx.on <= last
    ctx.trace.append(f"{arg['since']} = {since}；{q.printed}期间的最后一日为 {last}；"
                     f"{ctx.on} {'未满' if out else ('已满' if ctx.on > last else '早于起算日')}{q.printed}")
    return out


def _elapsed(arg: Mapping[str, Any], ctx: Context) -> Tri:
    since = _date_of(ctx, arg["since"])
    q = ctx.param(arg["period"])
    if since is None:
        ctx.trace.append(f"{arg['since']} 未说明 → 是否已满{q.printed}未知")
        return None
    full = periods.complete_from(since, q.span)
    out = ctx.on >= full
    ctx.trace.append(f"{arg['since']} = {since}；自 {full} 起满{q.printed}；{ctx.on} → {_yes(out)}")
    return out


def _number(ctx: Context, arg: Mapping[str, Any]) -> tuple[Any, Quantity]:
    return lookup(ctx.facts, arg["fact"]), ctx.param(arg["n"])


def _compared(fact: str, v: Any, n: Any, tested: str, out: Tri) -> str:
    """One comparison as a reader checks it: the relation the value actually has to the bound,
    then whether the tested one holds. "facts.beds = 120；不少于 100 → 是" when the row asks for
    不少于; when it asks 少于, "…；不少于 100，“少于 100”不成立 → 否" (never "少于 100 → 否" beside
    120, which reads as a claim about 120)."""
    if out is None:
        return f"{fact} 未说明；是否{tested} {n}未知"
    holds = "不少于" if v >= n else "少于"
    if holds == tested:
        return f"{fact} = {_show(v)}；{holds} {n} → {_yes(out)}"
    return f"{fact} = {_show(v)}；{holds} {n}，“{tested} {n}”不成立 → {_yes(out)}"


def _at_least(arg: Mapping[str, Any], ctx: Context) -> Tri:
    v, q = _number(ctx, arg)
    out = None if v is None else v >= q.n
    ctx.trace.append(_compared(arg["fact"], v, q.n, "不少于", out))
    return out


def _below(arg: Mapping[str, Any], ctx: Context) -> Tri:
    v, q = _number(ctx, arg)
    out = None if v is None else v < q.n
    ctx.trace.append(_compared(arg["fact"], v, q.n, "少于", out))
    return out


def _term_at_least(arg: Mapping[str, Any], ctx: Context) -> Tri:
    first, last = _date_of(ctx, arg["first"]), _date_of(ctx, arg["last"])
    q = ctx.param(arg["period"])
    if first is None or last is None:
        ctx.trace.append(f"期限 {arg['first']}–{arg['last']} 未说明 → 是否满{q.printed}未知")
        return None
    out = periods.term_lasts(first, last, q.span)
    ctx.trace.append(f"期限 {first} 至 {last}：{q.printed}以上 → {_yes(out)}")
    return out


def _in_term(arg: Mapping[str, Any], ctx: Context) -> Tri:
    first, last = _date_of(ctx, arg["first"]), _date_of(ctx, arg["last"])
    if first is None or last is None:
        ctx.trace.append(f"期限 {arg['first']}–{arg['last']} 未说明 → 是否在期限内未知")
        return None
    out = first <= ctx.on <= last
    ctx.trace.append(f"期限 {first} 至 {last}；{ctx.on} 在期限内 → {_yes(out)}")
    return out


def _count(arg: Mapping[str, Any], ctx: Context) -> Tri:
    items = lookup(ctx.facts, arg["list"]) or []
    q = ctx.param(arg["at_least"])
    lo = hi = None
    if "between" in arg:
        lo, hi = (_date_of(ctx, p) for p in arg["between"])
        if lo is None or hi is None:
            ctx.trace.append(f"{arg['between']} 未说明 → 次数未知")
            return None
    sure = unsure = 0
    for item in items:
        when = lookup(item, arg.get("date", "date"))
        if lo is not None and (when is None or not lo <= when <= hi):
            continue
        v = evaluate(arg.get("where"), ctx.item(item))
        sure += v is True
        unsure += v is None
    out: Tri = True if sure >= q.n else (False if sure + unsure < q.n else None)
    span = f"（{lo} 至 {hi}）" if lo is not None else ""
    ctx.trace.append(f"{arg['list']}{span}符合条件 {sure} 项" + (f"、未知 {unsure} 项" if unsure else "")
                     + f"；{q.printed}及以上 → {_yes(out)}")
    return out


def _has_all(arg: str, ctx: Context) -> Tri:
    v = lookup(ctx.facts, arg)
    if v is None or isinstance(v, bool):
        return _fact(arg, ctx)
    if not ctx.requires:
        raise TableError(f"has_all: {arg} is checked but the row requires nothing")
    have = set(v)
    missing = [label for key, label in ctx.requires if key not in have]
    present = [label for key, label in ctx.requires if key in have]
    out = not missing
    ctx.trace.append(f"{arg}：已有 {'、'.join(present) or '无'}"
                     + (f"；缺少 {'、'.join(missing)}" if missing else "") + f" → {_yes(out)}")
    return out


_OPS: dict[str, Callable[[Any, Context], Tri]] = {
    "fact": _fact, "present": _present, "not": _not, "all": _all, "any": _any,
    "within": _within, "elapsed": _elapsed, "at_least": _at_least, "below": _below,
    "term_at_least": _term_at_least, "in_term": _in_term, "count": _count, "has_all": _has_all,
}


def predicate_paths(pred: Any) -> list[str]:
    """Every fact path a predicate reads (``list[].field`` inside a ``count``): tests check them
    against the case schema, so a table cannot read a fact no case can state."""
    out: list[str] = []

    def walk(p: Any, prefix: str) -> None:
        if not isinstance(p, Mapping):
            return
        for op, arg in p.items():
            if op in ("fact", "present", "has_all"):
                out.append(prefix + arg)
            elif op == "not":
                walk(arg, prefix)
            elif op in ("all", "any"):
                for x in arg:
                    walk(x, prefix)
            elif op in ("within", "elapsed"):
                out.append(prefix + arg["since"])
            elif op in ("at_least", "below"):
                out.append(prefix + arg["fact"])
            elif op in ("term_at_least", "in_term"):
                out.extend([prefix + arg["first"], prefix + arg["last"]])
            elif op == "count":
                out.append(prefix + arg["list"])
                out.extend(prefix + b for b in arg.get("between", []))
                inner = f"{prefix}{arg['list']}[]."
                if "between" in arg:
                    out.append(inner + arg.get("date", "date"))
                walk(arg.get("where"), inner)

    walk(pred, "")
    return out


def predicate_problems(pred: Any, params: Mapping[str, Quantity]) -> list[str]:
    """What is wrong with a predicate as written: unknown operators, missing arguments, params
    the row does not define or of the wrong kind (a period must be a length of time)."""
    problems: list[str] = []
    needs = {"within": ("since", "period"), "elapsed": ("since", "period"), "at_least": ("fact", "n"),
             "below": ("fact", "n"), "term_at_least": ("first", "last", "period"),
             "in_term": ("first", "last"), "count": ("list", "at_least")}

    def walk(p: Any) -> None:
        if p is None:
            return
        if not isinstance(p, Mapping) or len(p) != 1:
            problems.append(f"a predicate has exactly one operator: {p!r}")
            return
        (op, arg), = p.items()
        if op not in _OPS:
            problems.append(f"unknown operator {op!r}")
            return
        if op in ("not",):
            walk(arg)
        elif op in ("all", "any"):
            for x in arg if isinstance(arg, list) else [arg]:
                walk(x)
        elif op in needs:
            missing = [k for k in needs[op] if k not in arg]
            if missing:
                problems.append(f"{op}: missing {', '.join(missing)}")
                return
            for key in ("period", "n", "at_least"):
                if key in arg:
                    q = params.get(arg[key])
                    if q is None:
                        problems.append(f"{op}: param {arg[key]!r} is not defined by the row")
                    elif (key == "period") != q.is_time:
                        problems.append(f"{op}: param {arg[key]!r} ({q.printed}) is the wrong kind")
            if op == "count":
                walk(arg.get("where"))
        elif not isinstance(arg, str):
            problems.append(f"{op}: expects a fact path, got {arg!r}")

    walk(pred)
    return problems


def _show(v: Any) -> str:
    if hasattr(v, "model_dump"):  # a stated event (a termination, a contract)
        return "、".join(f"{k}={x}" for k, x in v.model_dump().items() if x is not None)
    if isinstance(v, bool):
        return "是" if v else "否"
    if v is None:
        return "未说明"
    if isinstance(v, list):
        return f"{len(v)} 项"
    return str(v)


# --------------------------------------------------------------------------- citations


@dataclass(frozen=True)
class Cite:
    """A citation as decisions report it: the node, its label and text, and the words relied on."""

    doc_id: str
    eid: str
    label: str
    text: str
    quote: str
    doc_title: str
    reference: str
    source: str | None
    advisory: str | None = None  # set when the document carries no validity dates

    @property
    def item(self) -> tuple[int | None, int | None]:
        """(项, 目) numbers when the node is an item of a list: for the notice generator."""
        points = [int(p.split("_")[1]) for p in self.eid.split("__") if p.startswith("point_")]
        return (points[0] if points else None, points[1] if len(points) > 1 else None)

    def to_json(self) -> dict[str, Any]:
        d = {"doc_id": self.doc_id, "eid": self.eid, "label": self.label, "text": self.text,
             "quote": self.quote, "doc_title": self.doc_title, "reference": self.reference,
             "source": self.source}
        if self.advisory:
            d["advisory"] = self.advisory
        return d


class Citer:
    """Resolves table nodes to citations in force on the decision date, once each."""

    def __init__(self, corpus: Corpus, table: RegionTable, on: date):
        self.corpus, self.table, self.on = corpus, table, on
        self._cache: dict[tuple[str, str], Citation] = {}
        self._in_force: set[str] = set()  # documents already checked on ``on``

    def _citation(self, doc_id: str, eid: str) -> tuple[Citation, str | None]:
        key = (doc_id, eid)
        advisory = None
        if key not in self._cache:
            if doc_id in self._in_force:
                # Validity depends on the document and the date only: checked once per document
                # (the check reads the manifest and related documents, so it is not cheap).
                self._cache[key] = self._undated(doc_id, eid)
            else:
                try:
                    self._cache[key] = self.corpus.cite_node(doc_id, eid, self.on)
                except NotInForce as e:
                    # A guide with no dates at all (参照执行) is cited with that said; a rule whose
                    # dates put it out of force on the date never is.
                    if e.status.status != "unknown" or doc_id not in self.table.advisory:
                        raise
                    self._cache[key] = self._undated(doc_id, eid)
                self._in_force.add(doc_id)
        if doc_id in self.table.advisory:
            advisory = "该文件未载明施行日期和有效期，按参照性标准引用"
        return self._cache[key], advisory

    def _undated(self, doc_id: str, eid: str) -> Citation:
        """A citation without the validity check (done by the caller)."""
        doc = self.corpus.document(doc_id)
        node = doc.node(eid)
        if node is None:
            raise CorpusError(f"{doc_id} has no node {eid!r} (the rule table and the corpus disagree)")
        return Citation(concept=None, doc_id=doc_id, eid=eid, doc_title=doc.title,
                        label=self.corpus.store.label(doc_id, eid), text=node.full_text(),
                        source=self.corpus.publishing_number(doc))

    def cite(self, item: Cited) -> Cite:
        doc_id, eid = self.table.ref(item.node)
        c, advisory = self._citation(doc_id, eid)
        return Cite(doc_id=doc_id, eid=eid, label=c.label, text=c.text, quote=item.quote,
                    doc_title=c.doc_title, reference=c.reference, source=c.source, advisory=advisory)

    def cite_node(self, node: str) -> Cite:
        """A node cited whole (an item of a list the case names by number): its own text is the
        words relied on."""
        doc_id, eid = self.table.ref(node)
        c, advisory = self._citation(doc_id, eid)
        own = self.corpus.document(doc_id).node(eid)
        quote = (own.text if own is not None and own.text else c.text).rstrip("；;。，,")
        return Cite(doc_id=doc_id, eid=eid, label=c.label, text=c.text, quote=quote,
                    doc_title=c.doc_title, reference=c.reference, source=c.source, advisory=advisory)

    def node_text(self, node: str) -> str:
        doc_id, eid = self.table.ref(node)
        return self._citation(doc_id, eid)[0].text


# --------------------------------------------------------------------------- results


@dataclass
class Check:
    """One rule checked: its result and why."""

    group: str  # refusal | condition | material | termination | suspension | measure …
    key: str
    label: str
    result: Tri
    citations: list[Cite]
    reason: str = ""
    note: str | None = None
    action: str | None = None
    concept: str | None = None  # the concept-map key of the provision

    def to_json(self) -> dict[str, Any]:
        item, sub = self.citations[0].item if self.citations else (None, None)
        d: dict[str, Any] = {"group": self.group, "key": self.key, "label": self.label,
                             "concept": self.concept,
                             "result": self.result, "reason": self.reason, "item": item, "sub": sub,
                             "citations": [c.to_json() for c in self.citations]}
        if self.note:
            d["note"] = self.note
        if self.action:
            d["action"] = self.action
        return d


def check_row(row: Row, group: str, facts: Mapping[str, Any], on: date, citer: Citer,
              concept: str | None = None) -> Check:
    """Evaluate one row; ``concept`` is its list's concept-map key (a row may name its own)."""
    ctx = Context(facts, on, row.params, requires=[(r.key, r.label) for r in row.requires])
    result = evaluate(row.when, ctx)
    return Check(group=group, key=row.key, label=row.label, result=result,
                 citations=[citer.cite(row)], reason="；".join(ctx.trace), note=row.note,
                 action=row.action, concept=row.concept or concept)


@dataclass
class Deadline:
    key: str
    label: str
    kind: str
    trigger: str
    start: date
    span: str  # as printed: 5个工作日
    end: date | None  # the last day (deadline / ban / latest day), or the earliest day for "after"
    first: date | None = None  # first day of a window or of the day after a ban
    text: str = ""  # how a notice says it
    note: str | None = None
    citations: list[Cite] = field(default_factory=list)
    excluded: list[tuple[date, date]] = field(default_factory=list)
    concept: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "concept": self.concept, "kind": self.kind,
                "trigger": self.trigger,
                "start": self.start.isoformat(), "span": self.span,
                "end": self.end.isoformat() if self.end else None,
                "first": self.first.isoformat() if self.first else None, "text": self.text,
                "note": self.note, "excluded": [[a.isoformat(), b.isoformat()] for a, b in self.excluded],
                "citations": [c.to_json() for c in self.citations]}


@dataclass
class Decision:
    kind: str
    region: str
    date: date
    outcome: str
    outcome_label: str
    grounds: list[Check] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    unmet_conditions: list[Check] = field(default_factory=list)
    unverified: list[Check] = field(default_factory=list)
    missing_materials: list[Check] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def rows(items: list[Check]) -> list[dict[str, Any]]:
            return [c.to_json() for c in items]

        return {
            "kind": self.kind, "region": self.region, "date": self.date.isoformat(),
            "outcome": self.outcome, "outcome_label": self.outcome_label,
            "grounds": rows(self.grounds), "deadlines": [d.to_json() for d in self.deadlines],
            "unmet_conditions": [_with_requirement(c) for c in self.unmet_conditions],
            "unverified_conditions": rows(self.unverified),
            "missing_materials": rows(self.missing_materials), "checks": rows(self.checks),
            "warnings": self.warnings, "errors": self.errors, **_jsonable(self.extra),
        }


def _with_requirement(c: Check) -> dict[str, Any]:
    # The rectification advice is the unmet requirement itself, in the rule's own words.
    d = c.to_json()
    d["requirement"] = c.citations[0].text if c.citations else None
    return d


def _jsonable(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "to_json"):
        return v.to_json()
    return v
