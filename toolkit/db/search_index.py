"""The search index, both engines: each distinct heading + text once (``search_texts``, with how
many nodes carry it), each node's text (``search_members``), per (bigram, text) a posting with its
BM25 weight, per bigram the number of nodes holding it. Tables per dialect in search_sqlite.py /
search_pg.py; the SQL here is the same on both.

Texts, not nodes, are what the postings list: a national corpus repeats the provincial articles
in hundreds of local rules, and a list of nodes would hold every copy, all with one weight, which
the best-first reading (search_topk.py) would have to walk through one by one.

The index is derived data: built from ``nodes`` (at ingest, by migration 0004, by ``db copy``),
never copied. A text's postings are deleted with its last node, by recomputing them from the
stored text (the weights are a pure function of it, see search_text.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from toolkit.db.store_tables import documents, nodes

DIALECTS: dict[str, ModuleType] = {"sqlite": search_sqlite, "postgresql": search_pg}
TABLES = ("search_members", "search_texts", "search_postings", "search_tokens")  # first: per node
CHUNK = 500  # ids per IN (…) list

_META = MetaData()  # for DML only: the tables are created by the dialect's DDL
search_texts = Table("search_texts", _META, Column("text_id", Integer, primary_key=True),
                     Column("digest", Text), Column("heading", Text), Column("body", Text),
                     Column("members", Integer))
search_members = Table("search_members", _META, Column("node_id", Integer, primary_key=True),
                       Column("text_id", Integer), Column("doc_id", Text), Column("ordinal", Integer))
search_tokens = Table("search_tokens", _META, Column("token", Text, primary_key=True),
                      Column("df", Integer))
search_postings = Table("search_postings", _META, Column("token", Text, primary_key=True),
                        Column("neg_impact", Float, primary_key=True),
                        Column("text_id", Integer, primary_key=True))

Row = tuple[int, str, int, str | None, str]  # node id, doc id, ordinal, heading, text


@dataclass(frozen=True)
class Posting:
    impact: float
    text_id: int


@dataclass(frozen=True)
class IndexedText:
    text_id: int
    heading: str
    text: str
    members: int  # nodes carrying it


def create(conn: Connection) -> None:
    for statement in DIALECTS[conn.dialect.name].CREATE:
        conn.exec_driver_sql(statement)


def drop_old(conn: Connection) -> None:
    """Drop the index of revisions 0001–0003 (FTS5 / tsvector), replaced by these tables."""
    for statement in DIALECTS[conn.dialect.name].OLD_INDEX:
        conn.exec_driver_sql(statement)


def digest(heading: str | None, body: str) -> str:
    return hashlib.blake2b(f"{heading or ''}\x00{body}".encode(), digest_size=16).hexdigest()


def _update_df(conn: Connection, df: Counter[str], sign: int) -> None:
    # in token order: concurrent writers on PostgreSQL lock the rows in the same order
    items = sorted((t, n) for t, n in df.items() if n)
    if not items:
        return
    if sign > 0:
        conn.execute(text("INSERT INTO search_tokens (token, df) VALUES (:t, :n) ON CONFLICT (token)"
                          " DO UPDATE SET df = search_tokens.df + excluded.df"),
                     [{"t": t, "n": n} for t, n in items])
        return
    conn.execute(text("UPDATE search_tokens SET df = df - :n WHERE token = :t"),
                 [{"t": t, "n": n} for t, n in items])
    for part in _chunks([t for t, _ in items]):
        conn.execute(search_tokens.delete().where(search_tokens.c.token.in_(part),
                                                  search_tokens.c.df <= 0))


def add(conn: Connection, rows: Iterable[Row]) -> int:
    """Index these nodes (those with a heading or text); returns how many."""
    todo = [(r, digest(r[3], r[4])) for r in rows if r[4] or r[3]]
    if not todo:
        return 0
    texts = {d: (r[3] or "", r[4]) for r, d in todo}
    ids = _text_ids(conn, list(texts))
    missing = [d for d in texts if d not in ids]
    if missing:
        ins = DIALECTS[conn.dialect.name].insert(search_texts).on_conflict_do_nothing(
            index_elements=["digest"])
        conn.execute(ins, [{"digest": d, "heading": texts[d][0], "body": texts[d][1], "members": 0}
                           for d in missing])
        ids.update(_text_ids(conn, missing))
    new = [d for d in missing if d in ids]
    fresh = set(_unposted(conn, [ids[d] for d in new]))  # inserted here, not by a concurrent save
    postings, df, members = [], Counter(), Counter()
    weights = {d: node_postings(*texts[d]) for d in texts}
    for d in new:
        if ids[d] in fresh:
            postings += [{"token": t, "neg_impact": -w, "text_id": ids[d]} for t, w in weights[d].items()]
    for _r, d in todo:
        df.update(weights[d].keys())
        members[ids[d]] += 1
    if postings:
        conn.execute(search_postings.insert(), postings)
    conn.execute(search_members.insert(), [{"node_id": r[0], "text_id": ids[d], "doc_id": r[1],
                                            "ordinal": r[2]} for r, d in todo])
    conn.execute(text("UPDATE search_texts SET members = members + :n WHERE text_id = :i"),
                 [{"i": i, "n": n} for i, n in sorted(members.items())])
    _update_df(conn, df, +1)
    return len(todo)


def _text_ids(conn: Connection, digests: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _chunks(digests):
        out.update(conn.execute(select(search_texts.c.digest, search_texts.c.text_id)
                                .where(search_texts.c.digest.in_(part))).all())
    return out


def _unposted(conn: Connection, text_ids: list[int]) -> list[int]:
    """Those of the texts that have no members yet (so no postings): the ones to post."""
    out: list[int] = []
    for part in _chunks(text_ids):
        out += conn.execute(select(search_texts.c.text_id).where(
            search_texts.c.text_id.in_(part), search_texts.c.members == 0)).scalars().all()
    return out


def delete_source(conn: Connection, source_id: str) -> None:
    """Remove the index rows of every node of the source (before its nodes are deleted)."""
    m = search_members.c
    rows = conn.execute(
        select(m.node_id, m.text_id).join(nodes, nodes.c.id == m.node_id)
        .join(documents, documents.c.id == nodes.c.doc_id)
        .where(documents.c.source_id == source_id)).all()
    if not rows:
        return
    counts = Counter(t for _, t in rows)
    texts: dict[int, tuple[str, str, int]] = {}
    for part in _chunks(sorted(counts)):
        for i, h, b, n in conn.execute(select(search_texts.c.text_id, search_texts.c.heading,
                                              search_texts.c.body, search_texts.c.members)
                                       .where(search_texts.c.text_id.in_(part))):
            texts[i] = (h, b, n)
    df: Counter[str] = Counter()
    gone, keys = [], []
    for i, n in counts.items():
        h, b, members = texts[i]
        weights = node_postings(h, b)
        for t in weights:
            df[t] -= n
        if members <= n:
            gone.append(i)
            keys += [{"t": t, "w": -w, "i": i} for t, w in weights.items()]
    for part in _chunks([r[0] for r in rows]):
        conn.execute(search_members.delete().where(m.node_id.in_(part)))
    conn.execute(text("UPDATE search_texts SET members = members - :n WHERE text_id = :i"),
                 [{"i": i, "n": n} for i, n in sorted(counts.items())])
    if keys:
        conn.execute(text("DELETE FROM search_postings WHERE token = :t AND neg_impact = :w"
                          " AND text_id = :i"), keys)
    for part in _chunks(sorted(gone)):
        conn.execute(search_texts.delete().where(search_texts.c.text_id.in_(part)))
    _update_df(conn, Counter({t: -n for t, n in df.items()}), -1)


def clear(conn: Connection) -> None:
    for name in TABLES:
        conn.exec_driver_sql(f"DELETE FROM {name}")


def count(conn: Connection) -> int:
    """Indexed nodes."""
    return int(conn.execute(select(func.count()).select_from(search_members)).scalar_one())


def frequencies(conn: Connection, tokens: list[str]) -> dict[str, int]:
    """token → how many nodes hold it (0 for a token the index does not have)."""
    found = dict(conn.execute(select(search_tokens.c.token, search_tokens.c.df)
                              .where(search_tokens.c.token.in_(tokens))).all()) if tokens else {}
    return {t: int(found.get(t, 0)) for t in tokens}


def read(conn: Connection, token: str, after: Posting | None, n: int,
         contains: list[str] | tuple[str, ...] = ()) -> list[Posting]:
    """The next ``n`` postings of ``token``, best weight first, after ``after``; with
    ``contains``, only those of texts holding every one of those terms, the engine walking the
    list and checking each text (for terms search_text.stable says it can compare as they are):
    a conjunctive query then reads its hits only."""
    p = search_postings.c
    query = (select(p.neg_impact, p.text_id).where(p.token == token)
             .order_by(p.neg_impact, p.text_id).limit(n))
    if after is not None:
        query = query.where(tuple_(p.neg_impact, p.text_id) > tuple_(-after.impact, after.text_id))
    if contains:
        query = query.join(search_texts, search_texts.c.text_id == p.text_id).where(
            *_holds(conn, contains))
    return [Posting(-w, i) for w, i in conn.execute(query)]


def _holds(conn: Connection, terms: list[str] | tuple[str, ...]) -> list:
    position = getattr(func, DIALECTS[conn.dialect.name].POSITION)
    t = search_texts.c
    return [(position(t.body, bindparam(f"t{i}", term)) > 0)
            | (position(t.heading, bindparam(f"t{i}", term)) > 0) for i, term in enumerate(terms)]


def texts(conn: Connection, text_ids: list[int]) -> list[IndexedText]:
    out: list[IndexedText] = []
    t = search_texts.c
    for part in _chunks(text_ids):
        out += [IndexedText(*r) for r in conn.execute(
            select(t.text_id, t.heading, t.body, t.members).where(t.text_id.in_(part)))]
    return out


def members(conn: Connection, text_ids: list[int], first: int) -> list[tuple[int, str, int, int]]:
    """(text id, doc id, ordinal, node id) of the first ``first`` nodes of each text, in
    document order: one range of the (text, document, position) index per text."""
    out: list[tuple[int, str, int, int]] = []
    for part in _chunks(text_ids, 50):
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT text_id, doc_id, ordinal, node_id FROM search_members"
            f" WHERE text_id = :i{k} ORDER BY doc_id, ordinal LIMIT :n) AS m{k}"
            for k in range(len(part)))
        params = {"n": first, **{f"i{k}": i for k, i in enumerate(part)}}
        out += [tuple(r) for r in conn.execute(text(sql), params)]
    return out


CANDIDATE_COLUMNS = (nodes.c.doc_id, nodes.c.eid, nodes.c.kind, nodes.c.heading, nodes.c.text,
                     nodes.c.page, nodes.c.file, nodes.c.ordinal)


def fetch(conn: Connection, ids: list[int]) -> dict[int, Candidate]:
    """node id → the node as a search candidate."""
    out: dict[int, Candidate] = {}
    for part in _chunks(ids):
        for i, *r in conn.execute(select(nodes.c.id, *CANDIDATE_COLUMNS).where(nodes.c.id.in_(part))):
            out[i] = Candidate(*r)
    return out


def holders(conn: Connection, token: str) -> list[tuple[IndexedText, int]]:
    """Every text holding ``token``, with how many nodes carry it."""
    p, t = search_postings.c, search_texts.c
    return [(IndexedText(i, h, b, n), n) for i, h, b, n in conn.execute(
        select(t.text_id, t.heading, t.body, t.members)
        .join(search_postings, p.text_id == t.text_id).where(p.token == token))]


def count_containing(conn: Connection, token: str, terms: list[str]) -> int:
    """Nodes whose text holds ``token`` and every term, counted by the engine; only for terms
    where a plain substring test is the casefolded one (search_text.stable)."""
    p, t = search_postings.c, search_texts.c
    query = (select(func.coalesce(func.sum(t.members), 0))
             .select_from(search_postings.join(search_texts, t.text_id == p.text_id))
             .where(p.token == token, *_holds(conn, terms)))
    return int(conn.execute(query).scalar_one())


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
