"""The search index's tables on PostgreSQL (the shared SQL is in toolkit/db/search_index.py).

Text columns that order or key rows use ``COLLATE "C"`` (byte order, which for UTF-8 is
code-point order): the database's own locale would sort document ids differently from SQLite
and from Python, and ties between equal scores would come out in another order. The postings'
primary key is their reading order, so a batch of postings is an index-only scan.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert  # noqa: F401 - INSERT … ON CONFLICT, per dialect

CREATE = (
    'CREATE TABLE search_texts (text_id SERIAL PRIMARY KEY, digest TEXT COLLATE "C" NOT NULL UNIQUE,'
    " heading TEXT NOT NULL, body TEXT NOT NULL, members INTEGER NOT NULL)",
    "CREATE TABLE search_members (node_id INTEGER PRIMARY KEY, text_id INTEGER NOT NULL,"
    ' doc_id TEXT COLLATE "C" NOT NULL, ordinal INTEGER NOT NULL)',
    "CREATE INDEX search_members_text ON search_members (text_id, doc_id, ordinal)",
    'CREATE TABLE search_tokens (token TEXT COLLATE "C" PRIMARY KEY, df INTEGER NOT NULL)',
    'CREATE TABLE search_postings (token TEXT COLLATE "C" NOT NULL,'
    " neg_impact DOUBLE PRECISION NOT NULL, text_id INTEGER NOT NULL,"
    " PRIMARY KEY (token, neg_impact, text_id))",
)
POSITION = "strpos"  # position of a substring, 0 when absent
OLD_INDEX = ("DROP TABLE IF EXISTS node_search",)  # the tsvector table of revisions 0001–0003
