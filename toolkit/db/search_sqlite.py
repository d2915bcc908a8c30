"""The search index's tables on SQLite (the shared SQL is in toolkit/db/search_index.py).

The postings are a WITHOUT ROWID table whose primary key is the reading order (token, weight
descending as ``neg_impact`` ascending, text): a batch of a bigram's best postings is one range
of one B-tree. SQLite compares TEXT by bytes (code points), as Python does.
"""

from __future__ import annotations

from sqlalchemy.dialects.sqlite import insert  # noqa: F401 - INSERT … ON CONFLICT, per dialect

CREATE = (
    "CREATE TABLE search_texts (text_id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE,"
    " heading TEXT NOT NULL, body TEXT NOT NULL, members INTEGER NOT NULL)",
    "CREATE TABLE search_members (node_id INTEGER PRIMARY KEY, text_id INTEGER NOT NULL,"
    " doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL)",
    "CREATE INDEX search_members_text ON search_members (text_id, doc_id, ordinal)",
    "CREATE TABLE search_tokens (token TEXT PRIMARY KEY, df INTEGER NOT NULL)",
    "CREATE TABLE search_postings (token TEXT NOT NULL, neg_impact REAL NOT NULL,"
    " text_id INTEGER NOT NULL, PRIMARY KEY (token, neg_impact, text_id)) WITHOUT ROWID",
)
POSITION = "instr"  # position of a substring, 0 when absent
OLD_INDEX = ("DROP TABLE IF EXISTS node_fts",)  # the FTS5 table of revisions 0001–0003
