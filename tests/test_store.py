"""The store on a sample source built from the bundled clean text (see store_samples), every test
on both engines (``db_url``: a SQLite file and a fresh PostgreSQL database)."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from sqlalchemy import text
from store_samples import sample_documents, sample_source

from toolkit import store as store_module
from toolkit.db.store_tables import TABLES
from toolkit.store import (
    MARK_CLOSE,
    MARK_OPEN,
    SCHEMA_VERSION,
    Store,
    StoreError,
    UnknownDocument,
    bigrams,
)

INDEX_ROWS = ("SELECT node_id, text_id, doc_id, ordinal FROM search_members", "SELECT token, df FROM search_tokens",
              "SELECT text_id, digest, heading, body, members FROM search_texts",
              "SELECT token, neg_impact, text_id FROM search_postings")


@pytest.fixture
def db(db_url):
    with Store(db_url) as s:
        s.save(sample_source())
        yield s


def dump(s: Store) -> dict[str, list[tuple]]:
    """Every row of every store table and of the search index, to compare before and after."""
    with s.engine.connect() as conn:
        out = {t.name: sorted(map(tuple, conn.execute(t.select()).all()), key=repr) for t in TABLES}
        for i, query in enumerate(INDEX_ROWS):
            out[f"index{i}"] = sorted(map(tuple, conn.execute(text(query))), key=repr)
    return out


def another(s: Store, request, tmp_path) -> str:
    """A second fresh store location on the same engine as ``s``."""
    if s.engine.dialect.name == "sqlite":
        return str(tmp_path / "another.db")
    return request.getfixturevalue("pg_cluster").create_database()


def count(s: Store, table: str) -> int:
    with s.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


# --- schema --------------------------------------------------------------------------------

def test_new_store_has_schema_version_and_wal(tmp_path):
    with Store(tmp_path / "new.db") as s:
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert s.documents() == []
    # reopening keeps it (no second CREATE)
    with Store(tmp_path / "new.db", create=False) as s:
        assert s.sources() == []


def test_missing_store_refused_when_create_false(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        Store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="not a policykit store"):
        Store(bad)


def test_foreign_sqlite_file_and_newer_schema_refused(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a policykit store"):
        Store(other)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(newer)


# --- round trip ----------------------------------------------------------------------------

def test_round_trip_every_field(db):
    for original in sample_documents():
        original.source = "sample"
        loaded = db.document(original.id)
        for f in dataclasses.fields(original):
            assert getattr(loaded, f.name) == getattr(original, f.name), f.name
        assert loaded == original


def test_round_trip_tree_shape_and_sources(db):
    rule = db.document("gd-2021-rule")
    original = sample_documents()[1]
    assert [n.eid for n in rule.nodes()] == [n.eid for n in original.nodes()]
    art9 = rule.node("chp_2__art_9")
    assert art9.full_text() == original.node("chp_2__art_9").full_text()
    assert art9.children[0].children[4].source.line == original.node(
        "chp_2__art_9__para_1__point_5").source.line
    # meta dates come back as dates, not strings
    assert rule.meta["published"] == original.meta["published"]
    assert type(rule.meta["published"]) is type(original.meta["published"])


def test_sources_record(db):
    [src] = db.sources()
    assert (src.id, src.format, src.pages, src.ocr, src.warnings) == (
        "sample", "text", None, False, ("sample warning",))


def test_summaries(db):
    notice, rule = db.documents()
    original = sample_documents()[1]
    assert (notice.id, notice.position, notice.kind) == ("gd-2021-notice", 0, "notice")
    assert rule.articles == len(original.articles()) == 14
    assert notice.articles == 0
    assert rule.region == "广东省"
    assert (rule.effective, rule.effective_inferred) == (original.effective.value, False)
    assert (rule.expires, rule.expires_inferred) == (original.expires.value, True)
    assert rule.parent == "gd-2021-notice" and notice.children == ("gd-2021-rule",)
    assert notice.aliases == ("粤定点通知",) and rule.aliases == ("粤定点办法",)


def test_node_and_article(db):
    art9 = db.article("gd-2021-rule", 9)
    assert art9.eid == "chp_2__art_9"
    assert [p.num for p in art9.children[0].children] == [f"（{c}）" for c in "一二三四五六七八九"]
    point = db.node("gd-2021-rule", "chp_2__art_9__para_1__point_5")
    assert point.text == sample_documents()[1].node("chp_2__art_9__para_1__point_5").text
    assert db.article("gd-2021-rule", 99) is None
    assert db.node("gd-2021-rule", "chp_9") is None
    with pytest.raises(UnknownDocument):
        db.article("no-such-doc", 1)


def test_citation_labels(db):
    assert db.label("gd-2021-rule", "chp_2__art_9__para_1__point_5") == "第九条第（五）项"
    assert db.label("gd-2021-rule", "chp_1__art_3__para_2") == "第三条第二款"
    assert db.label("gd-2021-rule", "chp_2__art_5__para_1__point_6") == "第五条第一款第（六）项"
    assert db.label("gd-2021-rule", "chp_2__art_9") == "第九条"
    assert db.label("gd-2021-rule", "chp_2") == "第二章 定点医疗机构申请和确定"


# --- lookup --------------------------------------------------------------------------------

def test_find_by_title_exact_then_normalised(db):
    rule = sample_documents()[1]
    assert [d.id for d in db.find_by_title(rule.title)] == ["gd-2021-rule"]
    spaced = "《" + " ".join(rule.title) + "》"
    assert [d.id for d in db.find_by_title(spaced)] == ["gd-2021-rule"]
    assert db.find_by_title(rule.title + "之二") == []


def test_find_by_doc_number(db):
    for form in ("粤医保规〔2021〕1号", "粤医保规[2021]1号", "粤医保规〔2021〕 1 号",
                 "粤医保规（2021）第1号"):
        assert [d.id for d in db.find_by_doc_number(form)] == ["gd-2021-notice"], form
    assert db.find_by_doc_number("粤医保规〔2021〕2号") == []


def test_resolve_by_id_alias_number_title(db):
    rule = sample_documents()[1]
    assert db.resolve("gd-2021-rule") == "gd-2021-rule"
    assert db.resolve("粤定点办法") == "gd-2021-rule"
    assert db.resolve("粤医保规[2021]1号") == "gd-2021-notice"
    assert db.resolve(f"《{rule.title}》") == "gd-2021-rule"
    with pytest.raises(UnknownDocument, match="no document 'nope'"):
        db.resolve("nope")


# --- replacing and atomicity ---------------------------------------------------------------

def test_reingest_replaces_rows(db):
    smaller = sample_source()
    rule = smaller.documents[1]
    rule.root.children.pop()  # drop chapter 2
    rule.spans = [s for s in rule.spans if s.eid.startswith("chp_1")]
    db.save(smaller)
    assert db.summary("gd-2021-rule").articles == 3
    assert db.document("gd-2021-rule") == rule
    index = db.index.TABLES[0]
    counts = {t: count(db, t)
              for t in ("sources", "documents", "nodes", "spans", "events", "aliases", index)}
    counts["node_fts"] = counts.pop(index)
    nodes = sum(1 for d in smaller.documents for _ in d.root.walk())
    indexed = sum(1 for d in smaller.documents for n in d.root.walk() if n.text or n.heading)
    assert counts == {"sources": 1, "documents": 2, "nodes": nodes, "spans": 3, "events": 2,
                      "aliases": 2, "node_fts": indexed}
    # no stale hit from the dropped chapter
    assert db.search("不予受理定点申请") == []


@pytest.mark.parametrize("writer", ["_insert_nodes", "_insert_spans", "_insert_events"])
def test_failure_mid_save_leaves_store_unchanged(db, tmp_path, monkeypatch, writer, request):
    before = dump(db)
    changed = sample_source()
    changed.documents[1].title = "改过的标题"
    calls = {"n": 0}
    real = getattr(store_module, writer)

    def failing(conn, doc):
        calls["n"] += 1
        if calls["n"] == 2:  # the second document: the first one's rows are already written
            raise RuntimeError("disk on fire")
        return real(conn, doc)

    monkeypatch.setattr(store_module, writer, failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        db.save(changed)
    assert dump(db) == before
    # a new source failing half-way leaves nothing either
    calls["n"] = 0
    with Store(another(db, request, tmp_path)) as empty:
        nothing = dump(empty)
        with pytest.raises(RuntimeError):
            empty.save(sample_source())
        assert dump(empty) == nothing


def test_document_id_taken_by_another_source_is_refused(db):
    before = dump(db)
    with pytest.raises(StoreError, match="already stored from source sample"):
        db.save(sample_source("copy-of-sample"))
    assert dump(db) == before


def test_duplicate_eid_refused(db_url):
    src = sample_source()
    chapter = src.documents[1].root.children[0]
    chapter.children.append(dataclasses.replace(chapter.children[0], children=[]))
    with Store(db_url) as s, pytest.raises(StoreError, match="occurs twice"):
        s.save(src)


def test_delete_source(db):
    assert db.delete_source("sample") is True
    assert db.documents() == [] and db.search("基金") == []
    assert db.delete_source("sample") is False


# --- search --------------------------------------------------------------------------------

@pytest.fixture
def full(db_url):
    """The whole rule (seven chapters), for search."""
    with Store(db_url) as s:
        s.save(sample_source(chapters=7))
        yield s


def expected(s: Store, query: str) -> set[tuple[str, str]]:
    """Brute force: every node whose text or heading contains the query."""
    return {(d.id, n.eid) for d in map(s.document, (x.id for x in s.documents()))
            for n in d.root.walk() if query in n.text or query in (n.heading or "")}


@pytest.mark.parametrize("query", ["中止", "基金", "医保协议", "评估", "协议"])
def test_search_finds_exactly_the_nodes_containing_the_query(full, query):
    hits = full.search(query, limit=1000)
    want = expected(full, query)
    assert want, query
    assert {(h.doc_id, h.eid) for h in hits} == want
    for h in hits:
        assert f"{MARK_OPEN}{query}{MARK_CLOSE}" in h.snippet
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_two_character_query_is_not_missed(full):
    # the reason for the bigram index: FTS5 trigram finds nothing for two characters
    assert len(full.search("中止", limit=1000)) == len(expected(full, "中止")) > 0


def test_one_character_query_uses_the_scan(full):
    hits = full.search("罚", limit=1000)
    assert {(h.doc_id, h.eid) for h in hits} == expected(full, "罚") != set()
    assert all(f"{MARK_OPEN}罚{MARK_CLOSE}" in h.snippet for h in hits)


def test_search_limit_scope_and_labels(full):
    assert len(full.search("医保协议", limit=3)) == 3
    assert {h.doc_id for h in full.search("医疗机构", doc_id="gd-2021-notice")} == {
        "gd-2021-notice"}
    hit = next(h for h in full.search("以弄虚作假等不正当手段申请定点医疗机构资格")
               if h.doc_id == "gd-2021-rule")
    assert (hit.eid, hit.label, hit.kind) == ("chp_2__art_9__para_1__point_4", "第九条第（四）项",
                                              "point")
    assert hit.file == "000_b3443c26a488e755.txt" and hit.page is None


def test_multi_term_query_requires_all_terms(full):
    hits = full.search("医保协议 中止")
    assert hits and all("医保协议" in full.node(h.doc_id, h.eid).text and
                        "中止" in full.node(h.doc_id, h.eid).text for h in hits)


@pytest.mark.parametrize("query", ["没有这样的词语", '"', "*", "AND", "中止 AND", '"基金" OR *',
                                   "NEAR(基金)", "-", "   ", "基金*", "^中止"])
def test_search_never_crashes_on_syntax(full, query):
    hits = full.search(query)
    for h in hits:  # whatever matches contains every term literally
        text = full.node(h.doc_id, h.eid).text + (full.node(h.doc_id, h.eid).heading or "")
        assert all(t.casefold() in text.casefold() for t in query.split())
    if query in ("没有这样的词语", "AND", "   ", "基金*"):
        assert hits == []


def test_bigrams():
    assert bigrams("医保协议") == "医保 保协 协议"
    assert bigrams("自2021年6月，中") == "自2 20 02 21 1年 年6 6月 中"


def test_store_shares_a_file_with_the_register(tmp_path):
    """`policykit issue` may create the 发文登记簿 (reg_* tables) before anything is ingested
    there; the store then still opens the file, and still refuses other programs' databases."""
    import sqlite3

    from toolkit.issuing.register import Register

    path = tmp_path / "shared.db"
    with Register(path):
        pass
    with Store(path) as s:
        assert s.documents() == []
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE foo (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a policykit store"):
        Store(other)
