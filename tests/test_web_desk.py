"""The notice desk and the 发文登记簿 in the browser (TestClient, real store, LibreOffice,
real signatures with a TEST certificate): forms from the case models, field messages, preview,
issue, downloads, void, verify, and every refusal (wrong office, wrong role, no CSRF)."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web_support import client_for, make_app, make_web_db, token


@pytest.fixture(scope="module")
def desk_app(corpus_store, tmp_path_factory):
    db = make_web_db(corpus_store, tmp_path_factory.mktemp("desk"))
    return make_app(db, test_cert=db.parent / "cert")


@pytest.fixture(scope="module")
def clerk(desk_app):
    return client_for(desk_app, "clerk")


def _example() -> dict[str, str]:
    from toolkit.documents.cases import read_data
    from toolkit.web.forms import data_to_form

    values = data_to_form(read_data(Path("examples/refusal.yaml")))
    values.pop("doc_number")
    values.pop("type")
    return values | {"office": "jieyang-ybj"}


def _numbers(app) -> list[str]:
    from toolkit.issuing.register import Register

    with Register(app.state.settings.db) as reg:
        return [e.number for e in reg.entries()]


@pytest.fixture(scope="module")
def issued(desk_app, clerk):
    """One refusal issued through the form: (number, PDF bytes)."""
    before = _numbers(desk_app)
    r = clerk.post("/desk/refusal/issue", data=_example() | {"csrf": token(clerk)})
    assert r.status_code == 200, r.text
    number = re.search(r'id="number">([^<]+)<', r.text).group(1)
    assert _numbers(desk_app) == before + [number]
    pdf = clerk.get(f"/register/{quote(number)}/file/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    return number, pdf.content


def test_form_is_built_from_the_case_model(clerk):
    page = clerk.get("/desk/refusal").text
    for name in ("applicant.name", "applicant.kind", "received_on", "issuer.name", "addressee",
                 "grounds.[1].item", "grounds.[1].facts", "grounds.[3].facts", "recordal.cc"):
        assert f'name="{name}"' in page, name
    assert "申请单位" in page and "收到申请日期" in page and 'name="doc_number"' not in page
    office = page[page.index('name="office"'):page.index("</select>", page.index('name="office"'))]
    assert "揭阳市医疗保障局" in office and "湛江市医疗保障局" not in office  # only the clerk's
    assert 'value="揭阳市医疗保障局"' in page  # 署名 filled from the office


def test_wrong_fields_get_messages_beside_them_and_no_number(desk_app, clerk):
    before = _numbers(desk_app)
    bad = _example() | {"applicant.name": "", "received_on": "2026-13-01",
                        "grounds.[1].item": "五", "csrf": token(clerk)}
    r = clerk.post("/desk/refusal/issue", data=bad)
    assert r.status_code == 422
    messages = dict(re.findall(r'data-for="([^"]+)">([^<]+)<', r.text))
    assert messages["applicant.name"] == "缺少此项（必填）"
    assert messages["received_on"].startswith("2026-13-01 不存在")
    assert messages["grounds.[1].item"].startswith("应为整数")
    assert "未分配文号" in r.text
    assert _numbers(desk_app) == before
    # the clerk's other entries are kept in the form
    assert 'value="揭阳市榕城区康宁诊所"' in r.text


def test_a_cross_field_rule_is_shown_and_nothing_numbered(desk_app, clerk):
    before = _numbers(desk_app)
    r = clerk.post("/desk/refusal/issue", data=_example() | {"received_on": "2026-12-01",
                                                             "csrf": token(clerk)})
    assert r.status_code == 422 and "收到申请日期（received_on）不能晚于成文日期（date）" in r.text
    assert _numbers(desk_app) == before


def test_preview_shows_the_printed_pages_without_a_number(desk_app, clerk):
    before = _numbers(desk_app)
    r = clerk.post("/desk/refusal/preview", data=_example() | {"csrf": token(clerk)})
    assert r.status_code == 200
    pages = re.findall(r'<img class="page" src="data:image/png;base64,([^"]+)"', r.text)
    assert len(pages) >= 1
    import base64

    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(pages[0])))
    assert image.height > image.width  # an A4 page, portrait
    assert _numbers(desk_app) == before


def test_issue_gives_a_registered_signed_pdf_that_verify_finds_intact(desk_app, clerk, issued,
                                                                     tmp_path):
    number, pdf = issued
    assert re.fullmatch(r"揭医保〔2026〕\d+号", number)
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    ca = desk_app.state.settings.test_cert / "ca.pem"
    from click.testing import CliRunner

    from toolkit.cli.main import cli

    run = CliRunner().invoke(cli, ["verify", str(path), "--trust", str(ca)])
    assert run.exit_code == 0, run.output
    assert f"{path}: intact" in run.output
    page = clerk.get("/register").text
    assert hashlib.sha256(pdf).hexdigest() in page and number in page
    actions = [(e.action, e.detail.split()[0]) for e in desk_app.state.accounts.audit_entries(
        action="issue")]
    assert ("issue", number) in actions


def test_verify_page_says_intact_tampered_or_not_a_pdf(desk_app, clerk, issued):
    number, pdf = issued
    r = clerk.post("/register/verify", data={"csrf": token(clerk)},
                   files={"file": ("n.pdf", pdf, "application/pdf")})
    assert 'data-status="intact"' in r.text and number in r.text
    at = len(pdf) // 4  # a byte of the signed page content
    changed = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1:]
    r = clerk.post("/register/verify", data={"csrf": token(clerk)},
                   files={"file": ("n.pdf", changed, "application/pdf")})
    assert 'data-status="tampered"' in r.text and "不是发文登记簿中登记的文件" in r.text
    r = clerk.post("/register/verify", data={"csrf": token(clerk)},
                   files={"file": ("x.pdf", b"<html>not a pdf</html>", "application/pdf")})
    assert r.status_code == 415 and "x.pdf：不是 PDF 文件" in r.text
    assert any("verify n.pdf" in e.detail for e in
               desk_app.state.accounts.audit_entries(action="upload"))


def test_upload_size_limit(corpus_store, tmp_path):
    app = make_app(make_web_db(corpus_store, tmp_path / "small"), upload_limit=1024 * 1024)
    c = client_for(app, "clerk")
    r = c.post("/register/verify", data={"csrf": token(c)},
               files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10))})
    assert r.status_code == 413 and "big.pdf：文件超过 1 MB 的上限" in r.text


def test_clerk_of_another_office_is_refused_everywhere(desk_app, issued):
    number, _ = issued
    other = client_for(desk_app, "clerk2")
    before = _numbers(desk_app)
    r = other.post("/desk/refusal/issue", data=_example() | {"csrf": token(other)})
    assert r.status_code == 403 and "不能以该机关名义签发" in r.text
    assert _numbers(desk_app) == before
    for url in (f"/register/{quote(number)}", f"/register/{quote(number)}/file/pdf",
                "/register?office=jieyang-ybj"):
        r = other.get(url)
        assert r.status_code == 403, url
        assert "经办人员" in r.text
    r = other.post(f"/register/{quote(number)}/void", data={"csrf": token(other), "reason": "x"})
    assert r.status_code == 403
    assert number not in other.get("/register").text  # the list shows only its own offices
    refused = {e.action for e in desk_app.state.accounts.audit_entries(username="clerk2")}
    assert {"issue_refused", "register_refused"} <= refused


def test_wrong_role_and_missing_csrf_are_refused(desk_app, issued):
    number, _ = issued
    reader = client_for(desk_app, "reader")
    r = reader.post("/desk/refusal/issue", data=_example() | {"csrf": token(reader)})
    assert r.status_code == 403 and "经办" in r.text
    assert reader.get("/register").status_code == 403
    clerk = client_for(desk_app, "clerk")
    before = _numbers(desk_app)
    assert clerk.post("/desk/refusal/issue", data=_example()).status_code == 403
    assert _numbers(desk_app) == before
    r = clerk.post(f"/register/{quote(number)}/void", data={"reason": "没有令牌"})
    assert r.status_code == 403


def test_void_needs_a_reason_and_is_kept(desk_app, clerk, issued):
    number, _ = issued
    url = f"/register/{quote(number)}"
    r = clerk.post(f"{url}/void", data={"csrf": token(clerk), "reason": "  "})
    assert r.status_code == 422 and "请填写作废理由" in r.text
    r = clerk.post(f"{url}/void", data={"csrf": token(clerk), "reason": "送达地址有误，重新出具"})
    assert r.status_code == 303
    page = clerk.get(url).text
    assert "已作废" in page and "送达地址有误，重新出具" in page
    assert any(e.detail == f"{number}: 送达地址有误，重新出具"
               for e in desk_app.state.accounts.audit_entries(action="void"))


def test_hostile_case_fields_are_escaped_and_printed_as_typed(desk_app, clerk):
    hostile = "<script>alert(1)</script>{{ 7*7 }}"
    values = _example() | {"grounds.[1].facts": hostile, "csrf": token(clerk)}
    r = clerk.post("/desk/refusal/issue", data=values | {"received_on": "bad"})
    assert r.status_code == 422
    main = r.text[r.text.index("<main>"):]
    assert "<script>" not in main and "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in main
    r = clerk.post("/desk/refusal/issue", data=values)
    assert r.status_code == 200
    number = re.search(r'id="number">([^<]+)<', r.text).group(1)
    docx = clerk.get(f"/register/{quote(number)}/file/docx").content
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert hostile in text and "49" not in text.replace(number, "")


def test_a_case_issued_before_is_refused_and_takes_no_number(desk_app, clerk, issued):
    # The same case through the form again: refused, as `notice --pdf` refuses it, no number taken.
    values = _example() | {"case_id": "desk-rerun-1"}
    first = clerk.post("/desk/refusal/issue", data=values | {"csrf": token(clerk)})
    assert first.status_code == 200, first.text
    number = re.search(r'id="number">([^<]+)<', first.text).group(1)
    before = _numbers(desk_app)
    again = clerk.post("/desk/refusal/issue", data=values | {"csrf": token(clerk)})
    assert again.status_code == 409
    assert "已签发过" in again.text and number in again.text
    assert _numbers(desk_app) == before
