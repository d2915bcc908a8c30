"""Accounts, sessions, CSRF and refusals of the web face (FastAPI TestClient, real store)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.web_support import PASSWORDS, client_for, csrf_of, login, make_app, make_web_db, token


@pytest.fixture(scope="module")
def web_db(corpus_store, tmp_path_factory):
    return make_web_db(corpus_store, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def app(web_db):
    return make_app(web_db)


def test_every_page_needs_a_login(app):
    c = client_for(app)
    for path in ("/", "/docs", "/doc/gd-measure", "/doc/gd-measure/chp_2__art_9",
                 "/search?q=中止", "/admin/audit"):
        r = c.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")
    assert c.get("/login").status_code == 200


def test_login_sets_a_signed_httponly_samesite_cookie_and_rotates_csrf(app):
    c = client_for(app)
    before = csrf_of(c.get("/login").text)
    r = login(c, "reader")
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    after = token(c)
    assert after != before  # a token seen before login is worth nothing after
    assert c.get("/docs").status_code == 200


def test_wrong_password_is_refused_and_audited_with_the_address(app):
    c = client_for(app)
    page = c.get("/login")
    r = c.post("/login", data={"username": "reader", "password": "wrong-password-1",
                               "csrf": csrf_of(page.text)})
    assert r.status_code == 401
    assert "用户名或密码不正确" in r.text
    entries = app.state.accounts.audit_entries(action="login_failed", username="reader")
    assert entries and entries[0].remote == "testclient"
    # an unknown user gets the same answer (no user enumeration)
    r = c.post("/login", data={"username": "nobody", "password": "x" * 12,
                               "csrf": csrf_of(page.text)})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text


def test_login_and_logout_without_csrf_token_are_refused(app):
    c = client_for(app)
    c.get("/login")
    r = c.post("/login", data={"username": "reader", "password": PASSWORDS["reader"]})
    assert r.status_code == 403 and "CSRF" in r.text
    login(c, "reader")
    r = c.post("/logout", data={})
    assert r.status_code == 403
    assert c.get("/docs").status_code == 200  # still logged in
    r = c.post("/logout", data={"csrf": token(c)})
    assert r.status_code == 303
    assert c.get("/docs").status_code == 303  # logged out


def test_a_forged_or_tampered_cookie_is_no_session(app):
    from toolkit.web.sessions import COOKIE, Session, SessionCodec

    c = client_for(app)
    forged = SessionCodec("not-the-server-secret" * 2, 3600).dumps(Session("x", user_id=1))
    c.cookies.set(COOKIE, forged)
    assert c.get("/docs").status_code == 303
    c = client_for(app, "admin")
    value = c.cookies.get(COOKIE)
    c.cookies.set(COOKIE, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1])
    assert c.get("/docs").status_code == 303


def test_next_never_leaves_the_site(app):
    c = client_for(app)
    page = c.get("/login?next=//evil.example/x")
    assert 'value="/"' in page.text
    r = c.post("/login", data={"username": "reader", "password": PASSWORDS["reader"],
                               "csrf": csrf_of(page.text), "next": "https://evil.example/"})
    assert r.headers["location"] == "/"


def test_admin_pages_refuse_other_roles_in_chinese(app):
    for role in ("reader", "drafter", "clerk"):
        r = client_for(app, role).get("/admin/audit")
        assert r.status_code == 403
        assert "无权访问" in r.text and "管理员" in r.text
        assert "Traceback" not in r.text
    admin = client_for(app, "admin")
    r = admin.get("/admin/audit?action=login")
    assert r.status_code == 200 and "<td>login</td>" in r.text
    users = admin.get("/admin/users").text
    assert "jieyang-ybj" in users and "zhanjiang-ybj" in users


def test_password_change_and_disable_end_open_sessions(web_db, app):
    accounts = app.state.accounts
    accounts.add("temp", "temp-pass-0001", ["reader"])
    c = client_for(app)
    login(c, "temp", "temp-pass-0001")
    assert c.get("/docs").status_code == 200
    accounts.set_password("temp", "temp-pass-0002")
    assert c.get("/docs").status_code == 303
    login(c, "temp", "temp-pass-0002")
    accounts.set_disabled("temp")
    assert c.get("/docs").status_code == 303
    page = c.get("/login")
    r = c.post("/login", data={"username": "temp", "password": "temp-pass-0002",
                               "csrf": csrf_of(page.text)})
    assert r.status_code == 401


def test_audit_log_is_append_only_in_the_database(app):
    app.state.accounts.log("admin", "test", "row")
    with app.state.accounts.engine.connect() as conn:
        for sql in ("DELETE FROM acct_audit", "UPDATE acct_audit SET detail = 'x'"):
            with pytest.raises(Exception, match="append-only"):
                with conn.begin():
                    conn.execute(text(sql))


def test_audit_log_is_append_only_on_postgresql(pg_url):
    from toolkit.accounts.users import Accounts

    accounts = Accounts.open(pg_url)
    accounts.add("pg", "pg-pass-00001", ["clerk"], offices=["jieyang-ybj"])
    assert accounts.authenticate("pg", "pg-pass-00001").offices == ("jieyang-ybj",)
    accounts.log("pg", "login", "", "10.0.0.1")
    with accounts.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        with conn.begin():
            conn.execute(text("DELETE FROM acct_audit"))
    assert [e.action for e in accounts.audit_entries()] == ["login"]
    accounts.engine.dispose()


def test_error_pages_are_chinese_without_traceback(web_db):
    app = make_app(web_db)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    c = client_for(app, "reader")
    r = c.get("/boom")
    assert r.status_code == 500
    assert "服务器内部错误" in r.text
    assert "secret internal detail" not in r.text and "Traceback" not in r.text
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.text


def test_pages_forbid_inline_and_foreign_scripts(app):
    r = client_for(app, "reader").get("/docs")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http://" not in r.text.split("<main>")[0] and "https://" not in r.text.split("<main>")[0]
    js = client_for(app).get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]


def test_paths_cannot_leave_their_folders(app, web_db):
    c = client_for(app, "admin")
    secret = web_db.parent / "out" / ".session-secret"
    for url in ("/static/../deps.py", "/static/%2e%2e/deps.py", "/static/..%2fdeps.py",
                "/register/..%2f..%2fetc/file/pdf", "/desk/batch/..%2f..%2fetc%2fpasswd/zip",
                "/desk/batch/0123/zip", "/doc/..%2f..%2fetc%2fpasswd"):
        r = c.get(url)
        assert r.status_code in (403, 404), url
        assert "import" not in r.text and "root:" not in r.text
    assert not secret.exists() or secret.read_text() not in c.get("/static/../../out/.session-secret").text
