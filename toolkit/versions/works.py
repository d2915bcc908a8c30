"""Works and their versions: which stored documents are expressions of one rule, and their dates.

A *work* is a rule through time (《互联网上网服务营业场所管理条例》); a *version* is one dated
expression of it (as revised 2016, as revised 2022). The manifest names the work of a document
(``work:``), may date a version its text does not date (``version:``) and may state lifecycle
facts the text does not (``events:``). ``apply_manifest_events`` puts these on parsed documents
(the pipeline calls it at ingest); lookups here fall back to the manifest for documents stored
before that, so a store and its manifest always agree.

A version's date is, in order: the manifest's ``version:``; the latest 公布/修订/修正 date the
document's own 题注 lists; its 成文日期; its 施行日期.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from toolkit.manifest import DocumentEntry, Manifest, SourceEntry, load_manifest
from toolkit.model import Document, LifecycleEvent

_DATING_EVENTS = ("published", "amended")


@dataclass(frozen=True)
class Version:
    doc_id: str
    work: str
    date: date | None
    dated_by: str  # how the date was found: manifest version | 题注 quote | 成文日期 | 施行日期
    title: str

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "work": self.work,
                "date": self.date.isoformat() if self.date else None,
                "dated_by": self.dated_by, "title": self.title}


def _manifest_events(doc: Document, de: DocumentEntry) -> list[LifecycleEvent]:
    out = [LifecycleEvent(e.type, e.date, target=doc.id, source_doc=e.by,
                          note=f"manifest: {e.note}" if e.note else "manifest")
           for e in de.events]
    if de.implements and not any(e.type == "derivation" for e in de.events):
        out.append(LifecycleEvent("derivation", None, target=doc.id, source_doc=de.implements,
                                  note=f"manifest: implements {de.implements}"))
    return out


def _same_event(a: LifecycleEvent, b: LifecycleEvent) -> bool:
    return (a.type, a.date, a.target, a.source_doc) == (b.type, b.date, b.target, b.source_doc)


def apply_manifest_events(docs: list[Document], entry: SourceEntry | None) -> None:
    """Put the manifest's work, version and lifecycle events on a source's parsed documents
    (in place; calling it twice adds nothing twice). Call after the documents are built."""
    if entry is None:
        return
    by_id = {d.id: d for d in entry.documents}
    for doc in docs:
        de = by_id.get(doc.id)
        if de is None:
            continue
        if de.work:
            doc.meta["work"] = de.work
        if de.version:
            doc.meta["version"] = de.version
        for event in _manifest_events(doc, de):
            if not any(_same_event(event, e) for e in doc.events):
                doc.events.append(event)


def work_of(doc: Document, manifest: Manifest | None = None) -> str:
    """The work a document is a version of (itself, when nothing says otherwise)."""
    if doc.meta.get("work"):
        return str(doc.meta["work"])
    de = manifest.document(doc.id) if manifest else None
    return de.work if de and de.work else doc.id


def version_of(doc: Document, manifest: Manifest | None = None) -> Version:
    """The document as a dated version of its work (see the module docstring for the order)."""
    work = work_of(doc, manifest)
    stated = doc.meta.get("version")
    if stated is None and manifest is not None:
        de = manifest.document(doc.id)
        stated = de.version if de else None
    if isinstance(stated, str):
        stated = date.fromisoformat(stated)
    if isinstance(stated, date):
        return Version(doc.id, work, stated, "manifest version", doc.title)
    own = [e for e in doc.events if e.type in _DATING_EVENTS and e.date
           and e.source_doc in (None, doc.id)]
    if own:
        latest = max(own, key=lambda e: e.date)
        return Version(doc.id, work, latest.date, latest.quote or latest.type, doc.title)
    for label, fact in (("成文日期", doc.signed), ("施行日期", doc.effective)):
        if fact is not None and fact.value is not None:
            return Version(doc.id, work, fact.value, label, doc.title)
    return Version(doc.id, work, None, "undated", doc.title)


def _stored_works(store: Any) -> dict[str, str | None]:
    """doc id → the work its stored meta names (None where it names none)."""
    return {doc_id: meta.get("work") for doc_id, meta in store.metas().items()}


def versions(store: Any, doc_id: str, manifest: Manifest | None = None) -> list[Version]:
    """Every stored version of the work ``doc_id`` belongs to, oldest first (undated last;
    ties by id). ``store`` is a ``toolkit.store.Store``."""
    manifest = manifest if manifest is not None else load_manifest()
    stored = _stored_works(store)

    def work(i: str) -> str:
        if stored.get(i):
            return str(stored[i])
        de = manifest.document(i)
        return de.work if de and de.work else i

    target = work(doc_id)
    found = [version_of(store.document(i), manifest) for i in stored if work(i) == target]
    return sorted(found, key=lambda v: (v.date is None, v.date or date.min, v.doc_id))


def caption_points(store: Any, history: list[Version]) -> list[tuple[date, str, str]]:
    """(date, quote, doc id) of every 修正 / 修订 / 公布 that the versions' 题注 list
    (``meta["history"]``, extractors.captions): a work's history as its texts print it, including
    revisions whose text is not in the corpus."""
    out = []
    for v in history:
        for h in store.document(v.doc_id).meta.get("history") or []:
            if h.get("type") in _DATING_EVENTS and h.get("date"):
                out.append((date.fromisoformat(h["date"]), h.get("quote") or "", v.doc_id))
    return sorted(set(out))


def succession_events(history: list[Version], points: list[tuple[date, str, str]] | None = None
                      ) -> dict[str, LifecycleEvent]:
    """Each dated version but the last is superseded by the next one on the next one's date
    (inferred: the corpus dates the revision, not necessarily the day it took effect) — or
    earlier, on the next revision a 题注 lists (``points``, from ``caption_points``) when that
    revision's text is not in the corpus: a 2016 text is not current in 2020 when the 2022
    text's 题注 lists a 2019 revision."""
    out: dict[str, LifecycleEvent] = {}
    dated = [v for v in history if v.date]
    for i, before in enumerate(dated):
        after = next((v for v in dated[i + 1:] if v.date > before.date), None)
        listed = next((p for p in points or [] if p[0] > before.date and (after is None or p[0] < after.date)), None)
        if listed is not None:
            when, quote, by = listed
            out[before.doc_id] = LifecycleEvent(
                "superseded", when, target=before.doc_id, source_doc=by, quote=quote, inferred=True,
                note=f"the 题注 of {by} lists a revision on {when.isoformat()} ({quote}); that version's "
                     "text is not in the corpus",
            )
        elif after is not None:
            out[before.doc_id] = LifecycleEvent(
                "superseded", after.date, target=before.doc_id, source_doc=after.doc_id,
                quote=after.dated_by if after.dated_by not in ("manifest version", "undated") else None,
                inferred=True,
                note=f"a later version of the work ({after.doc_id}, dated {after.date.isoformat()}) "
                     "is in the corpus; the date is that version's, not necessarily the day it took effect",
            )
    return out
