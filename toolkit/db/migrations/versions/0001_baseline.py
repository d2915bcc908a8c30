"""Baseline: the corpus store as the hand-written SQLite schema made it (user_version 1).

A store written before Alembic is stamped at this revision without running it (its tables are
exactly these); a new store runs it. The definitions are frozen here on purpose: later changes to
``toolkit/db/store_tables.py`` get their own revision.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T, INT = sa.Text, sa.Integer
OLD_INDEX = {
    "sqlite": ("CREATE VIRTUAL TABLE node_fts USING fts5(heading, body)",),
    "postgresql": (
        "CREATE TABLE node_search (node_id INTEGER PRIMARY KEY"
        " REFERENCES nodes(id) ON DELETE CASCADE, tokens tsvector NOT NULL)",
        "CREATE INDEX node_search_tokens ON node_search USING gin (tokens)",
    ),
}


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", T, primary_key=True),
        sa.Column("path", T, nullable=False),
        sa.Column("sha256", T, nullable=False),
        sa.Column("format", T, nullable=False),
        sa.Column("pages", INT),
        sa.Column("ocr", INT, nullable=False, server_default="0"),
        sa.Column("warnings", T, nullable=False, server_default="[]"),
        sa.Column("meta", T, nullable=False, server_default="{}"),
        sa.Column("ingested_at", T, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", T, primary_key=True),
        sa.Column("source_id", T, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", T, nullable=False),
        sa.Column("position", INT, nullable=False),
        sa.Column("kind", T, nullable=False),
        sa.Column("title", T, nullable=False),
        sa.Column("title_key", T, nullable=False),
        sa.Column("doc_number", T),
        sa.Column("doc_number_key", T),
        sa.Column("issuers", T, nullable=False),
        sa.Column("addressees", T),
        sa.Column("signed", T),
        sa.Column("printed_by", T),
        sa.Column("printed", T),
        sa.Column("disclosure", T),
        sa.Column("cc", T, nullable=False),
        sa.Column("attachments", T, nullable=False),
        sa.Column("parent", T),
        sa.Column("children", T, nullable=False),
        sa.Column("effective", T),
        sa.Column("expires", T),
        sa.Column("validity", T),
        sa.Column("meta", T, nullable=False),
    )
    op.create_index("documents_source", "documents", ["source_id"])
    op.create_index("documents_title", "documents", ["title_key"])
    op.create_index("documents_number", "documents", ["doc_number_key"])
    op.create_table(
        "aliases",
        sa.Column("alias", T, primary_key=True),
        sa.Column("doc_id", T, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("aliases_doc", "aliases", ["doc_id"])
    op.create_table(
        "nodes",
        sa.Column("id", INT, primary_key=True, autoincrement=True),
        sa.Column("doc_id", T, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("eid", T, nullable=False),
        sa.Column("parent_eid", T),
        sa.Column("ordinal", INT, nullable=False),
        sa.Column("depth", INT, nullable=False),
        sa.Column("kind", T, nullable=False),
        sa.Column("num", T),
        sa.Column("number", INT),
        sa.Column("heading", T),
        sa.Column("text", T, nullable=False),
        sa.Column("page", INT),
        sa.Column("line", INT),
        sa.Column("file", T),
        sa.UniqueConstraint("doc_id", "eid", name="uq_nodes_doc_eid"),
    )
    op.create_index("nodes_doc_kind", "nodes", ["doc_id", "kind", "number"])
    op.create_index("nodes_parent", "nodes", ["doc_id", "parent_eid"])
    op.create_table(
        "spans",
        sa.Column("doc_id", T, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", INT, primary_key=True, autoincrement=False),
        sa.Column("eid", T, nullable=False),
        sa.Column("start", INT, nullable=False),
        sa.Column("end", INT, nullable=False),
        sa.Column("label", T, nullable=False),
        sa.Column("text", T, nullable=False),
        sa.Column("data", T, nullable=False),
    )
    op.create_index("spans_node", "spans", ["doc_id", "eid"])
    op.create_table(
        "events",
        sa.Column("doc_id", T, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("ordinal", INT, primary_key=True, autoincrement=False),
        sa.Column("type", T, nullable=False),
        sa.Column("date", T),
        sa.Column("target", T),
        sa.Column("source_doc", T),
        sa.Column("eid", T),
        sa.Column("quote", T),
        sa.Column("inferred", INT, nullable=False),
        sa.Column("note", T),
    )
    # The search index of this revision, frozen here (revision 0004 replaces it by postings).
    for statement in OLD_INDEX[op.get_bind().dialect.name]:
        op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    raise NotImplementedError("a store is never downgraded: restore the backup taken before upgrade")
