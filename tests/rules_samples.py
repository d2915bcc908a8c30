"""Helpers for the rules tests: a Corpus over the session store, and the citation check every
decision must pass (each citation is a real node of the store whose text contains the quote)."""

from __future__ import annotations

from typing import Any

from toolkit.corpus import Corpus, load_concepts
from toolkit.rules.tables import squash
from toolkit.store import Store


def open_corpus(store_path: Any) -> Corpus:
    return Corpus(Store(store_path, create=False), load_concepts())


def assert_citations_real(corpus: Corpus, data: dict[str, Any]) -> int:
    """Walk a decision's JSON; every citation must name a stored node whose printed text is the
    ``text`` given and contains the ``quote``. Returns how many citations were checked."""
    seen = 0

    def walk(v: Any) -> None:
        nonlocal seen
        if isinstance(v, dict):
            if {"doc_id", "eid", "text", "quote"} <= set(v):
                node = corpus.store.node(v["doc_id"], v["eid"])
                assert node is not None, f"no node {v['doc_id']}:{v['eid']}"
                assert node.full_text() == v["text"], v["eid"]
                assert squash(v["quote"]) in squash(node.full_text()), (v["eid"], v["quote"])
                assert corpus.store.label(v["doc_id"], v["eid"]) == v["label"]
                seen += 1
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(data)
    return seen
