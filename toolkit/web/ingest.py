"""Ingest from the browser: a drafter or an admin uploads PDF/DOCX/TXT/MD files (size and type
checked as the batch upload is); a background job (``toolkit.jobs.ingest_job``) admits and
stores them as ``policykit ingest`` does, its progress and outcome in the store's jobs table so
a reload or a restart shows them. A changed text of a known source is refused with its article
diff; storing it as a new version is an explicit second step (a new job with
``--new-version`` semantics). Readers and clerks cannot ingest."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from toolkit.accounts.users import User
from toolkit.web import deps
from toolkit.web.batch import _safe_name

router = APIRouter(prefix="/ingest")

# What each accepted suffix must start with (None: text, checked as UTF-8).
SUFFIXES = {".pdf": b"%PDF-", ".docx": b"PK\x03\x04", ".txt": None, ".md": None}
MAX_FILES = 50
STAGES = {"parse": "解析、核对并入库", "link": "解析跨文件引用"}


def check_file(name: str, data: bytes, limit: int) -> str | None:
    """Why an uploaded file is refused, or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return f"{name}：只接受 .pdf、.docx、.txt 或 .md 文件"
    if len(data) > limit:
        return f"{name}：文件超过 {limit // (1024 * 1024)} MB 的上限"
    if not data:
        return f"{name}：文件是空的"
    magic = SUFFIXES[suffix]
    if magic and not data.startswith(magic):
        return f"{name}：不是 {suffix[1:].upper()} 文件"
    if magic is None:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return f"{name}：文本文件应为 UTF-8 编码"
    return None


def _jobs(request: Request):
    return request.app.state.jobs


def _job_for(request: Request, job_id: str):
    job = _jobs(request).get(job_id) if re.fullmatch(r"[0-9a-f]{32}", job_id) else None
    if job is None or job.kind != "ingest":
        raise HTTPException(404, "没有这项导入任务")
    return job


def _form(request: Request, user: User, status: int = 200, errors: list[str] | None = None):
    jobs = [j for j in _jobs(request).list(owner=None if user.has("admin") else user.username,
                                           limit=60) if j.kind == "ingest"][:20]
    return deps.render(request, "ingest.html", status, errors=errors or [], jobs=jobs,
                       limit_mb=deps.settings(request).upload_limit // (1024 * 1024),
                       max_files=MAX_FILES)


@router.get("")
def ingest_page(request: Request, user: deps.Drafter) -> Response:
    return _form(request, user)


def _submit(request: Request, user: User, files: list[dict[str, str]], *, new_version: bool,
            job_id: str, retry_of: str | None = None) -> str:
    params = {"files": files, "new_version": new_version, "owner": user.username,
              "job_id": job_id, "manifest": True}
    if retry_of:
        params["retry_of"] = retry_of
    _jobs(request).submit("ingest", params, owner=user.username, job_id=job_id)
    request.app.state.runner.start(job_id)
    return job_id


@router.post("", dependencies=[Depends(deps.csrf)])
async def ingest_upload(request: Request, user: deps.Drafter,
                        files: list[UploadFile]) -> Response:
    from toolkit.fileio import atomic_write
    from toolkit.jobs.store import new_id

    settings = deps.settings(request)
    limit = settings.upload_limit
    named = [(_safe_name(f.filename or "upload"), await f.read(limit + 1)) for f in files
             if f.filename]
    deps.audit(request, user, "upload", "ingest " + ", ".join(
        f"{name} ({len(data)} bytes)" for name, data in named))
    problems = [p for name, data in named if (p := check_file(name, data, limit))]
    names = [name for name, _ in named]
    problems += [f"{n}：同名文件上传了多次" for n in sorted({n for n in names if names.count(n) > 1})]
    if not named:
        problems.append("请选择要导入的文件")
    if len(named) > MAX_FILES:
        problems.append(f"一次最多导入 {MAX_FILES} 个文件（本次 {len(named)} 个）")
    if problems:  # nothing is written or queued for a refused upload
        code = 413 if any("上限" in p for p in problems) else 415 if named else 422
        return _form(request, user, code, problems)
    job_id = new_id()
    stored = [{"name": name, "path": str(atomic_write(settings.uploads / job_id / name, data))}
              for name, data in named]
    _submit(request, user, stored, new_version=False, job_id=job_id)
    return RedirectResponse(f"/ingest/{job_id}", status_code=303)


@router.get("/{job_id}")
def ingest_job_page(request: Request, job_id: str, user: deps.Drafter) -> Response:
    job = _job_for(request, job_id)
    template = "ingest_progress.html" if request.headers.get("hx-request") else "ingest_job.html"
    return deps.render(request, template, job=job, stages=STAGES, waiting=_waiting(request, job))


def _waiting(request: Request, job) -> str | None:
    """Why a queued job does not start (a PostgreSQL store with no `policykit worker` alive)."""
    reason = getattr(request.app.state.runner, "waiting_reason", None)
    said = reason() if job.state == "queued" and callable(reason) else None
    # the runner words it for the batches, the first job kind; the cause is the same here
    return said.replace("批量任务", "导入任务") if said else None


@router.post("/{job_id}/new-version", dependencies=[Depends(deps.csrf)])
async def ingest_new_version(request: Request, job_id: str, user: deps.Drafter) -> Response:
    """The explicit choice: the files this job refused, ingested again as new versions."""
    from toolkit.jobs.store import new_id

    job = _job_for(request, job_id)
    refused = [{"name": r["name"], "path": r["path"]} for r in (job.result or {}).get("files", [])
               if r.get("status") == "refused"]
    base = deps.settings(request).uploads.resolve()
    refused = [f for f in refused if Path(f["path"]).resolve().is_relative_to(base)
               and Path(f["path"]).is_file()]
    if not job.finished or not refused:
        raise HTTPException(409, "这项任务没有被拒绝、可作为新版本保存的文件")
    new_job = new_id()
    deps.audit(request, user, "ingest_new_version",
               f"job {job_id} → {new_job}: " + ", ".join(f["name"] for f in refused))
    _submit(request, user, refused, new_version=True, job_id=new_job, retry_of=job_id)
    return RedirectResponse(f"/ingest/{new_job}", status_code=303)
