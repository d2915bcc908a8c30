"""The notice desk: choose a notice type and an office, fill the form generated from the case
model, preview the pages as they will print, issue (文号, seal, PDF, signature, register).

Issuing calls ``toolkit.issuing.notice_issue`` exactly as ``policykit notice --pdf`` does. A
clerk issues only for an office they are bound to; a wrong field is shown beside the field and
no number is taken.
"""

from __future__ import annotations

import base64
import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from toolkit.accounts.users import User
from toolkit.web import deps
from toolkit.web.forms import data_to_form, field_messages, form_to_data, model_fields
from toolkit.web.offices import office_name
from toolkit.web.signing import signing_for

router = APIRouter(prefix="/desk")

PLACEHOLDER_NUMBER = "（文号签发时分配）"
PREVIEW_SCALE = 1.4  # ≈100 dpi: readable on screen, light enough to send inline


def _types():
    from toolkit.documents.doctypes import of_kind

    return of_kind("notice")


def _doc_type(key: str):
    types = _types()
    if key not in types:
        raise HTTPException(404, f"没有文书类型 {key}")
    return types[key]


def _offices():
    from toolkit.issuing.numbering import load_offices

    return load_offices()


def _office_choices(user: User):
    """The offices the form offers: a clerk's own; everyone else may preview for any."""
    offices = list(_offices())
    if user.has("clerk"):
        return [o for o in offices if o.id in user.offices]
    return offices


@router.get("")
def desk_home(request: Request, user: deps.CurrentUser) -> Response:
    from toolkit.web.agreements import agreement_types

    return deps.render(request, "desk.html", types=_types(), offices=_office_choices(user),
                       agreements=agreement_types())


def _form_page(request: Request, user: User, doc, values: dict[str, str], office: str | None,
               errors: dict[str, list[str]] | None = None, general: list[str] | None = None,
               status_code: int = 200, preview: list[str] | None = None, warnings=(),
               reissue_offer: bool = False) -> Response:
    return deps.render(request, "desk_form.html", status_code, doc=doc,
                       fields=model_fields(doc.model, filled=values), values=values,
                       errors=errors or {}, general=general or [], office=office,
                       offices=_office_choices(user), preview=preview or [],
                       warnings=list(warnings), can_issue=bool(office) and user.can_issue_for(office),
                       reissue_offer=reissue_offer or values.get("reissue") == "1")


@router.post("/from-decision", dependencies=[Depends(deps.csrf)])
async def desk_from_decision(request: Request, user: deps.CurrentUser) -> Response:
    """The desk form for a notice drafted from a decision: its region and date filled in, its
    grounds and citations carried (hidden) to preview and issue."""
    import json

    values = await _posted(request)
    doc = _doc_type(values.get("doc_type", ""))
    if not doc.decision:
        raise HTTPException(400, f"{doc.name}不接受决定")
    try:
        decided = json.loads(values.get("decision", ""))
    except ValueError:
        raise HTTPException(400, "不是有效的决定") from None
    filled = {"decision": values["decision"], "date": dt.date.today().isoformat()}
    if isinstance(decided, dict):
        filled |= {k: str(decided[k]) for k in ("region", "date") if decided.get(k)}
        name = (decided.get("applicant") or {}).get("name") if isinstance(
            decided.get("applicant"), dict) else None
        if name:
            filled |= {"applicant.name": name, "addressee": name}
    office = user.offices[0] if user.offices else None
    if office:
        filled["issuer.name"] = _offices().get(office).name
    return _form_page(request, user, doc, filled, office)


@router.get("/{doc_type}")
def desk_form(request: Request, doc_type: str, user: deps.CurrentUser, office: str | None = None,
              example: bool = False) -> Response:
    doc = _doc_type(doc_type)
    values: dict[str, str] = {"date": dt.date.today().isoformat()}
    if example:
        from toolkit.documents.cases import read_data

        values = data_to_form(read_data(doc.example))
    chosen = office or (user.offices[0] if user.offices else None)
    if chosen and not values.get("issuer.name"):
        try:
            values["issuer.name"] = _offices().get(chosen).name
        except Exception:
            chosen = None
    return _form_page(request, user, doc, values, chosen)


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _decision(values: dict[str, str]):
    """The decision a form carries (drafted from the decide page), or None."""
    import json

    from pydantic import ValidationError

    from toolkit.documents.cases import CaseError, explain
    from toolkit.documents.decision import Decision

    raw = values.get("decision")
    if not raw:
        return None
    try:
        return Decision.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as e:
        problems = explain(Decision, e) if isinstance(e, ValidationError) else ["不是有效的决定"]
        raise CaseError("决定", problems) from None


def _prepare(doc, values: dict[str, str], office_id: str | None, settings):
    """The validated, prepared notice, or (field errors, general errors). Nothing is numbered."""
    from toolkit.corpus import Corpus, CorpusError
    from toolkit.documents.basis import DocumentError
    from toolkit.documents.cases import CaseError, parse_case
    from toolkit.issuing.notice_issue import OfficeError, find_office, prepare_notice, with_issuer

    offices = _offices()
    data = form_to_data(doc.model, values)
    try:
        office = find_office(offices, office_id) if office_id else None
        case = parse_case(with_issuer(data, office), "网页表单", doc.key)
        decision = _decision(values)
        corpus = Corpus.open(settings.db)
        prepared = prepare_notice(doc.key, case, corpus, offices, office=office_id,
                                  case_id=case.case_id, decision=decision)
    except CaseError as e:
        return None, *field_messages(e.problems)
    except (OfficeError, DocumentError, CorpusError) as e:
        return None, {}, [str(e)]
    return prepared, {}, []


def preview_pages(docx: bytes) -> list[str]:
    """The DOCX as it will print: PDF by LibreOffice, each page a PNG data URI."""
    import io

    import pypdfium2

    from toolkit.issuing.pdf import docx_to_pdf_bytes

    (pdf,) = docx_to_pdf_bytes([docx])
    pages = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=PREVIEW_SCALE).to_pil()
            buf = io.BytesIO()
            image.save(buf, format="PNG", optimize=True)
            pages.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    finally:
        document.close()
    return pages


@router.post("/{doc_type}/preview", dependencies=[Depends(deps.csrf)])
async def desk_preview(request: Request, doc_type: str, user: deps.CurrentUser) -> Response:
    doc = _doc_type(doc_type)
    values = await _posted(request)
    office = values.get("office") or None
    prepared, errors, general = await run_in_threadpool(_prepare, doc, values, office,
                                                        deps.settings(request))
    if prepared is None:
        return _form_page(request, user, doc, values, office, errors, general, 422)
    from toolkit.issuing.pdf import ConversionError, LibreOfficeMissing

    try:  # LibreOffice and rendering block: off the event loop
        pages = await run_in_threadpool(lambda: preview_pages(prepared.render(PLACEHOLDER_NUMBER)))
    except (ConversionError, LibreOfficeMissing) as e:
        return _form_page(request, user, doc, values, office, {}, [f"无法生成预览：{e}"], 503)
    return _form_page(request, user, doc, values, office, preview=pages,
                      warnings=prepared.warnings)


REISSUE_HINT = "如确需重新签发，请勾选下方“重新签发”并写明理由（原文号作废，新文号记为重新签发）"


@router.post("/{doc_type}/issue", dependencies=[Depends(deps.csrf)])
async def desk_issue(request: Request, doc_type: str, user: deps.Clerk) -> Response:
    """签发, or with ``reissue=1`` and a reason 重新签发 a case already issued (as the CLI's
    ``--reissue``): a new number recorded as the reissue of the case's last one, which is
    voided when the new one is issued; the reason goes into the register and the audit log."""
    from dataclasses import replace

    from toolkit.issuing.issue import IssueOptions
    from toolkit.issuing.notice_issue import REISSUE_HINT as CLI_REISSUE_HINT
    from toolkit.issuing.notice_issue import already_issued_reason, issue_notices, issued_by_case
    from toolkit.issuing.register import Register

    doc = _doc_type(doc_type)
    values = await _posted(request)
    office = values.get("office") or None
    reissue = values.get("reissue") == "1"
    reason = (values.get("reissue_reason") or "").strip()
    if not office:
        return _form_page(request, user, doc, values, office, {"office": ["请选择发文机关"]}, [], 422)
    if not user.can_issue_for(office):
        deps.audit(request, user, "issue_refused", f"{doc.key} office={office}")
        raise deps.Forbidden(f"您不是“{office_name(office)}”的经办人员，不能以该机关名义签发")
    if reissue and not reason:
        return _form_page(request, user, doc, values, office,
                          {"reissue_reason": ["重新签发须写明理由（记入发文登记簿和审计日志）"]},
                          [], 422, reissue_offer=True)
    settings = deps.settings(request)
    prepared, errors, general = await run_in_threadpool(_prepare, doc, values, office, settings)
    if prepared is None:
        return _form_page(request, user, doc, values, office, errors, general, 422,
                          reissue_offer=reissue)
    if reissue and not prepared.case_id:
        return _form_page(request, user, doc, values, office,
                          {"case_id": ["重新签发须填写案件编号：据此找到原文号"]}, [], 422,
                          reissue_offer=True)
    signing = signing_for(settings)
    options = IssueOptions(sign=signing.signer, reason=prepared.doc.name)
    from toolkit.cli.issuing import issuing_errors

    def issue():
        """("refused" | "forbidden" | "nothing", message) or the outcome."""
        with Register(settings.db) as reg:
            earlier = issued_by_case(reg).get((prepared.case_id, prepared.doc.name), [])
            notice = prepared
            if reissue:
                if not earlier:
                    return "nothing", (f"案件 {prepared.case_id} 没有已签发的{doc.name}，无可重新签发，"
                                       "未占用文号")
                old = earlier[-1]
                if not user.can_issue_for(old.office):
                    return "forbidden", (f"{old.number} 属于“{office_name(old.office)}”，您不是该机关"
                                         "的经办人员，不能重新签发")
                notice = replace(prepared, reissue_of=old.number, reissue_reason=reason)
            elif prepared.case_id and earlier:  # a second notice for one case: refused, as the CLI does
                return "refused", already_issued_reason(prepared.case_id, earlier)
            (outcome,) = issue_notices([notice], register=reg,
                                       out_dir=settings.out_dir / "issued", offices=_offices(),
                                       options=options)
        # another run of this case took its number between the check above and ours
        return ("refused", outcome.error) if outcome.status == "refused" else outcome

    try:  # in a worker thread: LibreOffice blocks, and pyHanko runs its own event loop
        outcome = await run_in_threadpool(issue)
    except issuing_errors() as e:  # e.g. LibreOffice missing: before or instead of a number
        deps.audit(request, user, "issue_failed", f"{doc.key}: {e}")
        return _form_page(request, user, doc, values, office, {}, [f"未能签发：{e}"], 503)
    if isinstance(outcome, tuple):
        kind, message = outcome
        deps.audit(request, user, "issue_refused", f"{doc.key}: {message}")
        if kind == "forbidden":
            raise deps.Forbidden(message)
        if kind == "nothing":
            return _form_page(request, user, doc, values, office, {"reissue": [message]}, [], 422,
                              reissue_offer=True)
        hint = message.replace(CLI_REISSUE_HINT, REISSUE_HINT)
        return _form_page(request, user, doc, values, office,
                          {"case_id": [message.split("：")[0] + "：已签发"]}, [hint], 409,
                          reissue_offer=True)
    if outcome.status == "issued" and reissue:
        deps.audit(request, user, "reissue", f"{outcome.number} reissues {outcome.entry.reissue_of}"
                                             f" {doc.key} case={prepared.case_id}: {reason}")
    else:
        deps.audit(request, user, "issue", f"{outcome.number} {outcome.status} {doc.key} "
                                           f"case={prepared.case_id or '-'}")
    return deps.render(request, "desk_issued.html", 200 if outcome.status == "issued" else 500,
                       doc=doc, outcome=outcome, warnings=prepared.warnings,
                       findings=[f for f in outcome.findings if f.severity == "warning"],
                       test_cert=signing.test, signed=signing.signer is not None,
                       reissue_of=outcome.entry.reissue_of if outcome.entry else None,
                       reissue_reason=reason if reissue else None)
