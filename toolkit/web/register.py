"""The 发文登记簿 in the browser: filter, the SHA-256 of every file, downloads, void with a
reason, and "verify a document" (drop a PDF: intact / tampered / untrusted).

Calls ``toolkit.issuing.register.Register`` and ``toolkit.issuing.sign.verify_pdf_bytes`` as
``policykit register`` and ``policykit verify`` do. Clerks see and void only their offices'
numbers; admins see every office (and void only where they are also that office's clerk).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from toolkit.accounts.users import User
from toolkit.web import deps
from toolkit.web.offices import office_name
from toolkit.web.signing import signing_for

router = APIRouter(prefix="/register")

STATUS_NAMES = {"reserved": "已预留", "issued": "已签发", "voided": "已作废"}
EVENT_NAMES = {"reserved": "预留文号", "issued": "签发", "voided": "作废",
               "reissue-reason": "重新签发理由"}
ROLE_NAMES = {"docx": "DOCX", "pdf": "PDF"}


def _viewer(user: User) -> User:
    if not (user.has("clerk") or user.has("admin")):
        raise deps.Forbidden("发文登记簿只对经办人员和管理员开放")
    return user


def _may_see(user: User, office: str) -> bool:
    return user.has("admin") or office in user.offices


def _open(request: Request):
    from toolkit.issuing.register import Register

    return Register(deps.settings(request).db)


def _entry(request: Request, user: User, number: str):
    from toolkit.issuing.register import RegisterError

    with _open(request) as reg:
        try:
            entry = reg.get(number)
        except RegisterError:
            raise HTTPException(404, f"发文登记簿中没有 {number}") from None
        checks = {c.role: c.state for c in reg.check_files(entry.number)}
    if not _may_see(user, entry.office):
        deps.audit(request, user, "register_refused", f"{number} office={entry.office}")
        raise deps.Forbidden(f"{number} 属于“{office_name(entry.office)}”，您不是该机关的经办人员")
    return entry, checks


@router.get("")
def register_list(request: Request, user: deps.CurrentUser, office: str | None = None,
                  year: str | None = None, doc_type: str | None = None,
                  status: str | None = None) -> Response:
    _viewer(user)
    if office and not _may_see(user, office):
        deps.audit(request, user, "register_refused", f"office={office}")
        raise deps.Forbidden(f"您不是“{office_name(office)}”的经办人员，不能查看其发文登记簿")
    year_n = int(year) if year and year.isdigit() else None
    with _open(request) as reg:
        rows = reg.entries(office=office or None, year=year_n,
                           status=status if status in STATUS_NAMES else None)
    rows = [r for r in rows if _may_see(user, r.office)
            and (not doc_type or r.doc_type == doc_type)]
    from toolkit.issuing.numbering import load_offices

    offices = [o for o in load_offices() if _may_see(user, o.id)]
    types = sorted({r.doc_type for r in rows})
    return deps.render(request, "register.html", rows=rows, offices=offices, types=types,
                       office=office or "", year=year or "", doc_type=doc_type or "",
                       status=status or "", status_names=STATUS_NAMES, office_name=office_name)


@router.get("/verify")
def verify_page(request: Request, user: deps.CurrentUser) -> Response:
    return deps.render(request, "verify.html", result=None, error=None, match=None)


@router.post("/verify", dependencies=[Depends(deps.csrf)])
async def verify_upload(request: Request, user: deps.CurrentUser, file: UploadFile) -> Response:
    """Drop a PDF: the signature checked against the server's trust roots, and the register
    row whose SHA-256 it matches, if any."""
    import hashlib

    from toolkit.issuing.sign import VerifyError, verify_pdf_bytes

    limit = deps.settings(request).upload_limit
    data = await file.read(limit + 1)
    name = Path(file.filename or "upload.pdf").name
    deps.audit(request, user, "upload", f"verify {name} ({len(data)} bytes)")
    if len(data) > limit:
        return deps.render(request, "verify.html", 413, result=None, match=None,
                           error=f"{name}：文件超过 {limit // (1024 * 1024)} MB 的上限")
    if not data.startswith(b"%PDF-"):
        return deps.render(request, "verify.html", 415, result=None, match=None,
                           error=f"{name}：不是 PDF 文件")
    trust = list(signing_for(deps.settings(request)).trust) or None
    try:
        result = await run_in_threadpool(  # pyHanko runs its own event loop
            lambda: verify_pdf_bytes(data, trust_roots=trust, name=name))
    except VerifyError as e:
        return deps.render(request, "verify.html", 422, result=None, match=None,
                           error=f"{name}：{e}")
    digest = hashlib.sha256(data).hexdigest()
    match = None
    with _open(request) as reg:
        for entry in reg.entries():
            if any(f.sha256 == digest for f in entry.files) and _may_see(user, entry.office):
                match = entry
    return deps.render(request, "verify.html", result=result, error=None, match=match,
                       digest=digest, name=name)


@router.get("/{number}")
def register_entry(request: Request, number: str, user: deps.CurrentUser) -> Response:
    _viewer(user)
    entry, checks = _entry(request, user, number)
    with _open(request) as reg:
        entry = reg.get(entry.number)  # with its history
    return deps.render(request, "register_entry.html", entry=entry, checks=checks,
                       status_names=STATUS_NAMES, event_names=EVENT_NAMES, office_name=office_name, can_void=user.can_issue_for(entry.office)
                       and entry.status != "voided", error=None)


@router.get("/{number}/file/{role}")
def register_file(request: Request, number: str, role: str, user: deps.CurrentUser) -> Response:
    """A registered output. The path comes from the register, never from the address, and must
    lie inside the server's output folder."""
    _viewer(user)
    entry, _ = _entry(request, user, number)
    found = next((f for f in entry.files if f.role == role), None)
    if found is None:
        raise HTTPException(404, f"{number} 没有 {role} 文件")
    base = deps.settings(request).out_dir.resolve()
    path = Path(found.path).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise HTTPException(404, f"{number} 的 {role} 文件不在输出目录中")
    media = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    return FileResponse(path, media_type=media.get(role, "application/octet-stream"),
                        filename=path.name)


@router.post("/{number}/void", dependencies=[Depends(deps.csrf)])
async def register_void(request: Request, number: str, user: deps.Clerk) -> Response:
    from toolkit.issuing.register import RegisterError

    entry, checks = _entry(request, user, number)
    if not user.can_issue_for(entry.office):
        deps.audit(request, user, "void_refused", f"{number} office={entry.office}")
        raise deps.Forbidden(f"您不是“{office_name(entry.office)}”的经办人员，不能作废 {number}")
    form = await request.form()
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return deps.render(request, "register_entry.html", 422, entry=entry, checks=checks,
                           status_names=STATUS_NAMES, event_names=EVENT_NAMES, office_name=office_name, can_void=True,
                           error="请填写作废理由（记入发文登记簿）")
    try:
        with _open(request) as reg:
            reg.void(entry.number, reason)
    except RegisterError as e:
        return deps.render(request, "register_entry.html", 409, entry=entry, checks=checks,
                           status_names=STATUS_NAMES, event_names=EVENT_NAMES, office_name=office_name, can_void=False, error=str(e))
    deps.audit(request, user, "void", f"{entry.number}: {reason}")
    from urllib.parse import quote

    return RedirectResponse(f"/register/{quote(entry.number)}", status_code=303)
