"""Search by postings: the bigram index with BM25 weights that ranks in the engine.

Replaces the FTS5 table (SQLite) / tsvector table (PostgreSQL) of revisions 0001–0003, which only
narrowed the candidates, by ``search_nodes``, ``search_tokens`` and ``search_postings``
(toolkit/db/search_index.py), built here from the stored nodes, so an existing store answers the
same queries with the same hits without re-ingesting anything.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from toolkit.db import search_index

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import sqlalchemy as sa

    from toolkit.store import rebuild_index  # the store owns how nodes are indexed

    bind = op.get_bind()
    search_index.drop_old(bind)
    if not sa.inspect(bind).has_table("search_postings"):  # absent unless the store was made here
        search_index.create(bind)
    rebuild_index(bind)


def downgrade() -> None:
    raise NotImplementedError("a store is never downgraded: restore the backup taken before upgrade")
