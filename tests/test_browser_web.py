"""The browser face in a real Chromium (Debian's, through Playwright's executable_path; nothing
downloads a browser), against ``uvicorn`` serving a copy of the bundled corpus on a free port.
Each test saves a screenshot under out/screenshots/ (not committed)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web_support import PASSWORDS, make_web_db

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(corpus_store, tmp_path_factory):
    db = make_web_db(corpus_store, tmp_path_factory.mktemp("browser"))
    port = _free_port()
    env = os.environ | {"POLICYKIT_DB": str(db), "POLICYKIT_WEB_OUT": str(db.parent / "out"),
                        "POLICYKIT_TEST_CERT": str(db.parent / "cert"),
                        "POLICYKIT_SECRET": "browser-test-secret-0123456789",
                        "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "toolkit.web.app:from_env",
                             "--factory", "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning"], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None, "uvicorn exited"
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", db
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def _page(browser, server, user: str):
    base, _ = server
    context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/docs")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/docs")
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_log_in(browser, server):
    page = _page(browser, server, "reader")
    assert page.locator("header .who span").inner_text() == "reader"
    assert page.locator("a.title[href='/doc/gd-measure']").inner_text() == "广东省医疗机构医疗保障定点管理暂行办法"
    _shot(page, "01-docs")


def test_search_open_article_and_follow_a_cross_reference(browser, server):
    base, _ = server
    page = _page(browser, server, "reader")
    page.click("nav >> text=检索")
    page.fill("#q", "中止")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.hits li")
    assert page.locator(".snippet mark", has_text="中止").count() > 0
    _shot(page, "02-search")
    page.click("a.hit[href='/doc/js-rules/chp_7__art_44__para_4']")
    page.wait_for_url(f"{base}/doc/js-rules/chp_7__art_44__para_4")
    assert "第四十四条第四款" in page.locator("#citation").inner_text()
    _shot(page, "03-article")
    page.locator("a.xref").first.click()
    page.wait_for_url(re.compile(r".*/doc/js-rules/chp_7__art_44__para_1__point_\d+$"))
    assert page.locator(".node.focus").count() == 1
    _shot(page, "04-cross-reference")


def test_compare_three_rules_differences_first(browser, server):
    base, _ = server
    page = _page(browser, server, "reader")
    page.goto(f"{base}/compare")
    for doc in ("gd-measure", "js-rules", "cx-rules"):
        page.check(f"input[name=d][value='{doc}']")
    page.click("form.choose button[type=submit]")
    page.wait_for_selector("table.params")
    statuses = page.locator("table.params tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.status)")
    assert statuses and set(statuses) == {"different"}
    page.click("nav.filter >> text=全部")
    page.wait_for_selector("table.params")
    every = page.locator("table.params tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.status)")
    assert every[:len(statuses)] == statuses and "same" in every
    assert every.index("same") > max(i for i, s in enumerate(every) if s == "different")
    _shot(page, "05-compare")


@pytest.fixture(scope="module")
def issued(browser, server, tmp_path_factory):
    """A refusal issued through the form in the browser; (number, downloaded PDF path)."""
    base, _ = server
    page = _page(browser, server, "clerk")
    page.goto(f"{base}/desk/refusal?example=1")
    page.select_option("#f-office", "jieyang-ybj")
    page.click("button.issue")
    page.wait_for_selector("#number", timeout=120_000)
    number = page.locator("#number").inner_text()
    _shot(page, "06-issued")
    with page.expect_download() as info:
        page.click("#download-pdf")
    path = tmp_path_factory.mktemp("dl") / "notice.pdf"
    info.value.save_as(path)
    return number, path


def test_issue_a_refusal_and_verify_the_downloaded_pdf(server, issued):
    number, pdf = issued
    _, db = server
    assert re.fullmatch(r"揭医保〔2026〕\d+号", number)
    # the real command in its own process (Playwright's loop owns this one)
    policykit = Path(sys.executable).parent / "policykit"
    run = subprocess.run([str(policykit), "verify", str(pdf), "--trust",
                          str(db.parent / "cert" / "ca.pem")], capture_output=True, text=True,
                         env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert run.returncode == 0 and f"{pdf}: intact" in run.stdout, run.stdout + run.stderr


def test_batch_with_one_bad_row(browser, server, tmp_path):
    base, _ = server
    lines = Path("examples/batch/refusal.csv").read_text(encoding="utf-8-sig").splitlines()
    cols = lines[0].split(",")
    bad = lines[2].split(",")
    bad[cols.index("received_on")] = "2026-13-45"
    lines[2] = ",".join(bad)
    table = tmp_path / "cases.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = _page(browser, server, "clerk")
    page.goto(f"{base}/desk/batch")
    page.select_option("#b-type", "refusal")
    page.select_option("#b-office", "jieyang-ybj")
    page.set_input_files("#b-file", str(table))
    page.click("button.issue")
    page.wait_for_url(re.compile(r".*/desk/batch/[0-9a-f]{32}$"))
    page.reload()  # the job's state is on the server: the bar comes back after a reload
    page.wait_for_selector("#progress[data-state=done]", timeout=300_000)
    rows = page.locator("table.rows tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.row, r.className])")
    assert rows == [["2", "issued"], ["3", "invalid"], ["4", "issued"], ["5", "issued"]]
    assert "received_on" in page.locator("tr[data-row='3']").inner_text()
    _shot(page, "07-batch")


def test_void_a_number(browser, server, issued):
    from urllib.parse import quote

    base, _ = server
    number, _ = issued
    page = _page(browser, server, "clerk")
    page.goto(f"{base}/register/{quote(number)}")
    page.fill("form.void input[name=reason]", "测试：送达地址有误")
    page.click("form.void button")
    page.wait_for_selector("text=测试：送达地址有误")
    assert "已作废" in page.locator("h1").inner_text()
    _shot(page, "08-voided")


def test_clerk_refused_another_office_register(browser, server, issued):
    from urllib.parse import quote

    base, _ = server
    number, _ = issued
    page = _page(browser, server, "clerk2")
    response = page.goto(f"{base}/register/{quote(number)}")
    assert response.status == 403
    assert "无权访问" in page.locator("h1").inner_text()
    assert "您不是该机关的经办人员" in page.locator(".reason").inner_text()
    _shot(page, "09-refused")
