"""The search index, both engines: per node a row, per (bigram, node) a posting with its BM25
weight, per bigram its document frequency. Tables per dialect in search_sqlite.py / search_pg.py;
the SQL here is the same on both.

The index is derived data: built from ``nodes`` (at ingest, by migration 0004, by ``db copy``),
never copied. A source's postings are deleted by recomputing them from its stored nodes (the
weights are a pure function of the text, see search_text.py), so the postings need no index by
document; ``search_tokens.df`` is kept by adding and subtracting per save and delete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from types import ModuleType

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    func,
    select,
    text,
    tuple_,
)

from toolkit.db import search_pg, search_sqlite
from toolkit.db.search_text import Candidate, node_postings
from toolkit.db.search_topk import Posting
from toolkit.db.store_tables import documents, nodes

DIALECTS: dict[str, ModuleType] = {"sqlite": search_sqlite, "postgresql": search_pg}
TABLES = ("search_nodes", "search_postings", "search_tokens")  # the first: one row per node
CHUNK = 500  # ids per IN (…) list

_META = MetaData()  # for DML only: the tables are created by the dialect's DDL
search_nodes = Table("search_nodes", _META, Column("node_id", Integer, primary_key=True),
                     Column("doc_id", Text))
search_tokens = Table("search_tokens", _META, Column("token", Text, primary_key=True),
                      Column("df", Integer))
search_postings = Table("search_postings", _META, Column("token", Text, primary_key=True),
                        Column("neg_impact", Float, primary_key=True),
                        Column("doc_id", Text, primary_key=True),
                        Column("ordinal", Integer, primary_key=True), Column("node_id", Integer))

Row = tuple[int, str, int, str | None, str]  # node id, doc id, ordinal, heading, text


def create(conn: Connection) -> None:
    for statement in DIALECTS[conn.dialect.name].CREATE:
        conn.exec_driver_sql(statement)


def drop_old(conn: Connection) -> None:
    """Drop the index of revisions 0001–0003 (FTS5 / tsvector), replaced by these tables."""
    for statement in DIALECTS[conn.dialect.name].OLD_INDEX:
        conn.exec_driver_sql(statement)


def _postings(rows: Iterable[Row]) -> Iterator[tuple[Row, dict[str, float]]]:
    for r in rows:
        if r[4] or r[3]:
            yield r, node_postings(r[3], r[4])


def add(conn: Connection, rows: Iterable[Row]) -> int:
    """Index these nodes (those with a heading or text); returns how many."""
    indexed, postings, df = [], [], Counter()
    for (nid, doc, ordinal, _h, _t), weights in _postings(rows):
        indexed.append({"node_id": nid, "doc_id": doc})
        for tok, w in weights.items():
            postings.append({"token": tok, "neg_impact": -w, "doc_id": doc, "ordinal": ordinal,
                             "node_id": nid})
        df.update(weights.keys())
    if indexed:
        conn.execute(search_nodes.insert(), indexed)
    if postings:
        conn.execute(search_postings.insert(), postings)
    if df:  # in token order: concurrent writers on PostgreSQL lock the rows in the same order
        conn.execute(text("INSERT INTO search_tokens (token, df) VALUES (:t, :n) ON CONFLICT (token)"
                          " DO UPDATE SET df = search_tokens.df + excluded.df"),
                     [{"t": t, "n": n} for t, n in sorted(df.items())])
    return len(indexed)


def delete_source(conn: Connection, source_id: str) -> None:
    """Remove the index rows of every node of the source (before its nodes are deleted)."""
    query = (select(nodes.c.id, nodes.c.doc_id, nodes.c.ordinal, nodes.c.heading, nodes.c.text)
             .join(documents, documents.c.id == nodes.c.doc_id)
             .where(documents.c.source_id == source_id))
    rows = [tuple(r) for r in conn.execute(query)]
    keys, df = [], Counter()
    for (_nid, doc, ordinal, _h, _t), weights in _postings(rows):  # type: ignore[arg-type]
        keys.extend({"t": tok, "w": -w, "d": doc, "o": ordinal} for tok, w in weights.items())
        df.update(weights.keys())
    if keys:
        conn.execute(text("DELETE FROM search_postings WHERE token = :t AND neg_impact = :w"
                          " AND doc_id = :d AND ordinal = :o"), keys)
    if df:
        ordered = sorted(df.items())
        conn.execute(text("UPDATE search_tokens SET df = df - :n WHERE token = :t"),
                     [{"t": t, "n": n} for t, n in ordered])
        for part in _chunks([t for t, _ in ordered]):
            conn.execute(search_tokens.delete().where(search_tokens.c.token.in_(part),
                                                      search_tokens.c.df <= 0))
    for part in _chunks([r[0] for r in rows]):
        conn.execute(search_nodes.delete().where(search_nodes.c.node_id.in_(part)))


def clear(conn: Connection) -> None:
    for name in TABLES:
        conn.exec_driver_sql(f"DELETE FROM {name}")


def count(conn: Connection) -> int:
    """Indexed nodes."""
    return int(conn.execute(select(func.count()).select_from(search_nodes)).scalar_one())


def frequencies(conn: Connection, tokens: list[str]) -> dict[str, int]:
    """token → how many nodes hold it (0 for a token the index does not have)."""
    found = dict(conn.execute(select(search_tokens.c.token, search_tokens.c.df)
                              .where(search_tokens.c.token.in_(tokens))).all()) if tokens else {}
    return {t: int(found.get(t, 0)) for t in tokens}


def read(conn: Connection, token: str, after: Posting | None, n: int,
         contains: list[str] | tuple[str, ...] = ()) -> list[Posting]:
    """The next ``n`` postings of ``token``, best weight first, after ``after``; with
    ``contains``, only those of nodes whose heading or text holds every one of those terms, the
    engine walking the list and checking each node's text (for terms search_text.stable says it
    can compare as they are): a conjunctive query then reads its hits only."""
    p = search_postings.c
    query = (select(p.neg_impact, p.doc_id, p.ordinal, p.node_id).where(p.token == token)
             .order_by(p.neg_impact, p.doc_id, p.ordinal).limit(n))
    if after is not None:
        query = query.where(tuple_(p.neg_impact, p.doc_id, p.ordinal)
                            > tuple_(-after.impact, after.doc_id, after.ordinal))
    if contains:
        query = query.join(nodes, nodes.c.id == p.node_id).where(*_holds(conn, contains))
    return [Posting(-w, d, o, i) for w, d, o, i in conn.execute(query)]


def _holds(conn: Connection, terms: list[str] | tuple[str, ...]) -> list:
    position = getattr(func, DIALECTS[conn.dialect.name].POSITION)
    out = []
    for i, term in enumerate(terms):
        t = bindparam(f"t{i}", term)
        out.append((position(nodes.c.text, t) > 0)
                   | (position(func.coalesce(nodes.c.heading, ""), t) > 0))
    return out


CANDIDATE_COLUMNS = (nodes.c.doc_id, nodes.c.eid, nodes.c.kind, nodes.c.heading, nodes.c.text,
                     nodes.c.page, nodes.c.file, nodes.c.ordinal)


def fetch(conn: Connection, ids: list[int]) -> list[Candidate]:
    out: list[Candidate] = []
    for part in _chunks(ids):
        out.extend(Candidate(*r) for r in conn.execute(
            select(*CANDIDATE_COLUMNS).where(nodes.c.id.in_(part))))
    return out


def holders(conn: Connection, token: str) -> list[int]:
    """Every node holding ``token``."""
    p = search_postings.c
    return list(conn.execute(select(p.node_id).where(p.token == token)).scalars())


def count_containing(conn: Connection, token: str, terms: list[str]) -> int:
    """Nodes holding ``token`` whose heading or text contains every term, counted by the engine;
    only for terms where a plain substring test is the casefolded one (search_text.stable)."""
    p = search_postings.c
    query = (select(func.count()).select_from(search_postings.join(nodes, nodes.c.id == p.node_id))
             .where(p.token == token, *_holds(conn, terms)))
    return int(conn.execute(query).scalar_one())


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
