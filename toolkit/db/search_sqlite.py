"""The search index's tables on SQLite (the shared SQL is in toolkit/db/search_index.py).

The postings are a WITHOUT ROWID table whose primary key is the reading order (token, weight
descending as ``neg_impact`` ascending, document, position): a page of a bigram's best postings
is one range of one B-tree. SQLite compares TEXT by bytes (code points), as Python does.
"""

from __future__ import annotations

CREATE = (
    "CREATE TABLE search_nodes (node_id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL)",
    "CREATE TABLE search_tokens (token TEXT PRIMARY KEY, df INTEGER NOT NULL)",
    "CREATE TABLE search_postings (token TEXT NOT NULL, neg_impact REAL NOT NULL,"
    " doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, node_id INTEGER NOT NULL,"
    " PRIMARY KEY (token, neg_impact, doc_id, ordinal)) WITHOUT ROWID",
)
POSITION = "instr"  # position of a substring, 0 when absent
OLD_INDEX = ("DROP TABLE IF EXISTS node_fts",)  # the FTS5 table of revisions 0001–0003
