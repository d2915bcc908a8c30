"""Search on both engines over real bundled documents: exactly the nodes containing the query, and
the same hits — order, scores, snippets — from SQLite's FTS5 and PostgreSQL's tsvector index."""

from __future__ import annotations

import pytest
from conftest import parsed

from toolkit.store import MARK_CLOSE, MARK_OPEN, Store

KEYS = ("000", "004")  # Guangdong (with Jieyang's notice) and Chuxiong, from the clean text
QUERIES = ["中止", "基金", "协议", "定点医药机构", "医疗保障行政部门", "医保 协议", "罚", "30",
           "第三十四条", "没有这样的词语"]


def ingest(db: str) -> Store:
    store = Store(db)
    for key in KEYS:
        store.save(parsed(key, "clean", layers=False))
    return store


def brute_force(store: Store, query: str) -> set[tuple[str, str]]:
    terms = query.split()
    out = set()
    for summary in store.documents():
        for n in store.document(summary.id).root.walk():
            hay = f"{n.heading or ''}\n{n.text}".casefold()
            if (n.text or n.heading) and all(t.casefold() in hay for t in terms):
                out.add((summary.id, n.eid))
    return out


@pytest.mark.parametrize("query", QUERIES)
def test_hits_are_exactly_the_nodes_containing_the_query(db_url, query):
    with ingest(db_url) as store:
        hits = store.search(query, limit=10_000)
        assert {(h.doc_id, h.eid) for h in hits} == brute_force(store, query)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        for h in hits:
            assert MARK_OPEN in h.snippet and MARK_CLOSE in h.snippet


def test_two_character_queries_find_real_terms(db_url):
    with ingest(db_url) as store:
        for query in ("中止", "基金", "约谈"):
            hits = store.search(query, limit=10_000)
            assert hits, query
            assert all(f"{MARK_OPEN}{query}{MARK_CLOSE}" in h.snippet for h in hits), query
        # Chuxiong's 第三十四条 is about 中止: the article's own text ranks among the first hits
        top = store.search("中止", limit=5)
        assert any(h.doc_id == "cx-rules" and h.label.startswith("第三十四条") for h in top)


def test_both_engines_give_the_same_answers(tmp_path, pg_url):
    with ingest(str(tmp_path / "lite.db")) as lite, ingest(pg_url) as pg:
        for query in QUERIES:
            for kwargs in ({"limit": 10_000}, {"limit": 5}, {"limit": 50, "doc_id": "cx-rules"}):
                assert pg.search(query, **kwargs) == lite.search(query, **kwargs), (query, kwargs)
