"""How a document's validity reads to a person: Chinese labels, 文号 instead of ids, and a
superseded date that says what superseded it.

``status`` (``toolkit.versions.status``) answers with evidence keyed by internal names
(``validity_extended``, ``gd-notice-2024-4``, ``para_1``). This module words that evidence for
the CLI (``show``, ``status``) and the Markdown export. The Guangdong measure's own 有效期3年 gives
2024-05-31, an inferred date that 粤医保规〔2024〕4号 replaced by 2027-06-01: it is shown as

    有效期至      2027-06-01（粤医保规〔2024〕4号：“有效期延长至2027年6月1日”）
    原定有效期至  2024-05-31（推定：有效期3年，自施行之日起算；已由粤医保规〔2024〕4号延长至2027-06-01）

never as a bare ``2024-05-31（推定）``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from toolkit.model import Document
from toolkit.versions.validity import ENDING_EVENTS, Evidence, Status

EVENT_LABELS = {
    "effective": "施行",
    "expires": "有效期届满",
    "validity_extended": "有效期延长至",
    "repealed": "废止",
    "superseded": "被新版本取代",
    "expired_by_notice": "宣布失效",
    "amended": "修改",
    "published": "公布",
    "continued": "继续施行",
}

# (doc id, eId or None) → how a reader names the place: 粤医保规〔2024〕4号, 第五十三条
Where = Callable[[str | None, str | None], str]


def event_label(what: str) -> str:
    return EVENT_LABELS.get(what, what)


def day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def evidence_line(e: Evidence, where: Where) -> str:
    """施行 2021-06-01：第五十三条“自2021年6月1日起施行”; inferred ones say so."""
    place = where(e.doc_id, e.eid)
    quote = f"“{e.quote}”" if e.quote else ""
    mark = "（推定）" if e.inferred else ""
    return f"{event_label(e.what)} {day(e.date)}{mark}：{place}{quote}".rstrip("：")


def deciding_end(status: Status) -> Evidence | None:
    """The evidence that fixes the last day in force when it is not the document's own date: the
    latest extension, or the ending (repeal, new version) that cut it short."""
    if status.last_day is None:
        return None
    for e in status.evidence:
        if e.what in ENDING_EVENTS and e.date and e.date - timedelta(days=1) == status.last_day:
            return e
    for e in reversed(status.evidence):
        if e.what == "validity_extended" and e.date == status.last_day:
            return e
    return None


def _how_own_end(doc: Document) -> str:
    fact = doc.expires
    if fact is None:
        return ""
    if fact.inferred and doc.validity:
        return f"推定：有效期{doc.validity}，自施行之日起算"
    return "推定" if fact.inferred else (f"“{fact.quote}”" if fact.quote else "")


def validity_rows(doc: Document, status: Status, where: Where) -> list[tuple[str, str]]:
    """The rows 施行日期 / 有效期 / 有效期至 / 原定有效期至 / 效力 for a document's metadata table."""
    rows: list[tuple[str, str]] = []
    effective = next((e for e in status.evidence if e.what == "effective"), None)
    if status.effective:
        rows.append(("施行日期", day(status.effective) + ("（推定）" if effective and effective.inferred else "")))
    if doc.validity:
        rows.append(("有效期", doc.validity))
    own_end = doc.expires.value if doc.expires else None
    decider = deciding_end(status)
    if decider is not None and status.last_day != own_end:
        by = where(decider.doc_id, None)
        what = event_label(decider.what)
        if decider.what == "validity_extended":
            rows.append(("有效期至", f"{day(status.last_day)}（{by}：“{decider.quote}”）" if decider.quote
                         else f"{day(status.last_day)}（{by}{what}）"))
        elif decider.what == "superseded":
            # a version of the same work: its 文号 is this one's, so name it by its id and words
            quote = f"“{decider.quote}”" if decider.quote else ""
            rows.append(("有效期至", f"{day(status.last_day)}（{day(decider.date)}起由新版本{decider.doc_id}"
                                    f"取代{quote}" + ("，推定" if decider.inferred else "") + "）"))
        else:
            rows.append(("有效期至", f"{day(status.last_day)}（{day(decider.date)}{what}，依据{by}"
                                    + ("，推定" if decider.inferred else "") + "）"))
        if own_end is not None:
            how = _how_own_end(doc)
            later = "延长至" if decider.what == "validity_extended" else "提前终止于"
            rows.append(("原定有效期至", f"{day(own_end)}（{how + '；' if how else ''}已由{by}{later}"
                                       f"{day(status.last_day)}）"))
    elif own_end is not None:
        how = _how_own_end(doc)
        rows.append(("有效期至", day(own_end) + (f"（{how}）" if how else "")))
    if status.effective is not None:
        rows.append(("效力", f"{status.label}（{status.on.isoformat()}）"))
    return rows
