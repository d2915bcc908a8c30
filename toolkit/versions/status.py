"""Is a stored document in force on a date? ``validity.status`` fed with everything the store knows.

Besides the document's own dates and events, the answer takes

* events other documents state about it — 粤医保规〔2024〕4号 says that 粤医保规〔2021〕1号
  继续施行，有效期延长至2027年6月1日; a rule published by a notice (印发/发布/公布) shares the
  notice's fate, so that extension reaches the Guangdong measure attached to it;
* the succession of versions of its work (an older version is superseded by the next one);
* lifecycle facts from the manifest (``events:``) not yet on the stored document.

Targets are matched by document id, by 文号 (blanks and bracket shapes aside) or by exact title.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from toolkit.manifest import Manifest, load_manifest
from toolkit.model import DateFact, Document, LifecycleEvent
from toolkit.store import doc_number_key, title_key
from toolkit.versions.validity import Status, status
from toolkit.versions.works import caption_points, succession_events, versions

_NUMBER = re.compile(r"[^\s《》（）()，、]*\s*〔\s*\d{4}\s*〕\s*\d+\s*号|[^\s《》（）()，、]*令第\s*\d+\s*号")
_TITLE = re.compile(r"《(?P<t>[^《》]+)》")
_PUBLISHES = ("印发", "发布", "公布", "颁布")


def refers_to(target: str | None, doc: Document) -> bool:
    """Whether an event's target (a doc id, or words as printed: 《title》（文号）) means ``doc``."""
    if not target:
        return False
    if target == doc.id:
        return True
    if doc.doc_number:
        want = doc_number_key(doc.doc_number)
        if any(doc_number_key(m.group()) == want for m in _NUMBER.finditer(target)):
            return True
    titles = [m["t"] for m in _TITLE.finditer(target)] or [target]
    return any(title_key(t) == title_key(doc.title) for t in titles)


def _publisher(store: Any, doc: Document) -> Document | None:
    """The notice that publishes ``doc`` (印发…的通知 with ``doc`` attached), if stored."""
    if not doc.parent:
        return None
    try:
        parent = store.document(doc.parent)
    except Exception:  # noqa: BLE001 - a parent outside the store is simply not known
        return None
    if parent.kind in ("notice", "decision") and any(w in parent.title for w in _PUBLISHES):
        return parent
    return None


def related_events(store: Any, doc: Document) -> list[LifecycleEvent]:
    """Events stored on other documents whose target is ``doc`` or the notice publishing it."""
    subjects = [doc] + [p for p in (_publisher(store, doc),) if p is not None]
    out = []
    for stated_by, e in store.events_about_others(doc.id):
        if any(refers_to(e.target, s) for s in subjects):
            out.append(LifecycleEvent(
                type=e.type, date=e.date, target=doc.id, source_doc=e.source_doc or stated_by,
                eid=e.eid, quote=e.quote, inferred=e.inferred,
                note=e.note if e.target == doc.id else
                f"stated about {e.target}" + (f"; {e.note}" if e.note else ""),
            ))
    return out


def with_lifecycle_facts(doc: Document) -> Document:
    """The document with ``effective`` / ``expires`` filled from its own events when the parse
    left them empty (a copy; the stored document is not changed)."""
    def fact(kind: str) -> DateFact | None:
        own = [e for e in doc.events if e.type == kind and e.date and e.target in (None, doc.id)]
        if not own:
            return None
        e = own[0] if kind == "effective" else max(own, key=lambda x: x.date)
        return DateFact(e.date, e.quote, e.eid, e.inferred, e.note)

    effective = doc.effective or fact("effective")
    expires = doc.expires or fact("expires")
    if effective is doc.effective and expires is doc.expires:
        return doc
    return replace(doc, effective=effective, expires=expires)


def _new(events: list[LifecycleEvent], have: list[LifecycleEvent]) -> list[LifecycleEvent]:
    out: list[LifecycleEvent] = []
    for e in events:
        key = (e.type, e.date, e.source_doc)
        if all((h.type, h.date, h.source_doc) != key for h in have + out):
            out.append(e)
    return out


def document_status(store: Any, doc_id: str, on: date, *, manifest: Manifest | None = None,
                    extra_events: bool = True) -> Status:
    """The status of stored document ``doc_id`` on ``on`` with its evidence. With
    ``extra_events=False`` only the document's own dates and events count."""
    manifest = manifest if manifest is not None else load_manifest()
    doc = with_lifecycle_facts(store.document(doc_id))
    if not extra_events:
        return status(doc, on)
    events = related_events(store, doc)
    history = versions(store, doc_id, manifest)
    succession = succession_events(history, caption_points(store, history)).get(doc_id)
    if succession is not None:
        events.append(succession)
    de = manifest.document(doc_id)
    if de is not None:
        events += [LifecycleEvent(e.type, e.date, target=doc_id, source_doc=e.by,
                                  note=f"manifest: {e.note}" if e.note else "manifest")
                   for e in de.events]
    return status(doc, on, _new(events, list(doc.events)))
