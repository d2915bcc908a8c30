"""Corpus pages: the document list with chains and validity, a document's article tree, one node
by permalink, and search. Everything comes from ``toolkit.store.Store`` and
``toolkit.versions.status`` as the CLI's ``list``, ``show`` and ``search`` use them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from toolkit.citations import label_of, path_to
from toolkit.store import Store, StoreError, UnknownDocument
from toolkit.web import cache, deps
from toolkit.web.present import (
    citation_text,
    head_of,
    linked_text,
    node_url,
    refs_by_node,
    snippet_segments,
)

router = APIRouter()

SEARCH_PAGE = 50


def parse_day(text: str | None) -> tuple[date, str | None]:
    """(the date asked for, or today; a message when the text is not a date)."""
    if not text:
        return date.today(), None
    try:
        return date.fromisoformat(text.strip()), None
    except ValueError:
        return date.today(), f"“{text}”不是 YYYY-MM-DD 格式的日期，已按今天显示"


def _regions() -> dict[str, str]:
    from toolkit.cli.corpus import _region_names

    return _region_names()


def _depth(s, by_id: dict, seen: frozenset = frozenset()) -> int:
    parent = by_id.get(s.parent)
    if parent is None or s.id in seen:
        return 0
    return _depth(parent, by_id, seen | {s.id}) + 1


def _chains(docs: list) -> list[list[tuple[int, object]]]:
    """Documents grouped by source file, each in chain order with its depth (notice → attachment
    → rule), so the list shows what forwards what."""
    by_source: dict[str, list] = {}
    for s in docs:
        by_source.setdefault(s.source, []).append(s)
    out = []
    for members in by_source.values():
        by_id = {s.id: s for s in members}
        out.append([(_depth(s, by_id), s) for s in sorted(members, key=lambda s: s.position)])
    return out


@router.get("/")
def home(user: deps.CurrentUser) -> Response:
    return RedirectResponse("/docs", status_code=303)


@router.get("/docs")
def documents(request: Request, user: deps.CurrentUser, store: deps.StoreDep,
              on: str | None = None) -> Response:
    day, date_error = parse_day(on)
    docs = cache.summaries(store)
    states = {s.id: cache.status_lines(store, s.id, day) for s in docs}
    return deps.render(request, "docs.html", chains=_chains(docs), states=states, day=day,
                       date_error=date_error, regions=_regions())


def _document(store: Store, doc_id: str):
    try:
        return cache.document(store, doc_id)
    except UnknownDocument:
        raise HTTPException(404, f"没有文件 {doc_id}") from None


def _context(store: Store, doc, day: date) -> dict:
    st, evidence = cache.status_lines(store, doc.id, day)
    chain = [s for s in cache.summaries(store) if s.source == doc.source]
    return {"doc": doc, "number": cache.publishing_number(store, doc), "status": st,
            "evidence": evidence, "chain": chain,
            "refs": refs_by_node(doc), "linked_text": linked_text, "head_of": head_of,
            "node_url": node_url, "day": day}


@router.get("/doc/{doc_id}")
def document_page(request: Request, doc_id: str, user: deps.CurrentUser,
                  store: deps.StoreDep, on: str | None = None) -> Response:
    key = doc_id
    try:
        doc_id = store.resolve(key)
    except StoreError:
        raise HTTPException(404, f"没有文件 {key}") from None
    if doc_id != key:  # an alias or 文号 in the address: send to the stable one
        return RedirectResponse(node_url(doc_id), status_code=301)
    day, date_error = parse_day(on)
    doc = _document(store, doc_id)
    ctx = _context(store, doc, day)
    return deps.render(request, "doc.html", nodes=doc.root.children, focus=None,
                       date_error=date_error, **ctx)


@router.get("/doc/{doc_id}/{eid}")
def node_page(request: Request, doc_id: str, eid: str, user: deps.CurrentUser,
              store: deps.StoreDep) -> Response:
    doc = _document(store, doc_id)
    node = doc.node(eid)
    if node is None:
        raise HTTPException(404, f"{doc_id} 中没有 {eid}")
    ctx = _context(store, doc, date.today())
    trail = path_to(doc, eid)
    label = label_of(trail)  # the store's citation grammar, from the tree in hand
    crumbs = [(n, label_of(trail[:i + 1]) or head_of(n)) for i, n in enumerate(trail[:-1])]
    return deps.render(request, "node.html", node=node, label=label, crumbs=crumbs,
                       citation=citation_text(doc.title, ctx["number"], label),
                       nodes=[node], focus=eid, date_error=None, **ctx)


@router.get("/search")
def search(request: Request, user: deps.CurrentUser, store: deps.StoreDep, q: str = "",
           doc: str | None = None, page: int = 1) -> Response:
    query = q.strip()[:200]
    hits, total, scope, error = [], 0, None, None
    if doc:
        try:
            scope = store.resolve(doc)
        except StoreError:
            error = f"没有文件 {doc}"
    if query and error is None:
        # one page of hits with its labels; the rest is only counted
        total = store.count(query, doc_id=scope)
        page = max(1, page)
        hits = store.search(query, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE, doc_id=scope)
    titles = {s.id: s.title for s in cache.summaries(store)}
    template = "search_hits.html" if request.headers.get("hx-request") else "search.html"
    return deps.render(request, template, q=query, hits=hits, total=total, page=page,
                       per_page=SEARCH_PAGE, scope=scope, error=error, titles=titles,
                       segments=snippet_segments, node_url=node_url,
                       docs=cache.summaries(store))
