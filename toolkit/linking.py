"""Cross-source references, resolved once everything is stored.

A file is parsed on its own (in a worker process), so a reference from the Guangdong staff rules to
《广东省医疗机构医疗保障定点管理暂行办法》 or to 《条例》 cannot be resolved at parse time: the layer
marks it ``pending``. After an ingest, :func:`relink` resolves the references again against the
whole store, whatever order the files came in, and rewrites those documents' spans in one
transaction.

What a reference resolves to depends only on the citing document and on the stored documents
that answer to the names it cites (title, 文号, alias, id). So after an ingest only the documents
that can have changed are resolved again (:func:`affected`): the ones just stored, the ones whose
references name a document stored or replaced (by any of its old or new names), and the ones whose
references pointed into a replaced document. ``relink(store, manifest)`` without a change resolves
every document with references to other documents: the same rows (tested), at the cost of the store.

A reference is first looked up among the documents of the citing document's own source, as at
parse time, then in the store: a file with several documents of one title (a concatenated PDF)
keeps each reference on the document of its own file instead of losing it to the ambiguity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from toolkit.manifest import Manifest
from toolkit.model import Document, Span
from toolkit.store import DocSummary, Store, StoreError, doc_number_key, title_key


def _names(key: str) -> set[str]:
    """Every form under which ``Store.resolve`` can match ``key``: as an id or alias, as a 文号,
    as a title."""
    return {key, "no:" + doc_number_key(key), "title:" + title_key(key)}


def document_names(s: DocSummary) -> set[str]:
    """The names a reference can reach a stored document by (``Store.resolve``'s keys)."""
    out = {s.id, *s.aliases, "title:" + title_key(s.title)}
    if s.doc_number:
        out.add("no:" + doc_number_key(s.doc_number))
    return out


def reference_names(data: dict[str, Any]) -> frozenset[str]:
    """The names a reference looks its document up by (what ``refs.Resolver.target`` asks)."""
    return _reference_names(data.get("target_title"), data.get("target_doc_number"))


@lru_cache(maxsize=65536)
def _reference_names(title: Any, number: Any) -> frozenset[str]:
    # Cached: thousands of references cite a few hundred titles (605 at 3,000 documents).
    out: set[str] = set()
    for key in (title, number):
        if key:
            out |= _names(str(key))
    return frozenset(out)


@dataclass
class Change:
    """What one ingest did to the store: the documents stored (their ids) and the names every
    stored or replaced document answered to, before and after."""

    doc_ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add(self, summaries: Iterable[DocSummary]) -> None:
        for s in summaries:
            self.doc_ids.add(s.id)
            self.names |= document_names(s)

    def __bool__(self) -> bool:
        return bool(self.doc_ids)


def save(store: Store, parsed: Any, change: Change) -> None:
    """``store.save(parsed)``, noting in ``change`` its documents' names before and after (a
    replaced document's old title or 文号 may be what another document cites)."""
    replaced = store.documents_of(parsed.source_id)
    store.save(parsed)
    change.add(replaced)
    change.add(store.documents_of(parsed.source_id))


def affected(store: Store, change: Change) -> set[str]:
    """The stored documents whose references a change can alter: those stored by it that cite
    another document, and those with a reference naming a changed document (by an old or a new
    name) or pointing into one. A document citing only itself resolves as it did at parse time."""
    out: set[str] = set()
    for doc_id, data in store.cross_references():
        if doc_id in out:
            continue
        if (doc_id in change.doc_ids or data.get("target_doc") in change.doc_ids
                or reference_names(data) & change.names):
            out.add(doc_id)
    return out


def _original(store: Store, key: str) -> Document | None:
    """The one text a name still means when it names several: a work's stored text whose other
    matches are all new versions of it (``meta.version_of``; a new version leaves the short
    names to the old text, and so the title). None when the name is truly ambiguous or unknown."""
    matches = {s.id for s in store.find_by_doc_number(key)} or {s.id for s in store.find_by_title(key)}
    if len(matches) < 2:
        return None
    docs = [store.document(i) for i in sorted(matches)]
    originals = [d for d in docs if not d.meta.get("version_of")]
    if len(originals) == 1 and all(d.meta.get("version_of") == originals[0].id for d in docs
                                   if d is not originals[0]):
        return originals[0]
    return None


def _with_external_refs(store: Store) -> set[str]:
    # A work the manifest lists as not bundled may be stored after all: those references too.
    return {doc_id for doc_id, _ in store.cross_references()}


def _key(s: Span) -> tuple[str, int, int]:
    return (s.eid, s.start, s.end)


def _resolved(spans: list[Span]) -> set[tuple[str, int, int]]:
    return {_key(s) for s in spans if s.label == "REF" and s.data.get("resolved")}


@dataclass
class Relinked:
    """What a relink changed, per document: references now resolved that were not, and
    references resolved before that no longer are (their target was replaced or is ambiguous)."""

    gained: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    checked: int = 0  # documents whose references were resolved again

    def __bool__(self) -> bool:
        return bool(self.gained or self.lost)

    def values(self) -> Iterable[int]:
        """References gained per document (what callers summed when relink returned a dict)."""
        return self.gained.values()


def relink(store: Store, manifest: Manifest | None = None, change: Change | None = None) -> Relinked:
    """Resolve the references of the documents ``change`` can affect (every document with
    references to others when ``change`` is None) against the store; store those that differ."""
    from extractors.layers.annotate import refresh_refs
    from extractors.layers.refs import corpus_resolver

    ids = _with_external_refs(store) if change is None else affected(store, change)
    cache: dict[str, Document | None] = {}

    def from_store(key: str) -> Document | None:
        if key not in cache:
            try:
                cache[key] = store.document(store.resolve(key))
            except StoreError:
                cache[key] = _original(store, key)
        return cache[key]

    by_source: dict[str, list[str]] = {}
    for s in store.documents_of_ids(ids):
        by_source.setdefault(s.source, []).append(s.id)
    updates: dict[str, list[Span]] = {}
    out = Relinked()
    for source, doc_ids in sorted(by_source.items()):
        # The whole source: its documents are the first place a reference is looked up.
        own = [store.document(s.id) for s in store.documents_of(source)]
        mine = corpus_resolver(own)

        def resolve(key: str, mine: Any = mine) -> Document | None:
            return mine(key) or from_store(key)

        for doc in own:
            if doc.id not in doc_ids:
                continue
            out.checked += 1
            spans = refresh_refs(doc, resolve, manifest)
            if spans == doc.spans:
                continue
            updates[doc.id] = spans
            before, after = _resolved(doc.spans), _resolved(spans)
            if after - before:
                out.gained[doc.id] = len(after - before)
            if before - after:
                out.lost[doc.id] = len(before - after)
    if updates:
        store.replace_spans(updates)
    return out
