"""A small per-process memo for expensive, read-only results (alignments, version diffs),
keyed by what they were computed from plus the store's fingerprint: a new ingest changes the
fingerprint, so a stale result is never served."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

SIZE = 512  # documents × days × pages: small objects, a few MB at most


class Memo:
    def __init__(self, size: int = SIZE):
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.size = size

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two requests may compute it once each, never wrongly
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def fingerprint(store) -> tuple:
    """What the store holds, cheaply: every source's id, hash and ingest time."""
    return tuple((s.id, s.sha256, s.ingested_at) for s in store.sources())


MEMO = Memo()


# --- the corpus pages' reads, memoised per store state ------------------------------------

def document(store, doc_id: str):
    """``store.document(doc_id)``; the same object for every request until the store changes.
    Callers never mutate it (pages only read)."""
    return MEMO.get(("doc", doc_id, fingerprint(store)), lambda: store.document(doc_id))


def summaries(store) -> list:
    return MEMO.get(("summaries", fingerprint(store)), store.documents)


def status_lines(store, doc_id: str, day) -> tuple:
    """(Status, evidence lines) of a document on a day, as the CLI's ``status`` words them."""
    def make():
        from toolkit.cli.corpus import where_names
        from toolkit.versions.status import document_status
        from toolkit.versions.wording import evidence_line

        st = document_status(store, doc_id, day)
        return st, [evidence_line(e, where_names(store)) for e in st.evidence]

    return MEMO.get(("status", doc_id, day, fingerprint(store)), make)


def publishing_number(store, doc) -> str | None:
    def make():
        from toolkit.corpus import Corpus, load_concepts

        return Corpus(store, load_concepts()).publishing_number(doc)

    return MEMO.get(("number", doc.id, fingerprint(store)), make)
