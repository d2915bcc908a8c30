"""The search index on SQLite: an FTS5 table of bigram tokens, ``rowid`` = ``nodes.id``.

FTS5's default ``unicode61`` tokenizer splits on the blanks between our bigrams; a query is one
quoted phrase per run, so a hit has the run's bigrams consecutively. FTS5 tables take no foreign
keys: the store deletes a source's index rows itself before its nodes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, TextClause, bindparam, text

from toolkit.db.search_text import bigrams

CREATE = "CREATE VIRTUAL TABLE node_fts USING fts5(heading, body)"
TABLES = ("node_fts",)  # and FTS5's shadow tables node_fts_*


def create(conn: Connection) -> None:
    conn.exec_driver_sql(CREATE)


def add(conn: Connection, rows: Iterable[tuple[int, str | None, str]]) -> None:
    """Index (node id, heading, text) rows."""
    params = [{"id": i, "h": bigrams(h or ""), "b": bigrams(t)} for i, h, t in rows]
    if params:
        conn.execute(text("INSERT INTO node_fts (rowid, heading, body) VALUES (:id, :h, :b)"), params)


def delete_source(conn: Connection, source_id: str) -> None:
    conn.execute(text(
        "DELETE FROM node_fts WHERE rowid IN (SELECT n.id FROM nodes n JOIN documents d"
        " ON d.id = n.doc_id WHERE d.source_id = :s)"), {"s": source_id})


def clear(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM node_fts")


def count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM node_fts").scalar_one())


def matching_ids(phrases: list[list[str]]) -> TextClause:
    """Node ids whose tokens hold every phrase (a superset of the nodes containing the terms)."""
    expr = " AND ".join('"' + " ".join(p) + '"' for p in phrases)
    return text("SELECT rowid AS id FROM node_fts WHERE node_fts MATCH :q").bindparams(
        bindparam("q", expr))
