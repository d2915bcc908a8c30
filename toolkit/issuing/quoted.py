"""What an issued notice quotes, by node and hash: recorded in the register, checked against the store.

A notice quotes the corpus by node ID (document id + eId; every quote block of a context carries
its ``node``). When it is issued, each quoted node is recorded in the 发文登记簿 (``reg_quotes``)
with three hashes of the stored text it quoted: the source file's sha256, the document's text hash
(``extractors.identity.text_sha256``, the one ingest records) and the passage's own hash (the node
and all below it). A document whose stored text no longer matches the hash recorded at ingest is
refused before a number is taken. ``policykit db check`` recomputes the hashes from the store and
names every issued number whose quoted source changed since (a row edited, a source re-read).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from extractors.identity import text_sha256
from toolkit.documents.basis import DocumentError
from toolkit.issuing.register import QuotedPassage
from toolkit.model import Document


class QuotedSourceChanged(DocumentError):
    """A document to be quoted whose stored text no longer matches its ingest hash."""


def quoted_nodes(context: Any) -> list[tuple[str, str]]:
    """(doc id, eId) of every quote block in a template context, in order, each once."""
    seen: dict[tuple[str, str], None] = {}
    for node in _nodes(context):
        seen.setdefault(node, None)
    return list(seen)


def _nodes(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        node = value.get("node")
        if "lines" in value and isinstance(node, Mapping) and node.get("doc_id") and node.get("eid"):
            yield str(node["doc_id"]), str(node["eid"])
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _nodes(v)


def plain_eid(eid: str) -> str:
    """``art_9#own`` → ``art_9``: the node a quote of its own words comes from."""
    return eid.split("#", 1)[0]


def passage_sha256(doc: Document, eid: str) -> str | None:
    """The hash of node ``eid`` and everything below it (None when the document has no such node)."""
    node = doc.root.find(plain_eid(eid))
    if node is None:
        return None
    rows = [[n.eid, n.kind, n.num, n.number, n.heading, n.text] for n in node.walk()]
    blob = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# text hashes per Corpus, like the Corpus's own document cache: a batch quotes the same documents
_TEXT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _text_hash(corpus: Any, doc: Document) -> str:
    try:
        table = _TEXT.setdefault(corpus, {})
    except TypeError:
        return text_sha256(doc)
    if doc.id not in table:
        table[doc.id] = text_sha256(doc)
    return table[doc.id]


def quoted_passages(context: Any, corpus: Any) -> list[QuotedPassage]:
    """The register rows for what ``context`` quotes; raises :class:`QuotedSourceChanged` when a
    quoted document's stored text differs from the hash recorded when it was ingested."""
    sources = {s.id: s for s in corpus.store.sources()}
    out = []
    for doc_id, eid in quoted_nodes(context):
        doc = corpus.document(doc_id)
        text = _text_hash(corpus, doc)
        recorded = (doc.meta or {}).get("text_sha256")
        if recorded and recorded != text:
            raise QuotedSourceChanged(
                f"引用的《{doc.title}》（{doc_id}）在库中的文本与入库时记录的哈希不符"
                f"（{recorded[:12]}…，现为 {text[:12]}…）：未分配文号；请运行 policykit db check")
        source = sources.get(doc.source)
        out.append(QuotedPassage(doc_id, eid, doc.source, source.sha256 if source else "",
                                 text, passage_sha256(doc, eid) or ""))
    return out


@dataclass(frozen=True)
class QuoteProblem:
    """An issued number whose quoted passage no longer matches the store."""

    number: str
    doc_id: str
    eid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.number}: quotes {self.doc_id} {plain_eid(self.eid)}, {self.problem}"


def quote_problems(quotes: Mapping[str, Sequence[QuotedPassage]], store: Any) -> list[QuoteProblem]:
    """Every recorded quote of an issued number checked against the store as it is now."""
    from toolkit.store import UnknownDocument

    sources = {s.id: s for s in store.sources()}
    docs: dict[str, Document | None] = {}
    out = []
    for number, passages in quotes.items():
        for q in passages:
            if q.doc_id not in docs:
                try:
                    docs[q.doc_id] = store.document(q.doc_id)
                except UnknownDocument:
                    docs[q.doc_id] = None
            out += [QuoteProblem(number, q.doc_id, q.eid, why)
                    for why in _mismatches(q, docs[q.doc_id], sources)]
    return out


def _mismatches(q: QuotedPassage, doc: Document | None, sources: Mapping[str, Any]) -> Iterable[str]:
    if doc is None:
        yield "a document no longer in the store"
        return
    passage = passage_sha256(doc, q.eid)
    now = text_sha256(doc)
    if passage is None:
        yield "a passage no longer in the document"
    elif passage != q.passage_sha256:
        yield f"whose quoted passage changed since issue ({q.passage_sha256[:12]}…, now {passage[:12]}…)"
    elif now != q.text_sha256:  # the words quoted are the same; the document around them is not
        yield (f"whose passage is unchanged but whose document text changed since issue "
               f"({q.text_sha256[:12]}…, now {now[:12]}…)")
    source = sources.get(q.source_id)
    if source is None or doc.source != q.source_id:
        yield f"from source {q.source_id}, which no longer holds it"
    elif source.sha256 != q.source_sha256:
        yield (f"from source {q.source_id}, re-ingested from another file since issue "
               f"({q.source_sha256[:12]}…, now {source.sha256[:12]}…)")
