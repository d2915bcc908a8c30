"""Compare pages: choose two or more rules; the key differences first (rows that differ before
rows that agree, filtered), then the aligned articles side by side with redlines, and the HTML,
DOCX and CSV reports as downloads — ``toolkit.compare`` as ``policykit compare`` calls it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from toolkit.store import Store, StoreError
from toolkit.web import deps
from toolkit.web.cache import MEMO, fingerprint
from toolkit.web.present import node_url

router = APIRouter(prefix="/compare")

Docs = Annotated[list[str], Query()]  # ?d=gd-measure&d=js-rules: a URL that can be emailed

# Key-difference rows in this order: what differs first, then what only some state, then agreement.
STATUS_ORDER = {"different": 0, "partial": 1, "only": 2, "same": 3}
FILTERS = {"different": ("different",), "only": ("partial", "only"),
           "all": tuple(STATUS_ORDER)}
FILTER_NAMES = {"different": "有差异", "only": "仅部分地区规定", "all": "全部"}


def _rules(store: Store) -> list:
    return [s for s in store.documents() if s.articles]


def _ids(store: Store, keys: list[str]) -> list[str]:
    ids = []
    for key in keys:
        try:
            doc_id = store.resolve(key)
        except StoreError:
            raise HTTPException(404, f"没有文件 {key}") from None
        if not store.summary(doc_id).articles:
            raise HTTPException(404, f"{doc_id} 没有条文，不能对比（请选择规章或细则本身）")
        if doc_id not in ids:
            ids.append(doc_id)
    return ids


def alignment_for(store: Store, ids: list[str]):
    """(alignment, parameters) for the documents, memoised per store state."""
    def make():
        from toolkit.compare.align import align
        from toolkit.compare.params_table import alignment_parameters

        documents = [store.document(i) for i in ids]
        alignment = align(documents)
        return alignment, alignment_parameters(alignment)

    return MEMO.get(("compare", tuple(ids), fingerprint(store)), make)


def key_rows(parameters: list, show: str) -> list:
    wanted = FILTERS.get(show, FILTERS["different"])
    rows = [p for p in parameters if p.status in wanted]
    return sorted(rows, key=lambda p: STATUS_ORDER.get(p.status, 9))  # stable: keeps key order


@router.get("")
def compare_page(request: Request, user: deps.CurrentUser, store: deps.StoreDep,
                 d: Docs = [], show: str = "different") -> Response:  # noqa: B006 (FastAPI copies it)
    rules = _rules(store)
    if len(d) < 2:
        return deps.render(request, "compare.html", rules=rules, chosen=d, result=None,
                           error="请至少选择两个文件" if d else None, show=show,
                           filters=FILTER_NAMES)
    ids = _ids(store, d)
    alignment, parameters = alignment_for(store, ids)
    from toolkit.compare.params_table import provision_of
    from toolkit.compare.redline import row_redlines

    rows = []
    for number, row in enumerate(alignment.rows, 1):
        if row.aligned:
            rows.append((number, row, row_redlines(row.members)))
    query = urlencode([("d", i) for i in ids])
    counts = {k: len(key_rows(parameters, k)) for k in FILTERS}
    return deps.render(request, "compare.html", rules=rules, chosen=ids, error=None, show=show,
                       filters=FILTER_NAMES, result=alignment, params=key_rows(parameters, show),
                       counts=counts, rows=rows, query=query, node_url=node_url,
                       provision_of=provision_of,
                       only={doc.id: alignment.only_rows(doc.id) for doc in alignment.documents})


MEDIA = {"html": "text/html; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "csv": "text/csv; charset=utf-8"}


@router.get("/report.{fmt}")
def compare_report(fmt: str, user: deps.CurrentUser, store: deps.StoreDep,
                   d: Docs = []) -> Response:  # noqa: B006
    """The CLI's --html/--docx/--csv report, built in memory (nothing on disk to traverse)."""
    if fmt not in MEDIA:
        raise HTTPException(404, f"没有 {fmt} 格式的报告")
    if len(d) < 2:
        raise HTTPException(400, "请至少选择两个文件")
    ids = _ids(store, d)
    alignment, parameters = alignment_for(store, ids)
    if fmt == "html":
        from toolkit.compare.report_html import html_bytes

        data = html_bytes(alignment, parameters)
    elif fmt == "docx":
        from toolkit.compare.report_docx import docx_bytes

        data = docx_bytes(alignment, parameters)
    else:
        from toolkit.compare.export import csv_bytes

        data = csv_bytes(alignment, parameters)
    name = "compare-" + "-".join(ids) + f".{fmt}"
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
