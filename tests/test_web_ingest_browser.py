"""Ingest in a real Chromium against ``uvicorn`` on a fresh, empty store: a drafter uploads the
Chuxiong PDF (the job's progress comes back after a reload; 39 articles shown), then a changed
text of it (refused, the article diff shown, nothing stored) and chooses "store as a new
version". Screenshots under out/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_browser_web import _free_port, _page, _shot, browser, pytestmark  # noqa: F401
from tests.test_web_ingest import CLEAN, NEW, OLD, PDF, fresh_db


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = fresh_db(tmp_path_factory.mktemp("browser-ingest"))
    port = _free_port()
    env = os.environ | {"POLICYKIT_DB": str(db), "POLICYKIT_WEB_OUT": str(db.parent / "out"),
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


def test_ingest_a_pdf_then_a_changed_text_as_a_new_version(browser, server, tmp_path):  # noqa: F811
    from toolkit.store import Store

    base, db = server
    page = _page(browser, server, "drafter")
    page.click("nav >> text=导入")
    page.set_input_files("#i-files", str(PDF))
    page.click("#ingest")
    page.wait_for_url(re.compile(r".*/ingest/[0-9a-f]{32}$"))
    page.reload()  # the job's state is on the server: the progress comes back after a reload
    page.wait_for_selector("#progress[data-state=done]", timeout=600_000)
    assert page.locator(f"tr[data-file='{PDF.name}']").get_attribute("data-status") == "ok"
    assert "cx-rules" in page.locator(f"tr[data-file='{PDF.name}']").inner_text()
    assert page.locator(f"tr[data-file='{PDF.name}'] td.articles").inner_text() == "39"
    _shot(page, "13-ingest-pdf")

    changed = tmp_path / CLEAN.name
    changed.write_text(CLEAN.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    page.goto(f"{base}/ingest")
    page.set_input_files("#i-files", str(changed))
    page.click("#ingest")
    page.wait_for_selector("#progress[data-state=done]", timeout=600_000)
    assert page.locator(f"tr[data-file='{CLEAN.name}']").get_attribute("data-status") == "refused"
    diff = page.locator("section.refused table.diff")
    assert "第二十七条" in diff.inner_text()
    assert diff.locator("ins").first.inner_text() == "2"
    with Store(db, create=False) as store:
        assert [s.id for s in store.sources()] == ["cx-designation"]  # nothing stored yet
    _shot(page, "14-ingest-refused-diff")

    page.click("#new-version button")
    page.wait_for_selector("#progress[data-state=done]", timeout=600_000)
    assert page.locator(f"tr[data-file='{CLEAN.name}']").get_attribute("data-status") == "new version"
    version = re.search(r"cx-rules@[0-9a-f]{8}", page.locator("table.files").inner_text()).group(0)
    _shot(page, "15-ingest-new-version")
    page.goto(f"{base}/doc/{version}")
    assert NEW.replace(" ", "") in page.locator("main").inner_text().replace(" ", "")
