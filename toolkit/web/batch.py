"""Batch issuing from an uploaded XLSX/CSV: the upload (size and type checked), a background
job whose state lives in the store (the progress bar survives a reload and a restart), the
per-row outcome and the ZIP."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response

from toolkit.accounts.users import User
from toolkit.web import deps
from toolkit.web.offices import office_name

router = APIRouter(prefix="/desk/batch")

SUFFIXES = {".xlsx": b"PK\x03\x04", ".csv": None}
STAGES = {"validate": "检查各行", "render": "编号、生成 DOCX", "pdf": "盖章、转 PDF、检查、签名",
          "extract": "登记簿摘录与 ZIP"}


def _jobs(request: Request):
    return request.app.state.jobs


def _safe_name(name: str) -> str:
    """The upload's own name without any folder part or odd characters (never a path)."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base)[:100] or "cases"


def _check_table(name: str, data: bytes, limit: int) -> str | None:
    """Why the upload is refused, or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return f"{name}：只接受 .xlsx 或 .csv 案件表"
    if len(data) > limit:
        return f"{name}：文件超过 {limit // (1024 * 1024)} MB 的上限"
    magic = SUFFIXES[suffix]
    if magic and not data.startswith(magic):
        return f"{name}：不是 XLSX 文件"
    if suffix == ".csv":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return f"{name}：CSV 应为 UTF-8 编码"
    return None


def _job_for(request: Request, user: User, job_id: str):
    job = _jobs(request).get(job_id) if re.fullmatch(r"[0-9a-f]{32}", job_id) else None
    if job is None or job.kind != "batch":
        raise HTTPException(404, "没有这项批量任务")
    if job.owner != user.username and not user.has("admin"):
        if not user.can_issue_for(job.params.get("office", "")):
            raise deps.Forbidden("这项批量任务属于其他机关")
    return job


@router.get("")
def batch_page(request: Request, user: deps.Clerk) -> Response:
    from toolkit.documents.doctypes import of_kind
    from toolkit.web.desk import _office_choices

    return deps.render(request, "batch.html", types=of_kind("notice"),
                       offices=_office_choices(user), error=None,
                       jobs=_jobs(request).list(owner=user.username, kind="batch", limit=20))


@router.post("", dependencies=[Depends(deps.csrf)])
async def batch_upload(request: Request, user: deps.Clerk, file: UploadFile) -> Response:
    from toolkit.documents.doctypes import of_kind
    from toolkit.web.desk import _office_choices

    settings = deps.settings(request)
    form = await request.form()
    doc_type, office = str(form.get("doc_type", "")), str(form.get("office", ""))
    data = await file.read(settings.upload_limit + 1)
    name = _safe_name(file.filename or "cases.csv")
    deps.audit(request, user, "upload", f"batch {name} ({len(data)} bytes) {doc_type} "
                                       f"office={office}")

    def refuse(message: str, code: int) -> Response:
        return deps.render(request, "batch.html", code, types=of_kind("notice"),
                           offices=_office_choices(user), error=message,
                           jobs=_jobs(request).list(owner=user.username, kind="batch", limit=20))

    if doc_type not in of_kind("notice"):
        return refuse("请选择文书类型", 422)
    if not user.can_issue_for(office):
        deps.audit(request, user, "issue_refused", f"batch office={office}")
        raise deps.Forbidden(f"您不是“{office_name(office)}”的经办人员，不能以该机关名义签发")
    problem = _check_table(name, data, settings.upload_limit)
    if problem:
        return refuse(problem, 413 if "上限" in problem else 415)
    from toolkit.fileio import atomic_write
    from toolkit.jobs.store import new_id

    job_id = new_id()
    table = atomic_write(settings.uploads / job_id / name, data)
    params = {"doc_type": doc_type, "office": office, "name": name, "table": str(table),
              "out_dir": str(settings.out_dir / "batches" / job_id)}
    _jobs(request).submit("batch", params, owner=user.username, job_id=job_id)
    request.app.state.runner.start(job_id)
    return RedirectResponse(f"/desk/batch/{job_id}", status_code=303)


@router.get("/{job_id}")
def batch_job_page(request: Request, job_id: str, user: deps.CurrentUser) -> Response:
    job = _job_for(request, user, job_id)
    template = "batch_progress.html" if request.headers.get("hx-request") else "batch_job.html"
    waiting = None
    if job.state == "queued":  # a PostgreSQL store's jobs wait for a `policykit worker`
        reason = getattr(request.app.state.runner, "waiting_reason", None)
        waiting = reason() if callable(reason) else None
    return deps.render(request, template, job=job, stages=STAGES, waiting=waiting)


@router.get("/{job_id}/zip")
def batch_zip(request: Request, job_id: str, user: deps.CurrentUser) -> Response:
    job = _job_for(request, user, job_id)
    path = Path((job.result or {}).get("zip") or "")
    base = deps.settings(request).out_dir.resolve()
    if not job.result or not path.name or not path.resolve().is_relative_to(base) \
            or not path.is_file():
        raise HTTPException(404, "这项任务没有 ZIP 文件")
    return FileResponse(path, media_type="application/zip", filename=path.name)
