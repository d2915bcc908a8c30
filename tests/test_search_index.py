"""The postings index: kept current by ingest, re-ingest and delete (equal to one rebuilt from the
stored nodes), built by migration 0004 for an existing store, and the rule that lets the engine
compare terms without casefolding."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from conftest import parsed
from sqlalchemy import text
from test_search_topk import copy_of

from toolkit.db.search_text import stable
from toolkit.store import Store, rebuild_index

LEGACY = Path(__file__).parent / "data" / "legacy"


def index_rows(store: Store) -> dict[str, list]:
    """The index without its surrogate text ids: texts by digest."""
    with store.engine.connect() as conn:
        digest = dict(conn.execute(text("SELECT text_id, digest FROM search_texts")).all())
        return {
            "texts": sorted(conn.execute(text(
                "SELECT digest, heading, body, members FROM search_texts")).all()),
            "members": sorted((n, digest[t], d, o) for n, t, d, o in conn.execute(text(
                "SELECT node_id, text_id, doc_id, ordinal FROM search_members"))),
            "tokens": sorted(conn.execute(text("SELECT token, df FROM search_tokens")).all()),
            "postings": sorted((k, w, digest[t]) for k, w, t in conn.execute(text(
                "SELECT token, neg_impact, text_id FROM search_postings"))),
        }


def rebuilt(store: Store) -> dict[str, list]:
    with store.engine.begin() as conn:
        rebuild_index(conn)
    return index_rows(store)


def test_ingest_reingest_and_delete_keep_the_index_equal_to_a_rebuild(db_url):
    with Store(db_url) as store:
        for key in ("000", "004"):
            store.save(parsed(key, "clean", layers=False))
        store.save(copy_of("004", "a"))
        shorter = copy_of("004", "a")
        rules = next(d for d in shorter.documents if d.id == "a-cx-rules")
        rules.root.children.pop()  # the copy re-ingested without its last chapter
        store.save(shorter)
        assert store.delete_source(parsed("000", "clean", layers=False).source_id)
        current = index_rows(store)
        hits, total = store.search("中止", limit=1000), store.count("医保 协议")
        assert current == rebuilt(store)
        assert (store.search("中止", limit=1000), store.count("医保 协议")) == (hits, total)
        # the copy shares every text of cx-rules but the dropped chapter: carried twice
        with store.engine.connect() as conn:
            members = dict(conn.execute(text("SELECT body, members FROM search_texts")).all())
        shared = next(n.text for n in store.document("cx-rules").root.walk() if "中止" in n.text)
        assert members[shared] == 2
        assert not any(h.doc_id.startswith("gd") for h in hits)


def test_every_character_is_indexed_and_counted(db_url):
    with Store(db_url) as store:
        store.save(parsed("004", "clean", layers=False))
        indexable = sum(1 for d in parsed("004", "clean", layers=False).documents
                        for n in d.root.walk() if n.text or n.heading)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM search_members")).scalar() == indexable
            # df of a bigram = nodes holding it, copies included
            df = conn.execute(text("SELECT df FROM search_tokens WHERE token = '中止'")).scalar()
        assert df == store.count("中止") == len(store.search("中止", limit=10**6))


def test_stable_terms_need_no_casefolding():
    """No character casefolds into a caseless letter or an ASCII digit, so for such terms the
    engine's plain substring test (instr / strpos) equals Python's casefolded one."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        folded = ch.casefold()
        if folded != ch:
            assert not any(stable(x) for x in folded), (hex(cp), folded)
    assert stable("第三十四条") and stable("30") and stable("医保协议")
    assert not stable("AND") and not stable("ａ") and not stable("医保-协议") and not stable("")


def test_migration_builds_the_index_of_an_existing_store(tmp_path):
    """The pre-Alembic store (FTS5 index, written by the code of its day) upgraded to head: the
    old index is gone, the new one equals a rebuild, every answer is the nodes containing the
    query, and the count matches."""
    import json

    from click.testing import CliRunner

    from toolkit.cli.main import cli

    db = tmp_path / "legacy.db"
    shutil.copy(LEGACY / "store.db", db)
    expected = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))
    result = CliRunner().invoke(cli, ["--db", str(db), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    with Store(db, create=False) as store:
        with store.engine.connect() as conn:
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
        assert "node_fts" not in names and "search_postings" in names
        assert index_rows(store) == rebuilt(store)
        for query, hits in expected["search"].items():
            found = store.search(query, limit=10**6)
            assert {(h.doc_id, h.eid, h.snippet) for h in found} >= {tuple(h) for h in hits}
            nodes = {(d.id, n.eid) for d in map(store.document, (s.id for s in store.documents()))
                     for n in d.root.walk()
                     if all(t.casefold() in f"{n.heading or ''}\n{n.text}".casefold()
                            for t in query.split())}
            assert {(h.doc_id, h.eid) for h in found} == nodes, query
            assert store.count(query) == len(found)
