"""Log in and out. Every attempt, good or bad, goes into the audit log with the address."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from toolkit.web import deps
from toolkit.web.sessions import new_session

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: ``next=//evil.example`` or a full URL goes home instead."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return deps.render(request, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login", dependencies=[Depends(deps.csrf)])
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:
    accounts = deps.accounts(request)
    user = accounts.authenticate(username, password)
    if user is None:
        accounts.log(username.strip()[:64] or None, "login_failed", "", deps.client(request))
        return deps.render(request, "login.html", 401, next=_safe_next(next),
                           error="用户名或密码不正确，或账户已停用。", username=username)
    accounts.log(user.username, "login", "", deps.client(request))
    # A new session (and CSRF token) at login: a token seen before login is worth nothing after.
    request.state.new_session = new_session(user.id, accounts.password_stamp(user.username))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(deps.csrf)])
def logout(request: Request) -> Response:
    user = deps.optional_user(request)
    if user is not None:
        deps.audit(request, user, "logout")
    request.state.new_session = new_session()
    return RedirectResponse("/login", status_code=303)
