"""Is a rule in force on a date? 尚未施行 / 现行有效 / 已失效, with the clauses that decide it.

Dates come from the document's own lifecycle (施行日期, 有效期 → last day in force) and from events
other documents state about it (粤医保规〔2024〕4号 extends the Guangdong measure to 2027-06-01;
a later rule repeals it). The latest extension wins; a repeal ends validity the day it takes effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from toolkit.model import Document, LifecycleEvent

LABELS = {"not_yet": "尚未施行", "in_force": "现行有效", "expired": "已失效", "unknown": "效力不明"}
ENDING_EVENTS = ("repealed", "superseded", "expired_by_notice")


@dataclass(frozen=True)
class Evidence:
    what: str  # effective | expires | validity_extended | repealed …
    date: date | None
    doc_id: str | None
    eid: str | None
    quote: str | None
    inferred: bool = False
    note: str | None = None

    def to_json(self) -> dict:
        return {"what": self.what, "date": self.date.isoformat() if self.date else None,
                "doc_id": self.doc_id, "eid": self.eid, "quote": self.quote,
                "inferred": self.inferred, "note": self.note}


@dataclass
class Status:
    doc_id: str
    on: date
    status: str  # not_yet | in_force | expired | unknown
    effective: date | None
    last_day: date | None  # last day in force, None = open-ended
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def in_force(self) -> bool:
        return self.status == "in_force"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "on": self.on.isoformat(), "status": self.status,
                "label": self.label, "effective": self.effective.isoformat() if self.effective else None,
                "last_day": self.last_day.isoformat() if self.last_day else None,
                "evidence": [e.to_json() for e in self.evidence]}


def _from_event(ev: LifecycleEvent) -> Evidence:
    return Evidence(ev.type, ev.date, ev.source_doc, ev.eid, ev.quote, ev.inferred, ev.note)


def validity_window(doc: Document, events: list[LifecycleEvent] | None = None
                    ) -> tuple[date | None, date | None, list[Evidence]]:
    """(first day in force, last day in force or None, evidence) from the document and events
    about it stated elsewhere (events whose target is this document)."""
    evidence: list[Evidence] = []
    effective = doc.effective.value if doc.effective else None
    if doc.effective:
        f = doc.effective
        evidence.append(Evidence("effective", f.value, doc.id, f.eid, f.quote, f.inferred, f.note))
    last = doc.expires.value if doc.expires else None
    if doc.expires:
        f = doc.expires
        evidence.append(Evidence("expires", f.value, doc.id, f.eid, f.quote, f.inferred, f.note))
    # A document's own clause about another document (《…办法》同时废止) does not end it.
    own = [e for e in doc.events if not (e.source_doc == doc.id and e.target not in (None, doc.id))]
    related = [e for e in own + list(events or []) if e.type in ("validity_extended", *ENDING_EVENTS)]
    extensions = sorted((e for e in related if e.type == "validity_extended" and e.date), key=lambda e: e.date)
    if extensions:
        last = extensions[-1].date
        evidence += [_from_event(e) for e in extensions]
    endings = sorted((e for e in related if e.type in ENDING_EVENTS and e.date), key=lambda e: e.date)
    if endings:
        end = endings[0].date - timedelta(days=1)
        last = end if last is None else min(last, end)
        evidence += [_from_event(e) for e in endings]
    return effective, last, evidence


def status(doc: Document, on: date, events: list[LifecycleEvent] | None = None) -> Status:
    """The document's status on ``on`` (the day itself counts: the effective day and the last
    valid day are both in force)."""
    effective, last, evidence = validity_window(doc, events)
    if effective is None:
        state = "unknown"
    elif on < effective:
        state = "not_yet"
    elif last is not None and on > last:
        state = "expired"
    else:
        state = "in_force"
    return Status(doc.id, on, state, effective, last, evidence)
