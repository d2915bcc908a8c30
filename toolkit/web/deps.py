"""Request dependencies: settings, the store, the current user, role checks and CSRF.

Routers declare what a page needs (``Depends(require("clerk"))``, ``Depends(csrf)``); the
refusals are exceptions the app turns into the Chinese 403 page or a redirect to the login.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from toolkit.accounts.users import Accounts, User
from toolkit.store import Store
from toolkit.web.sessions import Session, same_token
from toolkit.web.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# autoescape on for every template: case data and corpus text never become markup.
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


class LoginRequired(Exception):
    """No valid session: a page redirects to the login, an action gets 403."""


class Forbidden(Exception):
    """A refusal shown on the Chinese 403 page with its reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def settings(request: Request) -> Settings:
    return request.app.state.settings


def accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def session(request: Request) -> Session:
    return request.state.session


def store(request: Request) -> Store:
    """The app's one Store (its engine pools connections and is shared by the request threads;
    opening a store per request would re-check its schema every time)."""
    app = request.app
    if getattr(app.state, "store", None) is None:
        app.state.store = Store(app.state.settings.db, create=False)
    return app.state.store


def optional_user(request: Request) -> User | None:
    cached = getattr(request.state, "user", "unset")
    if cached != "unset":
        return cached
    sess: Session = request.state.session
    user = None
    if sess.user_id is not None:
        found = request.app.state.accounts.by_id(sess.user_id)
        if found is not None and not found.disabled:
            stamp = request.app.state.accounts.password_stamp(found.username)
            user = found if stamp == sess.password_stamp else None
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


def require(*roles: str) -> Callable[..., User]:
    """A user holding any of ``roles`` (every signed-in user holds reader's rights)."""
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if roles and not any(user.has(r) for r in roles):
            from toolkit.accounts.users import ROLE_NAMES

            names = "、".join(ROLE_NAMES[r] for r in roles)
            raise Forbidden(f"此操作需要以下角色之一：{names}")
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
StoreDep = Annotated[Store, Depends(store)]


async def csrf(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    sent = request.headers.get("x-csrf-token")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf")
            sent = value if isinstance(value, str) else None
    if not same_token(sent, request.state.session.csrf):
        raise Forbidden("表单已过期或来源不明（缺少有效的 CSRF 令牌），请刷新页面后重试")


def client(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit(request: Request, user: User | None, action: str, detail: str = "") -> None:
    request.app.state.accounts.log(user.username if user else None, action, detail,
                                   client(request))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page with the layout's context (user, CSRF token, current path) filled in."""
    user = optional_user(request) if hasattr(request.state, "session") else None
    html = ENV.get_template(template).render(
        request=request, user=user, csrf_token=request.state.session.csrf
        if hasattr(request.state, "session") else "", path=request.url.path,
        zip=zip, **context)
    return HTMLResponse(html, status_code=status_code)


Admin = Annotated[User, Depends(require("admin"))]
Drafter = Annotated[User, Depends(require("drafter", "admin"))]
Clerk = Annotated[User, Depends(require("clerk"))]
