"""A document as JSON: the published contract (docs/schema/policykit-document.schema.json).

Every text field is the exact text of the model; nothing is reworded. Each node lists the
cross-references on its own text (``refs``: REF spans of the references layer); the document
keeps every layer span in ``spans`` so a consumer can rebuild the model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from toolkit.model import DateFact, Document, LifecycleEvent, Node, Span
from toolkit.versions.validity import validity_window

SCHEMA_ID = "https://policykit.example/schema/policykit-document.schema.json"
FORMAT = "policykit-document/1"


def jsonable(value: Any) -> Any:
    """Manifest values (dates, tuples, sets) as plain JSON values."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    return value


def ref_json(span: Span) -> dict[str, Any]:
    """A cross-reference span: its text, the target (document id, eId), resolved or why not."""
    data = span.data
    target_doc = data.get("target_doc", data.get("target"))
    target_eid = data.get("target_eid", data.get("eid"))
    return {
        "text": span.text,
        "start": span.start,
        "end": span.end,
        "target_doc": target_doc,
        "target_eid": target_eid,
        "resolved": bool(data.get("resolved", target_doc is not None)),
        "reason": data.get("reason"),
    }


def span_json(span: Span) -> dict[str, Any]:
    return {"eid": span.eid, "start": span.start, "end": span.end, "label": span.label,
            "text": span.text, "data": jsonable(span.data)}


def node_json(node: Node, refs: dict[str, list[Span]]) -> dict[str, Any]:
    src = node.source
    return {
        "eid": node.eid,
        "kind": node.kind,
        "num": node.num,
        "number": node.number,
        "heading": node.heading,
        "text": node.text,
        "source": {"file": src.file, "page": src.page, "line": src.line} if src else None,
        "refs": [ref_json(s) for s in refs.get(node.eid, [])],
        "children": [node_json(c, refs) for c in node.children],
    }


def _iso(fact: DateFact | None) -> str | None:
    return fact.value.isoformat() if fact and fact.value else None


def _fact(fact: DateFact | None) -> dict[str, Any] | None:
    return fact.to_json() if fact else None


def document_to_json(doc: Document, events: list[LifecycleEvent] | None = None) -> dict[str, Any]:
    """The document, its dates (ISO, with whether inferred), its tree with refs, its layers."""
    refs: dict[str, list[Span]] = {}
    for span in sorted(doc.spans, key=lambda s: (s.eid, s.start, s.end)):
        if span.label == "REF":
            refs.setdefault(span.eid, []).append(span)
    effective, last, evidence = validity_window(doc, events)
    decisive = next((e for e in reversed(evidence) if e.date and last and
                     e.what in ("expires", "validity_extended") and e.date == last), None)
    return {
        "$schema": SCHEMA_ID,
        "format": FORMAT,
        "id": doc.id,
        "source": doc.source,
        "position": doc.position,
        "kind": doc.kind,
        "title": doc.title,
        "doc_number": doc.doc_number,
        "issuers": list(doc.issuers),
        "addressees": doc.addressees,
        "date": _iso(doc.signed),
        "printed_by": doc.printed_by,
        "printed": _iso(doc.printed),
        "disclosure": doc.disclosure,
        "cc": list(doc.cc),
        "attachments": list(doc.attachments),
        "parent": doc.parent,
        "children": list(doc.children),
        "effective": effective.isoformat() if effective else None,
        "effective_inferred": bool(doc.effective and doc.effective.inferred),
        # The last day in force given every lifecycle event known (an extension stated by another
        # document of the chain counts); `dates.expires` keeps what the document itself says.
        "expires": last.isoformat() if last else None,
        "expires_inferred": bool(decisive and decisive.inferred),
        "validity_evidence": [e.to_json() for e in evidence],
        "validity": doc.validity,
        "dates": {
            "signed": _fact(doc.signed),
            "printed": _fact(doc.printed),
            "effective": _fact(doc.effective),
            "expires": _fact(doc.expires),
        },
        "events": [e.to_json() for e in doc.events],
        "meta": jsonable(doc.meta),
        "body": [node_json(c, refs) for c in doc.root.children],
        "spans": [span_json(s) for s in doc.spans],
    }
