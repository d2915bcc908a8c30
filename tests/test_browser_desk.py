"""The desk's reissue and agreement drafts in a real Chromium (Debian's, through Playwright's
executable_path), against uvicorn serving a copy of the bundled corpus. Each step saves a
screenshot under out/screenshots/ (not committed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.test_browser_web import CHROMIUM, _page, _shot, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")

ROOT = Path(__file__).resolve().parents[1]


def _verify(pdf: Path, db: Path) -> subprocess.CompletedProcess:
    policykit = Path(sys.executable).parent / "policykit"
    return subprocess.run([str(policykit), "verify", str(pdf), "--trust",
                           str(db.parent / "cert" / "ca.pem")], capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})


def test_a_clerk_reissues_an_issued_case_with_a_reason(browser, server, tmp_path):  # noqa: F811
    from toolkit.issuing.register import Register

    base, db = server
    page = _page(browser, server, "clerk")
    page.goto(f"{base}/desk/refusal?example=1")
    page.select_option("#f-office", "jieyang-ybj")
    page.fill("#f-case_id", "BR-REISSUE-1")
    page.click("button.issue")
    page.wait_for_selector("#number", timeout=120_000)
    first = page.locator("#number").inner_text()

    page.go_back()  # the clerk issues the same case again: refused, a reissue offered
    page.click("button.issue")
    page.wait_for_selector("fieldset#reissue", timeout=120_000)
    assert "已签发过" in page.locator("[role=alert]").first.inner_text()
    page.check("#f-reissue")
    page.click("button.issue")  # no reason yet: the message beside the field, no number
    page.wait_for_selector("[data-for=reissue_reason]")
    assert page.locator("[data-for=reissue_reason]").inner_text() == \
        "重新签发须写明理由（记入发文登记簿和审计日志）"
    page.locator("fieldset#reissue").scroll_into_view_if_needed()
    _shot(page, "10-reissue-needs-a-reason")
    page.fill("#f-reissue_reason", "送达地址有误，重新出具")
    page.click("button.issue")
    page.wait_for_selector("#number", timeout=120_000)
    second = page.locator("#number").inner_text()
    assert second != first
    assert first in page.locator("#reissue-note").inner_text()
    _shot(page, "11-reissued")
    with page.expect_download() as info:
        page.click("#download-pdf")
    pdf = tmp_path / "reissue.pdf"
    info.value.save_as(pdf)
    run = _verify(pdf, db)
    assert run.returncode == 0 and f"{pdf}: intact" in run.stdout, run.stdout + run.stderr

    page.goto(f"{base}/register/{quote(first)}")
    assert "已作废" in page.locator("h1").inner_text()
    assert page.locator("#reissued-as").inner_text() == second
    _shot(page, "12-reissued-old-number")
    with Register(db) as reg:
        assert reg.get(first).void_reason == f"reissued as {second}: 送达地址有误，重新出具"
        assert reg.get(second).reissue_of == first


def test_another_offices_clerk_sees_the_office_by_name(browser, server):  # noqa: F811
    base, _ = server
    page = _page(browser, server, "clerk2")
    response = page.goto(f"{base}/register?office=jieyang-ybj")
    assert response.status == 403
    reason = page.locator(".reason").inner_text()
    assert reason == "您不是“揭阳市医疗保障局”的经办人员，不能查看其发文登记簿"
    _shot(page, "13-refused-by-office-name")


def test_an_agreement_draft_from_the_desk(browser, server, tmp_path):  # noqa: F811
    import pypdfium2
    from docx import Document

    base, _ = server
    page = _page(browser, server, "clerk")
    page.goto(f"{base}/desk")
    page.click("#agreement-types a[href='/desk/agreement/service_agreement?example=1']")
    page.wait_for_selector("#f-party_b\\.name")
    page.fill("#f-party_b\\.name", "")
    page.fill("#f-term\\.start_on", "2027-02-30")
    page.click("#agreement-preview")
    page.wait_for_selector("[data-for='party_b.name']")
    assert page.locator("[data-for='party_b.name']").inner_text() == "缺少此项（必填）"
    assert page.locator("[data-for='term.start_on']").inner_text().startswith("2027-02-30 不存在")
    page.locator("[data-for='party_b.name']").scroll_into_view_if_needed()
    _shot(page, "14-agreement-field-messages")

    page.fill("#f-party_b\\.name", "南通市崇川区安泰门诊部")
    page.fill("#f-term\\.start_on", "2027-01-01")
    page.click("#agreement-preview")
    page.wait_for_selector("section.preview img.page", timeout=120_000)
    assert page.locator("section.preview img.page").count() >= 2
    page.locator("section.preview h2").scroll_into_view_if_needed()
    _shot(page, "15-agreement-preview")

    with page.expect_download() as info:
        page.click("#agreement-docx")
    assert info.value.suggested_filename == "service_agreement_NTYB-2027-0001.docx"
    docx = tmp_path / info.value.suggested_filename
    info.value.save_as(docx)
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "南通市崇川区安泰门诊部" in text and "南通市医疗保险基金管理中心" in text

    with page.expect_download(timeout=120_000) as info:
        page.click("#agreement-pdf")
    assert info.value.suggested_filename == "service_agreement_NTYB-2027-0001.pdf"
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    document = pypdfium2.PdfDocument(str(pdf))
    printed = re.sub(r"\s", "", "".join(p.get_textpage().get_text_range() for p in document))
    document.close()
    assert "南通市崇川区安泰门诊部" in printed
