"""The FastAPI application factory: routers, sessions, security headers, Chinese error pages.

``create_app(settings)`` is what tests and ``policykit serve`` call; uvicorn's ``--workers``
imports ``toolkit.web.app:from_env`` (a factory reading ``POLICYKIT_*``) in each process.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from toolkit.accounts.users import Accounts
from toolkit.jobs.runner import Handler
from toolkit.web import deps
from toolkit.web.sessions import COOKIE, SessionCodec, new_session
from toolkit.web.settings import Settings
from toolkit.web.settings import from_env as settings_from_env

log = logging.getLogger("policykit.web")

# No CDN, no inline script: everything comes from this server (offices are often offline),
# and a script smuggled into corpus text or case data would not run even if it escaped.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理。"),
    403: ("无权访问", "您没有执行此操作的权限。"),
    404: ("页面不存在", "找不到您要的页面或文件，请检查地址。"),
    405: ("不支持的操作", "此页面不接受这种请求。"),
    413: ("文件过大", "上传的文件超过大小限制。"),
    422: ("请求有误", "提交的内容不完整或格式不对。"),
    500: ("服务器内部错误", "处理请求时出错，已记录在服务器日志中，请稍后重试或联系管理员。"),
}

ROUTERS = ("auth", "corpus", "compare", "versions", "decide", "batch", "agreements", "desk",
           "register", "admin", "ingest")


def create_app(settings: Settings) -> FastAPI:
    import importlib

    app = FastAPI(title="policykit", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.accounts = Accounts.open(settings.db)
    from toolkit.db.url import database_url
    from toolkit.jobs.runner import InProcessRunner
    from toolkit.jobs.store import JobStore

    app.state.jobs = JobStore.open(settings.db)
    handlers = job_handlers(settings)
    if database_url(settings.db).get_backend_name() == "postgresql" and not settings.inline_jobs:
        # the queue lives in the store's PostgreSQL; `policykit worker` processes run the jobs
        from toolkit.jobs.procrastinate_runner import ProcrastinateRunner

        app.state.runner = ProcrastinateRunner.open(settings.db, app.state.jobs, handlers)
    else:
        app.state.runner = InProcessRunner(app.state.jobs, handlers, inline=settings.inline_jobs)
    app.state.runner.recover()  # jobs a stopped server left: interrupted, or run if queued
    codec = SessionCodec(settings.secret, int(settings.session_hours * 3600))
    app.state.codec = codec
    settings.out_dir.mkdir(parents=True, exist_ok=True)

    @app.middleware("http")
    async def sessions_and_headers(request: Request, call_next) -> Response:
        sess = codec.loads(request.cookies.get(COOKIE))
        fresh = sess is None
        request.state.session = sess or new_session()
        try:
            response = await call_next(request)
        except Exception:  # an error the handlers did not catch: never a traceback to a user
            log.exception("unhandled error on %s", request.url.path)
            response = deps.render(request, "error.html", 500, code=500, title=MESSAGES[500][0],
                                   message=MESSAGES[500][1])
        replaced = getattr(request.state, "new_session", None)
        if replaced is not None or fresh:
            value = codec.dumps(replaced or request.state.session)
            response.set_cookie(COOKIE, value, httponly=True, samesite="lax",
                                secure=settings.cookie_secure, path="/",
                                max_age=int(settings.session_hours * 3600))
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(deps.LoginRequired)
    async def to_login(request: Request, exc: deps.LoginRequired) -> Response:
        if request.method in ("GET", "HEAD"):
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return _error(request, 403, "请先登录。")

    @app.exception_handler(deps.Forbidden)
    async def forbidden(request: Request, exc: deps.Forbidden) -> Response:
        return _error(request, 403, exc.reason)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (
            "Not Found", "Method Not Allowed", "Forbidden") else None
        return _error(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = "、".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return _error(request, 422, f"缺少或无效的参数：{fields}" if fields else None)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return _error(request, 500, None)

    app.mount("/static", StaticFiles(directory=deps.STATIC), name="static")
    for name in ROUTERS:
        app.include_router(importlib.import_module(f"toolkit.web.{name}").router)
    return app


def _error(request: Request, code: int, detail: str | None) -> Response:
    title, message = MESSAGES.get(code, (f"错误 {code}", "请求无法完成。"))
    return deps.render(request, "error.html", code, code=code, title=title,
                       message=detail or message)


def job_handlers(settings: Settings) -> dict[str, Handler]:
    """The background jobs the web starts, by kind (the app and `policykit worker` share it)."""
    from functools import partial

    from toolkit.jobs.batch_job import batch_job
    from toolkit.jobs.ingest_job import ingest_job

    return {"batch": partial(batch_job, settings), "ingest": partial(ingest_job, settings)}


def from_env() -> FastAPI:
    """uvicorn's factory (``--factory toolkit.web.app:from_env``): settings from POLICYKIT_*."""
    return create_app(settings_from_env())
