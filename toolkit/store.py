"""The store: parsed sources, their documents, node trees, layers, and a full-text index, on
SQLAlchemy Core — the embedded SQLite file by default, PostgreSQL for several clerks.

One transaction per source file: re-ingesting a source replaces its rows atomically, and a failure
part-way leaves the store exactly as it was. Documents come back as the same ``Document`` objects
that were saved (tree, spans, events, dates), so every consumer reads the law through one model.

``Store(db)`` takes what ``--db`` gave: a bare path (SQLite) or a ``postgresql://`` URL. The schema
is Alembic's (toolkit/db/schema.py): a new store is created at head, an older one is refused until
``policykit db upgrade``, a newer or foreign one is refused untouched.

Search indexes each node's heading and text as character bigrams with their BM25 weights
(postings tables, toolkit/db/search_index.py, the same on both engines); a page of hits reads the
best postings first and stops when no unread node can enter the page (toolkit/db/search_topk.py),
the exact-substring check, the score and the snippet computed in Python (toolkit/db/search_text.py),
so both engines give the same hits in the same order. ``count`` counts hits without fetching them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from extractors.normalize import int_to_cn
from toolkit.db import search_index
from toolkit.db.engine import DatabaseUnavailable, connect, engine_for, write_transaction
from toolkit.db.errors import StoreError
from toolkit.db.schema import ensure_current, preflight
from toolkit.db.search_text import (  # noqa: F401 - marks and bigrams re-exported for callers
    MARK_CLOSE,
    MARK_OPEN,
    SNIPPET_CONTEXT,
    Candidate,
    Stats,
    bigrams,
    contains_all,
    idf,
    score,
    snippet,
    sort_key,
    stable,
    term_tokens,
    unique_terms,
)
from toolkit.db.search_topk import best_nodes
from toolkit.db.store_tables import aliases, documents, events, nodes, sources, spans
from toolkit.db.url import describe
from toolkit.model import DateFact, Document, LifecycleEvent, Node, SourceRef, Span

SCHEMA_VERSION = 2  # PRAGMA user_version of a SQLite store at Alembic revision 0002 or later
SEARCH_INDEX = {"sqlite": search_index, "postgresql": search_index}  # one SQL, tables per dialect


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

def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


class Store:
    """A policykit store at ``db`` (a path or a URL). ``create=False`` refuses to make a new one."""

    def __init__(self, db: str | Path, *, create: bool = True):
        url = preflight(db)  # a missing folder, a foreign or broken file: refused, untouched
        self.url = url
        self.target = describe(url)
        self.path: Path | str = Path(url.database) if url.get_backend_name() == "sqlite" else str(db)
        if isinstance(self.path, Path) and not create and not self.path.exists():
            raise StoreError(f"{self.path}: no store here (run `policykit ingest` first)")
        self.engine: Engine = engine_for(url)
        self.index = SEARCH_INDEX[self.engine.dialect.name]
        self._stats_cache: tuple[tuple[Any, ...], Stats] | None = None
        try:
            with self._guard():
                ensure_current(self.engine, create=create)
        except BaseException:
            self.engine.dispose()
            raise

    # context manager -----------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # connections: every database error becomes one line naming the store ---------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except DatabaseUnavailable:
            raise
        except DBAPIError as exc:
            raise StoreError(self._explain(exc)) from None

    def _explain(self, exc: DBAPIError) -> str:
        reason = _reason(exc)
        low = reason.lower()
        if "malformed" in low or "not a database" in low or "corrupt" in low:
            return (f"{self.target}: the store is damaged or not a policykit store ({reason}); "
                    f"`policykit --db {self.target} db check` says more")
        if "readonly" in low or "read-only" in low:
            return f"{self.target}: the store is read-only ({reason}); nothing was written"
        if "unable to open" in low:
            return f"{self.target}: cannot open the store ({reason})"
        return f"{self.target}: database error ({reason})"

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._guard(), connect(self.engine) as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._guard(), write_transaction(self.engine) as conn:
            yield conn

    # writing ---------------------------------------------------------------------------
    def save(self, parsed: ParsedSourceLike) -> None:
        """Store one parsed source in one transaction, replacing any earlier rows of the source."""
        for doc in parsed.documents:
            _check_unique_eids(doc)
        self._stats_cache = None
        with self._write() as conn:
            _delete_source(conn, self.index, parsed.source_id)
            _insert_source(conn, parsed)
            for doc in parsed.documents:
                _insert_document(conn, parsed.source_id, doc)
                _insert_nodes(conn, doc)
                _insert_spans(conn, doc)
                _insert_events(conn, doc)

    def replace_spans(self, updates: dict[str, list[Span]]) -> None:
        """Replace the layer spans of several documents in one transaction (the tree and the
        rest of each document stay as stored)."""
        with self._write() as conn:
            for doc_id, new in updates.items():
                conn.execute(spans.delete().where(spans.c.doc_id == doc_id))
                _insert_span_rows(conn, doc_id, new)

    def delete_source(self, source_id: str) -> bool:
        """Remove a source and everything parsed from it. False if it was not stored."""
        self._stats_cache = None
        with self._write() as conn:
            return _delete_source(conn, self.index, source_id)

    # reading ---------------------------------------------------------------------------
    def sources(self) -> list[SourceInfo]:
        return self._sources(None)

    def _sources(self, where: Any) -> list[SourceInfo]:
        query = select(sources).order_by(sources.c.id)
        with self._read() as conn:
            rows = conn.execute(query if where is None else query.where(where)).mappings().all()
        return [
            SourceInfo(r["id"], r["path"], r["sha256"], r["format"], r["pages"], bool(r["ocr"]),
                       tuple(json.loads(r["warnings"])), r["ingested_at"], _decode(r["meta"]))
            for r in rows
        ]

    def source(self, source_id: str) -> SourceInfo | None:
        """One stored source, or None (without reading the others)."""
        found = self._sources(sources.c.id == source_id)
        return found[0] if found else None

    def sources_with_sha256(self, sha256: str) -> list[SourceInfo]:
        """The stored sources read from a file with these bytes (an unchanged file is known by
        them before it is parsed)."""
        return self._sources(sources.c.sha256 == sha256)

    def documents(self) -> list[DocSummary]:
        """Every stored document, in source order then chain position."""
        return self._summaries(None)

    def documents_of(self, source_id: str) -> list[DocSummary]:
        """The documents of one source, in chain position."""
        return self._summaries(documents.c.source_id == source_id)

    def documents_of_ids(self, ids: Iterable[str]) -> list[DocSummary]:
        """The stored documents among ``ids`` (unknown ids are left out), in store order."""
        wanted = sorted(set(ids))
        out: list[DocSummary] = []
        for i in range(0, len(wanted), 500):  # bound the bound parameters of one query
            out += self._summaries(documents.c.id.in_(wanted[i:i + 500]))
        return sorted(out, key=lambda s: (s.source, s.position, s.id))

    def cross_references(self) -> list[tuple[str, dict[str, Any]]]:
        """(citing doc id, span data) of every reference to another document (scope external), in
        no particular order:
        what decides which documents a change of the store can touch, without loading any tree.
        The text filter only narrows the rows; the decoded data is checked."""
        query = (select(spans.c.doc_id, spans.c.data)
                 .where(spans.c.label == "REF", spans.c.data.contains('"scope": "external"')))
        with self._read() as conn:
            rows = conn.execute(query).all()
        out = []
        for doc_id, text in rows:
            data = json.loads(text)  # plain JSON: a reference's data holds no tagged values
            if data.get("scope") == "external":
                out.append((doc_id, data))
        return out

    def summary(self, doc_id: str) -> DocSummary:
        found = self._summaries(documents.c.id == doc_id)
        if not found:
            raise UnknownDocument(f"no document {doc_id!r} in the store")
        return found[0]

    def metas(self) -> dict[str, dict[str, Any]]:
        """doc id → its stored ``meta`` (the manifest's facts), without loading any tree."""
        with self._read() as conn:
            rows = conn.execute(select(documents.c.id, documents.c.meta)
                                .order_by(documents.c.id)).all()
        return {i: _decode(m) or {} for i, m in rows}

    def events_about_others(self, doc_id: str) -> list[tuple[str, LifecycleEvent]]:
        """(stating document, event) for every stored event with a target, stated by documents
        other than ``doc_id``, in document and event order."""
        with self._read() as conn:
            rows = conn.execute(
                select(events).where(events.c.doc_id != doc_id, events.c.target.is_not(None))
                .order_by(events.c.doc_id, events.c.ordinal)).mappings().all()
        return [(r["doc_id"], _event(r)) for r in rows]

    def _summaries(self, where: Any) -> list[DocSummary]:
        arts = (select(func.count()).select_from(nodes)
                .where(nodes.c.doc_id == documents.c.id, nodes.c.kind == "article")
                .scalar_subquery().label("arts"))
        query = select(documents, arts).order_by(documents.c.source_id, documents.c.position,
                                                 documents.c.id)
        names_q = select(aliases.c.doc_id, aliases.c.alias).order_by(aliases.c.alias)
        if where is not None:
            query = query.where(where)
            names_q = names_q.where(aliases.c.doc_id.in_(select(documents.c.id).where(where)))
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
            names: dict[str, list[str]] = {}
            for d, a in conn.execute(names_q):
                names.setdefault(d, []).append(a)
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
                aliases=tuple(names.get(r["id"], ())),
            ))
        return out

    def document(self, doc_id: str) -> Document:
        """The document as it was saved: tree, spans, events and every metadata field."""
        with self._read() as conn:
            r = conn.execute(select(documents).where(documents.c.id == doc_id)).mappings().first()
            if r is None:
                raise UnknownDocument(f"no document {doc_id!r} in the store")
            return Document(
                id=r["id"], source=r["source"], position=r["position"], kind=r["kind"],
                title=r["title"], doc_number=r["doc_number"], issuers=_decode(r["issuers"]),
                addressees=r["addressees"], signed=_fact(r["signed"]), printed_by=r["printed_by"],
                printed=_fact(r["printed"]), disclosure=r["disclosure"], cc=_decode(r["cc"]),
                attachments=_decode(r["attachments"]), parent=r["parent"],
                children=_decode(r["children"]), effective=_fact(r["effective"]),
                expires=_fact(r["expires"]), validity=r["validity"],
                events=self._events(conn, doc_id), root=self._tree(conn, doc_id),
                spans=self._spans(conn, doc_id), meta=_decode(r["meta"]),
            )

    def _tree(self, conn: Connection, doc_id: str) -> Node:
        rows = conn.execute(select(nodes).where(nodes.c.doc_id == doc_id)
                            .order_by(nodes.c.ordinal)).mappings().all()
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

    def _spans(self, conn: Connection, doc_id: str) -> list[Span]:
        rows = conn.execute(select(spans).where(spans.c.doc_id == doc_id)
                            .order_by(spans.c.ordinal)).mappings()
        return [Span(r["eid"], r["start"], r["end"], r["label"], r["text"], _decode(r["data"]))
                for r in rows]

    def _events(self, conn: Connection, doc_id: str) -> list[LifecycleEvent]:
        rows = conn.execute(select(events).where(events.c.doc_id == doc_id)
                            .order_by(events.c.ordinal)).mappings()
        return [_event(r) for r in rows]

    def node(self, doc_id: str, eid: str) -> Node | None:
        """The node with its subtree, or None (UnknownDocument if the document is not stored)."""
        self.summary(doc_id)
        with self._read() as conn:
            return self._tree(conn, doc_id).find(eid)

    def article(self, doc_id: str, number: int) -> Node | None:
        """Article ``number`` (第N条) of the document, with its paragraphs and points."""
        with self._read() as conn:
            eid = conn.execute(
                select(nodes.c.eid).where(nodes.c.doc_id == doc_id, nodes.c.kind == "article",
                                          nodes.c.number == number)
                .order_by(nodes.c.ordinal).limit(1)).scalar()
        if eid is None:
            self.summary(doc_id)  # UnknownDocument rather than None for a missing document
            return None
        return self.node(doc_id, eid)

    def label(self, doc_id: str, eid: str) -> str:
        """The node's citation inside its document (第九条第一款第（五）项)."""
        with self._read() as conn:
            return self._labels(conn, [(doc_id, eid)])[(doc_id, eid)]

    def _labels(self, conn: Connection, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Citations of several nodes from their ancestors and their articles' paragraphs only.
        An eId names its ancestors (chp_2__art_9__para_1 is under chp_2__art_9), so one query
        usually reads them all; parents it missed are read by ``parent_eid`` after."""
        rows: dict[tuple[str, str], _Row] = {}

        def fetch(keys: set[tuple[str, str]]) -> None:
            # one query for every document (a page of hits is in up to 20 of them)
            for d, *fields in _node_rows(conn, "eid", keys):
                rows[(d, fields[0])] = _Row(*fields)

        guess = {(d, "__".join(e.split("__")[:i])) for d, e in wanted
                 for i in range(len(e.split("__")) + 1)}
        fetch(guess)
        while missing := {(d, r.parent) for (d, _), r in rows.items()
                          if r.parent is not None and (d, r.parent) not in rows}:
            fetch(missing)
        articles = {(d, r.eid) for (d, _), r in rows.items() if r.kind == "article"}
        paragraphs: dict[tuple[str, str], list[_Row]] = {a: [] for a in articles}
        if articles:
            for d, *fields in _node_rows(conn, "parent_eid", articles,
                                         " AND kind = 'paragraph' ORDER BY doc_id, ordinal"):
                row = _Row(*fields)
                paragraphs[(d, row.parent)].append(row)
        out = {}
        for doc, eid in wanted:
            chain, row = [], rows.get((doc, eid))
            while row is not None and row.parent is not None:  # the root is not cited
                chain.append(row)
                row = rows.get((doc, row.parent))
            chain.reverse()
            siblings = {r.eid: paragraphs.get((doc, r.eid), []) for r in chain if r.kind == "article"}
            out[(doc, eid)] = citation_label(chain, siblings)
        return out

    # lookup ----------------------------------------------------------------------------
    def find_by_title(self, title: str) -> list[DocSummary]:
        """Documents titled exactly ``title``; failing that, equal once 《》 and blanks are dropped."""
        exact = self._summaries(documents.c.title == title)
        return exact or self._summaries(documents.c.title_key == title_key(title))

    def find_by_doc_number(self, number: str) -> list[DocSummary]:
        """Documents with this 文号 (blanks, bracket shapes and a stray 第 do not matter)."""
        exact = self._summaries(documents.c.doc_number == number)
        return exact or self._summaries(documents.c.doc_number_key == doc_number_key(number))

    def resolve(self, key: str) -> str:
        """A document id from an id, an alias, a 文号 or a title. UnknownDocument otherwise."""
        key = key.strip()
        with self._read() as conn:
            if conn.execute(select(documents.c.id).where(documents.c.id == key)).first():
                return key
            found = conn.execute(select(aliases.c.doc_id).where(aliases.c.alias == key)).scalar()
        if found:
            return found
        for matches in (self.find_by_doc_number(key), self.find_by_title(key)):
            ids = [s.id for s in matches]
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise UnknownDocument(f"{key!r} matches several documents: {', '.join(ids)}")
        raise UnknownDocument(f"no document {key!r} in the store (try `policykit list`)")

    # search ----------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50, *, offset: int = 0,
               doc_id: str | None = None) -> list[Hit]:
        """Nodes whose heading or text contains every blank-separated term of ``query``, best
        first (BM25, toolkit/db/search_text.py), hits ``offset`` to ``offset + limit``. Labels and
        snippets are made for those only. A term with no run of two or more letters (a single
        character, punctuation) has no postings: such a query scans the nodes."""
        terms = unique_terms(query)
        if not terms or limit <= 0:
            return []
        want = max(0, offset) + limit
        with self._read() as conn:
            idfs, drivers = self._weights(conn, terms)
            if idfs is None:
                return []
            if doc_id is not None or drivers is None:
                scored = [(c, score(c, idfs)) for c in self._scan(conn, terms, doc_id)]
                ranked = sorted(scored, key=sort_key)[max(0, offset):want]
            else:
                # terms the engine can compare as typed filter the postings it reads: hits only
                # (a 2-character term is the token of its own list: nothing to check there)
                check = all(stable(t) for t in terms)
                best = best_nodes(
                    terms, idfs, drivers, want,
                    lambda tok, after, n: search_index.read(
                        conn, tok, after, n, [t for t in terms if t != tok] if check else []),
                    lambda ids: search_index.texts(conn, ids),
                    lambda ids, n: search_index.members(conn, ids, n))[max(0, offset):]
                rows = search_index.fetch(conn, [node for *_, node in best])
                ranked = [(rows[node], s) for s, *_, node in best]
            labels = self._labels(conn, [(c.doc_id, c.eid) for c, _ in ranked]) if ranked else {}
        hits: list[Hit] = []
        for c, s in ranked:
            in_text = any(t in c.text.casefold() for t in terms)
            hits.append(Hit(
                doc_id=c.doc_id, eid=c.eid, kind=c.kind, label=labels[(c.doc_id, c.eid)],
                snippet=snippet(c.text if in_text else (c.heading or ""), terms),
                score=round(s, 6), page=c.page, file=c.file,
            ))
        return hits

    def count(self, query: str, *, doc_id: str | None = None) -> int:
        """How many nodes ``search`` finds for ``query``, without fetching them: a single
        two-character term is one row of the index; terms the engine can compare as they are
        (Chinese, digits) are counted by the engine over the postings of the rarest bigram; others
        are checked here."""
        terms = unique_terms(query)
        if not terms:
            return 0
        with self._read() as conn:
            tokens = {t: term_tokens(t) for t in terms}
            if doc_id is not None or not all(tokens.values()):
                return len(self._scan(conn, terms, doc_id))
            df = search_index.frequencies(conn, sorted({k for ts in tokens.values() for k in ts}))
            rarest = min(df, key=lambda k: (df[k], k))
            if df[rarest] == 0:
                return 0
            if len(terms) == 1 and tokens[terms[0]] == [terms[0]]:
                return df[rarest]  # a 2-character term is its own bigram
            if all(stable(t) for t in terms):
                return search_index.count_containing(conn, rarest, terms)
            return sum(n for t, n in search_index.holders(conn, rarest) if contains_all(t, terms))

    def _weights(self, conn: Connection, terms: list[str]
                 ) -> tuple[dict[str, float] | None, dict[str, str] | None]:
        """(term → idf, term → its rarest bigram); idfs None when some term is in no node, drivers
        None when some term has no bigram (its document frequency is then counted by a scan)."""
        tokens = {t: term_tokens(t) for t in terms}
        df = search_index.frequencies(conn, sorted({k for ts in tokens.values() for k in ts}))
        nodes_n = self._stats(conn).nodes
        idfs: dict[str, float] = {}
        drivers: dict[str, str] | None = {}
        for t in terms:
            if tokens[t]:
                driver = min(tokens[t], key=lambda k: (df[k], k))
                if df[driver] == 0:
                    return None, None
                idfs[t] = idf(nodes_n, df[driver])
                if drivers is not None:
                    drivers[t] = driver
            else:
                n = len(self._scan(conn, [t], None))
                if n == 0:
                    return None, None
                idfs[t] = idf(nodes_n, n)
                drivers = None
        return idfs, drivers

    def _scan(self, conn: Connection, terms: list[str], doc_id: str | None) -> list[Candidate]:
        """Every indexed node (or every node of one document) holding every term, read in full."""
        query = select(*search_index.CANDIDATE_COLUMNS).where(
            (nodes.c.text != "") | (func.coalesce(nodes.c.heading, "") != ""))
        if doc_id is not None:
            query = query.where(nodes.c.doc_id == doc_id)
        return [c for c in map(lambda r: Candidate(*r), conn.execute(query)) if contains_all(c, terms)]

    def _stats(self, conn: Connection) -> Stats:
        # The corpus statistics change only when a source is saved or deleted (each save stamps
        # ingested_at): a scan of the small sources table tells whether the cached ones still hold,
        # instead of a count of every node on every query.
        fingerprint = (*conn.execute(select(func.count(), func.max(sources.c.ingested_at))).one(),
                       conn.execute(select(func.max(nodes.c.id))).scalar())
        if self._stats_cache is not None and self._stats_cache[0] == fingerprint:
            return self._stats_cache[1]
        stats = Stats(search_index.count(conn))
        self._stats_cache = (fingerprint, stats)
        return stats


_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # the DB-API driver's own


def _node_rows(conn: Connection, column: str, keys: set[tuple[str, str]], extra: str = ""
               ) -> list[tuple[Any, ...]]:
    """Label rows of the nodes where (doc_id = d AND ``column`` IN (…)) OR …, one index lookup per
    branch on both engines (a row-value IN list is a scan on SQLite). Sent to the driver as plain
    SQL with its own placeholders: building an expression of this shape (new for every page of
    hits) cost SQLAlchemy more than the query itself."""
    mark = _PLACEHOLDER[conn.dialect.paramstyle]
    by_doc: dict[str, list[str]] = {}
    for d, e in sorted(keys):
        by_doc.setdefault(d, []).append(e)
    parts, params = [], []
    for d, es in by_doc.items():
        parts.append(f"(doc_id = {mark} AND {column} IN ({', '.join([mark] * len(es))}))")
        params += [d, *es]
    sql = ("SELECT doc_id, eid, parent_eid, kind, num, number, heading FROM nodes WHERE ("
           + " OR ".join(parts) + ")" + extra)
    return [tuple(r) for r in conn.exec_driver_sql(sql, tuple(params))]


def _event(r: Any) -> LifecycleEvent:
    return LifecycleEvent(
        type=r["type"], date=date.fromisoformat(r["date"]) if r["date"] else None,
        target=r["target"], source_doc=r["source_doc"], eid=r["eid"], quote=r["quote"],
        inferred=bool(r["inferred"]), note=r["note"],
    )


# --- row writers (module functions so a test can make one fail mid-save) ---------------------

def _check_unique_eids(doc: Document) -> None:
    seen: set[str] = set()
    for node in doc.root.walk():
        if node.eid in seen:
            raise StoreError(f"document {doc.id}: eId {node.eid!r} occurs twice")
        seen.add(node.eid)


def _delete_source(conn: Connection, index: Any, source_id: str) -> bool:
    index.delete_source(conn, source_id)
    return conn.execute(sources.delete().where(sources.c.id == source_id)).rowcount > 0


def _insert_source(conn: Connection, parsed: ParsedSourceLike) -> None:
    conn.execute(sources.insert().values(
        id=parsed.source_id, path=str(parsed.path), sha256=parsed.sha256, format=parsed.format,
        pages=parsed.pages, ocr=int(bool(parsed.ocr)), warnings=_encode(list(parsed.warnings)),
        meta=_encode(getattr(parsed, "meta", None) or {}),
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    ))


def _insert_document(conn: Connection, source_id: str, doc: Document) -> None:
    other = conn.execute(select(documents.c.source_id).where(documents.c.id == doc.id)).scalar()
    if other:
        raise StoreError(f"document {doc.id} is already stored from source {other}")
    conn.execute(documents.insert().values(
        id=doc.id, source_id=source_id, source=doc.source, position=doc.position, kind=doc.kind,
        title=doc.title, title_key=title_key(doc.title), doc_number=doc.doc_number,
        doc_number_key=doc_number_key(doc.doc_number) if doc.doc_number else None,
        issuers=_encode(doc.issuers), addressees=doc.addressees, signed=_fact_json(doc.signed),
        printed_by=doc.printed_by, printed=_fact_json(doc.printed), disclosure=doc.disclosure,
        cc=_encode(doc.cc), attachments=_encode(doc.attachments), parent=doc.parent,
        children=_encode(doc.children), effective=_fact_json(doc.effective),
        expires=_fact_json(doc.expires), validity=doc.validity, meta=_encode(doc.meta),
    ))
    for alias in _aliases(doc):
        taken = conn.execute(select(aliases.c.doc_id).where(aliases.c.alias == alias)).scalar()
        if taken:
            raise StoreError(f"alias {alias!r} of {doc.id} already names {taken}")
        conn.execute(aliases.insert().values(alias=alias, doc_id=doc.id))


def _flatten(root: Node) -> Iterator[tuple[Node, str | None, int]]:
    """(node, parent eid, depth) in document order, the root (parent None, depth 0) first."""
    stack: list[tuple[Node, str | None, int]] = [(root, None, 0)]
    while stack:
        node, parent, depth = stack.pop()
        yield node, parent, depth
        stack.extend((c, node.eid, depth + 1) for c in reversed(node.children))


def _insert_nodes(conn: Connection, doc: Document) -> None:
    rows = [
        {"doc_id": doc.id, "eid": node.eid, "parent_eid": parent, "ordinal": ordinal,
         "depth": depth, "kind": node.kind, "num": node.num, "number": node.number,
         "heading": node.heading, "text": node.text,
         "page": node.source.page if node.source else None,
         "line": node.source.line if node.source else None,
         "file": node.source.file if node.source else None}
        for ordinal, (node, parent, depth) in enumerate(_flatten(doc.root))
    ]
    ids = conn.execute(nodes.insert().returning(nodes.c.id, sort_by_parameter_order=True),
                       rows).scalars().all()
    search_index.add(conn, [(i, doc.id, r["ordinal"], r["heading"], r["text"])
                            for i, r in zip(ids, rows, strict=True)])


def _insert_span_rows(conn: Connection, doc_id: str, items: list[Span]) -> None:
    if items:
        conn.execute(spans.insert(), [
            {"doc_id": doc_id, "ordinal": i, "eid": s.eid, "start": s.start, "end": s.end,
             "label": s.label, "text": s.text, "data": _encode(s.data)}
            for i, s in enumerate(items)])


def _insert_spans(conn: Connection, doc: Document) -> None:
    _insert_span_rows(conn, doc.id, doc.spans)


def _insert_events(conn: Connection, doc: Document) -> None:
    if doc.events:
        conn.execute(events.insert(), [
            {"doc_id": doc.id, "ordinal": i, "type": e.type,
             "date": e.date.isoformat() if e.date else None, "target": e.target,
             "source_doc": e.source_doc, "eid": e.eid, "quote": e.quote,
             "inferred": int(e.inferred), "note": e.note}
            for i, e in enumerate(doc.events)])


def rebuild_index(conn: Connection) -> int:
    """Index every node again (after ``db copy``, by migration 0004, or to repair): returns the
    nodes indexed. A document at a time, so memory stays that of one document's postings."""
    search_index.clear(conn)
    total = 0
    for (doc,) in conn.execute(select(documents.c.id).order_by(documents.c.id)).all():
        rows = conn.execute(select(nodes.c.id, nodes.c.doc_id, nodes.c.ordinal, nodes.c.heading,
                                   nodes.c.text).where(nodes.c.doc_id == doc)
                            .order_by(nodes.c.ordinal)).all()
        total += search_index.add(conn, [tuple(r) for r in rows])
    return total
