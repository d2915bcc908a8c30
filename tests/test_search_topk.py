"""A page of hits read best-first from the postings is exactly the slice of every match, scored
and sorted — on the bundled rules, with copies of them stored under other ids so that many nodes
tie — and the count is the number of hits; both engines alike."""

from __future__ import annotations

import copy

import pytest
from conftest import parsed

from toolkit.db.search_text import contains_all, score, sort_key, unique_terms
from toolkit.store import Store

KEYS = ("000", "004")  # Guangdong (with Jieyang's notice) and Chuxiong, from the clean text
QUERIES = ["中止", "基金", "协议", "定点医药机构", "医疗保障行政部门", "医保 协议", "中止 医保协议",
           "经办机构 评估", "30", "第三十四条", "罚", "AND", "Ａ", "没有这样的词语"]
PAGES = [(5, 0), (20, 0), (7, 3), (20, 20), (3, 150)]


def copy_of(key: str, tag: str):
    """The parsed source stored again under other ids: every article of it then ties with its
    original for every query (same text, same score), ordered by document id."""
    src = copy.deepcopy(parsed(key, "clean", layers=False))
    src.source_id = f"{src.source_id}-{tag}"
    ids = {d.id: f"{tag}-{d.id}" for d in src.documents}
    for d in src.documents:
        d.id = ids[d.id]
        d.parent = ids.get(d.parent, d.parent) if d.parent else None
        d.children = [ids.get(c, c) for c in d.children]
        d.meta = {k: v for k, v in d.meta.items() if k not in ("short", "alias", "aliases")}
        for e in d.events:
            e.source_doc = ids.get(e.source_doc, e.source_doc) if e.source_doc else None
            e.target = ids.get(e.target, e.target) if e.target else None
    return src


def ingest(db: str) -> Store:
    store = Store(db)
    for key in KEYS:
        store.save(parsed(key, "clean", layers=False))
    for tag in ("a", "z"):
        store.save(copy_of("004", tag))
    return store


def reference(store: Store, query: str) -> list[tuple[str, str, float]]:
    """Every match scored and sorted, from the nodes themselves (no postings read)."""
    terms = unique_terms(query)
    with store._read() as conn:
        idfs, _ = store._weights(conn, terms)
    if idfs is None:
        return []
    from toolkit.db.search_text import Candidate

    found = []
    for summary in store.documents():
        doc = store.document(summary.id)
        for i, n in enumerate(_order(doc.root)):
            c = Candidate(doc.id, n.eid, n.kind, n.heading, n.text, None, None, i)
            if (n.text or n.heading) and contains_all(c, terms):
                found.append((c, score(c, idfs)))
    found.sort(key=sort_key)
    return [(c.doc_id, c.eid, round(s, 6)) for c, s in found]


def _order(root):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


@pytest.fixture(scope="module")
def stores(tmp_path_factory, request):
    lite = ingest(str(tmp_path_factory.mktemp("topk") / "lite.db"))
    pg = ingest(request.getfixturevalue("pg_cluster").create_database())
    yield {"sqlite": lite, "postgresql": pg}
    lite.close()
    pg.close()


@pytest.mark.parametrize("query", QUERIES)
def test_pages_are_slices_of_every_match_sorted(stores, query):
    want = reference(stores["sqlite"], query)
    for engine, store in stores.items():
        everything = [(h.doc_id, h.eid, h.score) for h in store.search(query, limit=10**6)]
        assert everything == want, (engine, query)
        for limit, offset in PAGES:
            page = [(h.doc_id, h.eid, h.score) for h in store.search(query, limit=limit, offset=offset)]
            assert page == want[offset:offset + limit], (engine, query, limit, offset)
        assert store.count(query) == len(want), (engine, query)


def test_copies_tie_and_go_by_document_order(stores):
    hits = stores["sqlite"].search("中止", limit=200)
    by_eid: dict[str, list] = {}
    for h in hits:
        if h.doc_id.endswith("cx-rules"):
            by_eid.setdefault(h.eid, []).append(h)
    assert by_eid and all(len(v) == 3 for v in by_eid.values())
    for copies in by_eid.values():
        assert len({h.score for h in copies}) == 1
        assert [h.doc_id for h in copies] == ["a-cx-rules", "cx-rules", "z-cx-rules"]


@pytest.mark.parametrize("query", ["中止", "医保 协议", "第三十四条", "罚"])
def test_both_engines_same_pages_counts_and_scoped_search(stores, query):
    lite, pg = stores["sqlite"], stores["postgresql"]
    for kwargs in ({"limit": 10**6}, {"limit": 5}, {"limit": 10, "offset": 10},
                   {"limit": 50, "doc_id": "cx-rules"}):
        assert pg.search(query, **kwargs) == lite.search(query, **kwargs), (query, kwargs)
    assert pg.count(query) == lite.count(query)
    assert pg.count(query, doc_id="z-cx-rules") == lite.count(query, doc_id="z-cx-rules") == len(
        lite.search(query, limit=10**6, doc_id="z-cx-rules"))
