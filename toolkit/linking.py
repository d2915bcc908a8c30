"""Cross-source references, resolved once everything is stored.

A file is parsed on its own (in a worker process), so a reference from the Guangdong staff rules to
《广东省医疗机构医疗保障定点管理暂行办法》 or to 《条例》 cannot be resolved at parse time: the layer
marks it ``pending``. After an ingest, :func:`relink` resolves every pending reference against the
whole store, whatever order the files came in, and rewrites those documents' spans in one
transaction.
"""

from __future__ import annotations

from toolkit.manifest import Manifest
from toolkit.model import Document
from toolkit.store import Store, StoreError


def _pending(doc: Document) -> bool:
    return any(s.label == "REF" and s.data.get("pending") for s in doc.spans)


def relink(store: Store, manifest: Manifest | None = None) -> dict[str, int]:
    """Resolve pending references against the store. Returns {doc_id: references resolved}."""
    from extractors.layers.annotate import refresh_refs

    cache: dict[str, Document | None] = {}

    def resolve_title(key: str) -> Document | None:
        if key not in cache:
            try:
                cache[key] = store.document(store.resolve(key))
            except StoreError:
                cache[key] = None
        return cache[key]

    updates, resolved = {}, {}
    for summary in store.documents():
        doc = store.document(summary.id)
        if not _pending(doc):
            continue
        spans = refresh_refs(doc, resolve_title, manifest)
        before = sum(1 for s in doc.spans if s.label == "REF" and s.data.get("resolved"))
        after = sum(1 for s in spans if s.label == "REF" and s.data.get("resolved"))
        updates[doc.id] = spans
        resolved[doc.id] = after - before
    if updates:
        store.replace_spans(updates)
    return resolved
