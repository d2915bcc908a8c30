"""The layers of one parsed source: what ``extractors.pipeline.parse_file`` runs after the structure.

For every document of the source's chain:

- ``doc.spans``: every layer (``extractors.nlp.annotate``): entities, definitions, references,
  parameters, lifecycle clauses.
- ``doc.events``: the lifecycle events its own text states (``lifecycle.document_events``); a
  rule that takes effect 自发布之日起 gets the date of the notice publishing it, marked inferred.
- ``doc.effective`` / ``doc.validity``: filled from its own clauses when the chain left them
  empty. The last day in force is an ``expires`` event (computed from 有效期N年, marked inferred),
  not ``doc.expires``: other documents may extend it (粤医保规〔2021〕1号 继续施行，有效期延长至
  2027年6月1日 is an event of the 2024 notice with that target), and the store-level status weighs
  both.

References resolve against the documents of the same source first, then through
``resolve_title`` (the store, when the caller has one). A reference to a document outside both
is kept unresolved with its reason; if the manifest lists the work as not bundled
(``external_works``) the span says which, otherwise it is marked ``pending`` — resolve it again
with ``refresh_refs`` once the whole corpus is stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from extractors.layers.lifecycle import document_events, find_lifecycle
from extractors.layers.refs import ResolveTitle, corpus_resolver, ref_spans
from toolkit.model import DateFact, Document, Span

_PUBLISHES = ("印发", "发布", "公布", "颁布")


def _key(text: str) -> str:
    return re.sub(r"[《》〈〉\s]", "", text)


def _external_works(manifest: Any) -> dict[str, str]:
    """Title / 文号 / alias → external work id, for works the manifest says are not bundled."""
    out: dict[str, str] = {}
    for w in getattr(manifest, "external", None) or []:
        for name in (w.title, w.doc_number, *w.aliases):
            if name:
                out[_key(name)] = w.id
    return out


def _chain(first: ResolveTitle, second: ResolveTitle | None) -> ResolveTitle:
    def resolve(title: str) -> Document | None:
        return first(title) or (second(title) if second else None)

    return resolve


def _mark_unresolved(spans: list[Span], external: dict[str, str], corpus_wide: bool) -> None:
    for s in spans:
        if s.label != "REF" or s.data.get("resolved") or s.data.get("scope") != "external":
            continue
        names = [s.data.get("target_title"), s.data.get("target_doc_number"), s.data.get("cited_title")]
        work = next((external[_key(n)] for n in names if n and _key(n) in external), None)
        if work:
            s.data["external_work"] = work
        elif not corpus_wide and s.data.get("target_title"):
            # Maybe in another source of the corpus: resolve again after ingest.
            s.data["pending"] = True
            s.data["reason"] = f"not in this source: 《{s.data.get('target_title')}》 (resolve against the corpus after ingest)"


def _publisher(doc: Document, by_id: dict[str, Document]) -> Document | None:
    parent = by_id.get(doc.parent) if doc.parent else None
    if parent is not None and parent.kind in ("notice", "decision") and any(w in parent.title for w in _PUBLISHES):
        return parent
    return None


def _own_facts(doc: Document) -> None:
    # The effective date the text states (or the publishing date it points to) is the document's
    # own fact. A computed last day (有效期3年 → 2024-05-31) stays an event only: whether the text
    # is still in force depends on what other documents say about it (extensions), which the
    # store-level status (toolkit.versions.status) weighs; doc.expires would pre-empt that.
    for e in doc.events:
        if e.type == "effective" and e.date and e.target in (None, doc.id) and doc.effective is None:
            doc.effective = DateFact(e.date, e.quote, e.eid, e.inferred, e.note)
    if doc.validity is None:
        doc.validity = next((c.validity for n in doc.nodes() if n.text for c in find_lifecycle(n.text)
                             if c.type == "validity"), None)


_NUMBER = re.compile(r"[^\s《》（）()，,]*〔\s*\d{4}\s*〕\s*\d+\s*号")
_TITLE = re.compile(r"《(?P<t>[^《》]+)》")


def _number_key(number: str) -> str:
    return re.sub(r"\s", "", number)


def _means(target: str, doc: Document) -> bool:
    """Whether words like ``《…的通知》（粤医保规〔2021〕1号）`` name ``doc``."""
    if doc.doc_number and any(_number_key(m.group()) == _number_key(doc.doc_number) for m in _NUMBER.finditer(target)):
        return True
    return any(_key(m["t"]) == _key(doc.title) for m in _TITLE.finditer(target))


def _propagate(documents: list[Document], by_id: dict[str, Document]) -> None:
    """An event one document states about another of the same chain is copied onto its subject,
    so the subject's own events tell its validity: onto the rule the named notice publishes (a
    published rule shares its notice's fate: 粤医保规〔2024〕4号 extends 粤医保规〔2021〕1号, which
    publishes the Guangdong measure), else onto the named document. Never onto a publishing
    notice: the store-level status (toolkit.versions.status) already reads events stated about a
    rule's publisher, and a copy there would count twice."""
    for doc in documents:
        for e in list(doc.events):
            if e.source_doc != doc.id or e.target in (None, doc.id):
                continue
            for other in documents:
                if other is doc or not _means(e.target, other):
                    continue
                subjects = [d for d in documents if _publisher(d, by_id) is other] or [other]
                for subject in subjects:
                    via = "" if subject is other else f"; {subject.id} is published by {other.id}"
                    copy = replace(e, target=subject.id, note=f"stated in {doc.id} about {e.target}{via}")
                    if not any((x.type, x.date, x.source_doc) == (copy.type, copy.date, copy.source_doc) for x in subject.events):
                        subject.events.append(copy)


def annotate_source(documents: list[Document], manifest: Any = None,
                    resolve_title: ResolveTitle | None = None) -> list[str]:
    """Fill spans, events and lifecycle facts of one source's documents; return warnings."""
    # Imported here: spaCy takes seconds to import, and the ingest's main process (which only
    # re-resolves references through this module) never needs it.
    from extractors.nlp import annotate

    warnings: list[str] = []
    by_id = {d.id: d for d in documents}
    resolver = _chain(corpus_resolver(documents), resolve_title)
    external = _external_works(manifest)
    for doc in documents:
        doc.spans = annotate(doc, resolver)
        _mark_unresolved(doc.spans, external, corpus_wide=resolve_title is not None)
        have = {(e.type, e.date, e.target) for e in doc.events}  # e.g. 题注 dates of a regulation
        doc.events += [e for e in document_events(doc, _publisher(doc, by_id)) if (e.type, e.date, e.target) not in have]
        _own_facts(doc)
    _propagate(documents, by_id)
    for doc in documents:
        for s in doc.spans:
            if s.label == "REF" and s.data.get("scope") == "internal" and not s.data.get("resolved"):
                warnings.append(f"{doc.id} {s.eid}: {s.text}: {s.data['reason']}")
    return warnings


def refresh_refs(doc: Document, resolve_title: ResolveTitle, manifest: Any = None) -> list[Span]:
    """``doc.spans`` with its references resolved again (e.g. against the whole store)."""
    fresh = ref_spans(doc, resolve_title)
    _mark_unresolved(fresh, _external_works(manifest), corpus_wide=True)
    order = {n.eid: i for i, n in enumerate(doc.nodes())}
    spans = [s for s in doc.spans if s.label != "REF"] + fresh
    spans.sort(key=lambda s: (order.get(s.eid, -1), s.start, s.end, s.label))
    return spans
