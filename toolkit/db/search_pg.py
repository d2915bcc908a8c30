"""The search index on PostgreSQL: each node's bigram tokens as a ``tsvector`` under a GIN index.

The tokens are made in Python (``search_text.bigrams``), exactly as for SQLite, and stored with
``array_to_tsvector`` so no text-search configuration, parser or locale touches them; a query asks
for every bigram of every run (``'中止'`` for 中止, ``'医保' & '保协' & '协议'`` for 医保协议).
Adjacency is not asked of the index: the exact-substring check that follows decides.
The table has a foreign key to ``nodes`` with ON DELETE CASCADE, so a re-ingest cleans it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, TextClause, bindparam, text

from toolkit.db.search_text import bigram_list

CREATE = (
    "CREATE TABLE node_search (node_id INTEGER PRIMARY KEY"
    " REFERENCES nodes(id) ON DELETE CASCADE, tokens tsvector NOT NULL)",
    "CREATE INDEX node_search_tokens ON node_search USING gin (tokens)",
)
TABLES = ("node_search",)


def create(conn: Connection) -> None:
    for statement in CREATE:
        conn.exec_driver_sql(statement)


def add(conn: Connection, rows: Iterable[tuple[int, str | None, str]]) -> None:
    params = [{"id": i, "t": sorted(set(bigram_list(h or "") + bigram_list(t)))} for i, h, t in rows]
    if params:
        conn.execute(text("INSERT INTO node_search (node_id, tokens)"
                          " VALUES (:id, array_to_tsvector(CAST(:t AS text[])))"), params)


def delete_source(conn: Connection, source_id: str) -> None:
    """Nothing to do: deleting the nodes cascades to their index rows."""


def clear(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM node_search")


def count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM node_search").scalar_one())


def matching_ids(phrases: list[list[str]]) -> TextClause:
    tokens = sorted({tok for p in phrases for tok in p})
    query = " & ".join(f"'{tok}'" for tok in tokens)  # tokens are letters/digits only
    return text("SELECT node_id AS id FROM node_search WHERE tokens @@ CAST(:q AS tsquery)"
                ).bindparams(bindparam("q", query))
