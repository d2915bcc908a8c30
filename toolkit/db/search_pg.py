"""The search index's tables on PostgreSQL (the shared SQL is in toolkit/db/search_index.py).

Text columns that order or key the postings use ``COLLATE "C"`` (byte order, which for UTF-8 is
code-point order): the database's own locale would sort document ids differently from SQLite
and from Python, and ties between equal scores would come out in another order. The primary key
is the reading order and INCLUDEs the node id, so a page of postings is an index-only scan.
"""

from __future__ import annotations

CREATE = (
    'CREATE TABLE search_nodes (node_id INTEGER PRIMARY KEY, doc_id TEXT COLLATE "C" NOT NULL)',
    'CREATE TABLE search_tokens (token TEXT COLLATE "C" PRIMARY KEY, df INTEGER NOT NULL)',
    'CREATE TABLE search_postings (token TEXT COLLATE "C" NOT NULL,'
    ' neg_impact DOUBLE PRECISION NOT NULL, doc_id TEXT COLLATE "C" NOT NULL,'
    " ordinal INTEGER NOT NULL, node_id INTEGER NOT NULL,"
    " PRIMARY KEY (token, neg_impact, doc_id, ordinal) INCLUDE (node_id))",
)
POSITION = "strpos"  # position of a substring, 0 when absent
OLD_INDEX = ("DROP TABLE IF EXISTS node_search",)  # the tsvector table of revisions 0001–0003
