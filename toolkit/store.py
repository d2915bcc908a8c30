"""The SQLite store: parsed sources, their documents, node trees, layers, and a full-text index.

One transaction per source file: re-ingesting a source replaces its rows atomically, and a failure
part-way leaves the store exactly as it was. Documents come back as the same ``Document`` objects
that were saved (tree, spans, events, dates), so every consumer reads the law through one model.

Search indexes each node's heading and text as overlapping character bigrams in an FTS5 table
with the default ``unicode61`` tokenizer: FTS5's ``trigram`` tokenizer cannot find 2-character
Chinese words (中止, 基金), which are the most common legal terms. Candidates from the index are
then checked for the exact substring, so a hit always contains the query as printed.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from extractors.normalize import int_to_cn
from toolkit.model import DateFact, Document, LifecycleEvent, Node, SourceRef, Span

SCHEMA_VERSION = 1

MARK_OPEN, MARK_CLOSE = "«", "»"  # rare in Chinese legal text, unlike 【】 (Chuxiong titles)
SNIPPET_CONTEXT = 30  # characters shown on each side of the first match

_SCHEMA = """
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    pages INTEGER,
    ocr INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]',
    meta TEXT NOT NULL DEFAULT '{}',
    ingested_at TEXT NOT NULL
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    doc_number TEXT,
    doc_number_key TEXT,
    issuers TEXT NOT NULL,
    addressees TEXT,
    signed TEXT,
    printed_by TEXT,
    printed TEXT,
    disclosure TEXT,
    cc TEXT NOT NULL,
    attachments TEXT NOT NULL,
    parent TEXT,
    children TEXT NOT NULL,
    effective TEXT,
    expires TEXT,
    validity TEXT,
    meta TEXT NOT NULL
);
CREATE INDEX documents_source ON documents(source_id);
CREATE INDEX documents_title ON documents(title_key);
CREATE INDEX documents_number ON documents(doc_number_key);
CREATE TABLE aliases (
    alias TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE
);
CREATE INDEX aliases_doc ON aliases(doc_id);
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    eid TEXT NOT NULL,
    parent_eid TEXT,
    ordinal INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    kind TEXT NOT NULL,
    num TEXT,
    number INTEGER,
    heading TEXT,
    text TEXT NOT NULL,
    page INTEGER,
    line INTEGER,
    file TEXT,
    UNIQUE (doc_id, eid)
);
CREATE INDEX nodes_doc_kind ON nodes(doc_id, kind, number);
CREATE INDEX nodes_parent ON nodes(doc_id, parent_eid);
CREATE TABLE spans (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    eid TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    label TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (doc_id, ordinal)
);
CREATE INDEX spans_node ON spans(doc_id, eid);
CREATE TABLE events (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    type TEXT NOT NULL,
    date TEXT,
    target TEXT,
    source_doc TEXT,
    eid TEXT,
    quote TEXT,
    inferred INTEGER NOT NULL,
    note TEXT,
    PRIMARY KEY (doc_id, ordinal)
);
-- rowid = nodes.id, kept in step by the store (FTS5 tables cannot take foreign keys).
CREATE VIRTUAL TABLE node_fts USING fts5(heading, body);
"""


class StoreError(Exception):
    """A store problem with one clear reason (printable as is)."""


class UnknownDocument(StoreError):
    """No document (or more than one) answers to the id, alias, 文号 or title given."""


class ParsedSourceLike(Protocol):
    """What ``save`` needs of ``extractors.pipeline.ParsedSource``."""

    source_id: str
    path: str
    sha256: str
    format: str
    pages: int | None
    documents: list[Document]
    warnings: list[str]
    ocr: bool
    # and optionally ``meta``: the manifest's facts about the source (region, lineage…)


@dataclass(frozen=True)
class SourceInfo:
    id: str
    path: str
    sha256: str
    format: str
    pages: int | None
    ocr: bool
    warnings: tuple[str, ...]
    ingested_at: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class DocSummary:
    """One row of the document list: enough to choose a document without loading its tree."""

    id: str
    source: str
    position: int
    kind: str
    title: str
    doc_number: str | None
    region: str | None
    effective: date | None
    effective_inferred: bool
    expires: date | None
    expires_inferred: bool
    parent: str | None
    children: tuple[str, ...]
    articles: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One search result: the node holding the match, a snippet with the match marked «…»."""

    doc_id: str
    eid: str
    kind: str
    label: str  # citation of the node inside its document: 第九条第一款第（五）项
    snippet: str
    score: float  # higher is better
    page: int | None = None
    file: str | None = None


# --- keys and JSON ---------------------------------------------------------------------------

def title_key(title: str) -> str:
    """A title for matching: NFKC, without 《》〈〉 and blanks (titles are set with spacing)."""
    text = unicodedata.normalize("NFKC", title)
    return re.sub(r"[《》〈〉<>\s]", "", text)


def doc_number_key(number: str) -> str:
    """A 文号 for matching: blanks dropped, any year brackets as 〔〕, no 第 before the serial."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", number))
    text = re.sub(r"[\[(【〔［]", "〔", text)
    text = re.sub(r"[\])】〕］]", "〕", text)
    return text.replace("〕第", "〕")


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_tag, sort_keys=False)


def _tag(value: Any) -> Any:
    # Manifest YAML gives real dates; tag them so they come back as dates, not strings.
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a JSON column")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$date" in obj:
            return date.fromisoformat(obj["$date"])
        if "$datetime" in obj:
            return datetime.fromisoformat(obj["$datetime"])
    return obj


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text, object_hook=_untag)


def _fact_json(fact: DateFact | None) -> str | None:
    return None if fact is None else _encode(fact.to_json())


def _fact(text: str | None) -> DateFact | None:
    d = _decode(text)
    if d is None:
        return None
    value = date.fromisoformat(d["value"]) if d["value"] else None
    return DateFact(value, d["quote"], d["eid"], bool(d["inferred"]), d["note"])


def _aliases(doc: Document) -> list[str]:
    """Short names the manifest gives a document: ``meta.short`` (广东办法), ``meta.aliases``."""
    raw = doc.meta.get("aliases") or []
    names = [raw] if isinstance(raw, str) else list(raw)
    names += [doc.meta[k] for k in ("short", "alias") if isinstance(doc.meta.get(k), str)]
    return list(dict.fromkeys(n for n in names if n and n != doc.id))


# --- bigram index ----------------------------------------------------------------------------

def _runs(text: str) -> list[str]:
    """Maximal runs of letters/digits (what unicode61 keeps as token characters), casefolded."""
    return re.findall(r"[^\W_]+", text.casefold())


def bigrams(text: str) -> str:
    """Index form of a text: each run as overlapping character bigrams (a 1-char run as itself)."""
    out: list[str] = []
    for run in _runs(text):
        out.extend([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(out)


def _match_expression(terms: list[str]) -> str | None:
    """FTS5 query for the terms' runs of 2+ characters: each a quoted phrase of its bigrams.

    Runs contain only letters and digits, so nothing a user types (quotes, ``*``, ``AND``,
    parentheses) can reach FTS5 as syntax; ``AND`` becomes the literal phrase ``"an nd"``.
    """
    phrases = [
        '"' + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + '"'
        for term in terms
        for run in _runs(term)
        if len(run) >= 2
    ]
    return " AND ".join(dict.fromkeys(phrases)) or None


def _snippet(text: str, terms: list[str]) -> str:
    """``text`` around the first match, every occurrence of every term marked «…»."""
    folded = text.casefold()
    spans: list[tuple[int, int]] = []
    for term in terms:
        t = term.casefold()
        start = folded.find(t)
        while start >= 0:
            spans.append((start, start + len(t)))
            start = folded.find(t, start + 1)
    if not spans:
        return text[: 2 * SNIPPET_CONTEXT]
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    lo = max(0, merged[0][0] - SNIPPET_CONTEXT)
    hi = min(len(text), merged[0][1] + SNIPPET_CONTEXT)
    out, pos = [], lo
    for s, e in merged:
        if s >= hi:
            break
        e = min(e, hi)
        out += [text[pos:s], MARK_OPEN, text[s:e], MARK_CLOSE]
        pos = e
    out.append(text[pos:hi])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")


# --- citation labels -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Row:
    eid: str
    parent: str | None
    kind: str
    num: str | None
    number: int | None
    heading: str | None


def citation_label(chain: list[_Row], siblings: dict[str | None, list[_Row]]) -> str:
    """第九条第一款第（五）项 for a node given its ancestors (outermost first, node last).

    A 款 is named only when its article has more than one (a one-paragraph article is cited by
    the article alone); a 目 under a 项 is 第1目. Outside articles: the nearest num / heading.
    """
    art = next((i for i, r in enumerate(chain) if r.kind == "article"), None)
    if art is None:
        for row in reversed(chain):
            label = " ".join(p for p in (row.num, row.heading) if p)
            if label:
                return label
        return ""
    parts = [chain[art].num or ""]
    for row in chain[art + 1 :]:
        if row.kind == "paragraph":
            paras = [s for s in siblings.get(row.parent, []) if s.kind == "paragraph"]
            if len(paras) > 1:
                n = row.number or next(i for i, s in enumerate(paras, 1) if s.eid == row.eid)
                parts.append(f"第{int_to_cn(n)}款")
        elif row.kind == "point":
            num = (row.num or "").rstrip(".．、")
            under_point = any(r.kind == "point" for r in chain[art + 1 : chain.index(row)])
            parts.append(f"第{num}目" if under_point else f"第{num}项")
    return "".join(parts)


# --- the store -------------------------------------------------------------------------------

class Store:
    """A policykit SQLite store. ``create=False`` refuses to make a new, empty one."""

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no store here (run `policykit ingest` first)")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a policykit store ({exc})") from None

    # context manager -----------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema {version} is newer than this policykit ({SCHEMA_VERSION})"
            )
        with self._transaction():
            # read again under the write lock: another process may have created it meanwhile
            if self.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return
            # The 发文登记簿 may share the file (its tables are reg_*): that is not foreign data.
            if self.conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'reg\\_%' ESCAPE '\\'"
                                 " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchone()[0]:
                raise StoreError(f"{self.path}: an SQLite file that is not a policykit store")
            # statement by statement: executescript() would commit the open transaction
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    class _Tx:
        def __init__(self, conn: sqlite3.Connection):
            self.conn = conn

        def __enter__(self) -> None:
            self.conn.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, *rest: object) -> None:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> Store._Tx:
        return Store._Tx(self.conn)

    # writing ---------------------------------------------------------------------------
    def save(self, parsed: ParsedSourceLike) -> None:
        """Store one parsed source in one transaction, replacing any earlier rows of the source."""
        for doc in parsed.documents:
            _check_unique_eids(doc)
        with self._transaction():
            _delete_source(self.conn, parsed.source_id)
            _insert_source(self.conn, parsed)
            for doc in parsed.documents:
                _insert_document(self.conn, parsed.source_id, doc)
                _insert_nodes(self.conn, doc)
                _insert_spans(self.conn, doc)
                _insert_events(self.conn, doc)

    def replace_spans(self, updates: dict[str, list[Span]]) -> None:
        """Replace the layer spans of several documents in one transaction (the tree and the
        rest of each document stay as stored)."""
        with self._transaction():
            for doc_id, spans in updates.items():
                self.conn.execute("DELETE FROM spans WHERE doc_id = ?", (doc_id,))
                self.conn.executemany(
                    'INSERT INTO spans (doc_id, ordinal, eid, start, "end", label, text, data)'
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(doc_id, i, sp.eid, sp.start, sp.end, sp.label, sp.text, _encode(sp.data))
                     for i, sp in enumerate(spans)],
                )

    def delete_source(self, source_id: str) -> bool:
        """Remove a source and everything parsed from it. False if it was not stored."""
        with self._transaction():
            return _delete_source(self.conn, source_id)

    # reading ---------------------------------------------------------------------------
    def sources(self) -> list[SourceInfo]:
        rows = self.conn.execute("SELECT * FROM sources ORDER BY id").fetchall()
        return [
            SourceInfo(r["id"], r["path"], r["sha256"], r["format"], r["pages"], bool(r["ocr"]),
                       tuple(json.loads(r["warnings"])), r["ingested_at"], _decode(r["meta"]))
            for r in rows
        ]

    def documents(self) -> list[DocSummary]:
        """Every stored document, in source order then chain position."""
        return self._summaries("1 = 1", ())

    def summary(self, doc_id: str) -> DocSummary:
        found = self._summaries("d.id = ?", (doc_id,))
        if not found:
            raise UnknownDocument(f"no document {doc_id!r} in the store")
        return found[0]

    def _summaries(self, where: str, args: tuple[Any, ...]) -> list[DocSummary]:
        rows = self.conn.execute(
            f"""SELECT d.*,
                  (SELECT count(*) FROM nodes n WHERE n.doc_id = d.id AND n.kind = 'article') AS arts,
                  (SELECT json_group_array(alias) FROM
                     (SELECT alias FROM aliases a WHERE a.doc_id = d.id ORDER BY alias)) AS names
                FROM documents d WHERE {where} ORDER BY d.source_id, d.position, d.id""",
            args,
        ).fetchall()
        out = []
        for r in rows:
            eff, exp = _fact(r["effective"]), _fact(r["expires"])
            meta = _decode(r["meta"]) or {}
            region = meta.get("region")
            out.append(DocSummary(
                id=r["id"], source=r["source_id"], position=r["position"], kind=r["kind"],
                title=r["title"], doc_number=r["doc_number"],
                region=str(region) if region is not None else None,
                effective=eff.value if eff else None, effective_inferred=bool(eff and eff.inferred),
                expires=exp.value if exp else None, expires_inferred=bool(exp and exp.inferred),
                parent=r["parent"], children=tuple(_decode(r["children"])), articles=r["arts"],
                aliases=tuple(json.loads(r["names"])),
            ))
        return out

    def document(self, doc_id: str) -> Document:
        """The document as it was saved: tree, spans, events and every metadata field."""
        r = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if r is None:
            raise UnknownDocument(f"no document {doc_id!r} in the store")
        return Document(
            id=r["id"], source=r["source"], position=r["position"], kind=r["kind"],
            title=r["title"], doc_number=r["doc_number"], issuers=_decode(r["issuers"]),
            addressees=r["addressees"], signed=_fact(r["signed"]), printed_by=r["printed_by"],
            printed=_fact(r["printed"]), disclosure=r["disclosure"], cc=_decode(r["cc"]),
            attachments=_decode(r["attachments"]), parent=r["parent"],
            children=_decode(r["children"]), effective=_fact(r["effective"]),
            expires=_fact(r["expires"]), validity=r["validity"], events=self._events(doc_id),
            root=self._tree(doc_id), spans=self._spans(doc_id), meta=_decode(r["meta"]),
        )

    def _tree(self, doc_id: str) -> Node:
        rows = self.conn.execute(
            "SELECT * FROM nodes WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        ).fetchall()
        by_eid: dict[str, Node] = {}
        root: Node | None = None
        for r in rows:
            src = SourceRef(r["file"], r["page"], r["line"]) if r["file"] is not None else None
            node = Node(eid=r["eid"], kind=r["kind"], num=r["num"], number=r["number"],
                        heading=r["heading"], text=r["text"], children=[], source=src)
            by_eid[node.eid] = node
            if r["parent_eid"] is None:
                root = node
            else:
                by_eid[r["parent_eid"]].children.append(node)
        if root is None:
            raise StoreError(f"document {doc_id!r} has no node tree in the store")
        return root

    def _spans(self, doc_id: str) -> list[Span]:
        rows = self.conn.execute(
            'SELECT eid, start, "end", label, text, data FROM spans WHERE doc_id = ? ORDER BY ordinal',
            (doc_id,),
        )
        return [Span(r["eid"], r["start"], r["end"], r["label"], r["text"], _decode(r["data"]))
                for r in rows]

    def _events(self, doc_id: str) -> list[LifecycleEvent]:
        rows = self.conn.execute(
            "SELECT * FROM events WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        )
        return [
            LifecycleEvent(
                type=r["type"], date=date.fromisoformat(r["date"]) if r["date"] else None,
                target=r["target"], source_doc=r["source_doc"], eid=r["eid"], quote=r["quote"],
                inferred=bool(r["inferred"]), note=r["note"],
            )
            for r in rows
        ]

    def node(self, doc_id: str, eid: str) -> Node | None:
        """The node with its subtree, or None (UnknownDocument if the document is not stored)."""
        self.summary(doc_id)
        return self._tree(doc_id).find(eid)

    def article(self, doc_id: str, number: int) -> Node | None:
        """Article ``number`` (第N条) of the document, with its paragraphs and points."""
        row = self.conn.execute(
            "SELECT eid FROM nodes WHERE doc_id = ? AND kind = 'article' AND number = ?"
            " ORDER BY ordinal LIMIT 1",
            (doc_id, number),
        ).fetchone()
        if row is None:
            self.summary(doc_id)  # UnknownDocument rather than None for a missing document
            return None
        return self.node(doc_id, row["eid"])

    def label(self, doc_id: str, eid: str) -> str:
        """The node's citation inside its document (第九条第一款第（五）项)."""
        rows = self.conn.execute(
            """WITH RECURSIVE up(eid, parent_eid, kind, num, number, heading, level) AS (
                 SELECT eid, parent_eid, kind, num, number, heading, 0 FROM nodes
                   WHERE doc_id = :doc AND eid = :eid
                 UNION ALL
                 SELECT n.eid, n.parent_eid, n.kind, n.num, n.number, n.heading, up.level + 1
                   FROM nodes n JOIN up ON n.doc_id = :doc AND n.eid = up.parent_eid)
               SELECT * FROM up WHERE parent_eid IS NOT NULL ORDER BY level DESC""",
            {"doc": doc_id, "eid": eid},
        ).fetchall()
        chain = [_Row(r["eid"], r["parent_eid"], r["kind"], r["num"], r["number"], r["heading"])
                 for r in rows]
        articles = {r.eid for r in chain if r.kind == "article"}
        siblings = {
            a: [_Row(r["eid"], a, "paragraph", None, r["number"], None) for r in self.conn.execute(
                "SELECT eid, number FROM nodes WHERE doc_id = ? AND parent_eid = ?"
                " AND kind = 'paragraph' ORDER BY ordinal", (doc_id, a))]
            for a in articles
        }
        return citation_label(chain, siblings)

    # lookup ----------------------------------------------------------------------------
    def find_by_title(self, title: str) -> list[DocSummary]:
        """Documents titled exactly ``title``; failing that, equal once 《》 and blanks are dropped."""
        exact = self._summaries("d.title = ?", (title,))
        return exact or self._summaries("d.title_key = ?", (title_key(title),))

    def find_by_doc_number(self, number: str) -> list[DocSummary]:
        """Documents with this 文号 (blanks, bracket shapes and a stray 第 do not matter)."""
        exact = self._summaries("d.doc_number = ?", (number,))
        return exact or self._summaries("d.doc_number_key = ?", (doc_number_key(number),))

    def resolve(self, key: str) -> str:
        """A document id from an id, an alias, a 文号 or a title. UnknownDocument otherwise."""
        key = key.strip()
        if self.conn.execute("SELECT 1 FROM documents WHERE id = ?", (key,)).fetchone():
            return key
        row = self.conn.execute("SELECT doc_id FROM aliases WHERE alias = ?", (key,)).fetchone()
        if row:
            return row["doc_id"]
        for found in (self.find_by_doc_number(key), self.find_by_title(key)):
            ids = [s.id for s in found]
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise UnknownDocument(f"{key!r} matches several documents: {', '.join(ids)}")
        raise UnknownDocument(f"no document {key!r} in the store (try `policykit list`)")

    # search ----------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50, *, doc_id: str | None = None) -> list[Hit]:
        """Nodes whose heading or text contains every blank-separated term of ``query``.

        Ranked by bm25 over the bigram index; a query with no run of two or more letters (a
        single character, punctuation) is answered by a scan and ranked by occurrences.
        """
        terms = query.split()
        if not terms or limit <= 0:
            return []
        expr = _match_expression(terms)
        scope, args = ("AND n.doc_id = ?", (doc_id,)) if doc_id else ("", ())
        if expr:
            rows: Iterable[sqlite3.Row] = self.conn.execute(
                f"""SELECT n.doc_id, n.eid, n.kind, n.heading, n.text, n.page, n.file,
                           -bm25(node_fts, 2.0, 1.0) AS score
                    FROM node_fts JOIN nodes n ON n.id = node_fts.rowid
                    WHERE node_fts MATCH ? {scope}
                    ORDER BY bm25(node_fts, 2.0, 1.0), n.doc_id, n.ordinal""",
                (expr, *args),
            )
        else:
            rows = self._scan(terms, scope, args)
        hits: list[Hit] = []
        for r in rows:
            heading, text = r["heading"] or "", r["text"]
            if not all(t.casefold() in f"{heading}\n{text}".casefold() for t in terms):
                continue
            in_text = any(t.casefold() in text.casefold() for t in terms)
            hits.append(Hit(
                doc_id=r["doc_id"], eid=r["eid"], kind=r["kind"],
                label=self.label(r["doc_id"], r["eid"]),
                snippet=_snippet(text if in_text else heading, terms),
                score=round(float(r["score"]), 6), page=r["page"], file=r["file"],
            ))
            if len(hits) >= limit:
                break
        return hits

    def _scan(self, terms: list[str], scope: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT doc_id, eid, kind, heading, text, page, file, ordinal FROM nodes n"
            f" WHERE 1 = 1 {scope}", args,
        )
        scored = []
        for r in rows:
            hay = f"{r['heading'] or ''}\n{r['text']}".casefold()
            count = sum(hay.count(t.casefold()) for t in terms)
            if count:
                # occurrences per square root of length: a short node that is about the term wins
                score = count / math.sqrt(len(hay) + 1)
                scored.append({**dict(r), "score": score})
        scored.sort(key=lambda d: (-d["score"], d["doc_id"], d["ordinal"]))
        return scored


# --- row writers (module functions so a test can make one fail mid-save) ---------------------

def _check_unique_eids(doc: Document) -> None:
    seen: set[str] = set()
    for node in doc.root.walk():
        if node.eid in seen:
            raise StoreError(f"document {doc.id}: eId {node.eid!r} occurs twice")
        seen.add(node.eid)


def _delete_source(conn: sqlite3.Connection, source_id: str) -> bool:
    conn.execute(
        "DELETE FROM node_fts WHERE rowid IN (SELECT n.id FROM nodes n JOIN documents d"
        " ON d.id = n.doc_id WHERE d.source_id = ?)", (source_id,),
    )
    return conn.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount > 0


def _insert_source(conn: sqlite3.Connection, parsed: ParsedSourceLike) -> None:
    conn.execute(
        "INSERT INTO sources (id, path, sha256, format, pages, ocr, warnings, meta, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (parsed.source_id, str(parsed.path), parsed.sha256, parsed.format, parsed.pages,
         int(bool(parsed.ocr)), _encode(list(parsed.warnings)),
         _encode(getattr(parsed, "meta", None) or {}),
         datetime.now(UTC).isoformat(timespec="seconds")),
    )


def _insert_document(conn: sqlite3.Connection, source_id: str, doc: Document) -> None:
    other = conn.execute("SELECT source_id FROM documents WHERE id = ?", (doc.id,)).fetchone()
    if other:
        raise StoreError(f"document {doc.id} is already stored from source {other[0]}")
    conn.execute(
        """INSERT INTO documents (id, source_id, source, position, kind, title, title_key, doc_number,
             doc_number_key, issuers, addressees, signed, printed_by, printed, disclosure, cc,
             attachments, parent, children, effective, expires, validity, meta)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (doc.id, source_id, doc.source, doc.position, doc.kind, doc.title, title_key(doc.title),
         doc.doc_number, doc_number_key(doc.doc_number) if doc.doc_number else None,
         _encode(doc.issuers), doc.addressees, _fact_json(doc.signed), doc.printed_by,
         _fact_json(doc.printed), doc.disclosure, _encode(doc.cc), _encode(doc.attachments),
         doc.parent, _encode(doc.children), _fact_json(doc.effective), _fact_json(doc.expires),
         doc.validity, _encode(doc.meta)),
    )
    for alias in _aliases(doc):
        taken = conn.execute("SELECT doc_id FROM aliases WHERE alias = ?", (alias,)).fetchone()
        if taken:
            raise StoreError(f"alias {alias!r} of {doc.id} already names {taken[0]}")
        conn.execute("INSERT INTO aliases (alias, doc_id) VALUES (?, ?)", (alias, doc.id))


def _flatten(root: Node) -> Iterator[tuple[Node, str | None, int]]:
    """(node, parent eid, depth) in document order, the root (parent None, depth 0) first."""
    stack: list[tuple[Node, str | None, int]] = [(root, None, 0)]
    while stack:
        node, parent, depth = stack.pop()
        yield node, parent, depth
        stack.extend((c, node.eid, depth + 1) for c in reversed(node.children))


def _insert_nodes(conn: sqlite3.Connection, doc: Document) -> None:
    for ordinal, (node, parent, depth) in enumerate(_flatten(doc.root)):
        src = node.source
        cur = conn.execute(
            """INSERT INTO nodes (doc_id, eid, parent_eid, ordinal, depth, kind, num, number,
                 heading, text, page, line, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (doc.id, node.eid, parent, ordinal, depth, node.kind, node.num, node.number,
             node.heading, node.text, src.page if src else None, src.line if src else None,
             src.file if src else None),
        )
        if node.text or node.heading:
            conn.execute(
                "INSERT INTO node_fts (rowid, heading, body) VALUES (?, ?, ?)",
                (cur.lastrowid, bigrams(node.heading or ""), bigrams(node.text)),
            )


def _insert_spans(conn: sqlite3.Connection, doc: Document) -> None:
    conn.executemany(
        'INSERT INTO spans (doc_id, ordinal, eid, start, "end", label, text, data)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(doc.id, i, s.eid, s.start, s.end, s.label, s.text, _encode(s.data))
         for i, s in enumerate(doc.spans)],
    )


def _insert_events(conn: sqlite3.Connection, doc: Document) -> None:
    conn.executemany(
        "INSERT INTO events (doc_id, ordinal, type, date, target, source_doc, eid, quote,"
        " inferred, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(doc.id, i, e.type, e.date.isoformat() if e.date else None, e.target, e.source_doc,
          e.eid, e.quote, int(e.inferred), e.note) for i, e in enumerate(doc.events)],
    )
