"""Shared fixtures of the web tests: a copy of the bundled corpus store with accounts, an app
and a logged-in TestClient per role. Imported by tests/test_web_*.py (not a conftest: the web
tests keep their fixtures to themselves)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

PASSWORDS = {
    "admin": "admin-pass-0001",
    "reader": "reader-pass-0001",
    "drafter": "drafter-pass-001",
    "clerk": "clerk-pass-00001",  # 揭阳 only
    "clerk2": "clerk2-pass-0001",  # 湛江 only
}
ROLES = {"admin": ["admin"], "reader": ["reader"], "drafter": ["drafter"], "clerk": ["clerk"],
         "clerk2": ["clerk"]}
OFFICES = {"clerk": ["jieyang-ybj"], "clerk2": ["zhanjiang-ybj"]}


def make_web_db(corpus_store: Path, folder: Path) -> Path:
    """The corpus store copied into ``folder``, with one account per role."""
    from toolkit.accounts.users import Accounts

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "policykit.db"
    shutil.copy(corpus_store, db)
    accounts = Accounts.open(str(db))
    for name, pw in PASSWORDS.items():
        accounts.add(name, pw, ROLES[name], offices=OFFICES.get(name, ()))
    accounts.engine.dispose()
    return db


def make_app(db: Path, **extra):
    from toolkit.web.app import create_app
    from toolkit.web.settings import Settings

    return create_app(Settings(db=str(db), out_dir=db.parent / "out", secret="t" * 40, **extra))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def client_for(app, user: str | None = None):
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    if user is not None:
        login(client, user)
    return client


def login(client, user: str, password: str | None = None):
    page = client.get("/login")
    response = client.post("/login", data={"username": user, "csrf": csrf_of(page.text),
                                           "password": password or PASSWORDS[user],
                                           "next": "/docs"})
    assert response.status_code == 303, response.text
    return response


def token(client) -> str:
    """The CSRF token of the client's current session."""
    return csrf_of(client.get("/docs").text)
