"""Batch issuing through the web: upload checks, a background job whose state is in the store
(progress seen after a reload and by a restarted app), the bad row listed without a number,
the ZIP, and jobs a dead server left."""

from __future__ import annotations

import io
import re
import socket
import time
import zipfile
from pathlib import Path

import pytest

from tests.web_support import client_for, make_app, make_web_db, token

SOURCE = Path("examples/batch/refusal.csv")


def _table_with_bad_row() -> bytes:
    lines = SOURCE.read_text(encoding="utf-8-sig").splitlines()
    cols = lines[0].split(",")
    bad = lines[2].split(",")
    bad[cols.index("received_on")] = "2026-13-45"
    lines[2] = ",".join(bad)
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def web_db(corpus_store, tmp_path_factory):
    return make_web_db(corpus_store, tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def app(web_db):
    return make_app(web_db, test_cert=web_db.parent / "cert")


def _wait(client, url: str, timeout: float = 300) -> str:
    end = time.time() + timeout
    while time.time() < end:
        page = client.get(url, headers={"HX-Request": "true"}).text
        state = re.search(r'data-state="(\w+)"', page).group(1)
        if state in ("done", "failed", "interrupted"):
            return page
        time.sleep(0.5)
    raise AssertionError("the batch did not finish")


@pytest.fixture(scope="module")
def finished(app):
    c = client_for(app, "clerk")
    r = c.post("/desk/batch", data={"csrf": token(c), "doc_type": "refusal",
                                    "office": "jieyang-ybj"},
               files={"file": ("cases.csv", _table_with_bad_row(), "text/csv")})
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    first = c.get(url).text
    assert "<progress" in first
    return url, _wait(c, url)


def test_batch_with_one_bad_row(app, finished):
    from toolkit.issuing.register import Register

    url, page = finished
    rows = re.findall(r'<tr class="(\w+)" data-row="(\d+)">', page)
    assert rows == [("issued", "2"), ("invalid", "3"), ("issued", "4"), ("issued", "5")]
    assert "cases.csv：3 件已签发，1 行未签发" in page
    assert "收到申请日期（received_on）：2026-13-45 不存在" in page
    with Register(app.state.settings.db) as reg:
        numbers = [e.number for e in reg.entries(office="jieyang-ybj") if e.status == "issued"]
    shown = re.findall(r'href="/register/[^"]+">(揭医保〔\d+〕\d+号)</a>', page)
    assert shown == numbers[-3:] and len(set(shown)) == 3
    seqs = [int(re.search(r"〕(\d+)号", n).group(1)) for n in shown]
    assert seqs == list(range(seqs[0], seqs[0] + 3))  # consecutive, the bad row took none


def test_zip_holds_the_issued_files_and_the_register_extract(app, finished):
    url, _ = finished
    z = client_for(app, "clerk").get(url + "/zip")
    assert z.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert sum(n.endswith(".pdf") for n in names) == 3
    assert any(n.endswith(".csv") for n in names)


def test_progress_survives_a_reload_and_a_restart(app, web_db, finished):
    url, _ = finished
    again = client_for(app, "clerk").get(url)  # a new page load, another session
    assert 'data-state="done"' in again.text
    restarted = make_app(web_db, test_cert=web_db.parent / "cert")
    page = client_for(restarted, "clerk").get(url).text
    assert 'data-state="done"' in page and "3 件已签发" in page


def test_other_office_and_reader_are_refused(app, finished):
    url, _ = finished
    other = client_for(app, "clerk2")
    assert other.get(url).status_code == 403
    assert other.get(url + "/zip").status_code == 403
    r = other.post("/desk/batch", data={"csrf": token(other), "doc_type": "refusal",
                                        "office": "jieyang-ybj"},
                   files={"file": ("cases.csv", SOURCE.read_bytes(), "text/csv")})
    assert r.status_code == 403
    assert client_for(app, "reader").get("/desk/batch").status_code == 403


def test_upload_type_and_size_checks(app, corpus_store, tmp_path):
    c = client_for(app, "clerk")
    form = {"csrf": token(c), "doc_type": "refusal", "office": "jieyang-ybj"}
    for name, data, message in (("cases.exe", b"MZ", "只接受 .xlsx 或 .csv"),
                                ("cases.xlsx", b"not a zip", "不是 XLSX 文件"),
                                ("cases.csv", "行".encode("gbk") * 10, "CSV 应为 UTF-8 编码"),
                                ("../../etc/cases.exe", b"x", "cases.exe：只接受")):
        r = c.post("/desk/batch", data=form, files={"file": (name, data)})
        assert r.status_code == 415, name
        assert message in r.text
    small = make_app(make_web_db(corpus_store, tmp_path / "s"), upload_limit=1024 * 1024)
    s = client_for(small, "clerk")
    r = s.post("/desk/batch", data={"csrf": token(s), "doc_type": "refusal",
                                    "office": "jieyang-ybj"},
               files={"file": ("big.csv", b"a" * (1024 * 1024 + 1))})
    assert r.status_code == 413 and "上限" in r.text
    assert not (small.state.settings.uploads).exists() or not any(
        small.state.settings.uploads.iterdir())


def test_a_job_left_running_by_a_dead_server_is_interrupted_and_queued_ones_run(web_db):
    from sqlalchemy import update

    from toolkit.db.engine import write_transaction
    from toolkit.jobs.store import JobStore
    from toolkit.jobs.tables import jobs

    store = JobStore.open(str(web_db))
    left = store.submit("batch", {"office": "jieyang-ybj"}, owner="clerk")
    with write_transaction(store.engine) as conn:  # "running" in a process that no longer exists
        conn.execute(update(jobs).where(jobs.c.id == left).values(
            state="running", runner=f"{socket.gethostname()}:{2**22 + 12345}"))
    waiting = store.submit("nothing-handles-this", {}, owner="clerk")
    make_app(web_db, inline_jobs=True)  # a restart
    assert store.get(left).state == "interrupted"
    assert "policykit register recover" in store.get(left).error
    assert store.get(waiting).state == "failed"  # picked up at start, and failed honestly


def test_the_batch_page_lists_only_batch_jobs(corpus_store, tmp_path):
    """A clerk who also ingests (drafter) sees only batches under 我的批量任务: an ingest job's
    link there would be /desk/batch/<id>, a 404."""
    app = make_app(make_web_db(corpus_store, tmp_path / "kinds"))
    jobs = app.state.jobs
    batch = jobs.submit("batch", {"office": "jieyang-ybj", "name": "cases.csv"}, owner="clerk")
    ingest = jobs.submit("ingest", {"files": [], "owner": "clerk"}, owner="clerk")
    page = client_for(app, "clerk").get("/desk/batch").text
    assert f'href="/desk/batch/{batch}"' in page
    assert ingest not in page
    assert [j.id for j in jobs.list(owner="clerk", kind="ingest")] == [ingest]
