"""The spaCy pipeline: Chinese segmentation (jieba) plus policykit's own components.

``get_nlp()`` builds it once per process (jieba's dictionary takes about a second to load):
``spacy.blank("zh")`` with the jieba segmenter — no trained model, so it works offline — and
four components registered with ``@Language.component``:

- ``policykit_titles``      LAW_TITLE 《…》, DOC_NUMBER 文号 / 令第N号
- ``policykit_dates``       DATE (ISO value in the data)
- ``policykit_quantities``  DURATION, RATIO, COUNT, AMOUNT (value and normalised unit)
- ``policykit_authorities`` AUTHORITY, ROLE (needs the tokens: word boundaries)

Each adds spaCy spans to ``doc.spans["policykit"]``. Regexes find character ranges; spaCy spans
must sit on tokens, so a range is widened to whole tokens (``alignment_mode="expand"``) while the
exact range and the entity's data ride along in the span's ``._.pk`` extension. Later
components skip what an earlier one took (a date inside a title is part of the title).

``annotate(document)`` runs every layer over a ``Document`` and returns ``Span`` records keyed by
node eId; ``entity_spans(document)`` runs only this pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import lru_cache

import spacy
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from extractors.layers.entities import (
    Entity,
    body_pattern,
    drop_overlapping,
    find_authorities,
    find_doc_numbers,
    find_law_titles,
)
from extractors.layers.quantities import Quantity, find_dates, find_quantities
from toolkit.model import Document, Node, Span

SPAN_KEY = "policykit"
ENTITY_LABELS = ("LAW_TITLE", "DOC_NUMBER", "DATE", "DURATION", "RATIO", "COUNT", "AMOUNT", "AUTHORITY", "ROLE")

if not SpacySpan.has_extension("pk"):
    SpacySpan.set_extension("pk", default=None)


def _text(doc: Doc) -> str:
    """``doc.text`` rebuilds the string token by token: build it once per doc."""
    text = doc.user_data.get("pk_text")
    if text is None:
        text = doc.user_data["pk_text"] = doc.text
    return text


def _token_bounds(doc: Doc) -> set[int]:
    """Start and end offsets of every token (read as an array: no Token objects)."""
    arr = doc.to_array([IDX, LENGTH])
    starts = arr[:, 0].tolist()
    return set(starts) | {s + n for s, n in zip(starts, arr[:, 1].tolist(), strict=True)}


def _add(doc: Doc, found: Iterable[Entity]) -> None:
    group = doc.spans.setdefault(SPAN_KEY, [])
    for e in found:
        span = doc.char_span(e.start, e.end, label=e.label, alignment_mode="expand", span_id=f"{e.start}:{e.end}")
        if span is None:  # only blanks: nothing to anchor
            continue
        span._.pk = {"start": e.start, "end": e.end, "text": e.text, "data": e.data}
        group.append(span)


def doc_entities(doc: Doc, labels: Iterable[str] | None = None) -> list[Entity]:
    """The entities the components put on ``doc``, with their exact offsets, in text order."""
    wanted = set(labels) if labels is not None else None
    out = []
    for span in doc.spans.get(SPAN_KEY, []):
        if wanted is not None and span.label_ not in wanted:
            continue
        pk = span._.pk
        out.append(Entity(pk["start"], pk["end"], span.label_, pk["text"], pk["data"]))
    out.sort(key=lambda e: (e.start, e.end))
    return out


def _taken(doc: Doc, labels: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in doc_entities(doc, labels)]


@Language.component("policykit_titles")
def titles_component(doc: Doc) -> Doc:
    text = _text(doc)
    titles = find_law_titles(text)
    spans = [(t.start, t.end) for t in titles]
    _add(doc, titles + drop_overlapping(find_doc_numbers(text), spans))
    return doc


@Language.component("policykit_dates")
def dates_component(doc: Doc) -> Doc:
    dates = find_dates(_text(doc))
    _add(doc, [_as_entity(q) for q in drop_overlapping(dates, _taken(doc, ("LAW_TITLE", "DOC_NUMBER")))])
    return doc


@Language.component("policykit_quantities")
def quantities_component(doc: Doc) -> Doc:
    skip = _taken(doc, ("LAW_TITLE", "DOC_NUMBER", "DATE"))
    _add(doc, [_as_entity(q) for q in find_quantities(_text(doc), skip=skip)])
    return doc


@Language.component("policykit_authorities")
def authorities_component(doc: Doc) -> Doc:
    text = _text(doc)
    # Word boundaries matter only in front of a body's name (广东省|医疗保障局).
    bounds = _token_bounds(doc) if body_pattern().search(text) else set()
    found = find_authorities(text, bounds)
    _add(doc, drop_overlapping(found, _taken(doc, ("LAW_TITLE", "DOC_NUMBER"))))
    return doc


def _as_entity(q: Quantity) -> Entity:
    """A quantity as an entity: its value and unit live in the data."""
    return Entity(q.start, q.end, q.label, q.text, dict(q.data))


PIPES = ("policykit_titles", "policykit_dates", "policykit_quantities", "policykit_authorities")


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter goes to stderr
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    for name in PIPES:
        nlp.add_pipe(name)
    return nlp


def entities(text: str) -> list[Entity]:
    """All entities of one string (for callers without a Document)."""
    return doc_entities(get_nlp()(text))


def _text_nodes(document: Document) -> list[Node]:
    return [n for n in document.nodes() if n.text]


def pipe_nodes(document: Document) -> list[tuple[Node, Doc]]:
    """Every node with text, with its spaCy doc; one ``nlp.pipe`` call for the document."""
    nodes = _text_nodes(document)
    docs = get_nlp().pipe((n.text for n in nodes), batch_size=256)
    return list(zip(nodes, docs, strict=True))


def _spans(pairs: list[tuple[Node, Doc]]) -> list[Span]:
    out = []
    for node, doc in pairs:
        for e in doc_entities(doc):
            out.append(Span(node.eid, e.start, e.end, e.label, e.text, e.data))
    return out


def entity_spans(document: Document) -> list[Span]:
    """The entities layer of ``document``: one ``Span`` per entity, keyed by node eId."""
    return _spans(pipe_nodes(document))


def annotate(
    document: Document, resolve_title: Callable[[str], Document | None] | None = None
) -> list[Span]:
    """Every layer over ``document``: entities, definitions, cross-references (resolved against
    the document and, through ``resolve_title``, the corpus), parameters and lifecycle clauses.

    The tree is not touched; the result is sorted by node order, then offset.
    """
    from extractors.layers import definitions, lifecycle, params, refs

    pairs = pipe_nodes(document)
    spans = _spans(pairs)
    quantities = {node.eid: doc_entities(doc, params.QUANTITY_LABELS) for node, doc in pairs}
    spans += definitions.definition_spans(document)
    spans += refs.ref_spans(document, resolve_title)
    spans += params.param_spans(document, quantities)
    spans += lifecycle.lifecycle_spans(document)
    order = {n.eid: i for i, n in enumerate(document.nodes())}
    spans.sort(key=lambda s: (order.get(s.eid, -1), s.start, s.end, s.label))
    return spans
