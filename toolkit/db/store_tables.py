"""The corpus store's tables on the data layer's one ``METADATA``.

Names, columns and index names are those of the hand-written SQLite schema the store had before
Alembic (``PRAGMA user_version = 1``), so such a store is already at the baseline revision and
needs no data migration. JSON values (issuers, meta, span data…) are TEXT written by
``toolkit.store``: the same bytes on both engines, so ``db copy`` moves them untouched.

The full-text index is not here: it is dialect-specific (an FTS5 virtual table on SQLite, a
``tsvector`` table on PostgreSQL; ``toolkit.db.search_sqlite`` / ``search_pg``) and is rebuilt
from ``nodes`` rather than copied.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, Text, UniqueConstraint

from toolkit.db.metadata import METADATA

sources = Table(
    "sources", METADATA,
    Column("id", Text, primary_key=True),
    Column("path", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("pages", Integer),
    Column("ocr", Integer, nullable=False, server_default="0"),
    Column("warnings", Text, nullable=False, server_default="[]"),
    Column("meta", Text, nullable=False, server_default="{}"),
    Column("ingested_at", Text, nullable=False),
)

documents = Table(
    "documents", METADATA,
    Column("id", Text, primary_key=True),
    Column("source_id", Text, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False),
    Column("doc_number", Text),
    Column("doc_number_key", Text),
    Column("issuers", Text, nullable=False),
    Column("addressees", Text),
    Column("signed", Text),
    Column("printed_by", Text),
    Column("printed", Text),
    Column("disclosure", Text),
    Column("cc", Text, nullable=False),
    Column("attachments", Text, nullable=False),
    Column("parent", Text),
    Column("children", Text, nullable=False),
    Column("effective", Text),
    Column("expires", Text),
    Column("validity", Text),
    Column("meta", Text, nullable=False),
)
Index("documents_source", documents.c.source_id)
Index("documents_title", documents.c.title_key)
Index("documents_number", documents.c.doc_number_key)

aliases = Table(
    "aliases", METADATA,
    Column("alias", Text, primary_key=True),
    Column("doc_id", Text, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
)
Index("aliases_doc", aliases.c.doc_id)

nodes = Table(
    "nodes", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", Text, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("eid", Text, nullable=False),
    Column("parent_eid", Text),
    Column("ordinal", Integer, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("num", Text),
    Column("number", Integer),
    Column("heading", Text),
    Column("text", Text, nullable=False),
    Column("page", Integer),
    Column("line", Integer),
    Column("file", Text),
    UniqueConstraint("doc_id", "eid", name="uq_nodes_doc_eid"),
)
Index("nodes_doc_kind", nodes.c.doc_id, nodes.c.kind, nodes.c.number)
Index("nodes_parent", nodes.c.doc_id, nodes.c.parent_eid)

spans = Table(
    "spans", METADATA,
    Column("doc_id", Text, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True, autoincrement=False),
    Column("eid", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("data", Text, nullable=False),
)
Index("spans_node", spans.c.doc_id, spans.c.eid)

events = Table(
    "events", METADATA,
    Column("doc_id", Text, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("ordinal", Integer, primary_key=True, autoincrement=False),
    Column("type", Text, nullable=False),
    Column("date", Text),
    Column("target", Text),
    Column("source_doc", Text),
    Column("eid", Text),
    Column("quote", Text),
    Column("inferred", Integer, nullable=False),
    Column("note", Text),
)

TABLES = (sources, documents, aliases, nodes, spans, events)
