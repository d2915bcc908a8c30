"""Admin pages: the accounts and the audit log (read only here; accounts change on the
command line, ``policykit user …``, so there is no page that can create an admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from toolkit.accounts.users import ROLE_NAMES
from toolkit.web import deps

router = APIRouter(prefix="/admin")


@router.get("/audit")
def audit_log(request: Request, user: deps.Admin, action: str | None = None,
              username: str | None = None) -> Response:
    entries = deps.accounts(request).audit_entries(action=action or None,
                                                   username=username or None, limit=500)
    return deps.render(request, "admin_audit.html", entries=entries, action=action or "",
                       username=username or "")


@router.get("/users")
def user_list(request: Request, user: deps.Admin) -> Response:
    return deps.render(request, "admin_users.html", users=deps.accounts(request).list(),
                       role_names=ROLE_NAMES)
