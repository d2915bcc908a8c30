"""``extractors.nlp.annotate``: every layer over real parsed documents, tree untouched."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
from conftest import STEMS, parsed

from extractors.layers.refs import corpus_resolver
from extractors.nlp import annotate


@pytest.fixture(scope="module", params=["clean", "pdf"])
def corpus(request):
    return [d for k in STEMS for d in parsed(k, request.param, layers=False).documents]


def test_annotate_gd_staff_all_layers(corpus):
    staff = next(d for d in corpus if d.id == "gd-staff")
    tree = copy.deepcopy(staff.root)
    spans = annotate(staff, corpus_resolver(corpus))
    assert staff.root == tree  # layers never mutate the tree
    assert staff.spans == []  # nor the document: the caller decides where spans go
    assert sorted(Counter(s.label for s in spans).items()) == [
        ("AUTHORITY", 4), ("COUNT", 44), ("DATE", 1), ("DEFINED_TERM", 12), ("DOC_NUMBER", 3), ("DURATION", 12),
        ("LAW_TITLE", 16), ("LIFECYCLE", 2), ("PARAM", 58), ("RATIO", 1), ("REF", 8), ("ROLE", 53),
    ]
    refs = [(s.text, s.data["resolved"], s.data["target_doc"], s.data["target_eid"]) for s in spans if s.label == "REF"]
    assert refs[2] == ("《广东省医疗机构医疗保障定点管理暂行办法》第三十七条第（四）款", True, "gd-measure",
                       "chp_4__art_37__para_1__point_4")
    assert sum(r[1] for r in refs) == 5  # 2号令, 3号令 and the Guangdong pharmacy measure are not in the corpus


def test_spans_are_in_document_order_and_quote_their_node_exactly(corpus):
    resolve = corpus_resolver(corpus)
    for doc in corpus:
        order = {n.eid: i for i, n in enumerate(doc.nodes())}
        spans = annotate(doc, resolve)
        keys = [(order[s.eid], s.start, s.end, s.label) for s in spans]
        assert keys == sorted(keys), doc.id
        for s in spans:
            assert doc.node(s.eid).text[s.start : s.end] == s.text, (doc.id, s)


def test_every_reference_in_the_corpus_is_resolved_or_says_why(corpus):
    resolve = corpus_resolver(corpus)
    unresolved = []
    for doc in corpus:
        for s in annotate(doc, resolve):
            if s.label == "REF" and not s.data["resolved"]:
                unresolved.append((doc.id, s.text, s.data["reason"]))
    assert unresolved == [
        ("gd-staff", "2号令第三十八条第（四）款", "not in corpus: 《医疗机构医疗保障定点管理暂行办法》"),
        ("gd-staff", "3号令第三十五条第（三）款", "not in corpus: 《零售药店医疗保障定点管理暂行办法》"),
        ("gd-staff", "《广东省零售药店医疗保障定点管理暂行办法》第三十三条第（三）款",
         "not in corpus: 《广东省零售药店医疗保障定点管理暂行办法》"),
    ]
