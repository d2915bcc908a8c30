"""Lifecycle clauses: when a text takes effect, how long it is valid, what it extends or repeals.

``find_lifecycle(text)`` is a pure function on one string. It recognises

- ``自2021年6月1日起施行`` / ``…起实施``                     → effective (date)
- ``自发布之日起施行``                                      → effective_on_publication (no date
  here: the caller takes the 成文日期 / 印发日期 and marks it inferred — see ``document_events``)
- ``有效期3年``                                              → validity (3 年)
- ``有效期至2027年6月1日``                                  → expires (last day, inclusive)
- ``有效期延长至2027年6月1日``                              → validity_extended (last day, inclusive)
- ``《…》（粤医保规〔2021〕1号）继续施行``                   → continued (target)
- ``《…》同时废止``                                         → repealed (target)

``expiry(effective, years)`` turns "有效期N年, 自D起施行" into the last day in force (NOTES.md):
2021-06-01 + 3 years → 2024-05-31.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from extractors.layers.quantities import parse_date, parse_number
from toolkit.model import Document, LifecycleEvent, Node, Span

_SP = r"[ \u3000]*"
_DATE = rf"\d{{4}}{_SP}年{_SP}\d{{1,2}}{_SP}月{_SP}\d{{1,2}}{_SP}日"
_NUM = r"\d+|[一二两三四五六七八九十]+"
_TARGET = rf"(?:《[^《》]+》{_SP}(?:[（(][^（）()]*?〔{_SP}\d{{4}}{_SP}〕{_SP}\d+{_SP}号[^（）()]*[)）])?|[（(]?[\u4e00-\u9fff]+〔{_SP}\d{{4}}{_SP}〕{_SP}\d+{_SP}号[)）]?)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("effective", re.compile(rf"自{_SP}(?P<date>{_DATE}){_SP}起{_SP}(?:施行|实施|执行|生效)")),
    ("effective_on_publication", re.compile(rf"自{_SP}(?:发布|印发|公布|公告|颁布)之日起{_SP}(?:施行|实施|执行|生效)")),
    ("validity_extended", re.compile(rf"有效期{_SP}延长至{_SP}(?P<date>{_DATE})")),
    ("expires", re.compile(rf"有效期{_SP}(?:截)?至{_SP}(?P<date>{_DATE})")),
    ("validity", re.compile(rf"有效期{_SP}(?:为)?{_SP}(?P<n>{_NUM}){_SP}(?P<unit>年|个月)")),
    ("continued", re.compile(rf"(?P<target>{_TARGET}){_SP}继续(?:施行|执行|有效)(?!期间)")),
    ("repealed", re.compile(rf"(?P<target>{_TARGET}){_SP}(?:同时|予以|一并|即行)?{_SP}废止|(?:同时|予以|一并|即行)废止")),
]


@dataclass(frozen=True)
class LifecycleClause:
    type: str  # effective | effective_on_publication | validity | expires | validity_extended | continued | repealed
    start: int
    end: int
    quote: str  # text[start:end], exactly as printed
    date: date | None = None
    validity: str | None = None  # "3年" as printed, blanks removed
    years: int | None = None
    months: int | None = None
    target: str | None = None  # the document a clause continues or repeals, as printed


def find_lifecycle(text: str) -> list[LifecycleClause]:
    """Every lifecycle clause of ``text``, in text order."""
    out: list[LifecycleClause] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            groups = m.groupdict()
            d = parse_date(groups["date"]) if groups.get("date") else None
            years = months = None
            validity = None
            if kind == "validity":
                n = parse_number(groups["n"])
                validity = f"{n}{groups['unit']}"
                if groups["unit"] == "年":
                    years = int(n)
                else:
                    months = int(n)
            target = groups.get("target")
            out.append(
                LifecycleClause(kind, m.start(), m.end(), m.group(), d, validity, years, months,
                                target.strip() if target else None)
            )
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _add_months(d: date, months: int) -> date:
    """The corresponding day ``months`` later; the month's last day when there is none."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def expiry(effective: date, years: int = 0, months: int = 0) -> date:
    """Last day in force of a text valid for ``years`` (+ ``months``) from ``effective``.

    The effective day is itself in force, so the period is counted as if it had been triggered
    the day before (民法典 第二百零一条: the count starts the next day) and ends on the
    corresponding day (第二百零二条: the month's last day when there is no such day):
    2021-06-01, 3 years → 2024-05-31; 2020-03-01, 1 year → 2021-02-28.
    """
    return _add_months(effective - timedelta(days=1), years * 12 + months)


def lifecycle_spans(document: Document) -> list[Span]:
    """The lifecycle layer: one LIFECYCLE span per clause."""
    out = []
    for node in document.nodes():
        if not node.text:
            continue
        for c in find_lifecycle(node.text):
            data = {"type": c.type, "date": c.date.isoformat() if c.date else None}
            for k in ("validity", "years", "months", "target"):
                if getattr(c, k) is not None:
                    data[k] = getattr(c, k)
            out.append(Span(node.eid, c.start, c.end, "LIFECYCLE", c.quote, data))
    return out


def _clauses(document: Document) -> list[tuple[Node, LifecycleClause]]:
    return [(n, c) for n in document.nodes() if n.text for c in find_lifecycle(n.text)]


def document_events(document: Document, publisher: Document | None = None) -> list[LifecycleEvent]:
    """Lifecycle events the document's text states, dates computed where the text says how.

    ``自发布之日起施行`` takes the date of publication from the 成文日期 (else 印发日期) of the
    document, or of ``publisher`` (the notice that issues it) when it has none; the event is
    marked inferred, with a note saying where the date came from. ``有效期N年`` next to an
    effective date gives an ``expires`` event computed with ``expiry``, also marked inferred.
    """
    events: list[LifecycleEvent] = []
    effective: date | None = None
    for node, c in _clauses(document):
        base = {"source_doc": document.id, "eid": node.eid, "quote": c.quote}
        if c.type == "effective":
            effective = c.date
            events.append(LifecycleEvent("effective", c.date, target=document.id, **base))
        elif c.type == "effective_on_publication":
            when, note = _publication_date(document, publisher)
            effective = when
            events.append(LifecycleEvent("effective", when, target=document.id, inferred=True, note=note, **base))
        elif c.type in ("expires", "validity_extended"):
            target = _continued_target(node, c) or document.id
            kind = "validity_extended" if c.type == "validity_extended" else "expires"
            events.append(LifecycleEvent(kind, c.date, target=target, **base))
        elif c.type == "repealed":
            # 同时废止: repealed when this text takes effect.
            same_time = "同时" in c.quote and effective is not None
            note = f"同时废止: on the effective date {effective.isoformat()}" if same_time else None
            events.append(LifecycleEvent("repealed", effective if same_time else None, target=c.target,
                                         inferred=same_time, note=note, **base))
    for node, c in _clauses(document):
        if c.type == "validity" and effective is not None:
            last = expiry(effective, c.years or 0, c.months or 0)
            note = f"有效期{c.validity} from {effective.isoformat()}: last day in force {last.isoformat()}"
            events.append(LifecycleEvent("expires", last, target=document.id, source_doc=document.id,
                                         eid=node.eid, quote=c.quote, inferred=True, note=note))
    return events


def _publication_date(document: Document, publisher: Document | None) -> tuple[date | None, str]:
    for doc in (document, publisher):
        if doc is None:
            continue
        for label, fact in (("成文日期", doc.signed), ("印发日期", doc.printed)):
            if fact is not None and fact.value is not None:
                return fact.value, f"自发布之日起施行: date of publication taken from the {label} of {doc.id} ({fact.quote})"
    return None, "自发布之日起施行: no 成文日期 or 印发日期 found"


def _continued_target(node: Node, clause: LifecycleClause) -> str | None:
    """The document a ``有效期延长至…`` extends: the ``…继续施行`` target just before it."""
    before = [c for c in find_lifecycle(node.text) if c.type == "continued" and c.end <= clause.start]
    return before[-1].target if before else None
