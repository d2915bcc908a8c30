"""Ingest from the browser as a background job: real bundled files into a fresh store, the
same admission as ``policykit ingest`` (unchanged files reported; a changed text of a known
source refused with its article diff, stored only when "store as a new version" is chosen),
upload checks, roles, CSRF, the audit log, and the job seen again after a restart."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.web_support import PASSWORDS, ROLES, client_for, make_app, token

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "corpus" / "sources" / "004_928757f12460cdce.pdf"  # 楚医保〔2022〕10号 + cx-rules
CLEAN = ROOT / "tests" / "data" / "clean" / "004_928757f12460cdce.txt"
OLD = "应当在定点医药机构申报后 30 个工作日内拨付"
NEW = "应当在定点医药机构申报后 20 个工作日内拨付"


def fresh_db(folder: Path) -> Path:
    """An empty store with one account per role (nothing ingested)."""
    from toolkit.accounts.users import Accounts
    from toolkit.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "policykit.db"
    Store(db).close()
    accounts = Accounts.open(str(db))
    for name, pw in PASSWORDS.items():
        accounts.add(name, pw, ROLES[name], offices=["jieyang-ybj"] if name == "clerk" else ())
    accounts.engine.dispose()
    return db


@pytest.fixture(scope="module")
def web_db(tmp_path_factory):
    return fresh_db(tmp_path_factory.mktemp("ingest"))


@pytest.fixture(scope="module")
def app(web_db):
    return make_app(web_db, inline_jobs=True)


def _upload(c, *files: tuple[str, bytes]):
    return c.post("/ingest", data={"csrf": token(c)},
                  files=[("files", (name, data)) for name, data in files])


def _job(c, response) -> tuple[str, str]:
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    page = c.get(url).text
    assert 'data-state="done"' in page, page
    return url, page


def _rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-file="([^"]+)" data-status="([^"]+)"', page))


@pytest.fixture(scope="module")
def first(app):
    """The Chuxiong PDF uploaded into the empty store by a drafter."""
    c = client_for(app, "drafter")
    return _job(c, _upload(c, (PDF.name, PDF.read_bytes())))


def test_a_pdf_into_a_fresh_store_shows_its_documents_and_articles(app, first):
    from toolkit.store import Store

    url, page = first
    assert _rows(page) == {PDF.name: "ok"}
    # 楚雄细则: 39 articles (tests/test_parse_corpus.py counts them from the same PDF)
    assert re.search(r'<a href="/doc/cx-rules">[^<]+</a> <code>cx-rules</code>（39 条）', page)
    assert '<td class="articles">39</td>' in page
    with Store(app.state.settings.db, create=False) as store:
        assert {s.id for s in store.sources()} == {"cx-designation"}
        assert store.article("cx-rules", 27) is not None
    c = client_for(app, "reader")
    assert c.get("/doc/cx-rules").status_code == 200


def test_the_same_text_again_is_reported_unchanged(app, first):
    from toolkit.store import Store

    with Store(app.state.settings.db, create=False) as store:
        before = [(s.id, s.ingested_at) for s in store.sources()]
    c = client_for(app, "drafter")
    # the same text from another format (the clean text of the same source) is the same law
    _, page = _job(c, _upload(c, (PDF.name, PDF.read_bytes()), (CLEAN.name, CLEAN.read_bytes())))
    assert _rows(page) == {PDF.name: "unchanged", CLEAN.name: "unchanged"}
    assert "2 个未变" in page
    # the very file is known by its bytes before any parse; the other format by its text
    pdf_row = page.split(f'data-file="{PDF.name}"', 1)[1].split("</tr>", 1)[0]
    assert "未重新解析" in pdf_row and "（39 条）" in pdf_row
    with Store(app.state.settings.db, create=False) as store:
        assert [(s.id, s.ingested_at) for s in store.sources()] == before


@pytest.fixture(scope="module")
def refused(app, first):
    text = CLEAN.read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    c = client_for(app, "drafter")
    return c, *_job(c, _upload(c, (CLEAN.name, text.replace(OLD, NEW).encode())))


def test_a_changed_text_is_refused_with_its_article_diff_and_nothing_stored(app, refused):
    from toolkit.store import Store

    _, url, page = refused
    assert _rows(page) == {CLEAN.name: "refused"}
    section = page.split('<section class="refused"', 1)[1].split("</section>", 1)[0]
    assert "cx-rules" in section and "第二十七条" in section
    # the redline: 30 struck out in the old article, 20 inserted in the new one
    assert re.search(r"<del>3</del>", section) and re.search(r"<ins>2</ins>", section)
    assert 'id="new-version"' in page
    with Store(app.state.settings.db, create=False) as store:
        assert {s.id for s in store.sources()} == {"cx-designation"}
        assert OLD.replace(" ", "") in store.article("cx-rules", 27).full_text().replace(" ", "")


def test_store_as_a_new_version_is_an_explicit_second_job(app, refused):
    from toolkit.store import Store

    c, url, _ = refused
    assert client_for(app, "reader").post(url + "/new-version", data={}).status_code == 403
    r = c.post(url + "/new-version", data={"csrf": token(c)})
    new_url, page = _job(c, r)
    assert new_url != url and _rows(page) == {CLEAN.name: "new version"}
    assert "作为新版本" in page
    version = re.search(r"<code>(cx-rules@[0-9a-f]{8})</code>", page).group(1)
    with Store(app.state.settings.db, create=False) as store:
        sources = {s.id for s in store.sources()}
        assert "cx-designation" in sources and len(sources) == 2
        new = store.article(version, 27).full_text().replace(" ", "")
        old = store.article("cx-rules", 27).full_text().replace(" ", "")
    assert NEW.replace(" ", "") in new and OLD.replace(" ", "") in old
    # a job with nothing refused offers no second step
    assert c.post(new_url + "/new-version", data={"csrf": token(c)}).status_code == 409


def test_readers_and_clerks_cannot_ingest(app):
    for user in ("reader", "clerk"):
        c = client_for(app, user)
        assert c.get("/ingest").status_code == 403
        r = _upload(c, (PDF.name, PDF.read_bytes()))
        assert r.status_code == 403 and "起草" in r.text
    assert client_for(app).get("/ingest").status_code == 303  # to the login
    c = client_for(app, "drafter")
    r = c.post("/ingest", files=[("files", (PDF.name, PDF.read_bytes()))])  # no CSRF token
    assert r.status_code == 403 and "CSRF" in r.text
    assert 'href="/ingest"' in c.get("/docs").text
    assert 'href="/ingest"' not in client_for(app, "reader").get("/docs").text


def test_upload_type_and_size_checks_write_nothing(app, web_db, tmp_path):
    c = client_for(app, "drafter")
    uploads = app.state.settings.uploads
    before = sorted(uploads.rglob("*")) if uploads.exists() else []
    for files, code, message in (
            ([("rule.exe", b"MZ")], 415, "rule.exe：只接受 .pdf、.docx、.txt 或 .md 文件"),
            ([("rule.pdf", b"not a pdf")], 415, "rule.pdf：不是 PDF 文件"),
            ([("rule.docx", b"%PDF-1.7")], 415, "rule.docx：不是 DOCX 文件"),
            ([("rule.txt", "第一条".encode("gbk"))], 415, "rule.txt：文本文件应为 UTF-8 编码"),
            ([("../../etc/rule.exe", b"x")], 415, "rule.exe：只接受"),
            ([("a.txt", "第一条".encode()), ("a.txt", "第二条".encode())], 415, "a.txt：同名文件上传了多次"),
            ([(PDF.name, PDF.read_bytes()), ("empty.txt", b"")], 415, "empty.txt：文件是空的")):
        r = _upload(c, *files)
        assert r.status_code == code, (files[0][0], r.status_code)
        assert message in html.unescape(r.text)
        assert "没有保存任何文件" in r.text
    small = make_app(fresh_db(tmp_path / "small"), upload_limit=1024 * 1024, inline_jobs=True)
    s = client_for(small, "drafter")
    r = _upload(s, ("big.txt", "第一条".encode() * (1024 * 1024 // 9 + 1)))
    assert r.status_code == 413 and "big.txt：文件超过 1 MB 的上限" in r.text
    assert not small.state.settings.uploads.exists() or not any(small.state.settings.uploads.iterdir())
    assert (sorted(uploads.rglob("*")) if uploads.exists() else []) == before


def test_hostile_text_is_shown_as_typed(app):
    c = client_for(app, "drafter")
    text = "关于<script>alert(1)</script>{{ 7*7 }}的通知\n\n第一条 <b>不</b>得{{ 7*7 }}。\n第二条 本办法自2026年1月1日起施行。\n"
    _, page = _job(c, _upload(c, ("hostile.txt", text.encode())))
    assert _rows(page)["hostile.txt"] in ("ok", "partial")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_audit_log_and_a_restarted_app_see_the_jobs(app, web_db, refused):
    from toolkit.accounts.users import Accounts

    _, url, _ = refused
    entries = Accounts.open(str(web_db)).audit_entries(limit=500)
    actions = {(e.username, e.action) for e in entries}
    assert {("drafter", "upload"), ("drafter", "ingest")} <= actions
    if any(e.action == "ingest_new_version" for e in entries):  # the choice, when it was made
        assert any(url.rsplit("/", 1)[-1] in e.detail for e in entries
                   if e.action == "ingest_new_version")
    ingest = [e.detail for e in entries if e.action == "ingest"]
    assert any(f"{CLEAN.name}: refused" in d for d in ingest)
    assert any(f"{PDF.name}: ok" in d for d in ingest)
    restarted = make_app(web_db)
    page = client_for(restarted, "drafter").get(url).text
    assert 'data-state="done"' in page and 'data-status="refused"' in page
    # the job list names the files
    assert CLEAN.name in client_for(restarted, "drafter").get("/ingest").text


def test_an_unreadable_file_is_listed_and_the_others_are_stored(app, first):
    c = client_for(app, "drafter")
    good = "关于测试导入的通知\n\n第一条 本通知用于测试。\n第二条 本通知自2026年1月1日起施行。\n"
    _, page = _job(c, _upload(c, ("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 64),
                              ("notice-ok.txt", good.encode())))
    rows = _rows(page)
    assert rows["broken.pdf"] == "failed" and rows["notice-ok.txt"] in ("ok", "partial")
    broken = page.split('data-file="broken.pdf"', 1)[1].split("</tr>", 1)[0]
    assert "无法读取" in broken and re.search(r'<div class="note">[^<]+</div>', broken)


def test_an_interrupted_ingest_says_what_was_kept(app, web_db):
    import socket

    from sqlalchemy import update

    from toolkit.db.engine import write_transaction
    from toolkit.jobs.store import JobStore
    from toolkit.jobs.tables import jobs

    store = JobStore.open(str(web_db))
    left = store.submit("ingest", {"files": [{"name": "x.txt", "path": "/nonexistent/x.txt"}]},
                        owner="drafter")
    with write_transaction(store.engine) as conn:  # "running" in a process that no longer exists
        conn.execute(update(jobs).where(jobs.c.id == left).values(
            state="running", runner=f"{socket.gethostname()}:{2**22 + 4321}"))
    restarted = make_app(web_db)
    page = client_for(restarted, "drafter").get(f"/ingest/{left}").text
    assert 'data-state="interrupted"' in page and "已入库的文件完整" in page
