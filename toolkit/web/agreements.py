"""Agreement drafts on the desk (医疗保障服务协议, “互联网+”补充协议): the form generated from the
agreement's case model, messages beside the fields, a preview of the pages as they will print,
and the draft as DOCX or PDF.

The same calls as ``policykit agreement`` (``toolkit.documents``): the clauses quote the corpus
for the draft's region on its date. A draft has no 文号 and is not registered: nothing is kept
on the server, the file is made from the posted form and handed back.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from toolkit.accounts.users import User
from toolkit.web import deps
from toolkit.web.forms import data_to_form, field_messages, form_to_data, model_fields

router = APIRouter(prefix="/desk/agreement")

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf"}


def agreement_types():
    from toolkit.documents.doctypes import of_kind

    return of_kind("agreement")


def _doc_type(key: str):
    types = agreement_types()
    if key not in types:
        raise HTTPException(404, f"没有协议类型 {key}")
    return types[key]


def _page(request: Request, doc, values: dict[str, str], errors=None, general=None,
          status_code: int = 200, preview=None, warnings=()) -> Response:
    return deps.render(request, "agreement_form.html", status_code, doc=doc,
                       fields=model_fields(doc.model, filled=values), values=values,
                       errors=errors or {}, general=general or [], preview=preview or [],
                       warnings=list(warnings))


@router.get("/{key}")
def agreement_form(request: Request, key: str, user: deps.CurrentUser,
                   example: bool = False) -> Response:
    doc = _doc_type(key)
    values: dict[str, str] = {"date": dt.date.today().isoformat()}
    if example:
        from toolkit.documents.cases import read_data

        values = data_to_form(read_data(doc.example))
        values.pop("type", None)
    return _page(request, doc, values)


def draft(doc, values: dict[str, str], db: str):
    """(DOCX bytes, case, warnings), or (None, field errors, general errors)."""
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.documents.basis import DocumentError
    from toolkit.documents.cases import CaseError, parse_case
    from toolkit.documents.render import build_context, render_bytes

    try:
        case = parse_case(form_to_data(doc.model, values), "网页表单", doc.key)
        context, warnings = build_context(doc, case, Corpus.open(db))
        return render_bytes(doc.template, context), case, list(warnings)
    except CaseError as e:
        return None, *field_messages(e.problems)
    except (DocumentError, CorpusError) as e:
        return None, {}, [str(e)]


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/{key}/preview", dependencies=[Depends(deps.csrf)])
async def agreement_preview(request: Request, key: str, user: deps.CurrentUser) -> Response:
    from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing
    from toolkit.web.desk import preview_pages

    doc = _doc_type(key)
    values = await _posted(request)
    docx, *rest = await run_in_threadpool(draft, doc, values, deps.settings(request).db)
    if docx is None:
        return _page(request, doc, values, rest[0], rest[1], 422)
    try:
        pages = await run_in_threadpool(preview_pages, docx)
    except (ConversionError, LibreOfficeMissing) as e:
        return _page(request, doc, values, {}, [f"无法生成预览：{e}"], 503)
    return _page(request, doc, values, preview=pages, warnings=rest[1])


@router.post("/{key}/download", dependencies=[Depends(deps.csrf)])
async def agreement_download(request: Request, key: str, user: deps.CurrentUser) -> Response:
    """The draft as ``format`` = docx | pdf, named as ``policykit agreement`` names it."""
    from toolkit.documents.render import output_name
    from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing, docx_to_pdf_bytes

    doc = _doc_type(key)
    values = await _posted(request)
    fmt = values.get("format", "docx")
    if fmt not in MEDIA:
        raise HTTPException(400, f"不支持的格式 {fmt}")
    docx, *rest = await run_in_threadpool(draft, doc, values, deps.settings(request).db)
    if docx is None:
        return _page(request, doc, values, rest[0], rest[1], 422)
    case = rest[0]
    data = docx
    if fmt == "pdf":
        try:
            (data,) = await run_in_threadpool(docx_to_pdf_bytes, [docx])
        except (ConversionError, LibreOfficeMissing) as e:
            return _page(request, doc, values, {}, [f"无法生成 PDF：{e}"], 503)
    name = output_name(doc.key, case).removesuffix(".docx") + f".{fmt}"
    _audit(request, user, doc, case, fmt)
    return Response(data, media_type=MEDIA[fmt], headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _audit(request: Request, user: User, doc, case, fmt: str) -> None:
    deps.audit(request, user, "agreement_draft",
               f"{doc.key} {case.agreement_no} {case.region} {fmt}")
