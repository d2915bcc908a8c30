"""Citations inside a document (toolkit.citations): the store's label grammar computed from the
tree, and what people type read back to the node — on the bundled rules."""

from __future__ import annotations

import pytest
from conftest import document

from toolkit.citations import Cited, find_cited, node_label, parse_citation


@pytest.fixture(scope="module")
def labels(corpus_store):
    """Every node of every bundled document with the store's own label."""
    from toolkit.store import Store

    with Store(corpus_store, create=False) as store:
        return {(d.id, n.eid): store.label(d.id, n.eid)
                for d in map(store.document, (s.id for s in store.documents())) for n in d.nodes()}


def test_labels_are_the_stores_for_every_node(labels):
    by_doc: dict[str, list[tuple[str, str]]] = {}
    for (doc_id, eid), label in labels.items():
        by_doc.setdefault(doc_id, []).append((eid, label))
    assert len(labels) > 1000
    for doc_id, items in by_doc.items():
        doc = document(doc_id)
        assert [node_label(doc, eid) for eid, _ in items] == [label for _, label in items], doc_id


def test_every_printed_citation_reads_back_to_its_node(labels):
    checked = 0
    for (doc_id, eid), label in labels.items():
        doc = document(doc_id)
        node = doc.node(eid)
        if node.kind not in ("article", "paragraph", "point") or not label.startswith("第"):
            continue
        found = find_cited(doc, label)
        # a one-paragraph article's paragraph is cited as the article
        assert found is not None and (found.eid == eid or (node.kind == "paragraph" and found.kind == "article")), \
            (doc_id, eid, label)
        checked += 1
    assert checked > 850


@pytest.mark.parametrize("text, expected", [
    ("第九条第（五）项", Cited(9, item=5)),
    ("第九条第(五)项", Cited(9, item=5)),
    ("第九条第五项", Cited(9, item=5)),
    ("第十二条第二款", Cited(12, paragraph=2)),
    ("第十条之一", Cited(10, sub=1)),
    ("第十七条第（一）项第1目", Cited(17, item=1, sub_item=1)),
    ("第 九 条", Cited(9)),
    ("九条", None), ("第九款", None), ("第九条第", None),
])
def test_parse_citation(text, expected):
    assert parse_citation(text) == expected


@pytest.mark.parametrize("doc_id, text, eid", [
    ("gd-measure", "9.5", "chp_2__art_9__para_1__point_5"),  # one paragraph: N.项
    ("gd-measure", "9", "chp_2__art_9"),
    ("gd-measure", "12.2", "chp_2__art_12__para_2"),  # several paragraphs: N.款
    ("cx-rules", "13.1.4", "chp_2__art_13__para_1__point_1__point_4"),  # N.项.目
    ("gd-measure", "chp_2__art_9__para_1__point_5", "chp_2__art_9__para_1__point_5"),
])
def test_dotted_numbers_and_eids(doc_id, text, eid):
    assert find_cited(document(doc_id), text).eid == eid


@pytest.mark.parametrize("text", ["9.15", "99", "第九十九条", "第九条第（十五）项", "第九条第三款", "9.5.1.1.1", "",
                                  "chp_99"])
def test_what_is_not_there_is_none(text):
    assert find_cited(document("gd-measure"), text) is None


def test_node_label_of_an_unknown_eid_is_the_eid():
    assert node_label(document("gd-measure"), "chp_99__art_1") == "chp_99__art_1"
